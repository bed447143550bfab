//! The lazily loaded pages (docs/CONSOLE.md): Leptos components that the console mounts into
//! its page with [`mount_page`], by name. A page reads what the console told it from
//! [`PageCtx`]: the language and zone (a change of either mounts the page anew), whether the
//! session may change things, a counter that moves when the live stream reports a change, a
//! way to open the console's O&M Events dialog, and, for a part of that dialog (the what-if),
//! the event detail the dialog shows.

use leptos::prelude::*;
use vpn_console_core::i18n::{Lang, Msg};
use vpn_console_core::time::{format_time, Zone};
use wasm_bindgen::prelude::*;

mod approvals;
mod audit_log;
mod chart;
mod history;
mod maintenance;
mod notifications;
mod overview;
mod reports;
mod what_if;

/// What the console tells a mounted page.
#[derive(Clone, Copy)]
pub struct PageCtx {
    pub lang: Lang,
    pub zone: Zone,
    can_change: bool,
    /// Moves when the console's live stream reports a change: pages that show events read
    /// them again.
    pub refresh: ReadSignal<u32>,
    open_event: StoredValue<Option<js_sys::Function>, LocalStorage>,
    region: StoredValue<String>,
    detail: StoredValue<JsValue, LocalStorage>,
    again: bool,
}

impl PageCtx {
    pub fn t(&self, m: Msg) -> &'static str {
        self.lang.text(m)
    }

    pub fn time(&self, t: chrono::DateTime<chrono::Utc>) -> String {
        format_time(t, self.zone, self.lang)
    }

    /// The region the console's selector shows (a change of it mounts the page anew).
    pub fn region(&self) -> String {
        self.region.get_value()
    }

    /// Whether the session's role may change things (the server refuses a viewer anyway).
    pub fn can_change(&self) -> bool {
        self.can_change
    }

    /// Opens the console's O&M Events dialog of `event_id` over this page.
    pub fn open_event(&self, event_id: &str) {
        self.open_event.with_value(|f| {
            if let Some(f) = f {
                let _ = f.call1(&JsValue::NULL, &JsValue::from_str(event_id));
            }
        });
    }

    /// Whether this page was mounted last into the same place, i.e. the console mounts it anew
    /// for a language, zone, region or session switch rather than because it was opened.
    pub fn mounted_again(&self) -> bool {
        self.again
    }

    /// The event detail the console passed (the API's, as the browser parsed it), for a part
    /// of the O&M Events dialog.
    pub fn detail<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        self.detail
            .with_value(|d| serde_wasm_bindgen::from_value(d.clone()))
            .map_err(|e| format!("unreadable event detail: {e}"))
    }
}

pub fn use_page() -> PageCtx {
    expect_context::<PageCtx>()
}

/// A mounted page; the console calls `refresh` on live changes and `free` to remove it.
#[wasm_bindgen]
pub struct MountedPage {
    set_refresh: WriteSignal<u32>,
    _view: leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
}

#[wasm_bindgen]
impl MountedPage {
    /// The live stream reported a change.
    pub fn refresh(&self) {
        self.set_refresh.update(|n| *n = n.wrapping_add(1));
    }
}

thread_local! {
    /// The place each page was mounted into last.
    static PLACES: std::cell::RefCell<Vec<(String, web_sys::HtmlElement)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether `name` was mounted last into `root`; remembers that it now is.
fn mounted_again(name: &str, root: &web_sys::HtmlElement) -> bool {
    PLACES.with(|places| {
        let mut places = places.borrow_mut();
        let again = places
            .iter()
            .any(|(n, r)| n == name && r.is_same_node(Some(root)));
        places.retain(|(n, _)| n != name);
        places.push((name.to_owned(), root.clone()));
        again
    })
}

/// Renders the page `name` into `root` (the console's placeholder, emptied first).
/// `open_event(id)` opens the O&M Events dialog (none inside it); `detail` is the event detail
/// of the dialog's what-if (`undefined` for a whole page).
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)] // each is one thing the console tells every page
pub fn mount_page(
    name: &str,
    root: web_sys::HtmlElement,
    region: String,
    lang: &str,
    zone: &str,
    can_change: bool,
    open_event: Option<js_sys::Function>,
    detail: JsValue,
) -> Result<MountedPage, JsError> {
    let page: fn() -> AnyView = match name {
        "approvals" => || view! { <approvals::ApprovalsPage/> }.into_any(),
        "audit-log" => || view! { <audit_log::AuditLogPage/> }.into_any(),
        "history" => || view! { <history::HistoryPage/> }.into_any(),
        "maintenance" => || view! { <maintenance::MaintenancePage/> }.into_any(),
        "notifications" => || view! { <notifications::NotificationsPage/> }.into_any(),
        "overview" => || view! { <overview::OverviewPage/> }.into_any(),
        "reports" => || view! { <reports::ReportsPage/> }.into_any(),
        "what-if" => || view! { <what_if::WhatIfPanel/> }.into_any(),
        other => return Err(JsError::new(&format!("no page named {other}"))),
    };
    let (refresh, set_refresh) = signal(0u32);
    let ctx = PageCtx {
        lang: Lang::from_tag(lang),
        zone: if zone == "utc" {
            Zone::Utc
        } else {
            Zone::Local
        },
        can_change,
        refresh,
        open_event: StoredValue::new_local(open_event),
        region: StoredValue::new(region),
        detail: StoredValue::new_local(detail),
        again: mounted_again(name, &root),
    };
    root.set_inner_html("");
    let view = leptos::mount::mount_to(root, move || {
        provide_context(ctx);
        page()
    });
    Ok(MountedPage {
        set_refresh,
        _view: view,
    })
}
