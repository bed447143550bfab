//! Live updates in the console (DESIGN.md section 8): one `EventSource` on `/api/v1/stream`
//! while logged in. Each message's event is kept by id; the O&M Events cells, the history page
//! and an open dialog read the newest state from here, so a row changes in place.
//!
//! The browser reconnects by itself after a dropped connection (sending `Last-Event-ID`); when it
//! gives up (the server answered an error), the console opens a new stream after a back-off,
//! resuming from the last message it saw, once the session is still good.

use std::cell::RefCell;
use std::collections::HashMap;

use leptos::prelude::*;
use vpn_console_domain::api::{CurrentEvent, EventChange, OmEventsCell, SessionInfo};
use vpn_console_domain::{EventStatus, OmEvent};

/// A list row's O&M Events cell after its event changed, or `None` when the change is not its.
pub fn follow(cell: &OmEventsCell, event: &OmEvent) -> Option<OmEventsCell> {
    let current = cell.current.as_ref()?;
    if current.id != event.id {
        return None;
    }
    let mut next = cell.clone();
    match event.status {
        EventStatus::Pending | EventStatus::Executing => {
            next.current = Some(CurrentEvent {
                id: event.id.clone(),
                default_execute_at: event.default_execute_at,
                execute_at: event.execute_at,
                status: event.status,
                // The stream carries the event, not its conflicts: the mark stays as last read.
                conflict: current.conflict,
            });
        }
        EventStatus::Completed => {
            next.current = None;
            next.previous_executed_at = event.started_at.or(cell.previous_executed_at);
        }
        EventStatus::Failed | EventStatus::Cancelled => next.current = None,
    }
    Some(next)
}

/// How long to wait before the `attempt`-th new stream (0 first): doubling from 1 s to 30 s.
pub fn retry_after_ms(attempt: u32) -> u32 {
    1000u32.saturating_mul(1 << attempt.min(5)).min(30_000)
}

/// The events' newest known states and whether the stream is down.
#[derive(Clone, Copy)]
pub struct Live {
    events: RwSignal<HashMap<String, OmEvent>>,
    /// Shown in the top bar: "Live updates paused — retrying".
    pub paused: RwSignal<bool>,
    /// Counts the times the stream came back after a pause. What changed while it was down is
    /// replayed only to a stream that had seen a message before; the pages read again instead.
    pub resumed: RwSignal<u32>,
}

impl Live {
    /// Runs `read_again` each time the stream comes back after a pause (not at first).
    pub fn on_resumed(self, read_again: impl Fn() + 'static) {
        Effect::new(move |seen: Option<u32>| {
            let now = self.resumed.get();
            if seen.is_some_and(|seen| seen != now) {
                read_again();
            }
            now
        });
    }

    /// The newest state of this event a message told of (tracked).
    pub fn event(&self, id: &str) -> Option<OmEvent> {
        self.events.with(|e| e.get(id).cloned())
    }

    /// A row's cell with what the stream told since the page was read (tracked).
    pub fn cell(&self, cell: &OmEventsCell) -> OmEventsCell {
        let Some(current) = &cell.current else {
            return cell.clone();
        };
        self.events
            .with(|e| e.get(current.id.as_str()).and_then(|ev| follow(cell, ev)))
            .unwrap_or_else(|| cell.clone())
    }

    /// An event as read, or its newer state from the stream (tracked).
    pub fn newest(&self, read: &OmEvent) -> OmEvent {
        match self.event(read.id.as_str()) {
            Some(e) if e.version > read.version => e,
            _ => read.clone(),
        }
    }

    /// Subscribes the running effect to every change the stream reports.
    pub fn track(&self) {
        self.events.track();
    }

    /// Keeps a message's event unless a newer state of it is known already.
    pub fn apply(&self, change: EventChange) {
        self.events.update(|events| {
            let newer = events
                .get(change.event.id.as_str())
                .is_none_or(|known| known.version <= change.event.version);
            if newer {
                events.insert(change.event.id.to_string(), change.event);
            }
        });
    }
}

/// Starts following the stream while `session` holds a user; provides [`Live`] as context.
pub fn provide_live(session: RwSignal<Option<SessionInfo>>) -> Live {
    let live = Live {
        events: RwSignal::new(HashMap::new()),
        paused: RwSignal::new(false),
        resumed: RwSignal::new(0),
    };
    provide_context(live);
    Effect::new(move |_| {
        if session.with(Option::is_some) {
            stream::open(live, 0);
        } else {
            stream::close();
            live.paused.set(false);
        }
    });
    live
}

thread_local! {
    static LAST_ID: RefCell<Option<String>> = const { RefCell::new(None) };
}

#[cfg(target_arch = "wasm32")]
mod stream {
    use std::cell::RefCell;

    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    use super::{retry_after_ms, Live, LAST_ID};
    use crate::api;

    /// The open stream and the callbacks it holds (dropped with it).
    struct Open {
        source: EventSource,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
        _on_open: Closure<dyn FnMut()>,
        _on_error: Closure<dyn FnMut()>,
    }

    thread_local! {
        static OPEN: RefCell<Option<Open>> = const { RefCell::new(None) };
    }

    pub fn close() {
        OPEN.with(|o| {
            if let Some(open) = o.borrow_mut().take() {
                open.source.close();
            }
        });
        LAST_ID.with(|l| *l.borrow_mut() = None);
    }

    pub fn open(live: Live, attempt: u32) {
        OPEN.with(|o| {
            if let Some(old) = o.borrow_mut().take() {
                old.source.close();
            }
        });
        let mut url = format!("{}/stream", vpn_console_domain::api::API_PREFIX);
        // Log ids are digits; anything else is not sent (the server would start afresh anyway).
        let last = LAST_ID.with(|l| l.borrow().clone());
        if let Some(id) = last.filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        {
            url.push_str(&format!("?last_event_id={id}"));
        }
        let Ok(source) = EventSource::new(&url) else {
            live.paused.set(true);
            return;
        };
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |m: MessageEvent| {
            LAST_ID.with(|l| *l.borrow_mut() = Some(m.last_event_id()));
            let Some(text) = m.data().as_string() else {
                return;
            };
            // The browser parses the JSON; serde only walks the parsed value.
            let parsed = js_sys::JSON::parse(&text)
                .ok()
                .and_then(|v| serde_wasm_bindgen::from_value(v).ok());
            if let Some(change) = parsed {
                live.apply(change);
            }
        });
        let on_open = Closure::<dyn FnMut()>::new(move || {
            if live.paused.get_untracked() {
                live.resumed.update(|n| *n += 1);
            }
            live.paused.set(false);
        });
        let watched = source.clone();
        let on_error = Closure::<dyn FnMut()>::new(move || {
            live.paused.set(true);
            // CONNECTING: the browser retries by itself. CLOSED: it gave up (an error answer).
            if watched.ready_state() == EventSource::CLOSED {
                let wait = retry_after_ms(attempt);
                leptos::task::spawn_local(async move {
                    gloo_timers::future::TimeoutFuture::new(wait).await;
                    // A 401 here logs the console out, which closes the stream for good.
                    if api::session().await.is_ok() {
                        open(live, attempt + 1);
                    } else {
                        open_later(live, attempt + 1);
                    }
                });
            }
        });
        let _ = source
            .add_event_listener_with_callback("om_event", on_message.as_ref().unchecked_ref());
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        OPEN.with(|o| {
            *o.borrow_mut() = Some(Open {
                source,
                _on_message: on_message,
                _on_open: on_open,
                _on_error: on_error,
            })
        });
    }

    /// The server did not answer at all: try again after a longer wait, while still logged in.
    fn open_later(live: Live, attempt: u32) {
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(retry_after_ms(attempt)).await;
            if api::session().await.is_ok() {
                open(live, attempt + 1);
            } else if OPEN.with(|o| o.borrow().is_some()) {
                open_later(live, attempt + 1);
            }
        });
    }
}

/// Native builds (the console's pure tests) have no browser to stream into.
#[cfg(not(target_arch = "wasm32"))]
mod stream {
    use super::Live;

    pub fn open(_: Live, _: u32) {}

    pub fn close() {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use vpn_console_domain::{GatewayIp, GatewayIpRole, Reason, ResourceRef};

    fn event(status: EventStatus, version: i64) -> OmEvent {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 18, 0, 0).unwrap();
        OmEvent {
            id: "om-0001".parse().unwrap(),
            region: "cn-hangzhou".parse().unwrap(),
            resource: ResourceRef::VpnGateway {
                id: "vpn-0001".parse().unwrap(),
            },
            gateway_ip: GatewayIp {
                role: GatewayIpRole::IpsecAddress1,
                ip: "10.0.0.1".parse().unwrap(),
            },
            reason: Reason::SystemUpgrade,
            status,
            default_execute_at: at,
            execute_at: at - chrono::Duration::hours(1),
            published_at: at - chrono::Duration::days(2),
            started_at: (status != EventStatus::Pending).then_some(at),
            finished_at: None,
            version,
        }
    }

    fn cell_of(e: &OmEvent) -> OmEventsCell {
        OmEventsCell {
            current: Some(CurrentEvent {
                id: e.id.clone(),
                default_execute_at: e.default_execute_at,
                execute_at: e.default_execute_at,
                status: EventStatus::Pending,
                conflict: false,
            }),
            previous_executed_at: None,
        }
    }

    #[test]
    fn a_rescheduled_event_moves_its_cell_and_a_completed_one_becomes_the_previous() {
        let pending = event(EventStatus::Pending, 2);
        let cell = cell_of(&pending);
        let moved = follow(&cell, &pending).unwrap();
        assert_eq!(
            moved.current.as_ref().unwrap().execute_at,
            pending.execute_at
        );
        let done = follow(&cell, &event(EventStatus::Completed, 4)).unwrap();
        assert_eq!(done.current, None);
        assert_eq!(done.previous_executed_at, Some(pending.default_execute_at));
        let cancelled = follow(&cell, &event(EventStatus::Cancelled, 3)).unwrap();
        assert_eq!(
            (cancelled.current, cancelled.previous_executed_at),
            (None, None)
        );
    }

    #[test]
    fn another_events_change_leaves_a_cell_alone() {
        let mut other = event(EventStatus::Pending, 2);
        other.id = "om-0002".parse().unwrap();
        assert_eq!(
            follow(&cell_of(&event(EventStatus::Pending, 1)), &other),
            None
        );
        assert_eq!(follow(&OmEventsCell::default(), &other), None);
    }

    #[test]
    fn retries_back_off_to_half_a_minute() {
        let waits: Vec<u32> = (0..8).map(retry_after_ms).collect();
        assert_eq!(waits, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    }
}
