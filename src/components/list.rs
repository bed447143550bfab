//! Search and paging shared by the list pages; both live in the address.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use vpn_console_domain::api::{Page, DEFAULT_PAGE_SIZE};

use crate::api::CallError;
use crate::i18n::{page_status, Msg};
use crate::router::list_href;
use crate::router::use_navigate;
use crate::state::Ctx;

#[component]
pub fn ListToolbar(
    path: &'static str,
    region: Signal<String>,
    q: Memo<String>,
    placeholder: Msg,
    on_refresh: Callback<()>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let navigate = use_navigate();
    let input = RwSignal::new(q.get_untracked());
    Effect::new(move |_| input.set(q.get()));
    let nav = navigate.clone();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        nav(
            &list_href(
                path,
                &region.get_untracked(),
                input.get_untracked().trim(),
                1,
            ),
            false,
        );
    };
    let clear = move |_| {
        input.set(String::new());
        navigate(&list_href(path, &region.get_untracked(), "", 1), false);
    };
    view! {
        <form class="toolbar" role="search" on:submit=submit>
            <label for="search" class="visually-hidden">{move || t(placeholder)}</label>
            <input id="search" type="search" placeholder=move || t(placeholder) maxlength="128"
                prop:value=move || input.get() on:input=move |ev| input.set(event_target_value(&ev))/>
            <button type="submit">{move || t(Msg::Search)}</button>
            <button type="button" on:click=clear disabled=move || q.with(String::is_empty)>{move || t(Msg::Clear)}</button>
            <span class="spacer"></span>
            <button type="button" on:click=move |_| on_refresh.run(()) aria-label=move || t(Msg::RefreshList)>{move || t(Msg::Refresh)}</button>
        </form>
    }
}

#[component]
pub fn Pager(
    path: &'static str,
    region: Signal<String>,
    q: Memo<String>,
    page: u32,
    total: u64,
    noun: Msg,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let pages = total.div_ceil(u64::from(DEFAULT_PAGE_SIZE)).max(1) as u32;
    let prev =
        (page > 1).then(|| list_href(path, &region.get_untracked(), &q.get_untracked(), page - 1));
    let next = (page < pages)
        .then(|| list_href(path, &region.get_untracked(), &q.get_untracked(), page + 1));
    view! {
        <nav class="pager" aria-label=move || t(Msg::Pages)>
            <span role="status">{move || page_status(ctx.lang.get(), total, noun, page, pages)}</span>
            {match prev {
                Some(h) => view! { <a href=h rel="prev">{move || t(Msg::Previous)}</a> }.into_any(),
                None => view! { <span class="disabled" aria-disabled="true">{move || t(Msg::Previous)}</span> }.into_any(),
            }}
            {match next {
                Some(h) => view! { <a href=h rel="next">{move || t(Msg::Next)}</a> }.into_any(),
                None => view! { <span class="disabled" aria-disabled="true">{move || t(Msg::Next)}</span> }.into_any(),
            }}
        </nav>
    }
}

/// What both list pages keep: the page in the address, its answer (read again on `refresh`), and
/// the event whose dialog is open.
pub struct ListPage<T: 'static> {
    pub region: Signal<String>,
    pub q: Memo<String>,
    pub data: LocalResource<Result<Page<T>, CallError>>,
    pub tick: RwSignal<u32>,
    pub refresh: Callback<()>,
    pub open_event: RwSignal<Option<String>>,
    pub on_open: Callback<String>,
}

/// A list page's state; `fetch` reads one page (region, search, page number).
pub fn use_list_page<T, F, Fut>(fetch: F) -> ListPage<T>
where
    T: 'static,
    F: Fn(String, String, u32) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<Page<T>, CallError>> + 'static,
{
    let (region, q, page) = use_list_query();
    let tick = RwSignal::new(0u32);
    let data = LocalResource::new(move || {
        tick.track();
        fetch(region.get(), q.get(), page.get())
    });
    let open_event = RwSignal::new(None::<String>);
    ListPage {
        region,
        q,
        data,
        tick,
        refresh: Callback::new(move |()| tick.update(|t| *t += 1)),
        open_event,
        on_open: Callback::new(move |id: String| open_event.set(Some(id))),
    }
}

/// The list state in the address: region, search, page.
fn use_list_query() -> (Signal<String>, Memo<String>, Memo<u32>) {
    let query = crate::router::use_query_map();
    let region = crate::state::use_region();
    let q = Memo::new(move |_| query.with(|m| m.get("q").unwrap_or_default()));
    let page = Memo::new(move |_| {
        query
            .with(|m| m.get("page").and_then(|p| p.parse::<u32>().ok()))
            .unwrap_or(1)
            .max(1)
    });
    (region, q, page)
}

/// Whether a list shows an event that is running or about to start: then it refreshes itself
/// so the row follows the event to completion.
pub fn needs_follow<'a>(
    cells: impl IntoIterator<Item = &'a vpn_console_domain::api::OmEventsCell>,
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

/// Refreshes `tick` after a pause, unless the page is gone by then.
pub fn refresh_later(tick: RwSignal<u32>, ms: u64) {
    set_timeout(
        move || {
            let _ = tick.try_update(|t| *t += 1);
        },
        std::time::Duration::from_millis(ms),
    );
}

/// A list that could not load, with a way to try again.
#[component]
pub fn ListError(error: crate::api::CallError, on_retry: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <div class="error-box" role="alert">
            <p>{error.message(ctx.lang.get_untracked())}</p>
            <button type="button" on:click=move |_| on_retry.run(())>{ctx.t(Msg::TryAgain)}</button>
        </div>
    }
}

/// Below an empty table: nothing in the region (`none`), or nothing matching the search.
#[component]
pub fn EmptyList(q: Memo<String>, none: Msg) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <p class="empty">{move || if q.with(String::is_empty) {
            ctx.t(none).to_owned()
        } else {
            format!("{}: “{}”", ctx.t(Msg::NoMatch), q.get())
        }}</p>
    }
}

/// The O&M Events dialog of whichever event a list row opened.
#[component]
pub fn EventDialogHost(
    open_event: RwSignal<Option<String>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    move || {
        open_event.get().map(|id| {
            view! {
                <crate::components::OmEventDialog
                    event_id=id
                    on_close=Callback::new(move |()| open_event.set(None))
                    on_changed=on_changed
                />
            }
        })
    }
}
