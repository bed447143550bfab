//! Sends the outbox: every pending delivery whose time has come, signed, with the retry
//! schedule of DESIGN.md 9.1, recording every attempt.
//!
//! Each attempt is made once across replicas: a dispatcher first takes a lease on the delivery
//! rows it will try (a conditional update, as the scheduler's on events), and records an
//! attempt only while it still holds that lease. A replica that dies mid-attempt leaves a lease
//! that lapses after [`LEASE_S`]; another replica then tries again (at least once: receivers
//! dedupe by `webhook-id`).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{json, Value};
use vpn_console_domain::api::LogEntry;
use vpn_console_domain::{OmEvent, ResourceRef, Summary};

use super::outbox::rfc3339;
use super::{reminders, signing, ssrf};
use crate::clock::{to_millis, Clock};
use crate::store::{int, opt_text, text, Backend, Store, Tx};

/// The waits after each failed attempt (before the time scale); after the last, `failed`.
pub const RETRY_SCHEDULE_S: [i64; 7] = [5, 30, 120, 600, 1800, 3600, 7200];
/// How long a dispatcher holds the deliveries it is trying: longer than an attempt's 10 s.
pub const LEASE_S: i64 = 30;
/// `last_error` stays a few words long: it is shown to every role.
const MAX_ERROR_CHARS: usize = 200;
/// Receivers' answers are kept up to this many bytes (in the database only, never in an answer).
pub const MAX_RESPONSE_BYTES: usize = 1024;
/// Deliveries taken per pass, and tried at once.
const BATCH: i64 = 200;
const AT_ONCE: usize = 32;
/// Attempts recorded per transaction.
const RECORD_BATCH: usize = 50;

#[derive(Clone)]
pub struct Dispatcher {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub time_scale: f64,
    /// Names this process in its leases.
    pub instance: String,
    pub client: reqwest::Client,
    pub allow_private: bool,
    /// Where the console is served, for the `console_url` of each delivery.
    pub public_url: String,
}

/// One delivery taken for an attempt.
struct Taken {
    id: String,
    webhook_id: String,
    account: String,
    event_type: String,
    event_json: Option<String>,
    log_entry: Option<String>,
    reminder: Option<String>,
    body: Option<String>,
    round_attempts: i64,
    created_at: i64,
    url: String,
    /// Opened from its sealed form; why not, when it cannot be (another key file).
    secret: Result<String, String>,
    enabled: bool,
}

/// What one attempt came to.
struct Outcome {
    status_code: Option<u16>,
    error: Option<String>,
    response: Option<String>,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        time_scale: f64,
        instance: String,
        allow_private: bool,
        public_url: String,
    ) -> Self {
        Dispatcher {
            store,
            clock,
            time_scale,
            instance,
            client: ssrf::client(allow_private),
            allow_private,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// A wait of the schedule after the time scale.
    pub fn scaled(&self, seconds: i64) -> Duration {
        let ms = seconds as f64 * 1000.0 / self.time_scale.max(1e-3);
        Duration::milliseconds(ms.round().max(1.0) as i64)
    }

    /// Runs until the process ends.
    pub async fn run(self) {
        loop {
            let mut busy = false;
            match reminders::pass(&self).await {
                Ok(n) => busy |= n > 0,
                Err(e) => tracing::error!(error = %e, "reminder pass failed; retrying"),
            }
            match self.deliver_once().await {
                Ok(n) => busy |= n as i64 >= BATCH,
                Err(e) => tracing::error!(error = %e, "delivery pass failed; retrying"),
            }
            if !busy {
                tokio::time::sleep(StdDuration::from_millis(100)).await;
            }
        }
    }

    /// Takes the due deliveries, tries each once, records the attempts; returns how many.
    pub async fn deliver_once(&self) -> sqlx::Result<usize> {
        let taken = self.take_due().await?;
        let n = taken.len();
        // Bodies first, all of them: a send must hold no database connection, or the attempts
        // in flight could take the whole pool while a batch waits to be recorded.
        let composed: Vec<(Taken, String)> =
            futures_util::stream::iter(taken.into_iter().map(|t| async move {
                let body = match &t.body {
                    Some(b) => b.clone(),
                    None => self.compose(&t).await?,
                };
                Ok::<_, sqlx::Error>((t, body))
            }))
            .buffer_unordered(8)
            .try_collect()
            .await?;
        let mut attempts =
            futures_util::stream::iter(composed.into_iter().map(|(t, body)| self.attempt(t, body)))
                .buffer_unordered(AT_ONCE);
        // Attempts are recorded a few dozen to a transaction: one commit each made PostgreSQL
        // (which serialises the commits of notifying transactions) the bottleneck.
        let mut done = Vec::new();
        while let Some(attempt) = attempts.next().await {
            done.push(attempt);
            if done.len() >= RECORD_BATCH {
                self.record(std::mem::take(&mut done)).await?;
            }
        }
        if !done.is_empty() {
            self.record(done).await?;
        }
        Ok(n)
    }

    /// Leases the due deliveries to this pass and reads what sending them needs.
    async fn take_due(&self) -> sqlx::Result<Vec<Taken>> {
        let now = to_millis(self.clock.now());
        let claim = format!("{}:{}", self.instance, uuid::Uuid::new_v4().simple());
        // SKIP LOCKED lets replicas take different rows instead of queueing on the same ones;
        // the outer conditions are checked again on the locked row, so no row is taken twice.
        let lock = match self.store.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // A read first: an idle dispatcher must not take SQLite's one writer every pass.
        let due = sqlx::query(
            "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 LIMIT 1",
        )
        .bind(now)
        .fetch_optional(self.store.reader())
        .await?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        let mut tx = self.store.begin().await?;
        let rows = sqlx::query(&format!(
            "UPDATE webhook_deliveries SET lease_until = $1, leased_by = $2 WHERE id IN \
             (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $3 \
              AND (lease_until IS NULL OR lease_until < $3) ORDER BY next_attempt_at LIMIT $4 {lock}) \
             AND status = 'pending' AND (lease_until IS NULL OR lease_until < $3) RETURNING id"
        ))
        .bind(now + LEASE_S * 1000)
        .bind(&claim)
        .bind(now)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        self.store.commit(tx).await?;
        let rows = sqlx::query(
            "SELECT d.id, d.webhook_id, d.account_id, d.event_type, d.event_json, d.log_entry, d.reminder, \
             d.body, d.round_attempts, d.created_at, w.url, w.secret, w.enabled \
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.leased_by = $1",
        )
        .bind(&claim)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Taken {
                    id: text(r, "id")?,
                    webhook_id: text(r, "webhook_id")?,
                    account: text(r, "account_id")?,
                    event_type: text(r, "event_type")?,
                    event_json: opt_text(r, "event_json")?,
                    log_entry: opt_text(r, "log_entry")?,
                    reminder: opt_text(r, "reminder")?,
                    body: opt_text(r, "body")?,
                    round_attempts: int(r, "round_attempts")?,
                    created_at: int(r, "created_at")?,
                    url: text(r, "url")?,
                    secret: {
                        let sealed = text(r, "secret")?;
                        self.store
                            .secret_box()
                            .map_err(|e| e.to_string())
                            .and_then(|b| b.open(&sealed).map_err(|e| e.to_string()))
                    },
                    enabled: int(r, "enabled")? == 1,
                })
            })
            .collect()
    }

    async fn attempt(&self, taken: Taken, body: String) -> (Taken, String, Outcome) {
        let outcome = if !taken.enabled && taken.event_type != "ping" {
            Outcome {
                status_code: None,
                error: Some("the endpoint is disabled (it answered 410 Gone)".into()),
                response: None,
            }
        } else {
            self.send(&taken, &body).await
        };
        (taken, body, outcome)
    }

    /// The body of a delivery: composed at its first attempt from what the outbox row kept,
    /// then stored, so that every retry sends the same bytes.
    async fn compose(&self, t: &Taken) -> sqlx::Result<String> {
        let timestamp = rfc3339(crate::clock::from_millis(t.created_at));
        let data = match &t.event_json {
            None => json!({
                "webhook_id": t.webhook_id,
                "console_url": self.public_url,
            }),
            Some(raw) => {
                let event: OmEvent = serde_json::from_str(raw)
                    .map_err(|e| crate::store::corrupt("event_json", raw, e))?;
                let summary = self.summary(&t.account, &event).await?;
                let mut data = json!({
                    "event": event,
                    "summary": summary,
                    "console_url": console_url(&self.public_url, &event),
                });
                if let Some(entry) = &t.log_entry {
                    let entry: LogEntry = serde_json::from_str(entry)
                        .map_err(|e| crate::store::corrupt("log_entry", entry, e))?;
                    data["log_entry"] = json!(entry);
                }
                if let Some(reminder) = &t.reminder {
                    data["reminder"] = json!(reminder);
                }
                data
            }
        };
        let payload: Value = json!({"type": t.event_type, "timestamp": timestamp, "data": data});
        Ok(payload.to_string())
    }

    /// The impact summary as GET /om-events/{id} shows it.
    async fn summary(&self, account: &str, event: &OmEvent) -> sqlx::Result<Summary> {
        Ok(self
            .store
            .event_impact(account, event)
            .await?
            .impact
            .summary)
    }

    async fn send(&self, t: &Taken, body: &str) -> Outcome {
        let failed = |error: String| Outcome {
            status_code: None,
            error: Some(error),
            response: None,
        };
        // Literal addresses never reach the resolver, so they are checked here, every time.
        let url = match ssrf::check_url(&t.url, self.allow_private) {
            Ok(url) => url,
            Err(refused) => return failed(refused.0),
        };
        let secret = match &t.secret {
            Ok(secret) => secret,
            Err(why) => return failed(why.clone()),
        };
        let timestamp = self.clock.now().timestamp();
        let signature = signing::sign(secret, &t.id, timestamp, body);
        let sent = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &t.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_owned())
            .send()
            .await;
        match sent {
            Err(e) => failed(describe(&e)),
            Ok(mut response) => {
                let status = response.status().as_u16();
                let mut kept = Vec::new();
                // Read at most 1 KB of the answer; the rest is never read.
                while kept.len() < MAX_RESPONSE_BYTES {
                    match response.chunk().await {
                        Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                        Ok(None) => break,
                        Err(_) => break,
                    }
                }
                Outcome {
                    status_code: Some(status),
                    error: (!(200..300).contains(&status))
                        .then(|| format!("the receiver answered {status}")),
                    response: Some(truncate_utf8(&kept, MAX_RESPONSE_BYTES)),
                }
            }
        }
    }

    /// Records attempts in one transaction.
    async fn record(&self, attempts: Vec<(Taken, String, Outcome)>) -> sqlx::Result<()> {
        let mut tx = self.store.begin().await?;
        for (taken, body, outcome) in attempts {
            self.record_one(&mut tx, &taken, &body, outcome).await?;
        }
        self.store.commit(tx).await
    }

    /// Records the attempt and decides what comes next, if this pass still holds the lease.
    async fn record_one(
        &self,
        tx: &mut Tx,
        t: &Taken,
        body: &str,
        outcome: Outcome,
    ) -> sqlx::Result<()> {
        let now = self.clock.now();
        let success = outcome.error.is_none();
        let gone = outcome.status_code == Some(410);
        let round = t.round_attempts + 1;
        let (status, next): (&str, Option<DateTime<Utc>>) = if success {
            ("delivered", None)
        } else if gone || t.event_type == "ping" || !t.enabled {
            // A ping is tried once (DESIGN.md 17): it answers "does it work now", and a
            // retried ping would only add to the load of an endpoint that is failing.
            ("failed", None)
        } else {
            match RETRY_SCHEDULE_S.get(round as usize - 1) {
                Some(wait) => ("pending", Some(now + self.scaled(*wait))),
                None => ("failed", None),
            }
        };
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, round_attempts = $2, \
             last_status_code = $3, last_error = $4, last_response = $5, next_attempt_at = $6, \
             delivered_at = $7, body = $8, lease_until = NULL, leased_by = NULL \
             WHERE id = $9 AND status = 'pending' AND lease_until >= $10",
        )
        .bind(status)
        .bind(round)
        .bind(outcome.status_code.map(i64::from))
        .bind(outcome.error.as_deref())
        .bind(outcome.response.as_deref())
        .bind(next.map(to_millis))
        .bind(success.then(|| to_millis(now)))
        .bind(body)
        .bind(&t.id)
        .bind(to_millis(now))
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            // The lease lapsed (this attempt took too long) and another dispatcher took over.
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO webhook_attempts (delivery_id, at, status_code, error, response_body, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&t.id)
        .bind(to_millis(now))
        .bind(outcome.status_code.map(i64::from))
        .bind(outcome.error.as_deref())
        .bind(outcome.response.as_deref())
        .bind(next.map(to_millis))
        .execute(&mut **tx)
        .await?;
        if gone {
            sqlx::query("UPDATE webhooks SET enabled = 0 WHERE id = $1")
                .bind(&t.webhook_id)
                .execute(&mut **tx)
                .await?;
        } else if success && t.event_type == "ping" && !t.enabled {
            // A receiver that answers a test again is back.
            sqlx::query("UPDATE webhooks SET enabled = 1 WHERE id = $1")
                .bind(&t.webhook_id)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}

/// The console page that shows the event.
pub fn console_url(public_url: &str, event: &OmEvent) -> String {
    let page = match event.resource {
        ResourceRef::VpnGateway { .. } => "vpn-gateways",
        ResourceRef::IpsecConnection { .. } => "ipsec-connections",
    };
    format!(
        "{public_url}/{page}?region={}&q={}&event={}",
        event.region,
        event.resource.id_str(),
        event.id
    )
}

/// An error with its causes, which is where reqwest says what went wrong.
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out after 10 s".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(MAX_ERROR_CHARS).collect()
}

fn truncate_utf8(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(max)]).into_owned();
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}
