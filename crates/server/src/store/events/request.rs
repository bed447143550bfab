//! The customer's execution requests: Execute Now and Specify Execution Time.

use chrono::{DateTime, Duration, Utc};
use vpn_console_domain::{EventId, ExecutionRequest, OmEvent, ScheduleError};

use super::{event_in_tx, log};
use crate::clock::to_millis;
use crate::store::{int, text, Store};

/// The answer to an execution request, as stored for idempotent replays.
#[derive(Debug, Clone)]
pub enum ExecutionOutcome {
    Accepted(OmEvent),
    Replayed { status: u16, body: String },
    NotFound,
    Stale { current_version: i64 },
    Refused(ScheduleError),
    KeyReused,
}

impl Store {
    /// `POST /om-events/{id}/execution`, as one transaction: idempotency, `If-Match`, the
    /// domain's rules with the server's clock, the change, its audit entry and the stored answer.
    #[allow(clippy::too_many_arguments)]
    pub async fn request_execution(
        &self,
        account: &str,
        actor: &str,
        id: &EventId,
        expected_version: i64,
        request: &ExecutionRequest,
        idempotency: Option<(&str, &str)>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<ExecutionOutcome> {
        let mut tx = self.begin().await?;
        if let Some((key, hash)) = idempotency {
            let row = sqlx::query(
                "SELECT request_hash, status, body FROM idempotency_keys WHERE account_id = $1 AND idempotency_key = $2",
            )
            .bind(account)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = row {
                return Ok(if text(&row, "request_hash")? == hash {
                    ExecutionOutcome::Replayed {
                        status: int(&row, "status")? as u16,
                        body: text(&row, "body")?,
                    }
                } else {
                    ExecutionOutcome::KeyReused
                });
            }
        }
        let event = match event_in_tx(&mut tx, id.as_str()).await? {
            Some((e, owner)) if owner == account => e,
            _ => return Ok(ExecutionOutcome::NotFound),
        };
        if event.version != expected_version {
            return Ok(ExecutionOutcome::Stale {
                current_version: event.version,
            });
        }
        let plan = match vpn_console_domain::validate(&event, request, now) {
            Ok(plan) => plan,
            Err(e) => return Ok(ExecutionOutcome::Refused(e)),
        };
        let updated = sqlx::query(
            "UPDATE om_events SET execute_at = $1, version = version + 1 \
             WHERE id = $2 AND version = $3 AND status = 'pending'",
        )
        .bind(to_millis(plan.execute_at))
        .bind(id.as_str())
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            // Another writer won between our read and our update (PostgreSQL replicas).
            return Ok(ExecutionOutcome::Stale {
                current_version: expected_version + 1,
            });
        }
        let action = if plan.execute_now {
            "execute_now"
        } else {
            "rescheduled"
        };
        log(
            &mut tx,
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
        let (event, _) = event_in_tx(&mut tx, id.as_str())
            .await?
            .expect("just updated");
        if let Some((key, hash)) = idempotency {
            let body = serde_json::to_string(&event).expect("events serialize");
            sqlx::query(
                "INSERT INTO idempotency_keys (account_id, idempotency_key, request_hash, status, body, etag, created_at) \
                 VALUES ($1, $2, $3, 200, $4, $5, $6)",
            )
            .bind(account)
            .bind(key)
            .bind(hash)
            .bind(body)
            .bind(event.version.to_string())
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        }
        self.commit(tx).await?;
        Ok(ExecutionOutcome::Accepted(event))
    }

    /// Idempotency records are kept 48 hours (the contract promises at least 24).
    pub async fn prune_idempotency_keys(&self, now: DateTime<Utc>) -> sqlx::Result<u64> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(to_millis(now - Duration::hours(48)))
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await?;
        Ok(done.rows_affected())
    }
}
