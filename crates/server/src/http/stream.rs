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

/// A resume replays the missed messages (the contract: at least those of the last 10 minutes),
/// the newest this many at most, read page by page as the client takes them (DESIGN.md 17), so
/// that a stream never holds its whole backlog in memory.
const MAX_REPLAY: i64 = 50_000;
const REPLAY_PAGE: i64 = 200;

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
    // Begun after subscribing: a change committed meanwhile comes twice, and is sent once.
    let replay_rest = match resume {
        Some(after) => Replay::begin(&state, &principal.account, after).await?,
        None => None,
    };
    let live = Live {
        position: resume.is_none().then_some(subscription.position),
        replay: VecDeque::new(),
        replay_rest,
        replayed: HashSet::new(),
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

/// A resume still under way: the ids it has yet to send are those after `after` and up to
/// `until` (the newest id when the stream began; what came after arrives live).
struct Replay {
    account: String,
    after: i64,
    until: i64,
}

impl Replay {
    /// Where a resume after `after` starts and ends, or `None` when nothing was missed.
    async fn begin(state: &AppState, account: &str, after: i64) -> Result<Option<Replay>> {
        let until = state.store.last_log_id().await?;
        if until <= after {
            return Ok(None);
        }
        let after = state.store.replay_start(account, after, MAX_REPLAY).await?;
        Ok(Some(Replay {
            account: account.to_owned(),
            after,
            until,
        }))
    }

    /// The next page, oldest first; empty when the replay is over.
    async fn next_page(&mut self, state: &AppState) -> sqlx::Result<Vec<Arc<Message>>> {
        let page = state
            .store
            .account_changes_page(&self.account, self.after, self.until, REPLAY_PAGE)
            .await?;
        self.after = match page.last() {
            Some(last) if page.len() as i64 == REPLAY_PAGE => last.id,
            // A short page is the last.
            _ => self.until,
        };
        Ok(page
            .into_iter()
            .map(|c| Arc::new(Message::from_change(c)))
            .collect())
    }
}

/// One open stream's state.
struct Live {
    /// A fresh stream's first frame: the position, as an id alone.
    position: Option<i64>,
    /// The page of the replay being sent, and what is left of it to read.
    replay: VecDeque<Arc<Message>>,
    replay_rest: Option<Replay>,
    /// The ids the replay sent: a change committed while the stream began comes live too, and
    /// is sent once. (Ids only: 50,000 of them are under a megabyte.)
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
        if self.replay.is_empty() {
            if let Some(rest) = &mut self.replay_rest {
                // The client resumes from the last id it got when a page cannot be read.
                let page = rest.next_page(&self.state).await.ok()?;
                if rest.after >= rest.until {
                    self.replay_rest = None;
                }
                self.replayed.extend(page.iter().map(|m| m.id));
                self.replay.extend(page);
            }
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
