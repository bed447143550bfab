//! Idempotent writes: a retry with the same `Idempotency-Key` and the same request gets the
//! first answer again, whatever happened meanwhile (even when its `If-Match` is stale by now).
//!
//! [`Store::begin_idempotent`] begins the write transaction and says what to do next: replay a
//! stored answer, refuse a key used for another request, or proceed in that transaction; the
//! handler then does the work in it and, when it succeeded, [`Store::save_answer`] stores the
//! answer in the same transaction, so that the change and its answer commit together.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{int, opt_text, text, Store, Tx};
use crate::clock::to_millis;

/// How long an answer is kept for replays (the contract promises at least 24 hours).
pub const KEPT_FOR_HOURS: i64 = 48;
/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// A client's `Idempotency-Key`: 1 to 255 visible ASCII characters (inner blanks allowed, as
/// in any header value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

/// A key that is empty, too long or holds other than visible ASCII characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidKey;

impl std::fmt::Display for InvalidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Idempotency-Key must have 1 to {MAX_KEY_LEN} visible characters."
        )
    }
}

impl std::error::Error for InvalidKey {}

impl IdempotencyKey {
    /// A header's bytes, surrounding blanks trimmed.
    pub fn parse(raw: &[u8]) -> Result<Self, InvalidKey> {
        let raw = raw.trim_ascii();
        let visible = raw.iter().all(|b| (0x20..=0x7e).contains(b) || *b == b'\t');
        if raw.is_empty() || raw.len() > MAX_KEY_LEN || !visible {
            return Err(InvalidKey);
        }
        // Visible ASCII is UTF-8.
        Ok(IdempotencyKey(String::from_utf8_lossy(raw).into_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A request under a key: the key and a fingerprint of what was asked, so that the same key
/// with another request is told apart from a retry.
#[derive(Debug, Clone)]
pub struct IdempotentRequest {
    pub key: IdempotencyKey,
    fingerprint: String,
}

impl IdempotentRequest {
    /// `target` names what the request acts on (the event's id), `body` is the request itself.
    pub fn new(key: IdempotencyKey, target: &str, body: &impl Serialize) -> Self {
        let body = serde_json::to_string(body).expect("requests serialize");
        let fingerprint = hex::encode(Sha256::digest(format!("{target}\n{body}").as_bytes()));
        IdempotentRequest { key, fingerprint }
    }
}

/// A stored answer, given again to every retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedAnswer {
    pub status: u16,
    pub body: String,
    pub etag: Option<String>,
}

/// What to do with a request after [`Store::begin_idempotent`].
pub enum NextAction {
    /// New (or without a key): do the work in this write transaction.
    Proceed(Tx),
    /// A retry: give the first answer again.
    Replay(SavedAnswer),
    /// The key was used with another request.
    KeyReused,
}

impl Store {
    /// Begins the write transaction of a request and looks its key up inside it, so that on
    /// SQLite (one writer) a retry racing its original sees the original's answer.
    pub async fn begin_idempotent(
        &self,
        account: &str,
        request: Option<&IdempotentRequest>,
    ) -> sqlx::Result<NextAction> {
        let mut tx = self.begin().await?;
        let Some(request) = request else {
            return Ok(NextAction::Proceed(tx));
        };
        let row = sqlx::query(
            "SELECT request_hash, status, body, etag FROM idempotency_keys \
             WHERE account_id = $1 AND idempotency_key = $2",
        )
        .bind(account)
        .bind(request.key.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(NextAction::Proceed(tx));
        };
        if text(&row, "request_hash")? != request.fingerprint {
            return Ok(NextAction::KeyReused);
        }
        let status = int(&row, "status")?;
        Ok(NextAction::Replay(SavedAnswer {
            status: u16::try_from(status)
                .map_err(|e| super::corrupt("status", &status.to_string(), e))?,
            body: text(&row, "body")?,
            etag: opt_text(&row, "etag")?,
        }))
    }

    /// Stores the answer to `request` in its transaction, for the retries.
    pub async fn save_answer(
        &self,
        tx: &mut Tx,
        account: &str,
        request: &IdempotentRequest,
        answer: &SavedAnswer,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO idempotency_keys (account_id, idempotency_key, request_hash, status, body, etag, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(account)
        .bind(request.key.as_str())
        .bind(request.fingerprint.as_str())
        .bind(i64::from(answer.status))
        .bind(answer.body.as_str())
        .bind(answer.etag.as_deref())
        .bind(to_millis(now))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Forgets answers older than [`KEPT_FOR_HOURS`].
    pub async fn prune_idempotency_keys(&self, now: DateTime<Utc>) -> sqlx::Result<u64> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(to_millis(now - Duration::hours(KEPT_FOR_HOURS)))
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bounded_in_length_and_characters() {
        let long = "k".repeat(MAX_KEY_LEN);
        let too_long = "k".repeat(MAX_KEY_LEN + 1);
        let table: &[(&[u8], Option<&str>)] = &[
            (b"abc-123", Some("abc-123")),
            (b"  padded\t", Some("padded")),
            (b"inner space", Some("inner space")),
            (long.as_bytes(), Some(long.as_str())),
            (too_long.as_bytes(), None),
            (b"", None),
            (b"   ", None),
            (b"tab\tinside", Some("tab\tinside")),
            (b"line\nbreak", None),
            ("caf\u{e9}".as_bytes(), None),
        ];
        for (raw, want) in table {
            let got = IdempotencyKey::parse(raw).ok();
            assert_eq!(
                got.as_ref().map(IdempotencyKey::as_str),
                *want,
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn the_fingerprint_tells_another_request_from_a_retry() {
        let key = IdempotencyKey::parse(b"k1").unwrap();
        let a = IdempotentRequest::new(key.clone(), "om-1", &serde_json::json!({"mode": "now"}));
        let again =
            IdempotentRequest::new(key.clone(), "om-1", &serde_json::json!({"mode": "now"}));
        let other_body =
            IdempotentRequest::new(key.clone(), "om-1", &serde_json::json!({"mode": "at"}));
        let other_target = IdempotentRequest::new(key, "om-2", &serde_json::json!({"mode": "now"}));
        assert_eq!(a.fingerprint, again.fingerprint);
        assert_ne!(a.fingerprint, other_body.fingerprint);
        assert_ne!(a.fingerprint, other_target.fingerprint);
    }
}
