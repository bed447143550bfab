//! Executes each O&M event at its time, exactly once.
//!
//! Every step is one transaction guarded by a conditional update on the event's status, so a
//! second scheduler (another replica, or this one after a restart) can never start or finish the
//! same event twice, and a crash between steps leaves a state the next pass finishes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;
use vpn_console_domain::impact::EVENT_DURATION_S;

use crate::clock::Clock;
use crate::store::events::LEASE_S;
use crate::store::{Backend, Store};
use futures_util::StreamExt;
use vpn_console_domain::EventId;

/// Events read per query of a pass.
const BATCH: i64 = 200;

#[derive(Clone)]
pub struct Scheduler {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub wake: Arc<Notify>,
    /// How many times faster than real time maintenance runs.
    pub time_scale: f64,
    /// Names this process in the events it starts.
    pub instance: String,
    /// Events whose step failed, kept apart so that they never hold up the others.
    pub troubles: Troubles,
}

/// How many times a failing step is tried before its event is marked `failed`.
pub const MAX_TRIES: u32 = 5;
/// The wait before the first retry; each further one waits twice as long.
const FIRST_RETRY_S: i64 = 2;

/// The events whose start or finish failed in this process, and when each may be tried again.
#[derive(Clone, Default)]
pub struct Troubles(Arc<Mutex<HashMap<EventId, Trouble>>>);

#[derive(Clone, Copy)]
struct Trouble {
    failures: u32,
    retry_at: DateTime<Utc>,
}

impl Troubles {
    fn waiting(&self, id: &EventId, now: DateTime<Utc>) -> bool {
        self.0
            .lock()
            .expect("troubles lock")
            .get(id)
            .is_some_and(|t| t.retry_at > now)
    }

    /// Counts a failure; returns how many there have been in a row.
    fn failed(&self, id: &EventId, now: DateTime<Utc>) -> u32 {
        let mut map = self.0.lock().expect("troubles lock");
        let trouble = map.entry(id.clone()).or_insert(Trouble {
            failures: 0,
            retry_at: now,
        });
        trouble.failures += 1;
        let wait = FIRST_RETRY_S << (trouble.failures - 1).min(10);
        trouble.retry_at = now + Duration::seconds(wait);
        trouble.failures
    }

    fn cleared(&self, id: &EventId) {
        self.0.lock().expect("troubles lock").remove(id);
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub started: usize,
    pub completed: usize,
    /// Verifications whose deadline passed and that got their verdict (DESIGN.md 12.2).
    pub concluded: usize,
    /// Approval requests that reached their `expires_at` pending (DESIGN.md 14.2).
    pub expired: usize,
}

impl Scheduler {
    /// A scheduler named `instance` in the events it starts, woken early by `wake`.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        wake: Arc<Notify>,
        time_scale: f64,
        instance: impl Into<String>,
    ) -> Scheduler {
        Scheduler {
            store,
            clock,
            wake,
            time_scale,
            instance: instance.into(),
            troubles: Troubles::default(),
        }
    }

    /// How long an execution holds the maintained resources, after the time scale.
    pub fn execution_duration(&self) -> Duration {
        let ms = f64::from(EVENT_DURATION_S) * 1000.0 / self.time_scale.max(1e-3);
        Duration::milliseconds(ms.round().max(1.0) as i64)
    }

    /// Finishes what has run its time, then starts what is due. An event whose step fails is
    /// logged and left for a later pass (with a growing wait, then `failed`); the others go on.
    pub async fn run_once(&self) -> sqlx::Result<Pass> {
        // Heartbeat first, and all through the pass: a slow pass must not let our own leases
        // lapse, or another replica would take over (and log `resumed`) events we still run.
        self.renew_leases().await?;
        let heartbeat = {
            let me = self.clone();
            tokio::spawn(async move {
                let every = StdDuration::from_millis((LEASE_S * 1000 / 5) as u64);
                loop {
                    tokio::time::sleep(every).await;
                    if let Err(e) = me.renew_leases().await {
                        tracing::warn!(error = %e, "renewing leases");
                    }
                }
            })
        };
        let pass = self.pass().await;
        heartbeat.abort();
        // Events started late in a slow pass got their lease from the clock read when the pass
        // began, which may have lapsed already.
        self.renew_leases().await?;
        pass
    }

    async fn renew_leases(&self) -> sqlx::Result<u64> {
        let now = self.clock.now();
        self.store
            .renew_leases(&self.instance, now + Duration::seconds(LEASE_S))
            .await
    }

    async fn pass(&self) -> sqlx::Result<Pass> {
        let mut pass = Pass::default();
        loop {
            let before = pass;
            let now = self.clock.now();
            let finished = self
                .store
                .finished_events(now, &self.instance, BATCH)
                .await?;
            pass.completed += self
                .each_at_once(&finished, |id| async move {
                    self.store
                        .finish_event(&id, now, &self.instance, self.time_scale)
                        .await
                })
                .await?;
            // Verdicts before starts: a partner's verdict decides whether a due event is held.
            let concluding = self.store.verifications_due(now, BATCH).await?;
            pass.concluded += self
                .each_at_once(&concluding, |id| async move {
                    self.store.conclude_verification(&id, now).await
                })
                .await?;
            // Before the events: a request expires 10 minutes before the time it concerns.
            let expiring = self.store.due_approvals(now, BATCH).await?;
            for id in &expiring {
                // The conditional update makes this once across replicas.
                match self.store.expire_approval(id, now).await {
                    Ok(true) => pass.expired += 1,
                    Ok(false) => {}
                    Err(e) => {
                        tracing::error!(approval = %id, error = %e, "expiring an approval request failed; tried again next pass")
                    }
                }
            }
            let due = self.store.due_events(now, BATCH).await?;
            let duration = self.execution_duration();
            pass.started += self
                .each_at_once(&due, |id| async move {
                    self.store
                        .start_event(&id, now, duration, &self.instance, self.time_scale)
                        .await
                })
                .await?;
            // A full batch of events that all wait for a retry changes nothing: stop there.
            if (finished.len() < BATCH as usize
                && due.len() < BATCH as usize
                && concluding.len() < BATCH as usize
                && expiring.len() < BATCH as usize)
                || pass == before
            {
                return Ok(pass);
            }
        }
    }

    /// Runs `step` for each event, several at a time, and counts the events it changed. Each
    /// step is its own transaction behind a conditional update, so running them side by side
    /// keeps every event to one start and one finish; events of one pass never share a tunnel
    /// (a resource has one current event, and a connection shows its gateway's).
    async fn each_at_once<F, Fut>(&self, ids: &[EventId], step: F) -> sqlx::Result<usize>
    where
        F: Fn(EventId) -> Fut,
        Fut: std::future::Future<Output = sqlx::Result<bool>>,
    {
        // SQLite has one writer, so only the reads before each write overlap; PostgreSQL
        // runs the transactions themselves side by side.
        let at_once = match self.store.backend {
            Backend::Sqlite => 4,
            Backend::Postgres => 8,
        };
        let now = self.clock.now();
        // Collected first: a lazy filter borrowing `ids` inside the stream makes the future
        // not `Send` for every lifetime, which `tokio::spawn` needs.
        let ready: Vec<EventId> = ids
            .iter()
            .filter(|id| !self.troubles.waiting(id, now))
            .cloned()
            .collect();
        let mut changed = 0;
        let mut steps = futures_util::stream::iter(ready.into_iter().map(|id| {
            let step = step(id.clone());
            async move { (id, step.await) }
        }))
        .buffer_unordered(at_once);
        while let Some((id, done)) = steps.next().await {
            match done {
                Ok(true) => {
                    self.troubles.cleared(&id);
                    changed += 1;
                }
                Ok(false) => self.troubles.cleared(&id),
                Err(e) => self.step_failed(&id, &e, now).await?,
            }
        }
        Ok(changed)
    }

    /// One event's step failed: it waits for its retry, and after [`MAX_TRIES`] it is marked
    /// `failed`, so that someone sees it and it is tried no more.
    async fn step_failed(
        &self,
        id: &EventId,
        e: &sqlx::Error,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let failures = self.troubles.failed(id, now);
        if failures < MAX_TRIES {
            tracing::error!(event = %id, error = %e, failures, "executing an O&M event failed; it is tried again later");
            return Ok(());
        }
        tracing::error!(event = %id, error = %e, failures, "executing an O&M event failed; it is marked failed");
        self.store.fail_event(id, now, &e.to_string()).await?;
        self.troubles.cleared(id);
        Ok(())
    }

    /// Runs until the process ends: a pass on every tick, or at once when woken.
    pub async fn run(self) {
        let mut last_prune = self.clock.now() - Duration::hours(2);
        loop {
            match self.run_once().await {
                Ok(pass) if pass != Pass::default() => {
                    tracing::info!(
                        started = pass.started,
                        completed = pass.completed,
                        expired = pass.expired,
                        "scheduler pass"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "scheduler pass failed; retrying"),
            }
            let now = self.clock.now();
            if now - last_prune > Duration::hours(1) {
                last_prune = now;
                if let Err(e) = self.store.prune_idempotency_keys(now).await {
                    tracing::warn!(error = %e, "pruning idempotency keys failed");
                }
                if let Err(e) = self.store.prune_deliveries(now).await {
                    tracing::warn!(error = %e, "pruning webhook deliveries failed");
                }
            }
            let tick = (self.execution_duration().num_milliseconds() / 20).clamp(50, 1000) as u64;
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(StdDuration::from_millis(tick)) => {}
            }
        }
    }
}
