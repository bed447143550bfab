//! Bulk execution (DESIGN.md 10.4): the items the domain accepted written in one transaction,
//! each exactly as a single execution request writes it, with the answer stored for an
//! `Idempotency-Key`.

use chrono::{DateTime, Utc};
use vpn_console_domain::planning::{BulkItemResult, BulkResult, Decision};
use vpn_console_domain::OmEvent;

use super::events::{event_from_row, log, EVENT_COLUMNS};
use super::{int, is_unique_violation, text, Store, Tx};
use crate::clock::to_millis;

/// An answer stored under an idempotency key.
pub enum Stored {
    /// The same request again: its first answer.
    Replay { status: u16, body: String },
    /// The key was used with another request.
    KeyReused,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn stored_in(
    tx: &mut Tx,
    account: &str,
    key: &str,
    hash: &str,
) -> sqlx::Result<Option<Stored>> {
    let row = sqlx::query(
        "SELECT request_hash, status, body FROM idempotency_keys WHERE account_id = $1 AND idempotency_key = $2",
    )
    .bind(account)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| {
        Ok(if text(&row, "request_hash")? == hash {
            Stored::Replay {
                status: int(&row, "status")? as u16,
                body: text(&row, "body")?,
            }
        } else {
            Stored::KeyReused
        })
    })
    .transpose()
}

impl Store {
    /// The answer stored under `key`, if the key was used.
    pub async fn stored_answer(
        &self,
        account: &str,
        key: &str,
        hash: &str,
    ) -> sqlx::Result<Option<Stored>> {
        let mut tx = self.begin().await?;
        let found = stored_in(&mut tx, account, key, hash).await?;
        tx.rollback().await?;
        Ok(found)
    }

    /// Writes the accepted items of a bulk request, in order, in one transaction. An item
    /// whose event changed since it was decided (another writer won) is answered 412, as a
    /// single request losing that race is. With a key, the answer is stored with the changes,
    /// or, when a concurrent request with the same key got there first, that one's answer is
    /// returned and nothing is written.
    pub async fn write_bulk(
        &self,
        account: &str,
        actor: &str,
        results: &[BulkResult],
        events: &[Option<OmEvent>],
        idempotency: Option<(&str, &str)>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Result<Vec<BulkItemResult>, Stored>> {
        let mut tx = self.begin().await?;
        if let Some((key, hash)) = idempotency {
            if let Some(stored) = stored_in(&mut tx, account, key, hash).await? {
                tx.rollback().await?;
                return Ok(Err(stored));
            }
        }
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
            .execute(&mut *tx)
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
                &mut tx,
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
            .fetch_one(&mut *tx)
            .await?;
            answers.push(BulkItemResult::new(result, Some(event_from_row(&row)?)));
        }
        if let Some((key, hash)) = idempotency {
            let body =
                serde_json::to_string(&vpn_console_domain::planning::BulkExecutionResponse {
                    results: answers.clone(),
                })
                .expect("answers serialize");
            let stored = sqlx::query(
                "INSERT INTO idempotency_keys (account_id, idempotency_key, request_hash, status, body, etag, created_at) \
                 VALUES ($1, $2, $3, 200, $4, NULL, $5)",
            )
            .bind(account)
            .bind(key)
            .bind(hash)
            .bind(body)
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await;
            match stored {
                Err(e) if is_unique_violation(&e) => {
                    tx.rollback().await?;
                    return Ok(Err(self
                        .stored_answer(account, key, hash)
                        .await?
                        .unwrap_or(Stored::KeyReused)));
                }
                other => {
                    other?;
                }
            }
        }
        self.commit(tx).await?;
        Ok(Ok(answers))
    }
}
