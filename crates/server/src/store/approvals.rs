//! Approvals (DESIGN.md 14): the account's policy and the requests with their decisions. What a
//! request may become is the domain's [`vpn_console_domain::approval`]; this reads and writes it,
//! each status change behind a conditional update so that replicas change a request once.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use vpn_console_domain::api::ApiError;
use vpn_console_domain::approval::{
    ApprovalDecision, ApprovalPolicy, ApprovalRequest, ApprovalStatus, Covered, Verdict,
};
use vpn_console_domain::{AuditAction, OmEvent};

use super::audit::AuditRecord;
use super::events::{event_in_tx, record_change, Change};
use super::{int, opt_text, placeholders, text, Store, Tx};
use crate::clock::{from_millis, to_millis};

/// A request as stored, with what the answer does not show.
#[derive(Debug, Clone)]
pub struct StoredApproval {
    pub request: ApprovalRequest,
    pub account: String,
    /// `token:<name>` when it was asked through an API token.
    pub via: Option<String>,
    pub min_approvals: u8,
    /// The events' versions when it was asked, in the request's order.
    pub versions: Vec<i64>,
}

/// The most requests `GET /approvals` lists (its `total` counts them all).
pub const LIST_LIMIT: i64 = 200;

fn corrupt_json(col: &str, raw: &str, e: serde_json::Error) -> sqlx::Error {
    super::corrupt(col, raw, e)
}

fn json<T: serde::de::DeserializeOwned>(row: &AnyRow, col: &str) -> sqlx::Result<T> {
    let raw = text(row, col)?;
    serde_json::from_str(&raw).map_err(|e| corrupt_json(col, &raw, e))
}

fn parse_name<T: std::str::FromStr>(col: &str, raw: &str) -> sqlx::Result<T>
where
    T::Err: std::fmt::Display,
{
    raw.parse().map_err(|e: T::Err| super::corrupt(col, raw, e))
}

const REQUEST_COLUMNS: &str = "id, account_id, requested_by, via, requested_at, change, reason, \
    ticket, risk, expires_at, min_approvals, status, error_code, error_message";

/// Reads the request of `row` and its events and decisions through `conn`.
async fn load(conn: &mut sqlx::AnyConnection, row: &AnyRow) -> sqlx::Result<StoredApproval> {
    let id = text(row, "id")?;
    let events = sqlx::query(
        "SELECT event_id, version FROM approval_events WHERE approval_id = $1 ORDER BY position",
    )
    .bind(&id)
    .fetch_all(&mut *conn)
    .await?;
    let decisions = sqlx::query(
        "SELECT decided_by, at, decision, comment FROM approval_decisions WHERE approval_id = $1 ORDER BY at, decided_by",
    )
    .bind(&id)
    .fetch_all(&mut *conn)
    .await?;
    let decisions = decisions
        .iter()
        .map(|d| {
            Ok(ApprovalDecision {
                by: text(d, "decided_by")?,
                at: from_millis(int(d, "at")?),
                decision: parse_name::<Verdict>("decision", &text(d, "decision")?)?,
                comment: opt_text(d, "comment")?,
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
    let error = match (
        opt_text(row, "error_code")?,
        opt_text(row, "error_message")?,
    ) {
        (Some(code), message) => Some(ApiError {
            code,
            message: message.unwrap_or_default(),
        }),
        _ => None,
    };
    let min = int(row, "min_approvals")?;
    Ok(StoredApproval {
        request: ApprovalRequest {
            id,
            event_ids: events
                .iter()
                .map(|e| text(e, "event_id"))
                .collect::<sqlx::Result<_>>()?,
            requested_by: text(row, "requested_by")?,
            requested_at: from_millis(int(row, "requested_at")?),
            change: json(row, "change")?,
            reason: text(row, "reason")?,
            ticket: opt_text(row, "ticket")?,
            risk: json(row, "risk")?,
            expires_at: from_millis(int(row, "expires_at")?),
            status: parse_name("status", &text(row, "status")?)?,
            decisions,
            error,
        },
        account: text(row, "account_id")?,
        via: opt_text(row, "via")?,
        min_approvals: u8::try_from(min)
            .map_err(|e| super::corrupt("min_approvals", &min.to_string(), e))?,
        versions: events
            .iter()
            .map(|e| int(e, "version"))
            .collect::<sqlx::Result<_>>()?,
    })
}

/// A request in `tx`, whatever its account.
pub(crate) async fn approval_in_tx(tx: &mut Tx, id: &str) -> sqlx::Result<Option<StoredApproval>> {
    let row = sqlx::query(&format!(
        "SELECT {REQUEST_COLUMNS} FROM approval_requests WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        None => Ok(None),
        Some(row) => load(tx, &row).await.map(Some),
    }
}

/// Of `event_ids`, those a request still waits for at `now`.
pub(crate) async fn awaiting_approval(
    tx: &mut Tx,
    event_ids: &[&str],
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<String>> {
    if event_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT e.event_id FROM approval_events e JOIN approval_requests r ON r.id = e.approval_id \
         WHERE r.status = 'pending' AND r.expires_at > $1 AND e.event_id IN ({})",
        placeholders(2, event_ids.len())
    );
    let mut q = sqlx::query(&sql).bind(to_millis(now));
    for id in event_ids {
        q = q.bind(*id);
    }
    let rows = q.fetch_all(&mut **tx).await?;
    rows.iter().map(|r| text(r, "event_id")).collect()
}

/// Stores a new request, pending, with the events' versions as they were decided.
pub(crate) async fn insert_approval(tx: &mut Tx, stored: &StoredApproval) -> sqlx::Result<()> {
    let r = &stored.request;
    sqlx::query(&format!(
        "INSERT INTO approval_requests ({REQUEST_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, NULL)"
    ))
    .bind(&r.id)
    .bind(&stored.account)
    .bind(&r.requested_by)
    .bind(stored.via.as_deref())
    .bind(to_millis(r.requested_at))
    .bind(serde_json::to_string(&r.change).expect("changes serialize"))
    .bind(&r.reason)
    .bind(r.ticket.as_deref())
    .bind(serde_json::to_string(&r.risk).expect("risks serialize"))
    .bind(to_millis(r.expires_at))
    .bind(i64::from(stored.min_approvals))
    .bind(r.status.as_str())
    .execute(&mut **tx)
    .await?;
    for (position, (event, version)) in r.event_ids.iter().zip(&stored.versions).enumerate() {
        sqlx::query(
            "INSERT INTO approval_events (approval_id, event_id, position, version) VALUES ($1, $2, $3, $4)",
        )
        .bind(&r.id)
        .bind(event)
        .bind(position as i64)
        .bind(*version)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Records one person's decision; false when they had decided already.
pub(crate) async fn insert_decision(
    tx: &mut Tx,
    id: &str,
    decision: &ApprovalDecision,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO approval_decisions (approval_id, decided_by, at, decision, comment) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(&decision.by)
    .bind(to_millis(decision.at))
    .bind(decision.decision.as_str())
    .bind(decision.comment.as_deref())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a request from `from` to `to` (with `error` for `failed`); false when it was no
/// longer at `from` (another replica, or another writer, changed it first).
pub(crate) async fn set_status(
    tx: &mut Tx,
    id: &str,
    from: ApprovalStatus,
    to: ApprovalStatus,
    error: Option<&ApiError>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE approval_requests SET status = $1, error_code = $2, error_message = $3 \
         WHERE id = $4 AND status = $5",
    )
    .bind(to.as_str())
    .bind(error.map(|e| e.code.as_str()))
    .bind(error.map(|e| e.message.as_str()))
    .bind(id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes `action` on the log of every event of the request (those still there), each through
/// [`record_change`] and so on the stream and to webhooks.
pub(crate) async fn record_on_events(
    tx: &mut Tx,
    stored: &StoredApproval,
    action: AuditAction,
    actor: &str,
    via: Option<&str>,
    to: ApprovalStatus,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    for id in &stored.request.event_ids {
        let Some((event, account)) = event_in_tx(tx, id).await? else {
            continue;
        };
        record_approval_entry(tx, &account, &event, stored, action, actor, via, to, at).await?;
    }
    Ok(())
}

/// One approval entry: `from` is the request's id, `to` the status it is left in, so that a
/// reader of the log finds the request.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_approval_entry(
    tx: &mut Tx,
    account: &str,
    event: &OmEvent,
    stored: &StoredApproval,
    action: AuditAction,
    actor: &str,
    via: Option<&str>,
    to: ApprovalStatus,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    record_change(
        tx,
        &Change {
            account,
            event,
            at,
            actor,
            action,
            from: Some(stored.request.id.clone()),
            to: Some(to.as_str().to_owned()),
            via,
            on_behalf_of: None,
            approved_by: &[],
        },
    )
    .await
}

/// The actor of the entries a request's end by the clock or by its event writes.
pub const APPROVALS_ACTOR: &str = "approvals";

/// After `event` changed otherwise than by its request (the provider cancelled it, the window
/// moved it, it started …): every request still pending for it fails with `event_changed`, in
/// the same transaction as the change.
pub(crate) async fn fail_for_changed_event(
    tx: &mut Tx,
    event: &OmEvent,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    let rows = sqlx::query(
        "SELECT r.id FROM approval_requests r JOIN approval_events e ON e.approval_id = r.id \
         WHERE e.event_id = $1 AND r.status = 'pending'",
    )
    .bind(event.id.as_str())
    .fetch_all(&mut **tx)
    .await?;
    let error = ApiError {
        code: "event_changed".to_owned(),
        message: format!(
            "O&M event {} changed before the request was decided.",
            event.id
        ),
    };
    for row in rows {
        let id = text(&row, "id")?;
        if !set_status(
            tx,
            &id,
            ApprovalStatus::Pending,
            ApprovalStatus::Failed,
            Some(&error),
        )
        .await?
        {
            continue;
        }
        let Some(stored) = approval_in_tx(tx, &id).await? else {
            continue;
        };
        Box::pin(record_on_events(
            tx,
            &stored,
            AuditAction::ApprovalFailed,
            APPROVALS_ACTOR,
            None,
            ApprovalStatus::Failed,
            at,
        ))
        .await?;
    }
    Ok(())
}

fn policy_text(policy: &ApprovalPolicy) -> String {
    policy
        .require_for()
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

impl Store {
    /// The account's policy; the default (nothing needs approval) when none was set.
    pub async fn approval_policy(&self, account: &str) -> sqlx::Result<ApprovalPolicy> {
        let row = sqlx::query(
            "SELECT require_for, min_approvals FROM approval_policies WHERE account_id = $1",
        )
        .bind(account)
        .fetch_optional(self.reader())
        .await?;
        let Some(row) = row else {
            return Ok(ApprovalPolicy::default());
        };
        let raw = text(&row, "require_for")?;
        let covered = raw
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| parse_name::<Covered>("require_for", c))
            .collect::<sqlx::Result<Vec<_>>>()?;
        let min = int(&row, "min_approvals")?;
        u8::try_from(min)
            .ok()
            .and_then(|m| ApprovalPolicy::new(covered, m))
            .ok_or_else(|| super::corrupt("min_approvals", &min.to_string(), "not 1 or 2"))
    }

    /// Sets the account's policy, logged `approval_policy.updated` in the account audit log in
    /// the same transaction. Requests already made keep the policy they were made under.
    pub async fn put_approval_policy(
        &self,
        policy: &ApprovalPolicy,
        record: &AuditRecord<'_>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO approval_policies (account_id, require_for, min_approvals) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id) DO UPDATE SET require_for = excluded.require_for, min_approvals = excluded.min_approvals",
        )
        .bind(record.account)
        .bind(policy_text(policy))
        .bind(i64::from(policy.min_approvals()))
        .execute(&mut *tx)
        .await?;
        Store::audit_in(&mut tx, now, record).await?;
        self.commit(tx).await
    }

    /// A request of `account`, `None` when unknown or another account's.
    pub async fn approval(&self, account: &str, id: &str) -> sqlx::Result<Option<StoredApproval>> {
        let mut conn = self.reader().acquire().await?;
        let row = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM approval_requests WHERE id = $1 AND account_id = $2"
        ))
        .bind(id)
        .bind(account)
        .fetch_optional(&mut *conn)
        .await?;
        match row {
            None => Ok(None),
            Some(row) => load(&mut conn, &row).await.map(Some),
        }
    }

    /// The account's requests, newest first (at most [`LIST_LIMIT`]), and how many there are.
    pub async fn approvals(
        &self,
        account: &str,
        status: Option<ApprovalStatus>,
    ) -> sqlx::Result<(Vec<ApprovalRequest>, u64)> {
        let filter = if status.is_some() {
            " AND status = $2"
        } else {
            ""
        };
        let mut conn = self.reader().acquire().await?;
        let count_sql =
            format!("SELECT COUNT(*) AS n FROM approval_requests WHERE account_id = $1{filter}");
        let mut count = sqlx::query(&count_sql).bind(account);
        if let Some(s) = status {
            count = count.bind(s.as_str());
        }
        let total = int(&count.fetch_one(&mut *conn).await?, "n")?;
        let list_sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM approval_requests WHERE account_id = $1{filter} \
             ORDER BY requested_at DESC, id DESC LIMIT {LIST_LIMIT}"
        );
        let mut list = sqlx::query(&list_sql).bind(account);
        if let Some(s) = status {
            list = list.bind(s.as_str());
        }
        let rows = list.fetch_all(&mut *conn).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            items.push(load(&mut conn, row).await?.request);
        }
        Ok((items, u64::try_from(total).unwrap_or_default()))
    }

    /// Cancels a pending request of its requester, logged `approval_cancelled`; false when it
    /// was no longer pending.
    pub async fn cancel_approval(
        &self,
        stored: &StoredApproval,
        via: Option<&str>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool> {
        let mut tx = self.begin().await?;
        let id = &stored.request.id;
        let open = sqlx::query(
            "UPDATE approval_requests SET status = 'cancelled' WHERE id = $1 AND status = 'pending' AND expires_at > $2",
        )
        .bind(id)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        if open.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        record_on_events(
            &mut tx,
            stored,
            AuditAction::ApprovalCancelled,
            &stored.request.requested_by,
            via,
            ApprovalStatus::Cancelled,
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(true)
    }

    /// Requests still pending at their `expires_at`, oldest first.
    pub async fn due_approvals(&self, now: DateTime<Utc>, limit: i64) -> sqlx::Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT id FROM approval_requests WHERE status = 'pending' AND expires_at <= $1 \
             ORDER BY expires_at, id LIMIT $2",
        )
        .bind(to_millis(now))
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(|r| text(r, "id")).collect()
    }

    /// Expires one request, logged `approval_expired` on its events; false when another
    /// replica (or a decision) got there first. The events keep their times.
    pub async fn expire_approval(&self, id: &str, now: DateTime<Utc>) -> sqlx::Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE approval_requests SET status = 'expired' WHERE id = $1 AND status = 'pending' AND expires_at <= $2",
        )
        .bind(id)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        let Some(stored) = approval_in_tx(&mut tx, id).await? else {
            tx.rollback().await?;
            return Ok(false);
        };
        record_on_events(
            &mut tx,
            &stored,
            AuditAction::ApprovalExpired,
            APPROVALS_ACTOR,
            None,
            ApprovalStatus::Expired,
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(true)
    }
}
