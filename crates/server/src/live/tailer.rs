//! Reads the audit log as it grows and hands every new row to the hub.
//!
//! It wakes on every write transaction of this process and, on PostgreSQL, of every replica and
//! operator command (the `om_writes` notifications move the same write generation on); a short
//! poll covers another process writing into the same SQLite file, which notifies nobody.
//!
//! On PostgreSQL a log id is taken when the row is inserted, not when it commits, so id 7 can
//! commit after id 8 has been read. Ids skipped over are remembered for a while and asked for
//! again on every read, so a late commit is still sent (once) rather than lost.

use std::collections::BTreeMap;
use std::sync::Weak;
use std::time::Duration;

use tokio::time::Instant;

use super::HubInner;
use crate::store::Backend;

/// Rows read per query; a longer backlog is read in several.
const BATCH: i64 = 500;

/// How long a skipped id is asked for again. A transaction of this server lasts milliseconds;
/// an id still missing after this was rolled back.
const GAP_GRACE: Duration = Duration::from_secs(30);

/// At most this many skipped ids are asked for per read (the oldest are given up first).
const MAX_GAPS: usize = 100;

/// A jump larger than this is not a set of transactions in flight (a sequence moved on by hand,
/// a restored backup); it is not remembered id by id.
const MAX_GAP_SPAN: i64 = 1000;

/// Gaps not yet filled: id → when it was first skipped.
#[derive(Default)]
struct Gaps(BTreeMap<i64, Instant>);

impl Gaps {
    /// Notes the ids between `high` and `next`, both excluded.
    fn skipped(&mut self, high: i64, next: i64, now: Instant) {
        if next - high - 1 > MAX_GAP_SPAN {
            return;
        }
        for id in high + 1..next {
            self.0.insert(id, now);
        }
    }

    /// Whether `id` was a gap (and so is sent now, late).
    fn filled(&mut self, id: i64) -> bool {
        self.0.remove(&id).is_some()
    }

    fn expire(&mut self, now: Instant) {
        self.0.retain(|_, at| now.duration_since(*at) < GAP_GRACE);
        while self.0.len() > MAX_GAPS {
            self.0.pop_first();
        }
    }

    fn ids(&self) -> Vec<i64> {
        self.0.keys().copied().collect()
    }
}

pub(super) async fn run(hub: Weak<HubInner>, mut high: i64) {
    let Some(store) = hub.upgrade().map(|h| h.store.clone()) else {
        return;
    };
    let mut writes = store.changes().watch();
    let poll = match store.backend {
        Backend::Sqlite => Duration::from_millis(250),
        // Notifications cover every writer; the poll only bounds one lost while reconnecting.
        Backend::Postgres => Duration::from_secs(1),
    };
    let mut gaps = Gaps::default();
    // Users disabled from now on (by `disable-user`, another process) get their streams ended
    // on this wake, not at their next periodic check.
    let mut disabled_since = match store.users_disabled_since(0).await {
        Ok(users) => users.last().map_or(0, |(_, at)| at + 1),
        Err(_) => 0,
    };
    loop {
        tokio::select! {
            changed = writes.changed() => if changed.is_err() { return },
            _ = tokio::time::sleep(poll) => {}
        }
        match store.users_disabled_since(disabled_since).await {
            Ok(users) => {
                let Some(hub) = hub.upgrade() else { return };
                for (email, at) in users {
                    hub.end_user(&email);
                    disabled_since = disabled_since.max(at + 1);
                }
            }
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => tracing::warn!(error = %e, "reading disabled users for live updates"),
        }
        loop {
            let Some(hub) = hub.upgrade() else { return };
            let rows = match store.changes_after(high, &gaps.ids(), BATCH).await {
                Ok(rows) => rows,
                Err(sqlx::Error::PoolClosed) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the audit log for live updates");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            };
            let now = Instant::now();
            let read_after = high;
            let full = rows.len() as i64 >= BATCH;
            for change in rows {
                if change.id > high {
                    gaps.skipped(high, change.id, now);
                    high = change.id;
                } else if !gaps.filled(change.id) {
                    continue;
                }
                hub.publish(change);
            }
            gaps.expire(now);
            if !full || high == read_after {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_commit_is_sent_once_and_a_rollback_is_given_up() {
        let start = Instant::now();
        let mut gaps = Gaps::default();
        gaps.skipped(6, 9, start);
        assert_eq!(gaps.ids(), vec![7, 8]);
        assert!(gaps.filled(7));
        assert!(!gaps.filled(7), "sent once");
        gaps.expire(start + GAP_GRACE);
        assert!(gaps.ids().is_empty(), "8 was rolled back");
    }

    #[test]
    fn a_huge_jump_is_not_remembered_id_by_id() {
        let mut gaps = Gaps::default();
        gaps.skipped(1, 1 + MAX_GAP_SPAN + 2, Instant::now());
        assert!(gaps.ids().is_empty());
        for id in 0..(MAX_GAPS as i64 * 2) {
            gaps.skipped(id * 2, id * 2 + 2, Instant::now());
        }
        gaps.expire(Instant::now());
        assert_eq!(gaps.ids().len(), MAX_GAPS);
    }
}
