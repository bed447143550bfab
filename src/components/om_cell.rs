//! The O&M Events column and the O&M Events action of the list pages.

use leptos::prelude::*;
use vpn_console_domain::api::OmEventsCell;
use vpn_console_domain::EventStatus;

use crate::i18n::Msg;
use crate::state::Ctx;

/// The cell as read with the page, followed by the live updates: it changes in place.
fn followed(cell: OmEventsCell) -> Memo<OmEventsCell> {
    let live = use_context::<crate::live::Live>();
    Memo::new(move |_| match live {
        Some(live) => live.cell(&cell),
        None => cell.clone(),
    })
}

#[component]
pub fn OmCell(cell: OmEventsCell) -> impl IntoView {
    let cell = followed(cell);
    move || view! { <OmCellNow cell=cell.get()/> }
}

#[component]
fn OmCellNow(cell: OmEventsCell) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t_untracked(m);
    let current = cell.current.clone();
    let previous = cell.previous_executed_at;
    let verdict = cell.previous_verdict;
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
                            {e.conflict.then(|| view! { <span class="badge conflict" title=t(Msg::ConflictTitle)>"⚠ "{t(Msg::Conflict)}</span> })}
                        </div>
                        <div><span class="label">{t(Msg::Default)}</span>{ctx.time_untracked(e.default_execute_at)}</div>
                        {moved.then(|| view! {
                            <div class="moved"><span class="label">{t(Msg::Scheduled)}</span>{ctx.time_untracked(e.execute_at)}</div>
                        })}
                    }.into_any()
                }
            }}
            <div class="previous"><span class="label">{t(Msg::PreviousEvent)}</span>
                {previous.map(|p| ctx.time_untracked(p)).unwrap_or_else(|| "—".to_owned())}
                {verdict.map(|v| {
                    let class = format!("verdict {}", v.status.as_str());
                    view! { " "<span class=class>{crate::i18n::previous_verdict(ctx.lang.get_untracked(), &v)}</span> }
                })}
            </div>
        </div>
    }
}

/// "O&M Events" in the Actions column; disabled, with the reason, when there is nothing to act on.
#[component]
pub fn OmAction(cell: OmEventsCell, row_id: String, on_open: Callback<String>) -> impl IntoView {
    let cell = followed(cell);
    // Rebuilt only when the row's current event comes or goes, so a focused button keeps focus
    // while its event is rescheduled.
    let current = Memo::new(move |_| cell.with(|c| c.current.as_ref().map(|e| e.id.clone())));
    move || {
        let cell = cell.get_untracked();
        current.track();
        view! { <OmActionNow cell=cell row_id=row_id.clone() on_open=on_open/> }
    }
}

#[component]
fn OmActionNow(cell: OmEventsCell, row_id: String, on_open: Callback<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t_untracked(m);
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

/// The row's checkbox for the bulk dialog, while the row has a pending event (as read with the
/// page: the dialog leaves out an event that started meanwhile). Read back by the table's one
/// change handler (`list_page::on_select`); checked as the selection stands when the rows are
/// built again (a refresh).
pub fn om_select(
    cell: &OmEventsCell,
    row_id: &str,
    selected: RwSignal<Vec<String>>,
) -> Option<impl IntoView> {
    let ctx = expect_context::<Ctx>();
    let e = cell.current.as_ref()?;
    (e.status == EventStatus::Pending).then(|| {
        let id = e.id.to_string();
        let checked = selected.with_untracked(|s| s.contains(&id));
        let label = format!("{} {row_id}", ctx.t_untracked(Msg::SelectEventOf));
        view! { <input type="checkbox" class="om-select" aria-label=label value=id checked=checked/> }
    })
}
