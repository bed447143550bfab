//! Holds (DESIGN.md 13): the partners the hold rule weighs, read for an event due to start,
//! and the hold written on a pending event. The rule is the domain's
//! [`vpn_console_domain::hold`].

use chrono::{DateTime, Duration, Utc};
use vpn_console_domain::hold::{Hold, HoldReason, Partner};
use vpn_console_domain::verification::{TunnelResult, VerificationStatus};
use vpn_console_domain::{AuditAction, CustomerGatewayId, EventId};

use super::health::read_verification;
use super::{record_change, update_event, Change, EVENT_COLUMNS, SCHEDULER_ACTOR};
use crate::clock::{from_millis, to_millis};
use crate::store::{corrupt, opt_int, opt_text, placeholders, text, Store, Tx};

/// How a pending event stands towards holds: since when it is held, its hold, and whether an
/// operator overrode it.
pub(crate) struct HoldState {
    pub held_since: Option<DateTime<Utc>>,
    pub hold: Option<String>,
    pub override_hold: bool,
}

impl Store {
    pub(crate) async fn hold_state(&self, id: &EventId) -> sqlx::Result<HoldState> {
        let row =
            sqlx::query("SELECT held_since, hold, override_hold FROM om_events WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(self.reader())
                .await?;
        Ok(match row {
            None => HoldState {
                held_since: None,
                hold: None,
                override_hold: false,
            },
            Some(r) => HoldState {
                held_since: opt_int(&r, "held_since")?.map(from_millis),
                hold: opt_text(&r, "hold")?,
                override_hold: opt_int(&r, "override_hold")?.unwrap_or(0) != 0,
            },
        })
    }

    /// The hold of a pending event as its detail shows it (null when not held).
    pub async fn hold(&self, id: &EventId) -> sqlx::Result<Option<Hold>> {
        let row = sqlx::query("SELECT hold FROM om_events WHERE id = $1 AND status = 'pending'")
            .bind(id.as_str())
            .fetch_optional(self.reader())
            .await?;
        let Some(raw) = row.map(|r| opt_text(&r, "hold")).transpose()?.flatten() else {
            return Ok(None);
        };
        serde_json::from_str(&raw)
            .map(Some)
            .map_err(|e| corrupt("hold", &raw, e))
    }

    /// The other events of `account` that hold a path of one of `cgws`: executing, completed
    /// with verification pending, or completed in the last 24 hours with a `failed` verdict
    /// while a tunnel of that customer gateway is still down.
    pub(crate) async fn hold_partners(
        &self,
        account: &str,
        event: &EventId,
        cgws: &[CustomerGatewayId],
        now: DateTime<Utc>,
    ) -> sqlx::Result<Vec<Partner>> {
        if cgws.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT e.id, e.status, e.verification_status, e.verification, p.customer_gateway_id \
             FROM event_paths p JOIN om_events e ON e.id = p.event_id \
             WHERE e.account_id = $1 AND e.id <> $2 AND p.customer_gateway_id IN ({}) \
             AND (e.status = 'executing' OR (e.status = 'completed' AND (e.verification_status = 'pending' \
             OR (e.verification_status = 'failed' AND e.finished_at >= $3)))) \
             ORDER BY e.id",
            placeholders(4, cgws.len())
        );
        let mut q = sqlx::query(&sql)
            .bind(account)
            .bind(event.as_str())
            .bind(to_millis(now - Duration::hours(24)));
        for c in cgws {
            q = q.bind(c.as_str());
        }
        let rows = q.fetch_all(self.reader()).await?;
        let mut partners: Vec<Partner> = Vec::new();
        for r in &rows {
            let id: EventId = crate::store::parsed(r, "id")?;
            let cgw: CustomerGatewayId = crate::store::parsed(r, "customer_gateway_id")?;
            let reason = if text(r, "status")? == "executing" {
                HoldReason::PartnerExecuting
            } else if opt_text(r, "verification_status")?.as_deref()
                == Some(VerificationStatus::Pending.as_str())
            {
                HoldReason::PartnerVerifying
            } else {
                // Failed: only while a tunnel of this customer gateway is still down.
                let still_down =
                    read_verification(opt_text(r, "verification")?)?.is_some_and(|v| {
                        v.tunnels.iter().any(|t| {
                            t.customer_gateway_id == cgw
                                && t.result == TunnelResult::Down
                                && !t.after.is_up()
                        })
                    });
                if !still_down {
                    continue;
                }
                HoldReason::PartnerFailed
            };
            match partners.iter_mut().find(|p| p.event_id == id) {
                Some(p) => p.customer_gateway_ids.push(cgw),
                None => partners.push(Partner {
                    event_id: id,
                    reason,
                    customer_gateway_ids: vec![cgw],
                }),
            }
        }
        Ok(partners)
    }

    /// Holds a due event: the first time (per hold) it is logged `held`, later passes only
    /// keep its reason and partner current. Returns true when this call logged it.
    pub(crate) async fn write_hold(
        &self,
        id: &EventId,
        hold: &Hold,
        state: &HoldState,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool> {
        let raw = serde_json::to_string(hold).expect("holds serialize");
        if state.held_since.is_some() && state.hold.as_deref() == Some(raw.as_str()) {
            // Held as before: nothing to write, so a held event costs its pass no write.
            return Ok(false);
        }
        let mut tx: Tx = self.begin().await?;
        // The condition on `held_since` makes the `held` entry once per hold, whichever
        // replica gets there first.
        let sql = format!(
            "UPDATE om_events SET hold = $1, held_since = $2 \
             WHERE id = $3 AND status = 'pending' AND held_since IS NULL AND execute_at <= $2 \
             RETURNING {EVENT_COLUMNS}"
        );
        let query = sqlx::query(&sql)
            .bind(raw.as_str())
            .bind(to_millis(now))
            .bind(id.as_str());
        if let Some((event, account)) = update_event(&mut tx, query).await? {
            record_change(
                &mut tx,
                &Change {
                    account: &account,
                    event: &event,
                    at: now,
                    actor: SCHEDULER_ACTOR,
                    action: AuditAction::Held,
                    from: Some("pending".to_owned()),
                    to: Some("pending".to_owned()),
                    via: None,
                    on_behalf_of: None,
                    approved_by: &[],
                },
            )
            .await?;
            self.commit(tx).await?;
            return Ok(true);
        }
        sqlx::query(
            "UPDATE om_events SET hold = $1 WHERE id = $2 AND status = 'pending' AND held_since IS NOT NULL",
        )
        .bind(raw.as_str())
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        Ok(false)
    }
}
