//! The frame of a list page, written once: title, search toolbar, loading and error states, the
//! table with its columns, paging, and the O&M Events dialog its rows open. A page gives only
//! its words ([`ListSpec`]), its item type and a row view.

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use vpn_console_domain::api::{ConnectionItem, GatewayItem, OmEventsCell, Page};

use crate::api::{self, CallError};
use crate::components::list::{EmptyList, EventDialogHost, ListError, ListToolbar, Pager};
use crate::i18n::Msg;
use crate::state::{in_region, use_region, Ctx};

/// What differs between the list pages besides their rows.
pub struct ListSpec {
    /// The page's path, also the name of the collection in the API (see `router::list_api_path`).
    pub path: &'static str,
    pub title: Msg,
    pub search: Msg,
    pub loading: Msg,
    pub table_id: &'static str,
    pub caption: Msg,
    pub columns: &'static [Msg],
    /// Below an empty table when there is no search.
    pub none: Msg,
    /// What the pager counts.
    pub noun: Msg,
}

/// An item of a list: every one has an O&M Events cell, which the frame follows.
///
/// The items are read as their two parts (see `api::list`) rather than through the domain's
/// `#[serde(flatten)]` derive, whose buffering deserializer cost 2.1 KB gzip of the
/// first load.
pub trait ListItem: Clone + Send + Sync + 'static {
    /// The resource's own fields, beside `om_events` in the same JSON object.
    type Resource: DeserializeOwned;
    fn from_parts(resource: Self::Resource, om_events: OmEventsCell) -> Self;
    fn om_events(&self) -> &OmEventsCell;
}

impl ListItem for GatewayItem {
    type Resource = vpn_console_domain::Gateway;
    fn from_parts(gateway: Self::Resource, om_events: OmEventsCell) -> Self {
        GatewayItem { gateway, om_events }
    }
    fn om_events(&self) -> &OmEventsCell {
        &self.om_events
    }
}

impl ListItem for ConnectionItem {
    type Resource = vpn_console_domain::Connection;
    fn from_parts(connection: Self::Resource, om_events: OmEventsCell) -> Self {
        ConnectionItem {
            connection,
            om_events,
        }
    }
    fn om_events(&self) -> &OmEventsCell {
        &self.om_events
    }
}

/// What a row view is given.
#[derive(Clone, Copy)]
pub struct RowContext {
    pub region: Signal<String>,
    /// Opens the O&M Events dialog of an event.
    pub on_open: Callback<String>,
    /// The events chosen for the bulk dialog (DESIGN.md 10.4).
    pub selected: RwSignal<Vec<String>>,
}

/// What a list page keeps: the page in the address, its answer (read again on `refresh`), and
/// the event whose dialog is open.
struct ListState<T: 'static> {
    region: Signal<String>,
    q: Memo<String>,
    /// `None` while the region is not known yet.
    data: LocalResource<Option<Result<Page<T>, CallError>>>,
    /// The answer the server drew the page from (docs/first-page.md); never in the browser.
    first: Option<Page<T>>,
    refresh: Callback<()>,
    open_event: RwSignal<Option<String>>,
    selected: RwSignal<Vec<String>>,
}

fn use_list_state<T: ListItem>(path: &'static str) -> ListState<T> {
    let query = crate::router::use_query_map();
    let region = use_region();
    let q = Memo::new(move |_| query.with(|m| m.get("q").unwrap_or_default()));
    let page = Memo::new(move |_| query.with(crate::router::page_number));
    #[cfg(not(target_arch = "wasm32"))]
    let first = crate::first_page::list_answer(
        &crate::router::list_api_path(
            path,
            &region.get_untracked(),
            &q.get_untracked(),
            page.get_untracked(),
        )
        .key(),
        T::from_parts,
    );
    #[cfg(target_arch = "wasm32")]
    let first = None;
    let data = LocalResource::new(move || {
        let (r, q, p) = (region.get(), q.get(), page.get());
        async move { in_region(&r, || api::list(path, &r, &q, p, T::from_parts)).await }
    });
    if let Some(live) = use_context::<crate::live::Live>() {
        live.on_resumed(move || data.refetch());
    }
    // A selection belongs to the page it was made on.
    let selected = RwSignal::new(Vec::new());
    Effect::new(move |_| {
        region.track();
        q.track();
        page.track();
        selected.set(Vec::new());
    });
    ListState {
        region,
        q,
        data,
        first,
        refresh: Callback::new(move |()| data.refetch()),
        open_event: RwSignal::new(None),
        selected,
    }
}

/// A list page: the frame around `row`, which shows one item.
pub fn list_page<T: ListItem, V: IntoView + 'static>(
    spec: &'static ListSpec,
    row: fn(T, RowContext) -> V,
) -> impl IntoView {
    let ListState {
        region,
        q,
        data,
        first,
        refresh,
        open_event,
        selected,
    } = use_list_state::<T>(spec.path);
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let rows = RowContext {
        region,
        on_open: Callback::new(move |id: String| open_event.set(Some(id))),
        selected,
    };

    view! {
        <h1>{move || t(spec.title)}</h1>
        <ListToolbar path=spec.path region=region q=q placeholder=spec.search on_refresh=refresh/>
        <BulkBar selected=selected on_changed=refresh/>
        // Read as it stands rather than awaited in a Suspense: a reload keeps showing the last
        // answer until the next one is there, as a Transition would, and the first page renders
        // without the Suspense machinery on the start-up path (time to first row).
        {move || {
            // The rows are plain text in the language and zone of the moment.
            ctx.track_language_and_zone();
            match data.get().flatten().or_else(|| first.clone().map(Ok)) {
                None => view! { <p class="muted" role="status">{t(spec.loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ListError error=e on_retry=refresh/> }.into_any(),
                Some(Ok(p)) => {
                    if needs_follow(p.items.iter().map(ListItem::om_events), p.server_time) {
                        refresh_later(data, 1500);
                    }
                    let empty = p.items.is_empty();
                    // The header's box, checked when every pending event of the page is.
                    let selectable = p
                        .items
                        .iter()
                        .filter_map(|i| i.om_events().current.as_ref())
                        .filter(|e| e.status == vpn_console_domain::EventStatus::Pending)
                        .map(|e| selected.with_untracked(|s| s.iter().any(|id| *id == e.id.as_str())))
                        .reduce(|a, b| a && b);
                    if !empty {
                        Effect::new(mark_first_row);
                    }
                    view! {
                        <table class="list" id=spec.table_id on:change=move |ev| on_select(&ev, selected)>
                            <caption class="visually-hidden">{t(spec.caption)}</caption>
                            <thead><tr>
                                {select_all(selectable, t(Msg::SelectAllOnPage))}
                                {spec.columns.iter().map(|c| view! { <th scope="col">{t(*c)}</th> }).collect_view()}
                            </tr></thead>
                            <tbody>
                                {p.items.into_iter().map(|item| row(item, rows)).collect_view()}
                            </tbody>
                        </table>
                        {empty.then(|| view! { <EmptyList q=q none=spec.none/> })}
                        <Pager path=spec.path region=region q=q page=p.page total=p.total noun=spec.noun/>
                    }.into_any()
                }
            }
        }}
        <EventDialogHost open_event=open_event on_changed=refresh/>
    }
}

/// The selection count and the button that opens the bulk dialog with the selected events.
#[component]
fn BulkBar(selected: RwSignal<Vec<String>>, on_changed: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let bulk_open = RwSignal::new(false);
    let count = move || selected.with(Vec::len);
    view! {
        <div class="bulk-bar">
            <span id="bulk-count" role="status">{move || format!("{} {}", t(Msg::SelectedCount), count())}</span>
            <button type="button" id="bulk-open" disabled=move || count() == 0
                on:click=move |_| bulk_open.set(true)>{move || format!("{} ({})", t(Msg::HandleOmEvents), count())}</button>
        </div>
        {move || bulk_open.get().then(|| view! {
            <crate::components::BulkEventsDialog event_ids=selected.get_untracked()
                on_close=Callback::new(move |()| bulk_open.set(false))
                on_changed=Callback::new(move |done: Vec<String>| {
                    selected.update(|s| s.retain(|id| !done.contains(id)));
                    on_changed.run(());
                })/>
        })}
    }
}

/// The header cell with its box, when the page has a pending event; outside the generic
/// frame so that both lists share its code.
fn select_all(all: Option<bool>, label: &'static str) -> impl IntoView {
    view! {
        <th scope="col" class="select">{all.map(|all| view! {
            <input type="checkbox" id="select-all" aria-label=label checked=all/>
        })}</th>
    }
}

/// The selection is the checked row boxes (`om_cell::om_select`), read back whenever one
/// changes: one handler for the table rather than one per row. The header's box checks or
/// clears all of them first.
fn on_select(ev: &web_sys::Event, selected: RwSignal<Vec<String>>) {
    use wasm_bindgen::JsCast;
    let (Some(table), Some(target)) = (
        ev.current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok()),
        ev.target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()),
    ) else {
        return;
    };
    let Ok(boxes) = table.query_selector_all("input.om-select") else {
        return;
    };
    let all = target.id() == "select-all";
    let mut ids = Vec::new();
    for i in 0..boxes.length() {
        let Some(b) = boxes
            .item(i)
            .and_then(|b| b.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            continue;
        };
        if all {
            b.set_checked(target.checked());
        }
        if b.checked() {
            ids.push(b.value());
        }
    }
    if let Some(header) = table
        .query_selector("#select-all")
        .ok()
        .flatten()
        .and_then(|h| h.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        header.set_checked(ids.len() as u32 == boxes.length());
    }
    selected.set(ids);
}

/// Whether a list shows an event that is running or about to start: then it refreshes itself
/// so the row follows the event to completion.
pub fn needs_follow<'a>(
    cells: impl IntoIterator<Item = &'a OmEventsCell>,
    server_time: chrono::DateTime<chrono::Utc>,
) -> bool {
    cells
        .into_iter()
        .filter_map(|c| c.current.as_ref())
        .any(|e| {
            e.status == vpn_console_domain::EventStatus::Executing
                || e.execute_at <= server_time + chrono::Duration::seconds(5)
        })
}

/// Reads the list again after a pause, unless the page is gone by then.
fn refresh_later<T: 'static>(data: LocalResource<T>, ms: u64) {
    // Not when the server draws the page (docs/first-page.md): the console that takes it over
    // follows the event.
    #[cfg(target_arch = "wasm32")]
    set_timeout(move || data.refetch(), std::time::Duration::from_millis(ms));
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (data, ms);
}

/// The benchmark's signal (tests/bench/first_row.mjs): the page marks its own first row, once
/// per load, so that the harness injects nothing into the page while it loads. A page the
/// server drew has marked it already (docs/first-page.md).
fn mark_first_row() {
    static MARKED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !MARKED.swap(true, std::sync::atomic::Ordering::Relaxed)
        && performance_entries("first-row").length() == 0
    {
        performance_mark("first-row");
        console_debug("first-row");
    }
}

/// The benchmark's mark of when the console answers clicks (set by src/main.rs once mounted).
pub fn mark_console_live() {
    performance_mark("console-live");
}

// Bound here rather than through web-sys's `Performance` feature, which would rebuild web-sys
// and every crate above it for two calls.
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = mark)]
    fn performance_mark(name: &str);
    #[wasm_bindgen(js_namespace = performance, js_name = getEntriesByName)]
    fn performance_entries(name: &str) -> js_sys::Array;
    #[wasm_bindgen(js_namespace = console, js_name = debug)]
    fn console_debug(message: &str);
}
