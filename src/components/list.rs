//! The parts of a list page's frame (src/components/list_page.rs): search and paging, both in
//! the address, the error and empty states, and the dialog a row opens.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use vpn_console_domain::api::DEFAULT_PAGE_SIZE;

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
            // `value` as well, for the page the server draws (docs/first-page.md), which has
            // no properties.
            <input id="search" type="search" placeholder=move || t(placeholder) maxlength="128"
                value=input.get_untracked() prop:value=move || input.get() on:input=move |ev| input.set(event_target_value(&ev))/>
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
