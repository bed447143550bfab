//! The bulk O&M Events dialog (DESIGN.md 10.4): the combined impact of the selected events,
//! Execute Now or one time no later than the earliest default among them (checked by the
//! domain's rules before anything is sent), then one bulk request and its answer per row.
//! Opening and closing change nothing; only OK sends.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vpn_console_domain::planning::{
    latest_allowed_at, BulkExecutionRequest, BulkItem, BulkItemResult, Conflict, ExecutionBody,
    PlanningErrorCode,
};
use vpn_console_domain::{validate, AffectedItem, EventStatus, ScheduleError, ScheduleErrorCode};

use super::execution_form::{filled, new_idempotency_key, Choice, ChoiceFields, ReasonFields};
use super::{now_ms, Loaded, Modal};
use crate::api::{self, CallError};
use crate::i18n::{self, Msg};
use crate::state::Ctx;

#[component]
pub fn BulkEventsDialog(
    event_ids: Vec<String>,
    on_close: Callback<()>,
    /// Some events changed: their ids.
    on_changed: Callback<Vec<String>>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    // Each selected event as the single dialog loads it: its version, default time and impact.
    let loads = RwSignal::new(vec![None::<Result<Loaded, CallError>>; event_ids.len()]);
    let ids = StoredValue::new(event_ids);
    for (i, id) in ids.get_value().into_iter().enumerate() {
        spawn_local(async move {
            let result = api::event(&id).await.map(|(detail, etag, json)| Loaded {
                detail,
                etag,
                json,
                loaded_at_ms: now_ms(),
            });
            let _ = loads.try_update(|v| v[i] = Some(result));
        });
    }
    let ready = Memo::new(move |_| loads.with(|v| v.iter().all(Option::is_some)));
    // The events the request is about; an event that started or finished meanwhile is left out.
    let events = move || -> Vec<Loaded> {
        loads.with(|v| {
            v.iter()
                .flatten()
                .flatten()
                .filter(|l| l.detail.event.status == EventStatus::Pending)
                .cloned()
                .collect()
        })
    };
    let choice = Choice::new(ctx);
    let (clock, request) = (choice.clock, choice.request);
    // The domain's rules for every selected event (each as the server decides its item), with
    // the server's clock; a time after the earliest default names that default.
    let verdict = Memo::new(move |_| -> Result<(), String> {
        clock.track();
        let events = events();
        let (Some(first), true) = (events.first(), ready.get()) else {
            return Err(String::new());
        };
        let request = request.get()?;
        let now = first.server_now();
        events
            .iter()
            .try_for_each(|l| validate(&l.detail.event, &request, now).map(drop))
            .map_err(|e| refusal(ctx, e, latest_of(&events)))
    });

    // Each row's latest answer; a row done is not sent again.
    let results = RwSignal::new(Vec::<BulkItemResult>::new());
    let to_send = move || -> Vec<BulkItem> {
        let events = events();
        results.with(|rs| {
            events
                .iter()
                .map(|l| &l.detail.event)
                .filter(|e| !rs.iter().any(|r| r.status == 200 && r.id == e.id.as_str()))
                .map(|e| BulkItem {
                    id: e.id.to_string(),
                    version: e.version,
                })
                .collect()
        })
    };
    let needs_consent = move || {
        results.with(|r| {
            r.iter()
                .filter_map(|r| r.error.as_ref())
                .any(|e| e.code == PlanningErrorCode::CreatesConflict.as_str())
        })
    };
    let allow_conflict = RwSignal::new(false);
    // The approval policy: a bulk change it covers needs a reason (DESIGN.md 14).
    let policy = RwSignal::new(None::<vpn_console_domain::approval::ApprovalPolicy>);
    spawn_local(async move {
        if let Ok(p) = api::approval_policy().await {
            let _ = policy.try_set(Some(p));
        }
    });
    let reason = RwSignal::new(String::new());
    let ticket = RwSignal::new(String::new());
    let covered = move || {
        policy.with(|p| {
            p.as_ref().is_some_and(|p| {
                request
                    .get()
                    .is_ok_and(|r| p.covers(&ExecutionBody::new(r, allow_conflict.get()), true))
            })
        })
    };
    // One key per intended change, kept for a retry after a network failure.
    let idempotency_key = RwSignal::new(new_idempotency_key());
    let sending = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let submit = move || {
        let Ok(request) = request.get_untracked() else {
            return;
        };
        let body = BulkExecutionRequest::new(request, allow_conflict.get_untracked(), to_send())
            .with_reason(filled(reason), filled(ticket));
        let key = idempotency_key.get_untracked();
        sending.set(true);
        failure.set(None);
        spawn_local(async move {
            let answer = api::bulk_execution(&key, &body).await;
            if sending.try_set(false).is_some() {
                return;
            }
            // OK may be disabled now (all done, or a consent asked first): the focus goes to
            // what comes next, once it is shown, and stays inside the dialog.
            set_timeout(
                || {
                    let next = document().query_selector("#bulk-allow-conflict, #bulk-cancel");
                    if let Some(el) = next.ok().flatten() {
                        let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(el)
                            .focus();
                    }
                },
                std::time::Duration::ZERO,
            );
            match answer {
                Ok(answer) => {
                    idempotency_key.set(new_idempotency_key());
                    let done: Vec<String> = answer
                        .results
                        .iter()
                        .filter(|r| r.status == 200)
                        .map(|r| r.id.clone())
                        .collect();
                    results.update(|rs| {
                        rs.retain(|r| answer.results.iter().all(|a| a.id != r.id));
                        rs.extend(answer.results);
                    });
                    if !done.is_empty() {
                        on_changed.run(done);
                    }
                }
                Err(e) => {
                    let lang = ctx.lang.get_untracked();
                    failure.set(Some(match e {
                        CallError::Network(m) => format!("{} ({m})", lang.text(Msg::NotReached)),
                        e => {
                            idempotency_key.set(new_idempotency_key());
                            e.message(lang)
                        }
                    }));
                }
            }
        });
    };
    let can_change = move || ctx.can_change();
    let ok_disabled = move || {
        sending.get()
            || !can_change()
            || verdict.with(Result::is_err)
            || (needs_consent() && !allow_conflict.get())
            || to_send().is_empty()
            || (covered() && reason.with(|r| r.trim().is_empty()))
    };

    // Rebuilt as a whole (plain text, like the list rows): only the time field keeps its state.
    // The conflicts are those known now, at the events' own times (the event details); one
    // that running them together at the chosen time would create, the server answers for.
    let impact = move || {
        let events = events();
        let lang = ctx.lang.get();
        let (mut tunnels, mut connections) = (Vec::new(), Vec::new());
        let (mut ssl_clients, mut worst) = (0, 0);
        let mut conflicts = Vec::new();
        for (i, l) in events.iter().enumerate() {
            let d = &l.detail;
            ssl_clients += d.summary.ssl_clients;
            worst = worst.max(d.summary.max_interruption_s);
            for item in &d.affected {
                if let AffectedItem::Tunnel {
                    id, connection_id, ..
                } = item
                {
                    if !tunnels.contains(&id) {
                        tunnels.push(id);
                    }
                    if !connections.contains(&connection_id) {
                        connections.push(connection_id);
                    }
                }
            }
            // A pair of selected events is said once.
            let said = |c: &Conflict| events[..i].iter().any(|o| o.detail.event.id == c.event_id);
            for c in d.conflicts.iter().filter(|c| !said(c)) {
                let text = i18n::conflict_text(lang, c, ctx.time(c.execute_at));
                conflicts.push(format!("{}: {text}", d.event.id));
            }
        }
        let counts = [
            events.len(),
            tunnels.len(),
            connections.len(),
            ssl_clients as usize,
        ];
        let conflicts = if conflicts.is_empty() {
            lang.text(Msg::NoConflicts).to_owned()
        } else {
            conflicts.join(" ")
        };
        // Plain text in two paragraphs: a table of five numbers is not worth its code.
        view! {
            <p class="summary" id="bulk-impact"><strong>{i18n::bulk_impact(lang, counts, worst)}</strong></p>
            <p id="bulk-conflicts">{format!("{} {conflicts}", lang.text(Msg::BulkConflicts))}</p>
        }
    };
    // Every selected event with its answer; one not pending or not readable is left out.
    let rows = move || {
        let lang = ctx.lang.get();
        loads.with(|v| {
            results.with(|rs| {
                v.iter()
                    .zip(ids.get_value())
                    .map(|(l, id)| {
                        let text = match l {
                            Some(Ok(l)) => {
                                let e = &l.detail.event;
                                let answered = rs.iter().find(|r| r.id == id);
                                let result = match answered.map(|r| &r.error) {
                                    _ if e.status != EventStatus::Pending => {
                                        lang.text(i18n::status(e.status)).to_owned()
                                    }
                                    None => String::new(),
                                    // 202: covered by an approval request (DESIGN.md 14).
                                    Some(None) if answered.is_some_and(|r| r.status == 202) => {
                                        lang.text(Msg::ResultSentForApproval).to_owned()
                                    }
                                    Some(None) => lang.text(Msg::ResultDone).to_owned(),
                                    Some(Some(err)) => {
                                        format!("{} {}", lang.text(Msg::ResultRefused), err.message)
                                    }
                                };
                                let default = ctx.time(e.default_execute_at);
                                let of = lang.text(Msg::DefaultExecutionTime);
                                let sep = if result.is_empty() { "" } else { " · " };
                                format!(
                                    "{id} · {} · {of} {default}{sep}{result}",
                                    e.resource.id_str()
                                )
                            }
                            Some(Err(err)) => format!("{id} · {}", err.message(lang)),
                            None => id.clone(),
                        };
                        view! { <li data-id=id>{text}</li> }
                    })
                    .collect_view()
            })
        })
    };

    view! {
        <Modal title_id="bulk-dialog-title" title=Msg::BulkTitle on_close=on_close>
            {move || if ready.get() { impact().into_any() } else { view! { <p class="muted" role="status">{t(Msg::BulkLoading)}</p> }.into_any() }}
            {move || ready.get().then(|| {
                let events = events();
                let now_at = events.first().map(Loaded::server_now);
                latest_of(&events).zip(now_at).map(|(latest, now_at)| view! {
                    <ChoiceFields choice=choice latest=latest now_at=now_at bounds=Msg::BetweenNowAndEarliest
                        verdict=verdict disabled=sending.into()/>
                })
            })}
            {move || covered().then(|| view! { <ReasonFields reason=reason ticket=ticket/> })}
            // The answers and what they ask for, rebuilt together when an answer comes.
            {move || {
                let consent = needs_consent().then(|| view! {
                    <label class="consent">
                        <input type="checkbox" id="bulk-allow-conflict" checked=allow_conflict.get_untracked()
                            on:change=move |ev| allow_conflict.set(event_target_checked(&ev))/>
                        {t(Msg::AllowConflict)}
                    </label>
                });
                let failure = failure.get().map(|m| view! { <p class="error-box" role="alert">{m}</p> });
                view! { <ul class="bulk-results" id="bulk-results">{rows()}</ul>{consent}{failure} }
            }}
            <footer>
                {(!can_change()).then(|| view! { <p class="reason">{t(Msg::ViewerReason)}</p> })}
                <button type="button" class="primary" id="bulk-ok" disabled=ok_disabled
                    on:click=move |_| submit()>
                    {move || t(if sending.get() { Msg::Sending } else { Msg::Ok })}
                </button>
                <button type="button" id="bulk-cancel" on:click=move |_| on_close.run(())>
                    {move || t(if results.with(Vec::is_empty) { Msg::Cancel } else { Msg::Close })}
                </button>
            </footer>
        </Modal>
    }
}

/// The latest time allowed: the earliest default among the selected.
fn latest_of(events: &[Loaded]) -> Option<chrono::DateTime<chrono::Utc>> {
    latest_allowed_at(events.iter().map(|l| &l.detail.event))
}

/// A refusal of the browser's check in the viewer's words; a time after the earliest default
/// names that default.
fn refusal(ctx: Ctx, e: ScheduleError, latest: Option<chrono::DateTime<chrono::Utc>>) -> String {
    let lang = ctx.lang.get();
    match (e.code, latest) {
        (ScheduleErrorCode::AfterDefaultExecutionTime, Some(l)) => {
            format!("{} ({}).", lang.text(Msg::ErrAfterEarliest), ctx.time(l))
        }
        _ => crate::time::schedule_error(lang, &e, latest, ctx.zone.get()),
    }
}
