//! Answers read recently, kept until anything is written.
//!
//! Under load most requests read what the one before read: the same session, the same page of a
//! list. Every write transaction of this process ends in [`Store::commit`](super::Store::commit),
//! which moves the write generation on, so an answer cached before a write is never served after
//! it. Other replicas tell about their writes through PostgreSQL notifications (see
//! `Store::watch_other_writers`). What neither covers (another process writing into the same
//! SQLite file, such as an operator command, or a notification lost while reconnecting) is bounded
//! by the time to live.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a cached answer may be served when no write was seen.
pub const DEFAULT_TTL: Duration = Duration::from_secs(1);

/// More entries than this and the stale ones are dropped; if all are fresh, all are dropped. It
/// bounds memory when callers vary the keys (searches, page numbers).
const CAPACITY: usize = 4096;

/// The write generation and the time to live, shared by every cache of one store.
#[derive(Debug)]
pub struct Changes {
    generation: AtomicU64,
    ttl_ms: AtomicU64,
    /// Wakes whoever follows the writes as they happen (the live updates' tailer).
    wake: tokio::sync::watch::Sender<()>,
}

impl Default for Changes {
    fn default() -> Self {
        Changes {
            generation: AtomicU64::new(0),
            ttl_ms: AtomicU64::new(DEFAULT_TTL.as_millis() as u64),
            wake: tokio::sync::watch::Sender::new(()),
        }
    }
}

impl Changes {
    /// Read it before reading the database: an answer is cached under the generation that was
    /// current when its reading began.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// After a commit (ours or, by notification, another replica's).
    pub fn written(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.wake.send_replace(());
    }

    /// Changes once after every write from then on.
    pub fn watch(&self) -> tokio::sync::watch::Receiver<()> {
        self.wake.subscribe()
    }

    pub fn ttl(&self) -> Duration {
        Duration::from_millis(self.ttl_ms.load(Ordering::Relaxed))
    }

    /// Zero turns caching off.
    pub fn set_ttl(&self, ttl: Duration) {
        self.ttl_ms.store(
            ttl.as_millis().min(u128::from(u64::MAX)) as u64,
            Ordering::Relaxed,
        );
    }
}

struct Entry<V> {
    value: V,
    generation: u64,
    at: Instant,
}

/// One kind of answer, by key.
pub struct ReadCache<K, V> {
    changes: Arc<Changes>,
    /// Read-locked on every request, write-locked only to add: readers do not wait on each
    /// other.
    entries: RwLock<HashMap<K, Entry<V>>>,
}

impl<K: Eq + Hash, V: Clone> ReadCache<K, V> {
    pub fn new(changes: Arc<Changes>) -> Self {
        ReadCache {
            changes,
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// The cached answer, if nothing was written since it was read and it is not too old.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let ttl = self.changes.ttl();
        if ttl.is_zero() {
            return None;
        }
        let generation = self.changes.generation();
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|e| e.generation == generation && e.at.elapsed() < ttl)
            .map(|e| e.value.clone())
    }

    /// Keeps an answer read under `generation` (taken before the read began). An answer read
    /// while a write committed is kept under the old generation and so never served.
    pub fn put(&self, key: K, value: V, generation: u64) {
        let ttl = self.changes.ttl();
        if ttl.is_zero() || generation != self.changes.generation() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY {
            entries.retain(|_, e| e.generation == generation && e.at.elapsed() < ttl);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                value,
                generation,
                at: Instant::now(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> (Arc<Changes>, ReadCache<String, u32>) {
        let changes = Arc::new(Changes::default());
        (changes.clone(), ReadCache::new(changes))
    }

    #[test]
    fn a_write_hides_what_was_read_before_it() {
        let (changes, cache) = cache();
        let generation = changes.generation();
        cache.put("page".into(), 1, generation);
        assert_eq!(cache.get("page"), Some(1));
        changes.written();
        assert_eq!(cache.get("page"), None);
    }

    #[test]
    fn an_answer_read_across_a_write_is_not_kept() {
        let (changes, cache) = cache();
        let before = changes.generation();
        changes.written();
        cache.put("page".into(), 1, before);
        assert_eq!(cache.get("page"), None);
    }

    #[test]
    fn answers_expire_and_a_zero_ttl_turns_caching_off() {
        let (changes, cache) = cache();
        changes.set_ttl(Duration::from_millis(20));
        cache.put("page".into(), 1, changes.generation());
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get("page"), None);
        changes.set_ttl(Duration::ZERO);
        cache.put("page".into(), 2, changes.generation());
        assert_eq!(cache.get("page"), None);
    }

    #[test]
    fn memory_stays_bounded() {
        let (changes, cache) = cache();
        for i in 0..(CAPACITY as u32 * 3) {
            cache.put(format!("page {i}"), i, changes.generation());
        }
        assert!(cache.entries.read().unwrap().len() <= CAPACITY);
    }
}
