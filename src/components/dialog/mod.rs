//! The O&M Events dialog: the event, the resources it affects and how, and its execution time.
//! Opening, looking and closing change nothing; only OK (and, for Execute Now, a second
//! confirmation) sends a request.
//!
//! Composed of a reusable [`Modal`] shell, the event's body ([`EventBody`]) and the execution
//! form ([`ExecutionForm`]), whose submission is a Leptos `Action`. Part two's dialogs reuse the
//! shell: advice as a section of the body (`advice.rs`; the what-if is `crates/console-pages`,
//! loaded when first opened), the bulk dialog as its own `bulk.rs` with its own form.

mod advice;
mod bulk;
mod event_body;
mod execution_form;
mod modal;

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use vpn_console_domain::api::EventDetail;

use crate::api::{self, CallError};
use crate::i18n::Msg;
use crate::state::Ctx;
pub use advice::AdvicePanel;
pub use bulk::BulkEventsDialog;
pub use event_body::EventBody;
pub use execution_form::ExecutionForm;
pub use modal::Modal;

/// The loaded event, its version (ETag) and when it was loaded, to estimate the server's clock.
#[derive(Clone)]
pub struct Loaded {
    pub detail: EventDetail,
    pub etag: String,
    /// The detail as the server sent it, for the what-if's own module.
    pub json: String,
    loaded_at_ms: f64,
}

impl Loaded {
    pub fn server_now(&self) -> DateTime<Utc> {
        let elapsed = (now_ms() - self.loaded_at_ms).max(0.0);
        self.detail.server_time + Duration::milliseconds(elapsed as i64)
    }
}

fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

#[component]
pub fn OmEventDialog(
    event_id: String,
    on_close: Callback<()>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    // Loaded by hand rather than by a LocalResource: one more resource type costs the wasm
    // several kilobytes of the async machinery, for a value read in one place.
    let event = RwSignal::new(None::<Result<Loaded, CallError>>);
    let load = {
        let event_id = event_id.clone();
        move || {
            let id = event_id.clone();
            spawn_local(async move {
                let result = api::event(&id).await.map(|(detail, etag, json)| Loaded {
                    detail,
                    etag,
                    json,
                    loaded_at_ms: now_ms(),
                });
                let _ = event.try_set(Some(result));
            });
        }
    };
    load();
    // A newer state of the event from the live updates: load it again (the affected resources
    // may have changed too) and say so, before the user presses OK.
    let changed_under = RwSignal::new(false);
    if let Some(live) = use_context::<crate::live::Live>() {
        let id = event_id.clone();
        let load = load.clone();
        Effect::new(move |_| {
            let Some(newer) = live.event(&id) else {
                return;
            };
            let seen = event.with_untracked(|e| {
                e.as_ref()
                    .and_then(|r| r.as_ref().ok())
                    .map(|l| l.detail.event.version)
            });
            if seen.is_some_and(|v| newer.version > v) {
                changed_under.set(true);
                load();
            }
        });
    }
    let loaded =
        Signal::derive(move || event.with(|e| e.as_ref().and_then(|r| r.as_ref().ok().cloned())));
    let error = move || event.with(|e| e.as_ref().and_then(|r| r.as_ref().err().cloned()));
    view! {
        <Modal title_id="om-dialog-title" title=Msg::DialogTitle on_close=on_close>
            <p class="notice live-changed" role="status">
                {move || changed_under.get().then(|| t(Msg::ChangedUnderYou))}
            </p>
            {move || match (loaded.get(), error()) {
                (Some(l), _) => view! { <EventBody detail=l.detail json=l.json/> }.into_any(),
                (None, Some(e)) => view! { <p class="error" role="alert">{e.message(ctx.lang.get_untracked())}</p> }.into_any(),
                (None, None) => view! { <p class="muted" role="status">{t(Msg::LoadingEvent)}</p> }.into_any(),
            }}
            <ExecutionForm loaded=loaded on_reload=Callback::new(move |()| load())
                on_done=Callback::new(move |()| {
                    on_changed.run(());
                    on_close.run(());
                })
                on_close=on_close/>
        </Modal>
    }
}
