//! `GET /stream`: the account's changes as server-sent events (DESIGN.md section 8).

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::{ApiError, EventChange};

use super::extract::{session_cookie, ApiQuery, Auth};
use super::{AppError, AppState, Result};
use crate::live::{Message, SubscribeError, Subscription, MAX_STREAMS_PER_USER};
use crate::store::accounts::token_hash;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stream))
}

/// A comment this often keeps proxies from closing a quiet stream (the contract: at most 15 s).
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// How often a stream checks that its session or token is still valid (expiry, a log-out or a
/// revocation elsewhere). A log-out through this server ends its streams at once.
const SESSION_CHECK: Duration = Duration::from_secs(5);

/// A resume replays every missed message of the last 10 minutes (the contract), and older ones
/// up to this many in all; read in pages of `REPLAY_PAGE`, newest first.
const MAX_REPLAY: usize = 50_000;
const REPLAY_PAGE: i64 = 5000;
const REPLAY_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

#[derive(Debug, Deserialize, IntoParams)]
pub struct StreamQuery {
    /// Where to resume when the client cannot send the `Last-Event-ID` header (a new
    /// `EventSource` cannot); the header wins.
    last_event_id: Option<String>,
}

/// The caller's credential, checked again while the stream is open.
enum Credential {
    Session(String),
    Token(String),
}

impl Credential {
    /// The same order as the `Auth` extractor: a bearer token first, then the cookie.
    fn of(headers: &HeaderMap) -> Option<Self> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| Credential::Token(t.trim().to_owned()));
        bearer.or_else(|| session_cookie(headers).map(Credential::Session))
    }

    async fn still_valid(&self, state: &AppState) -> bool {
        let found = match self {
            Credential::Session(t) => state.store.session_principal(t, state.clock.now()).await,
            Credential::Token(t) => state.store.token_principal(t).await,
        };
        // A database hiccup does not end the stream; the next check decides.
        found.map(|p| p.is_some()).unwrap_or(true)
    }
}

/// A log id the client sent; anything else is a fresh start, never an error.
fn resume_point(raw: Option<&str>) -> Option<i64> {
    raw?.trim().parse::<i64>().ok().filter(|id| *id >= 0)
}

/// The account's changes, live. Each message is `id: <log id>`, `event: om_event` and
/// `data: {"action", "event", "at"}` (an `EventChange`); a comment `: keep-alive` comes at least
/// every 15 s. With `Last-Event-ID` (or `?last_event_id=`) the messages missed since that id
/// come first. A fresh stream begins with a frame holding only an `id:`, the position to resume
/// from. The stream ends when the session does (log-out, expiry, a revoked token). At most
/// 10 open streams per user.
#[utoipa::path(get, path = "/stream", tag = "live",
    params(StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "The id of the last message received; the missed ones are sent first")),
    responses(
        (status = 200, content_type = "text/event-stream", body = EventChange,
            description = "Server-sent events; each `data:` line is an EventChange"),
        (status = 401, body = ApiError), (status = 429, body = ApiError)))]
async fn stream(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Result<Response> {
    let credential = Credential::of(&headers).ok_or_else(AppError::unauthenticated)?;
    let subscription = state
        .live
        .subscribe(&principal.account, &principal.email)
        .await
        .map_err(|e| match e {
            SubscribeError::TooManyStreams => AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_streams",
                format!(
                    "You have {MAX_STREAMS_PER_USER} live update streams open already; close one (another tab) first."
                ),
            ),
            SubscribeError::Db(e) => e.into(),
        })?;
    let header_id = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let resume = resume_point(header_id.or(query.last_event_id.as_deref()));
    // Read after subscribing: a change committed meanwhile comes twice, and is sent once.
    let replay = match resume {
        Some(after) => missed(&state, &principal.account, after).await?,
        None => VecDeque::new(),
    };
    let live = Live {
        position: resume.is_none().then_some(subscription.position),
        replayed: replay.iter().map(|m| m.id).collect(),
        replay,
        user_key: crate::live::Hub::user_key(&principal.email),
        session_hash: match &credential {
            Credential::Session(t) => Some(token_hash(t).into()),
            Credential::Token(_) => None,
        },
        check: tokio::time::interval_at(tokio::time::Instant::now() + SESSION_CHECK, SESSION_CHECK),
        subscription,
        credential,
        state: state.clone(),
    };
    let mut response = Sse::new(live.into_stream())
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive"))
        .into_response();
    // No proxy may hold the messages back (nginx buffers unless told).
    response
        .headers_mut()
        .insert("x-accel-buffering", "no".parse().expect("ASCII"));
    Ok(response)
}

/// The account's messages after `after`, oldest first: those of the last 10 minutes, and older
/// ones while there are fewer than `MAX_REPLAY` (a bound on one stream's memory).
async fn missed(state: &AppState, account: &str, after: i64) -> Result<VecDeque<Arc<Message>>> {
    let cutoff = state.clock.now() - REPLAY_WINDOW;
    let mut missed = VecDeque::new();
    let mut before = None;
    loop {
        let page = state
            .store
            .account_changes_between(account, after, before, REPLAY_PAGE)
            .await?;
        let done = page.len() < REPLAY_PAGE as usize
            || page.first().is_some_and(|c| c.at < cutoff)
            || missed.len() + page.len() >= MAX_REPLAY;
        before = page.first().map(|c| c.id);
        for change in page.into_iter().rev() {
            missed.push_front(Arc::new(Message::from_change(change)));
        }
        if done {
            return Ok(missed);
        }
    }
}

/// One open stream's state.
struct Live {
    /// A fresh stream's first frame: the position, as an id alone.
    position: Option<i64>,
    replay: VecDeque<Arc<Message>>,
    replayed: HashSet<i64>,
    subscription: Subscription,
    session_hash: Option<Arc<str>>,
    /// Ends the stream when its user is disabled.
    user_key: Arc<str>,
    check: tokio::time::Interval,
    credential: Credential,
    state: AppState,
}

fn frame(message: &Message) -> Event {
    Event::default()
        .id(message.id.to_string())
        .event("om_event")
        .data(&message.data)
}

impl Live {
    fn into_stream(self) -> impl Stream<Item = Result<Event, Infallible>> {
        futures_util::stream::unfold(self, |mut live| async move {
            let event = live.next().await?;
            Some((Ok(event), live))
        })
    }

    /// The next frame, or `None` when the stream ends.
    async fn next(&mut self) -> Option<Event> {
        if *self.subscription.closing.borrow_and_update() {
            return None;
        }
        if let Some(id) = self.position.take() {
            return Some(Event::default().id(id.to_string()));
        }
        if let Some(message) = self.replay.pop_front() {
            return Some(frame(&message));
        }
        loop {
            tokio::select! {
                message = self.subscription.changes.recv() => match message {
                    Ok(m) if self.replayed.contains(&m.id) => continue,
                    Ok(m) => return Some(frame(&m)),
                    // Fallen too far behind: the client resumes from its last id.
                    Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => return None,
                },
                ended = self.subscription.ended_sessions.recv() => match ended {
                    Ok(hash) if self.session_hash.as_ref() == Some(&hash) || hash == self.user_key => {
                        return None
                    }
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => {
                        if !self.credential.still_valid(&self.state).await {
                            return None;
                        }
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = self.subscription.closing.changed() => return None,
                _ = self.check.tick() => {
                    if !self.credential.still_valid(&self.state).await {
                        return None;
                    }
                }
            }
        }
    }
}
