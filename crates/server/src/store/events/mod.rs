//! O&M events: reading them, their audit log, history and alerts. Publishing, the customer's
//! execution requests and the scheduler's executions are in the submodules.

mod execution;
mod health;
mod hold;
mod publish;

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::any::AnyRow;
use vpn_console_domain::api::{AlertDay, LogEntry};
use vpn_console_domain::execution::Snapshot;
use vpn_console_domain::{AuditAction, EventId, OmEvent, RegionId};

use super::rows::{EventRow, LogRow};
use super::{int, parsed, placeholders, Store, Tx};
use crate::clock::{from_millis, to_millis};

pub use execution::{LEASE_S, SCHEDULER_ACTOR};
pub(crate) use health::read_verification;
pub use publish::{NewEvent, PublishError, PROVIDER_ACTOR};

pub(crate) const EVENT_COLUMNS: &str =
    "id, account_id, region_id, resource_kind, resource_id, gateway_ip_role, \
    gateway_ip, reason, status, default_execute_at, execute_at, published_at, started_at, \
    finished_at, version";

pub(crate) fn event_from_row(row: &AnyRow) -> sqlx::Result<OmEvent> {
    EventRow::decode(row)?.into_event()
}

/// An event and the account it belongs to.
fn event_and_owner(row: &AnyRow) -> sqlx::Result<(OmEvent, String)> {
    let row = EventRow::decode(row)?;
    let owner = row.account_id.clone();
    Ok((row.into_event()?, owner))
}

/// One change of an event as its audit log records it: the event as the change left it (and
/// its account), who made it and what it was.
pub(crate) struct Change<'a> {
    pub account: &'a str,
    pub event: &'a OmEvent,
    pub at: DateTime<Utc>,
    pub actor: &'a str,
    pub action: AuditAction,
    pub from: Option<String>,
    pub to: Option<String>,
    /// `token:<name>` for a change through an API token.
    pub via: Option<&'a str>,
    /// The person on whose behalf the maintenance window moved the event.
    pub on_behalf_of: Option<&'a str>,
    /// The approvers of an approved change (DESIGN.md 14.2); empty for any other.
    pub approved_by: &'a [String],
}

/// An execution time as the audit log's `from` and `to` write it: whole seconds without a
/// fraction, milliseconds when there are some (what the database keeps).
pub(crate) fn audit_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Writes the audit entry of a change, in the change's transaction, and everything that
/// reports it: the outbox's deliveries and the reminders (DESIGN.md 9.1). The stream (section
/// 8) tails the audit log itself. Every change of an event goes through here, whoever makes it.
pub(crate) async fn record_change(tx: &mut Tx, change: &Change<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO event_log (event_id, at, actor, action, from_value, to_value, via, on_behalf_of, approved_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(change.event.id.as_str())
    .bind(to_millis(change.at))
    .bind(change.actor)
    .bind(change.action.as_str())
    .bind(change.from.as_deref())
    .bind(change.to.as_deref())
    .bind(change.via)
    .bind(change.on_behalf_of)
    .bind(approved_by_text(change.approved_by))
    .execute(&mut **tx)
    .await?;
    let entry = LogEntry {
        at: change.at,
        actor: change.actor.to_owned(),
        action: change.action,
        from: change.from.clone(),
        to: change.to.clone(),
        via: change.via.map(str::to_owned),
        on_behalf_of: change.on_behalf_of.map(str::to_owned),
        approved_by: (!change.approved_by.is_empty()).then(|| change.approved_by.to_vec()),
    };
    crate::notify::outbox::on_change(tx, change.account, change.event, &entry).await?;
    if vpn_console_domain::approval::ends_pending_requests(change.action) {
        // Boxed: failing a request records its own entries through here.
        Box::pin(super::approvals::fail_for_changed_event(
            tx,
            change.event,
            change.at,
        ))
        .await?;
    }
    Ok(())
}

fn approved_by_text(approvers: &[String]) -> Option<String> {
    (!approvers.is_empty())
        .then(|| serde_json::to_string(approvers).expect("a list of strings serializes"))
}

/// The event (and its account) an `UPDATE … RETURNING` of [`EVENT_COLUMNS`] left, `None` when
/// its conditions matched no row.
pub(crate) async fn update_event<'q>(
    tx: &mut Tx,
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
) -> sqlx::Result<Option<(OmEvent, String)>> {
    let row = query.fetch_optional(&mut **tx).await?;
    row.as_ref().map(event_and_owner).transpose()
}

pub(crate) async fn event_in_tx(tx: &mut Tx, id: &str) -> sqlx::Result<Option<(OmEvent, String)>> {
    let row = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM om_events WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(event_and_owner).transpose()
}

/// A stored snapshot, or the error that it is missing or unreadable: an executing or finished
/// event always has one, and restoring from an empty one would leave tunnels down for good.
pub(crate) fn read_snapshot(raw: Option<String>) -> sqlx::Result<Snapshot> {
    let raw = raw.ok_or_else(|| super::corrupt("execution_snapshot", "NULL", "no snapshot"))?;
    serde_json::from_str(&raw).map_err(|e| super::corrupt("execution_snapshot", &raw, e))
}

impl Store {
    /// An event of `account`, or `None` when it does not exist or belongs to someone else.
    pub async fn event(&self, account: &str, id: &EventId) -> sqlx::Result<Option<OmEvent>> {
        let row = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM om_events WHERE id = $1 AND account_id = $2"
        ))
        .bind(id.as_str())
        .bind(account)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(event_from_row).transpose()
    }

    /// An event whatever its account (the operator commands).
    pub async fn event_any_account(&self, id: &EventId) -> sqlx::Result<Option<(OmEvent, String)>> {
        let row = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM om_events WHERE id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(event_and_owner).transpose()
    }

    /// The impact frozen when the event started, for events that are running or done.
    pub async fn event_snapshot(&self, id: &EventId) -> sqlx::Result<Option<Snapshot>> {
        let row = sqlx::query("SELECT execution_snapshot FROM om_events WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(self.reader())
            .await?;
        match row {
            None => Ok(None),
            Some(r) => match super::opt_text(&r, "execution_snapshot")? {
                None => Ok(None),
                raw => read_snapshot(raw).map(Some),
            },
        }
    }

    /// Current (pending or executing) events of these resources, by resource id.
    pub(crate) async fn current_events_for(
        &self,
        resource_ids: &[String],
    ) -> sqlx::Result<HashMap<String, OmEvent>> {
        if resource_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM om_events WHERE status IN ('pending', 'executing') AND resource_id IN ({})",
            placeholders(1, resource_ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in resource_ids {
            q = q.bind(id.as_str());
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| event_from_row(r).map(|e| (e.resource.id_str().to_owned(), e)))
            .collect()
    }

    pub async fn event_log(&self, id: &EventId) -> sqlx::Result<Vec<LogEntry>> {
        let rows = sqlx::query(
            "SELECT at, actor, action, from_value, to_value, via, on_behalf_of, approved_by FROM event_log WHERE event_id = $1 ORDER BY at, id",
        )
        .bind(id.as_str())
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(LogRow::decode).collect()
    }

    /// Events of the last `days` days in a region, newest first.
    pub async fn history(
        &self,
        account: &str,
        region: &RegionId,
        since: DateTime<Utc>,
    ) -> sqlx::Result<Vec<OmEvent>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM om_events WHERE account_id = $1 AND region_id = $2 \
             AND (published_at >= $3 OR execute_at >= $3 OR finished_at >= $3) \
             ORDER BY COALESCE(started_at, execute_at) DESC, id DESC LIMIT 1000"
        ))
        .bind(account)
        .bind(region.as_str())
        .bind(to_millis(since))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Alerts per day, every day of the window present (zero when quiet), oldest first.
    pub async fn alert_trend(
        &self,
        account: &str,
        region: &RegionId,
        days: u32,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Vec<AlertDay>> {
        let first_day = now.date_naive() - Duration::days(i64::from(days) - 1);
        let since = first_day.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        let rows = sqlx::query(
            "SELECT at FROM alerts WHERE account_id = $1 AND region_id = $2 AND at >= $3",
        )
        .bind(account)
        .bind(region.as_str())
        .bind(to_millis(since))
        .fetch_all(self.reader())
        .await?;
        let mut counts: HashMap<NaiveDate, u32> = HashMap::new();
        for r in &rows {
            *counts
                .entry(from_millis(int(r, "at")?).date_naive())
                .or_default() += 1;
        }
        Ok((0..days)
            .map(|i| {
                let date = first_day + Duration::days(i64::from(i));
                AlertDay {
                    date,
                    count: counts.get(&date).copied().unwrap_or(0),
                }
            })
            .collect())
    }

    /// Pending events whose time has come, oldest first.
    pub async fn due_events(&self, now: DateTime<Utc>, limit: i64) -> sqlx::Result<Vec<EventId>> {
        let rows = sqlx::query(
            "SELECT id FROM om_events WHERE status = 'pending' AND execute_at <= $1 ORDER BY execute_at, id LIMIT $2",
        )
        .bind(to_millis(now))
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(|r| parsed(r, "id")).collect()
    }

    /// Executing events whose maintenance has run its time and that this scheduler may finish:
    /// its own, or another's whose lease lapsed.
    pub async fn finished_events(
        &self,
        now: DateTime<Utc>,
        instance: &str,
        limit: i64,
    ) -> sqlx::Result<Vec<EventId>> {
        let rows = sqlx::query(
            "SELECT id FROM om_events WHERE status = 'executing' AND completes_at <= $1 \
             AND (executed_by = $2 OR lease_until IS NULL OR lease_until < $1) ORDER BY completes_at, id LIMIT $3",
        )
        .bind(to_millis(now))
        .bind(instance)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(|r| parsed(r, "id")).collect()
    }
}
