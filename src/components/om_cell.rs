//! The O&M Events column and the O&M Events action of the list pages.

use leptos::prelude::*;
use vpn_console_domain::api::OmEventsCell;
use vpn_console_domain::EventStatus;

use crate::i18n::Msg;
use crate::state::Ctx;

#[component]
pub fn OmCell(cell: OmEventsCell) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t_now(m);
    let current = cell.current.clone();
    let previous = cell.previous_executed_at;
    view! {
        <div class="om-cell">
            {match current {
                None => view! { <div><span class="label">{t(Msg::Current)}</span>"—"</div> }.into_any(),
                Some(e) => {
                    let moved = e.execute_at != e.default_execute_at;
                    let executing = e.status == EventStatus::Executing;
                    view! {
                        <div class="om-id">{e.id.to_string()}
                            {executing.then(|| view! { <span class="badge running">{t(Msg::Executing)}</span> })}
                        </div>
                        <div><span class="label">{t(Msg::Default)}</span>{ctx.time_now(e.default_execute_at)}</div>
                        {moved.then(|| view! {
                            <div class="moved"><span class="label">{t(Msg::Scheduled)}</span>{ctx.time_now(e.execute_at)}</div>
                        })}
                    }.into_any()
                }
            }}
            <div class="previous"><span class="label">{t(Msg::PreviousEvent)}</span>
                {previous.map(|p| ctx.time_now(p)).unwrap_or_else(|| "—".to_owned())}
            </div>
        </div>
    }
}

/// "O&M Events" in the Actions column; disabled, with the reason, when there is nothing to act on.
#[component]
pub fn OmAction(cell: OmEventsCell, row_id: String, on_open: Callback<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t_now(m);
    let reason_id = format!("no-event-{row_id}");
    match cell.current {
        Some(e) => {
            let id = e.id.to_string();
            let label = format!("{} {row_id}", t(Msg::OmEventsOf));
            view! {
                <button type="button" class="link-button om-action" aria-label=label
                    on:click=move |_| on_open.run(id.clone())>{t(Msg::OmEvents)}</button>
            }
            .into_any()
        }
        None => view! {
            <button type="button" class="link-button om-action" disabled=true aria-describedby=reason_id.clone()>{t(Msg::OmEvents)}</button>
            <span class="reason" id=reason_id>{t(Msg::NoPendingEvent)}</span>
        }
        .into_any(),
    }
}
