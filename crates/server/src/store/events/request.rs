//! The customer's execution requests: Execute Now and Specify Execution Time.

use chrono::{DateTime, Utc};
use vpn_console_domain::{EventId, ExecutionRequest, OmEvent, ScheduleError};

use super::{event_in_tx, log};
use crate::clock::to_millis;
use crate::store::{Store, Tx};

/// Why an execution request changed nothing.
#[derive(Debug, Clone)]
pub enum RequestRefused {
    NotFound,
    Stale { current_version: i64 },
    Rules(ScheduleError),
}

impl Store {
    /// `POST /om-events/{id}/execution` in the request's write transaction (see
    /// [`Store::begin_idempotent`]): `If-Match`, the domain's rules with the server's clock, the
    /// change and its audit entry. The caller commits when it was accepted.
    #[allow(clippy::too_many_arguments)]
    pub async fn request_execution(
        &self,
        tx: &mut Tx,
        account: &str,
        actor: &str,
        id: &EventId,
        expected_version: i64,
        request: &ExecutionRequest,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Result<OmEvent, RequestRefused>> {
        let event = match event_in_tx(tx, id.as_str()).await? {
            Some((e, owner)) if owner == account => e,
            _ => return Ok(Err(RequestRefused::NotFound)),
        };
        if event.version != expected_version {
            return Ok(Err(RequestRefused::Stale {
                current_version: event.version,
            }));
        }
        let plan = match vpn_console_domain::validate(&event, request, now) {
            Ok(plan) => plan,
            Err(e) => return Ok(Err(RequestRefused::Rules(e))),
        };
        let updated = sqlx::query(
            "UPDATE om_events SET execute_at = $1, version = version + 1 \
             WHERE id = $2 AND version = $3 AND status = 'pending'",
        )
        .bind(to_millis(plan.execute_at))
        .bind(id.as_str())
        .bind(expected_version)
        .execute(&mut **tx)
        .await?;
        if updated.rows_affected() != 1 {
            // Another writer won between our read and our update (PostgreSQL replicas).
            return Ok(Err(RequestRefused::Stale {
                current_version: expected_version + 1,
            }));
        }
        let action = if plan.execute_now {
            "execute_now"
        } else {
            "rescheduled"
        };
        log(
            tx,
            id.as_str(),
            now,
            actor,
            action,
            Some(
                &event
                    .execute_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
            Some(
                &plan
                    .execute_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
        )
        .await?;
        let (event, _) = event_in_tx(tx, id.as_str()).await?.expect("just updated");
        Ok(Ok(event))
    }
}
