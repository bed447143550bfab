//! Executes each O&M event at its time, exactly once.
//!
//! Every step is one transaction guarded by a conditional update on the event's status, so a
//! second scheduler (another replica, or this one after a restart) can never start or finish the
//! same event twice, and a crash between steps leaves a state the next pass finishes.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
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
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub started: usize,
    pub completed: usize,
}

impl Scheduler {
    /// How long an execution holds the maintained resources, after the time scale.
    pub fn execution_duration(&self) -> Duration {
        let ms = f64::from(EVENT_DURATION_S) * 1000.0 / self.time_scale.max(1e-3);
        Duration::milliseconds(ms.round().max(1.0) as i64)
    }

    /// Finishes what has run its time, then starts what is due.
    pub async fn run_once(&self) -> sqlx::Result<Pass> {
        let mut pass = Pass::default();
        // Heartbeat first: a slow pass must not let our own leases lapse.
        let now = self.clock.now();
        self.store
            .renew_leases(&self.instance, now + Duration::seconds(LEASE_S))
            .await?;
        loop {
            let now = self.clock.now();
            let finished = self
                .store
                .finished_events(now, &self.instance, BATCH)
                .await?;
            pass.completed += self
                .each_at_once(&finished, |id| async move {
                    self.store.finish_event(&id, now, &self.instance).await
                })
                .await?;
            let due = self.store.due_events(now, BATCH).await?;
            let duration = self.execution_duration();
            pass.started += self
                .each_at_once(&due, |id| async move {
                    self.store
                        .start_event(&id, now, duration, &self.instance)
                        .await
                })
                .await?;
            if finished.len() < BATCH as usize && due.len() < BATCH as usize {
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
        let mut changed = 0;
        let mut steps =
            futures_util::stream::iter(ids.iter().cloned().map(step)).buffer_unordered(at_once);
        while let Some(done) = steps.next().await {
            if done? {
                changed += 1;
            }
        }
        Ok(changed)
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
            }
            let tick = (self.execution_duration().num_milliseconds() / 20).clamp(50, 1000) as u64;
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(StdDuration::from_millis(tick)) => {}
            }
        }
    }
}
