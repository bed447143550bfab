//! Live updates (DESIGN.md section 8): every change of an event, fanned out to the open streams
//! of its account.
//!
//! One tailer per server reads the audit log as it grows (see [`tailer`]) and hands each new row
//! to the account's broadcast channel; each open `GET /stream` holds one receiver. A message is
//! serialized once, whatever the number of streams. The message id is the log row's id, so a
//! reconnecting client's `Last-Event-ID` says where to read the log again, on any replica.

mod tailer;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, watch, OnceCell};
use vpn_console_domain::api::EventChange;

use crate::store::accounts::token_hash;
use crate::store::stream::LoggedChange;
use crate::store::Store;

/// Open streams one user may hold on one server; more answer 429.
pub const MAX_STREAMS_PER_USER: usize = 10;

/// Messages a stream may fall behind before it is ended (the client resumes from its last id).
const CHANNEL_CAPACITY: usize = 1024;

/// One change as sent: the log id and the `data` line, serialized once for every stream.
#[derive(Debug)]
pub struct Message {
    pub id: i64,
    pub data: String,
}

impl Message {
    pub fn from_change(change: LoggedChange) -> Self {
        let data = serde_json::to_string(&EventChange {
            action: change.action,
            event: change.event,
            at: change.at,
        })
        .expect("changes serialize");
        Message {
            id: change.id,
            data,
        }
    }
}

#[derive(Clone)]
pub struct Hub(Arc<HubInner>);

struct HubInner {
    store: Store,
    tailer: OnceCell<()>,
    fanout: Mutex<Fanout>,
    streams_per_user: Mutex<HashMap<String, usize>>,
    /// Token hashes of sessions logged out here, so their streams end at once.
    ended_sessions: broadcast::Sender<Arc<str>>,
    /// True once the server shuts down: open streams end, so the graceful shutdown need not
    /// wait for clients that never leave.
    closing: watch::Sender<bool>,
}

/// Guarded by one lock so that a new stream's position and its receiver agree: every message
/// after the position reaches the receiver.
#[derive(Default)]
struct Fanout {
    /// The highest log id handed out.
    high: i64,
    by_account: HashMap<String, broadcast::Sender<Arc<Message>>>,
}

/// What a new stream listens to.
pub struct Subscription {
    pub changes: broadcast::Receiver<Arc<Message>>,
    pub ended_sessions: broadcast::Receiver<Arc<str>>,
    pub closing: watch::Receiver<bool>,
    /// Every change up to this log id was handed out before the stream began.
    pub position: i64,
    _slot: StreamSlot,
}

/// One of a user's open streams; the count goes down when the stream ends.
struct StreamSlot {
    hub: Arc<HubInner>,
    email: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut counts = lock(&self.hub.streams_per_user);
        if let Some(n) = counts.get_mut(&self.email) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.email);
            }
        }
    }
}

#[derive(Debug)]
pub enum SubscribeError {
    TooManyStreams,
    Db(sqlx::Error),
}

impl From<sqlx::Error> for SubscribeError {
    fn from(e: sqlx::Error) -> Self {
        SubscribeError::Db(e)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Hub {
    pub fn new(store: Store) -> Self {
        Hub(Arc::new(HubInner {
            store,
            tailer: OnceCell::new(),
            fanout: Mutex::default(),
            streams_per_user: Mutex::default(),
            ended_sessions: broadcast::channel(64).0,
            closing: watch::Sender::new(false),
        }))
    }

    /// A new stream of `account` for `email`. The tailer starts with the first stream, so a
    /// server nobody follows reads nothing.
    pub async fn subscribe(
        &self,
        account: &str,
        email: &str,
    ) -> Result<Subscription, SubscribeError> {
        let slot = {
            let mut counts = lock(&self.0.streams_per_user);
            let n = counts.entry(email.to_owned()).or_default();
            if *n >= MAX_STREAMS_PER_USER {
                return Err(SubscribeError::TooManyStreams);
            }
            *n += 1;
            StreamSlot {
                hub: self.0.clone(),
                email: email.to_owned(),
            }
        };
        self.0
            .tailer
            .get_or_try_init(|| async {
                let high = self.0.store.last_log_id().await?;
                lock(&self.0.fanout).high = high;
                tokio::spawn(tailer::run(Arc::downgrade(&self.0), high));
                Ok::<_, sqlx::Error>(())
            })
            .await?;
        let mut fanout = lock(&self.0.fanout);
        let position = fanout.high;
        let changes = fanout
            .by_account
            .entry(account.to_owned())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe();
        Ok(Subscription {
            changes,
            ended_sessions: self.0.ended_sessions.subscribe(),
            closing: self.0.closing.subscribe(),
            position,
            _slot: slot,
        })
    }

    /// A log-out here ends that session's streams now; on other replicas their periodic check
    /// does.
    pub fn session_ended(&self, session_token: &str) {
        let _ = self.0.ended_sessions.send(token_hash(session_token).into());
    }

    /// The key on the ended-sessions channel that ends every stream of one user (disabled).
    pub fn user_key(email: &str) -> Arc<str> {
        format!("user {email}").into()
    }

    /// Ends every open stream (the server is shutting down).
    pub fn close(&self) {
        self.0.closing.send_replace(true);
    }
}

impl HubInner {
    /// A disabled user's streams end now (DESIGN.md 17), whichever credential opened them.
    fn end_user(&self, email: &str) {
        let _ = self.ended_sessions.send(Hub::user_key(email));
    }

    fn publish(&self, change: LoggedChange) {
        let account = change.account.clone();
        {
            let mut fanout = lock(&self.fanout);
            if !fanout.by_account.contains_key(&account) {
                fanout.high = fanout.high.max(change.id);
                return;
            }
        }
        // Serialized outside the lock: new streams need not wait for it.
        let message = Arc::new(Message::from_change(change));
        let mut fanout = lock(&self.fanout);
        fanout.high = fanout.high.max(message.id);
        if let Some(channel) = fanout.by_account.get(&account) {
            // No receiver left: the account's last stream ended.
            if channel.send(message).is_err() {
                fanout.by_account.remove(&account);
            }
        }
    }
}
