//! Bulk execution (DESIGN.md 10.4): the items the domain accepted written in one transaction,
//! each exactly as a single execution request writes it.

use chrono::{DateTime, Utc};
use vpn_console_domain::planning::{BulkItemResult, BulkResult, Decision};
use vpn_console_domain::OmEvent;

use super::events::{event_from_row, log, EVENT_COLUMNS};
use super::{Store, Tx};
use crate::clock::to_millis;

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Store {
    /// Writes the accepted items of a bulk request, in order, in the request's write
    /// transaction (see [`Store::begin_idempotent`]). An item whose event changed since it was
    /// decided (another writer won) is answered 412, as a single request losing that race is.
    pub async fn write_bulk(
        &self,
        tx: &mut Tx,
        account: &str,
        actor: &str,
        results: &[BulkResult],
        events: &[Option<OmEvent>],
        now: DateTime<Utc>,
    ) -> sqlx::Result<Vec<BulkItemResult>> {
        let mut answers = Vec::with_capacity(results.len());
        for (result, event) in results.iter().zip(events) {
            let (Decision::Accepted(plan), Some(event)) = (&result.decision, event) else {
                answers.push(BulkItemResult::new(result, None));
                continue;
            };
            // Within one request an event is listed once, so its version is still the one read.
            let done = sqlx::query(
                "UPDATE om_events SET execute_at = $1, version = version + 1 \
                 WHERE id = $2 AND version = $3 AND status = 'pending' AND account_id = $4",
            )
            .bind(to_millis(plan.execute_at))
            .bind(event.id.as_str())
            .bind(event.version)
            .bind(account)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() != 1 {
                let lost = BulkResult {
                    id: result.id.clone(),
                    decision: Decision::VersionMismatch {
                        current: event.version + 1,
                    },
                };
                answers.push(BulkItemResult::new(&lost, None));
                continue;
            }
            let action = if plan.execute_now {
                "execute_now"
            } else {
                "rescheduled"
            };
            log(
                tx,
                event.id.as_str(),
                now,
                actor,
                action,
                Some(&rfc3339(event.execute_at)),
                Some(&rfc3339(plan.execute_at)),
            )
            .await?;
            let row = sqlx::query(&format!(
                "SELECT {EVENT_COLUMNS} FROM om_events WHERE id = $1"
            ))
            .bind(event.id.as_str())
            .fetch_one(&mut **tx)
            .await?;
            answers.push(BulkItemResult::new(result, Some(event_from_row(&row)?)));
        }
        Ok(answers)
    }
}
