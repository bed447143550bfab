//! Sends the outbox: every pending delivery whose time has come, signed, with the retry
//! schedule of DESIGN.md 9.1, recording every attempt. Webhooks and channels (section 15) are
//! endpoints alike: what differs is only how a body is composed ([`messages`]) and where it
//! goes (a signed POST, a robot's URL, PagerDuty, a mail).
//!
//! Each attempt is made once across replicas: a dispatcher first takes a lease on the delivery
//! rows it will try (a conditional update, as the scheduler's on events), renews it while the
//! send is in flight, and records the attempt unless another dispatcher has taken the row
//! since. A replica that dies mid-attempt leaves a lease that lapses after [`LEASE_S`]; another
//! replica then tries again (at least once: receivers dedupe by `webhook-id`).
//!
//! Fair between endpoints (DESIGN.md 17): at most [`PER_ENDPOINT`] sends of one endpoint are in
//! flight at once, across replicas, and every send runs on its own task, so an endpoint that
//! never answers holds its own slots for the 10 s timeout and nobody else's. There are no rounds
//! to wait for: a finished send frees its slot and the loop takes what is due at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify, Semaphore};
use vpn_console_domain::api::LogEntry;
use vpn_console_domain::{OmEvent, ResourceRef, Summary};

use super::mail::Mailer;
use super::messages::{self, Language, Message, PagerDutyAction, Rendered};
use super::outbox::rfc3339;
use super::{reminders, signing, ssrf};
use crate::clock::{to_millis, Clock};
use crate::store::{int, opt_text, text, Backend, Store, Tx};
use vpn_console_domain::notifications::{ChannelKind, PING_TYPE};

/// The waits after each failed attempt (before the time scale); after the last, `failed`.
pub const RETRY_SCHEDULE_S: [i64; 7] = [5, 30, 120, 600, 1800, 3600, 7200];
/// How long a lease lasts without renewal; a dispatcher renews its leases every fifth of it
/// while their sends are in flight, so only a dead (or cut off) dispatcher lets one lapse.
pub const LEASE_S: i64 = 30;
/// Sends of one endpoint in flight at once, across replicas: what a slow or hanging endpoint
/// can hold, and all it can hold.
pub const PER_ENDPOINT: i64 = 4;
/// `last_error` stays a few words long: it is shown to every role.
const MAX_ERROR_CHARS: usize = 200;
/// Answers 404 or 410 in a row that disable a channel (DESIGN.md 15).
pub const GONE_IN_A_ROW: i64 = 3;
/// The PagerDuty Events API's base unless `--pagerduty-url` says otherwise.
pub const PAGERDUTY_URL: &str = "https://events.pagerduty.com";
/// Receivers' answers are kept up to this many bytes (in the database only, never in an answer).
pub const MAX_RESPONSE_BYTES: usize = 1024;
/// Deliveries taken per pass.
const BATCH: i64 = 200;
/// Sends at once in [`Dispatcher::deliver_once`].
const AT_ONCE: usize = 32;
/// Bodies composed at once: composing reads the database, and the sends in flight must not
/// take its whole pool.
const COMPOSING_AT_ONCE: usize = 8;
/// Attempts recorded per transaction (at most).
const RECORD_BATCH: usize = 50;
/// A batch of attempts that cannot be recorded is tried again this many times, a second apart,
/// while its leases are still renewed; after that its leases lapse and the sends are made again.
const RECORD_TRIES: u32 = 10;

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
    /// The PagerDuty Events API's base (`--pagerduty-url`).
    pub pagerduty_url: String,
    /// Where e-mail channels' mail goes; without one, their deliveries fail saying so.
    pub mailer: Option<Arc<Mailer>>,
    /// For the operator's own addresses (PagerDuty), which the SSRF guard does not cover.
    pub operator_client: reqwest::Client,
}

/// What a channel's deliveries need of it.
#[derive(Clone)]
struct ChannelSpec {
    kind: ChannelKind,
    language: String,
    time_zone: String,
    min_interruption_s: Option<i64>,
}

/// One delivery taken for an attempt.
struct Taken {
    id: String,
    /// The lease it was taken with (`leased_by`).
    claim: String,
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
    /// `None` for a webhook.
    channel: Option<ChannelSpec>,
}

/// The leases this process holds for sends in flight (sends per `leased_by`), and a signal
/// when a recorded attempt frees a slot.
#[derive(Clone, Default)]
struct Flight {
    claims: Arc<Mutex<HashMap<String, usize>>>,
    freed: Arc<Notify>,
}

impl Flight {
    fn add(&self, claim: &str) {
        *self
            .claims
            .lock()
            .expect("not poisoned")
            .entry(claim.to_owned())
            .or_default() += 1;
    }

    fn remove(&self, claim: &str) {
        let mut claims = self.claims.lock().expect("not poisoned");
        if let Some(n) = claims.get_mut(claim) {
            *n -= 1;
            if *n == 0 {
                claims.remove(claim);
            }
        }
    }

    fn claims(&self) -> Vec<String> {
        self.claims
            .lock()
            .expect("not poisoned")
            .keys()
            .cloned()
            .collect()
    }
}

/// What one attempt came to.
struct Outcome {
    status_code: Option<u16>,
    error: Option<String>,
    response: Option<String>,
    /// Nothing was sent: the channel's filter on the impact let the change pass by, so the
    /// delivery is forgotten.
    skipped: bool,
}

impl Outcome {
    fn failed(error: String) -> Outcome {
        Outcome {
            status_code: None,
            error: Some(error),
            response: None,
            skipped: false,
        }
    }
}

/// The stored body of a delivery its channel's filters let pass by.
const SKIPPED: &str = "";

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
            pagerduty_url: PAGERDUTY_URL.to_owned(),
            mailer: None,
            operator_client: ssrf::operator_client(),
        }
    }

    /// With the channels' settings: `--pagerduty-url`, and the relay or folder of e-mail.
    pub fn with_channels(mut self, pagerduty_url: &str, mailer: Option<Arc<Mailer>>) -> Self {
        self.pagerduty_url = pagerduty_url.trim_end_matches('/').to_owned();
        self.mailer = mailer;
        self
    }

    /// A wait of the schedule after the time scale.
    pub fn scaled(&self, seconds: i64) -> Duration {
        let ms = seconds as f64 * 1000.0 / self.time_scale.max(1e-3);
        Duration::milliseconds(ms.round().max(1.0) as i64)
    }

    /// Runs until the process ends: takes what is due for endpoints with a free slot, sends
    /// each on its own task, records the attempts as they finish.
    pub async fn run(self) {
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        let flight = Flight::default();
        tokio::spawn(self.clone().recorder(done_rx, flight.clone()));
        tokio::spawn(self.clone().heartbeat(flight.clone()));
        let composing = Arc::new(Semaphore::new(COMPOSING_AT_ONCE));
        let mut reminders_at = tokio::time::Instant::now();
        loop {
            let mut busy = false;
            if reminders_at <= tokio::time::Instant::now() {
                match reminders::pass(&self).await {
                    Ok(n) => busy |= n > 0,
                    Err(e) => tracing::error!(error = %e, "reminder pass failed; retrying"),
                }
                reminders_at = tokio::time::Instant::now() + StdDuration::from_millis(100);
            }
            match self.take_due().await {
                Ok(taken) => {
                    busy |= taken.len() as i64 >= BATCH;
                    for t in taken {
                        flight.add(&t.claim);
                        tokio::spawn(self.clone().send_one(
                            t,
                            composing.clone(),
                            done_tx.clone(),
                            flight.clone(),
                        ));
                    }
                }
                Err(e) => tracing::error!(error = %e, "delivery pass failed; retrying"),
            }
            if !busy {
                // A recorded attempt frees a slot: what waited for it is taken at once.
                tokio::select! {
                    _ = flight.freed.notified() => {}
                    _ = tokio::time::sleep(StdDuration::from_millis(100)) => {}
                }
            }
        }
    }

    /// One send on its own task; its attempt goes to the recorder.
    async fn send_one(
        self,
        t: Taken,
        composing: Arc<Semaphore>,
        done: mpsc::UnboundedSender<(Taken, String, Outcome)>,
        flight: Flight,
    ) {
        let body = match &t.body {
            Some(b) => b.clone(),
            None => {
                let _slot = composing.acquire().await;
                match self.compose(&t).await {
                    Ok(body) => body.unwrap_or_else(|| SKIPPED.to_owned()),
                    Err(e) => {
                        // Nothing was sent: the lease lapses and the delivery is tried again.
                        tracing::error!(error = %e, delivery = %t.id, "composing a delivery failed");
                        flight.remove(&t.claim);
                        return;
                    }
                }
            }
        };
        let (t, body, outcome) = self.attempt(t, body).await;
        if let Err(mpsc::error::SendError((t, _, _))) = done.send((t, body, outcome)) {
            flight.remove(&t.claim);
        }
    }

    /// Records finished attempts, as many to a transaction as have finished meanwhile: one
    /// commit each made PostgreSQL (which serialises the commits of notifying transactions)
    /// the bottleneck.
    async fn recorder(
        self,
        mut done: mpsc::UnboundedReceiver<(Taken, String, Outcome)>,
        flight: Flight,
    ) {
        while let Some(first) = done.recv().await {
            let mut batch = vec![first];
            while batch.len() < RECORD_BATCH {
                match done.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            for tries in 1.. {
                match self.record(&batch).await {
                    Ok(()) => break,
                    Err(e) if tries < RECORD_TRIES => {
                        tracing::warn!(error = %e, "recording attempts failed; trying again");
                        tokio::time::sleep(StdDuration::from_secs(1)).await;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, attempts = batch.len(), "recording attempts failed; their deliveries will be sent again");
                        break;
                    }
                }
            }
            for (t, _, _) in &batch {
                flight.remove(&t.claim);
            }
            flight.freed.notify_one();
        }
    }

    /// Renews the leases of the sends in flight, so that a slow answer is recorded, never
    /// sent again because its lease lapsed (DESIGN.md 17).
    async fn heartbeat(self, flight: Flight) {
        let every = StdDuration::from_millis((LEASE_S * 1000 / 5) as u64);
        loop {
            tokio::time::sleep(every).await;
            let claims = flight.claims();
            for chunk in claims.chunks(100) {
                if let Err(e) = self.renew(chunk).await {
                    tracing::warn!(error = %e, "renewing delivery leases");
                }
            }
        }
    }

    async fn renew(&self, claims: &[String]) -> sqlx::Result<()> {
        let until = to_millis(self.clock.now()) + LEASE_S * 1000;
        let list = (0..claims.len())
            .map(|i| format!("${}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE webhook_deliveries SET lease_until = $1 WHERE status = 'pending' AND leased_by IN ({list})"
        );
        let mut query = sqlx::query(&sql).bind(until);
        for claim in claims {
            query = query.bind(claim);
        }
        let mut tx = self.store.begin().await?;
        query.execute(&mut *tx).await?;
        self.store.commit(tx).await
    }

    /// Takes the due deliveries, tries each once, records the attempts; returns how many.
    /// One round, waited for whole: for tests and benchmarks; the server runs [`Self::run`].
    pub async fn deliver_once(&self) -> sqlx::Result<usize> {
        let taken = self.take_due().await?;
        let n = taken.len();
        // Bodies first, all of them: a send must hold no database connection, or the attempts
        // in flight could take the whole pool while a batch waits to be recorded.
        let composed: Vec<(Taken, String)> =
            futures_util::stream::iter(taken.into_iter().map(|t| async move {
                let body = match &t.body {
                    Some(b) => b.clone(),
                    None => self
                        .compose(&t)
                        .await?
                        .unwrap_or_else(|| SKIPPED.to_owned()),
                };
                Ok::<_, sqlx::Error>((t, body))
            }))
            .buffer_unordered(8)
            .try_collect()
            .await?;
        let mut attempts =
            futures_util::stream::iter(composed.into_iter().map(|(t, body)| self.attempt(t, body)))
                .buffer_unordered(AT_ONCE);
        let mut done = Vec::new();
        while let Some(attempt) = attempts.next().await {
            done.push(attempt);
            if done.len() >= RECORD_BATCH {
                self.record(&std::mem::take(&mut done)).await?;
            }
        }
        if !done.is_empty() {
            self.record(&done).await?;
        }
        Ok(n)
    }

    /// Leases the due deliveries to this pass, at most [`PER_ENDPOINT`] in flight per
    /// endpoint (counting those other passes and replicas hold), oldest first, and reads what
    /// sending them needs.
    async fn take_due(&self) -> sqlx::Result<Vec<Taken>> {
        let now = to_millis(self.clock.now());
        let claim = format!("{}:{}", self.instance, uuid::Uuid::new_v4().simple());
        // SKIP LOCKED lets replicas take different rows instead of queueing on the same ones;
        // the outer conditions are checked again on the locked row, so no row is taken twice.
        // PostgreSQL refuses FOR UPDATE beside window functions, hence the extra level.
        let lock = match self.store.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // A read first: an idle dispatcher must not take SQLite's one writer every pass.
        let due = sqlx::query(
            "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
             AND (lease_until IS NULL OR lease_until < $1) LIMIT 1",
        )
        .bind(now)
        .fetch_optional(self.store.reader())
        .await?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        let mut tx = self.store.begin().await?;
        // A row's place in its endpoint's queue, after the sends of that endpoint in flight
        // (pending rows under a live lease), decides whether it is taken now.
        let rows = sqlx::query(&format!(
            "UPDATE webhook_deliveries SET lease_until = $1, leased_by = $2 WHERE id IN \
             (SELECT id FROM webhook_deliveries WHERE id IN \
              (SELECT id FROM \
               (SELECT d.id, d.next_attempt_at, \
                 ROW_NUMBER() OVER (PARTITION BY d.webhook_id ORDER BY d.next_attempt_at, d.id) \
                 + COALESCE(busy.n, 0) AS place \
                FROM webhook_deliveries d LEFT JOIN \
                 (SELECT webhook_id, COUNT(*) AS n FROM webhook_deliveries \
                  WHERE status = 'pending' AND lease_until >= $3 GROUP BY webhook_id) busy \
                 ON busy.webhook_id = d.webhook_id \
                WHERE d.status = 'pending' AND d.next_attempt_at <= $3 \
                 AND (d.lease_until IS NULL OR d.lease_until < $3)) due \
               WHERE place <= $4 ORDER BY next_attempt_at LIMIT $5) {lock}) \
             AND status = 'pending' AND (lease_until IS NULL OR lease_until < $3) \
             RETURNING id, webhook_id, account_id, event_type, event_json, log_entry, reminder, \
             body, round_attempts, created_at"
        ))
        .bind(now + LEASE_S * 1000)
        .bind(&claim)
        .bind(now)
        .bind(PER_ENDPOINT)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        self.store.commit(tx).await?;
        // The endpoints as they are now (a few rows, whatever the number of deliveries).
        type Endpoint = (String, Result<String, String>, bool, Option<ChannelSpec>);
        let mut endpoints: HashMap<String, Endpoint> = HashMap::new();
        for r in &rows {
            let webhook_id = text(r, "webhook_id")?;
            if endpoints.contains_key(&webhook_id) {
                continue;
            }
            let Some(w) = sqlx::query(
                "SELECT url, secret, enabled, kind, language, time_zone, min_interruption_s \
                 FROM webhooks WHERE id = $1",
            )
            .bind(&webhook_id)
            .fetch_optional(self.store.reader())
            .await?
            else {
                // Deleted meanwhile, and its deliveries with it.
                continue;
            };
            let sealed = text(&w, "secret")?;
            let secret = self
                .store
                .secret_box()
                .map_err(|e| e.to_string())
                .and_then(|b| b.open(&sealed).map_err(|e| e.to_string()));
            let channel = ChannelKind::parse(&text(&w, "kind")?).map(|kind| ChannelSpec {
                kind,
                language: opt_text(&w, "language")
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| "en".into()),
                time_zone: opt_text(&w, "time_zone")
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| "UTC".into()),
                min_interruption_s: crate::store::opt_int(&w, "min_interruption_s")
                    .ok()
                    .flatten(),
            });
            endpoints.insert(
                webhook_id,
                (text(&w, "url")?, secret, int(&w, "enabled")? == 1, channel),
            );
        }
        let mut taken = Vec::with_capacity(rows.len());
        for r in &rows {
            let webhook_id = text(r, "webhook_id")?;
            let Some((url, secret, enabled, channel)) = endpoints.get(&webhook_id) else {
                continue;
            };
            taken.push(Taken {
                id: text(r, "id")?,
                claim: claim.clone(),
                webhook_id,
                account: text(r, "account_id")?,
                event_type: text(r, "event_type")?,
                event_json: opt_text(r, "event_json")?,
                log_entry: opt_text(r, "log_entry")?,
                reminder: opt_text(r, "reminder")?,
                body: opt_text(r, "body")?,
                round_attempts: int(r, "round_attempts")?,
                created_at: int(r, "created_at")?,
                url: url.clone(),
                secret: secret.clone(),
                enabled: *enabled,
                channel: channel.clone(),
            });
        }
        Ok(taken)
    }

    async fn attempt(&self, taken: Taken, body: String) -> (Taken, String, Outcome) {
        let outcome = if taken.channel.is_some() && body == SKIPPED {
            Outcome {
                status_code: None,
                error: None,
                response: None,
                skipped: true,
            }
        } else if !taken.enabled && taken.event_type != PING_TYPE {
            Outcome::failed(if taken.channel.is_some() {
                "the channel is disabled (it answered 404 or 410 three times in a row)".into()
            } else {
                "the endpoint is disabled (it answered 410 Gone)".into()
            })
        } else if let Some(channel) = &taken.channel {
            self.send_channel(&taken, channel, &body).await
        } else {
            self.send(&taken, &body).await
        };
        (taken, body, outcome)
    }

    /// The body of a delivery: composed at its first attempt from what the outbox row kept,
    /// then stored, so that every retry sends the same bytes. `None`: a channel's filter on
    /// the impact lets this change pass by.
    async fn compose(&self, t: &Taken) -> sqlx::Result<Option<String>> {
        if let Some(channel) = &t.channel {
            return self.compose_channel(t, channel).await;
        }
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
        Ok(Some(payload.to_string()))
    }

    /// A channel's message: the change's event (a sample one for a test), rendered in the
    /// channel's language and zone; for a pending event's mail, its `.ics` attached.
    async fn compose_channel(&self, t: &Taken, ch: &ChannelSpec) -> sqlx::Result<Option<String>> {
        let now = self.clock.now();
        let (event, summary, console_url) = match &t.event_json {
            Some(raw) => {
                let event: OmEvent = serde_json::from_str(raw)
                    .map_err(|e| crate::store::corrupt("event_json", raw, e))?;
                let summary = self.summary(&t.account, &event).await?;
                let url = console_url(&self.public_url, &event);
                (event, summary, url)
            }
            None => {
                let (event, summary) = sample_event(now);
                (event, summary, self.public_url.clone())
            }
        };
        let test = t.event_json.is_none();
        if !test {
            if let Some(min) = ch.min_interruption_s {
                if i64::from(summary.max_interruption_s) < min {
                    return Ok(None);
                }
            }
        }
        let log_entry: Option<LogEntry> = match &t.log_entry {
            Some(raw) => Some(
                serde_json::from_str(raw)
                    .map_err(|e| crate::store::corrupt("log_entry", raw, e))?,
            ),
            None => None,
        };
        let pagerduty = if ch.kind == ChannelKind::Pagerduty && !test {
            let triggered = self.alert_open(t).await?;
            PagerDutyAction::for_change(&t.event_type, triggered)
        } else {
            PagerDutyAction::Change
        };
        let rendered = messages::render(&Message {
            kind: ch.kind,
            language: Language::parse(&ch.language).unwrap_or(Language::En),
            time_zone: ch.time_zone.parse().unwrap_or(chrono_tz::UTC),
            event_type: &t.event_type,
            event: &event,
            summary: &summary,
            log_entry: log_entry.as_ref(),
            reminder: t.reminder.as_deref(),
            console_url: &console_url,
            target: &t.url,
            pagerduty,
            now,
        });
        let rendered = match rendered {
            Rendered::Mail(mut mail)
                if event.status == vpn_console_domain::EventStatus::Pending =>
            {
                mail.ics = Some(if test {
                    super::calendar::single_event_ics(
                        &event,
                        event.resource.id_str(),
                        &vpn_console_domain::impact::Impact {
                            affected: Vec::new(),
                            summary: summary.clone(),
                        },
                        now,
                        &self.public_url,
                    )
                } else {
                    self.store
                        .event_ics(&t.account, &event, now, &self.public_url)
                        .await?
                });
                Rendered::Mail(mail)
            }
            other => other,
        };
        Ok(Some(rendered.stored()))
    }

    /// Whether this PagerDuty channel's latest alert for the delivery's event is a trigger
    /// (`failed`, `verification_failed`) that no `verified` has answered since.
    async fn alert_open(&self, t: &Taken) -> sqlx::Result<bool> {
        let Some(event_id) = t
            .event_json
            .as_deref()
            .and_then(|raw| serde_json::from_str::<OmEvent>(raw).ok())
            .map(|e| e.id.to_string())
        else {
            return Ok(false);
        };
        let latest = sqlx::query(
            "SELECT event_type FROM webhook_deliveries WHERE webhook_id = $1 AND om_event_id = $2 \
             AND id <> $3 AND created_at <= $4 AND event_type IN ($5, $6, $7) \
             ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(&t.webhook_id)
        .bind(&event_id)
        .bind(&t.id)
        .bind(t.created_at)
        .bind(vpn_console_domain::event::AuditAction::Failed.event_type())
        .bind(vpn_console_domain::event::AuditAction::VerificationFailed.event_type())
        .bind(vpn_console_domain::event::AuditAction::Verified.event_type())
        .fetch_optional(self.store.reader())
        .await?;
        Ok(match latest {
            Some(row) => {
                text(&row, "event_type")?
                    != vpn_console_domain::event::AuditAction::Verified.event_type()
            }
            None => false,
        })
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
        let failed = Outcome::failed;
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
        let request = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &t.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_owned());
        post(request).await
    }

    /// A channel's attempt: the robots' signatures are made now (DingTalk and Lark refuse an
    /// old timestamp), PagerDuty is the operator's address, mail goes to the mailer.
    async fn send_channel(&self, t: &Taken, ch: &ChannelSpec, body: &str) -> Outcome {
        let failed = Outcome::failed;
        let now = self.clock.now();
        if ch.kind == ChannelKind::Email {
            let mail: messages::Mail = match serde_json::from_str(body) {
                Ok(mail) => mail,
                Err(e) => return failed(format!("the stored mail is unreadable: {e}")),
            };
            let Some(mailer) = &self.mailer else {
                return failed("no mail relay is configured (--smtp-url)".into());
            };
            return match mailer.send(&t.url, &mail, &t.id).await {
                Ok(()) => Outcome {
                    status_code: None,
                    error: None,
                    response: None,
                    skipped: false,
                },
                Err(e) => failed(e),
            };
        }
        let json: Value = match serde_json::from_str(body) {
            Ok(v) => v,
            Err(e) => return failed(format!("the stored message is unreadable: {e}")),
        };
        let secret = match &t.secret {
            Ok(secret) => secret.as_str(),
            Err(why) => return failed(why.clone()),
        };
        let (client, url, json) = match ch.kind {
            ChannelKind::Pagerduty => {
                let url = format!("{}{}", self.pagerduty_url, messages::pagerduty_path(&json));
                (&self.operator_client, url, json)
            }
            kind => {
                let url = match ssrf::check_url(&t.url, self.allow_private) {
                    Ok(url) => url,
                    Err(refused) => return failed(refused.0),
                };
                match kind {
                    ChannelKind::Dingtalk if !secret.is_empty() => {
                        let signed =
                            messages::dingtalk_signed_url(&url, secret, now.timestamp_millis());
                        (&self.client, signed.to_string(), json)
                    }
                    ChannelKind::Lark if !secret.is_empty() => {
                        let signed = messages::lark_signed(&json, secret, now.timestamp());
                        (&self.client, url.to_string(), signed)
                    }
                    _ => (&self.client, url.to_string(), json),
                }
            }
        };
        let request = client
            .post(url)
            .header("content-type", "application/json")
            .body(json.to_string());
        let mut outcome = post(request).await;
        if outcome.error.is_none() {
            if let Some(refusal) = outcome
                .response
                .as_deref()
                .and_then(|answer| messages::robot_refusal(ch.kind, answer))
            {
                outcome.error = Some(refusal);
            }
        }
        outcome
    }
}

/// Posts a request and reads at most [`MAX_RESPONSE_BYTES`] of its answer.
async fn post(request: reqwest::RequestBuilder) -> Outcome {
    let failed = Outcome::failed;
    {
        match request.send().await {
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
                    skipped: false,
                }
            }
        }
    }
}

impl Dispatcher {
    /// Records attempts in one transaction.
    async fn record(&self, attempts: &[(Taken, String, Outcome)]) -> sqlx::Result<()> {
        let mut tx = self.store.begin().await?;
        for (taken, body, outcome) in attempts {
            self.record_one(&mut tx, taken, body, outcome).await?;
        }
        self.store.commit(tx).await
    }

    /// Records the attempt and decides what comes next, unless another dispatcher has taken
    /// the delivery since (this one was cut off longer than a lease): then the attempt is
    /// only counted, and what comes next is the other's to decide.
    async fn record_one(
        &self,
        tx: &mut Tx,
        t: &Taken,
        body: &str,
        outcome: &Outcome,
    ) -> sqlx::Result<()> {
        let now = self.clock.now();
        if outcome.skipped {
            // Filtered out by the channel: no message, no delivery to list.
            sqlx::query("DELETE FROM webhook_deliveries WHERE id = $1 AND leased_by = $2")
                .bind(&t.id)
                .bind(&t.claim)
                .execute(&mut **tx)
                .await?;
            return Ok(());
        }
        let success = outcome.error.is_none();
        // A webhook is disabled by its first 410 (9.1); a channel by its third 404 or 410 in
        // a row (15), its deliveries retried meanwhile.
        let gone = t.channel.is_none() && outcome.status_code == Some(410);
        let channel_gone =
            t.channel.is_some() && matches!(outcome.status_code, Some(404) | Some(410));
        let round = t.round_attempts + 1;
        let (status, next): (&str, Option<DateTime<Utc>>) = if success {
            ("delivered", None)
        } else if gone || t.event_type == PING_TYPE || !t.enabled {
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
             WHERE id = $9 AND status = 'pending' AND leased_by = $10",
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
        .bind(&t.claim)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            tracing::warn!(delivery = %t.id, "a delivery's lease was taken over during its attempt");
            // The send happened all the same: the log says so (unless the endpoint is gone).
            let counted =
                sqlx::query("UPDATE webhook_deliveries SET attempts = attempts + 1 WHERE id = $1")
                    .bind(&t.id)
                    .execute(&mut **tx)
                    .await?;
            if counted.rows_affected() == 1 {
                sqlx::query(
                    "INSERT INTO webhook_attempts (delivery_id, at, status_code, error, response_body, next_attempt_at) \
                     VALUES ($1, $2, $3, $4, $5, NULL)",
                )
                .bind(&t.id)
                .bind(to_millis(now))
                .bind(outcome.status_code.map(i64::from))
                .bind(outcome.error.as_deref())
                .bind(outcome.response.as_deref())
                .execute(&mut **tx)
                .await?;
            }
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
        if channel_gone {
            sqlx::query("UPDATE webhooks SET gone_in_a_row = gone_in_a_row + 1 WHERE id = $1")
                .bind(&t.webhook_id)
                .execute(&mut **tx)
                .await?;
            let code = outcome.status_code.unwrap_or_default();
            sqlx::query(
                "UPDATE webhooks SET enabled = 0, disabled_reason = $1 \
                 WHERE id = $2 AND enabled = 1 AND gone_in_a_row >= $3",
            )
            .bind(format!(
                "{GONE_IN_A_ROW} attempts in a row were answered 404 or 410 (the last {code}): the target no longer exists"
            ))
            .bind(&t.webhook_id)
            .bind(GONE_IN_A_ROW)
            .execute(&mut **tx)
            .await?;
        } else if success && t.channel.is_some() {
            let reenable = t.event_type == PING_TYPE && !t.enabled;
            sqlx::query(
                "UPDATE webhooks SET gone_in_a_row = 0, \
                 enabled = CASE WHEN $1 = 1 THEN 1 ELSE enabled END, \
                 disabled_reason = CASE WHEN $1 = 1 THEN NULL ELSE disabled_reason END \
                 WHERE id = $2",
            )
            .bind(i64::from(reenable))
            .bind(&t.webhook_id)
            .execute(&mut **tx)
            .await?;
        }
        if gone {
            sqlx::query("UPDATE webhooks SET enabled = 0 WHERE id = $1")
                .bind(&t.webhook_id)
                .execute(&mut **tx)
                .await?;
        } else if success && t.event_type == PING_TYPE && !t.enabled && t.channel.is_none() {
            // A receiver that answers a test again is back.
            sqlx::query("UPDATE webhooks SET enabled = 1 WHERE id = $1")
                .bind(&t.webhook_id)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}

/// The event a test message shows: a pending maintenance of a sample gateway tomorrow.
fn sample_event(now: DateTime<Utc>) -> (OmEvent, Summary) {
    let at = now + Duration::days(1);
    let event: OmEvent = serde_json::from_value(json!({
        "id": "om-sample",
        "region": "cn-hangzhou",
        "resource": {"kind": "vpn_gateway", "id": "vpn-sample"},
        "gateway_ip": {"role": "ipsec_address_1", "ip": "192.0.2.1"},
        "reason": "system_upgrade",
        "status": "pending",
        "default_execute_at": rfc3339(at),
        "execute_at": rfc3339(at),
        "published_at": rfc3339(now),
        "started_at": null,
        "finished_at": null,
        "version": 1
    }))
    .expect("the sample event is an event");
    let summary = Summary {
        max_interruption_s: 60,
        tunnels: 1,
        connections: 1,
        ..Summary::default()
    };
    (event, summary)
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
