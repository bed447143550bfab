//! The bulk O&M Events dialog (DESIGN.md 10.4): the combined impact of the selected events,
//! Execute Now or one time no later than the earliest default among them (checked by the
//! domain's rules before anything is sent), then one bulk request and its answer per row.
//! Opening and closing change nothing; only OK sends.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vpn_console_domain::planning::{
    check_bulk_time, combined_impact, BulkExecutionRequest,
    BulkExecutionResponse, BulkItem, BulkItemResult, PlanningError, PlanningErrorCode,
};
use vpn_console_domain::{EventStatus, ExecutionRequest, Impact, ScheduleError, ScheduleErrorCode};

use super::execution_form::{new_idempotency_key, Choice, ChoiceFields};
use super::{now_ms, Loaded, Modal};
use crate::action::LocalAction;
use crate::api::{self, CallError};
use crate::i18n::{self, Msg};
use crate::state::Ctx;

#[derive(Clone)]
struct BulkSubmission {
    idempotency_key: String,
    body: BulkExecutionRequest,
}

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
    for (i, id) in event_ids.iter().cloned().enumerate() {
        spawn_local(async move {
            let result = api::event(&id).await.map(|(detail, etag)| Loaded {
                detail,
                etag,
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
    let left_out = move || -> Vec<String> {
        loads.with(|v| {
            v.iter()
                .zip(&event_ids)
                .filter_map(|(l, id)| match l {
                    Some(Ok(l)) if l.detail.event.status != EventStatus::Pending => {
                        Some(format!("{id} ({})", t(i18n::status(l.detail.event.status))))
                    }
                    Some(Err(e)) => Some(format!("{id} ({})", e.message(ctx.lang.get()))),
                    _ => None,
                })
                .collect()
        })
    };

    let choice = Choice::new(ctx);
    let (clock, request) = (choice.clock, choice.request);
    // When the chosen time is the same for all (now, or the time typed), running the selected
    // together is what may make them conflict; until a time reads, each at its own.
    let combined = Memo::new(move |_| {
        clock.track();
        let events = events();
        let at = match request.get() {
            Ok(ExecutionRequest::At { execute_at }) => Some(execute_at),
            Ok(ExecutionRequest::Now) => events.first().map(Loaded::server_now),
            Err(_) => None,
        };
        let impacts: Vec<Impact> = events
            .iter()
            .map(|l| Impact {
                affected: l.detail.affected.clone(),
                summary: l.detail.summary.clone(),
            })
            .collect();
        let selected: Vec<_> = events
            .iter()
            .zip(&impacts)
            .map(|(l, i)| (&l.detail.event, i))
            .collect();
        combined_impact(&selected, at)
    });
    let latest = move || combined.with(|c| c.latest_allowed_at);
    // The domain's rules for every selected event, with the server's clock.
    let verdict = Memo::new(move |_| -> Result<(), String> {
        clock.track();
        let events = events();
        let (Some(first), true) = (events.first(), ready.get()) else {
            return Err(String::new());
        };
        let request = request.get()?;
        check_bulk_time(
            &request,
            events.iter().map(|l| &l.detail.event),
            first.server_now(),
        )
        .map_err(|e| refusal(ctx, &e, latest()))
    });

    // Each row's latest answer; a row done is not sent again.
    let results = RwSignal::new(Vec::<BulkItemResult>::new());
    let result_of = move |id: &str| results.with(|r| r.iter().find(|r| r.id == id).cloned());
    let to_send = move || -> Vec<BulkItem> {
        events()
            .into_iter()
            .filter(|l| result_of(l.detail.event.id.as_str()).is_none_or(|r| r.status != 200))
            .map(|l| BulkItem {
                id: l.detail.event.id.to_string(),
                version: l.detail.event.version,
            })
            .collect()
    };
    let needs_consent = move || {
        results.with(|r| {
            r.iter().any(|r| {
                r.error
                    .as_ref()
                    .is_some_and(|e| e.code == PlanningErrorCode::CreatesConflict.as_str())
            })
        })
    };
    let allow_conflict = RwSignal::new(false);
    // One key per intended change, kept for a retry after a network failure.
    let idempotency_key = RwSignal::new(new_idempotency_key());
    let send = LocalAction::new_local(|s: &BulkSubmission| {
        let s = s.clone();
        async move { api::bulk_execution(&s.idempotency_key, &s.body).await }
    });
    let sending = send.pending();
    let answer = move || -> Option<Result<BulkExecutionResponse, CallError>> {
        (!sending.get()).then(|| send.value().get()).flatten()
    };
    Effect::new(move |_| {
        if send.version().get() == 0 {
            return;
        }
        let Some(Ok(answer)) = send.value().get_untracked() else {
            if !matches!(send.value().get_untracked(), Some(Err(CallError::Network(_)))) {
                idempotency_key.set(new_idempotency_key());
            }
            return;
        };
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
    });
    let can_change = move || ctx.can_change();
    let ok_disabled = move || {
        sending.get()
            || !can_change()
            || verdict.with(Result::is_err)
            || (needs_consent() && !allow_conflict.get())
            || to_send().is_empty()
    };
    let submit = move || {
        let Ok(request) = request.get_untracked() else {
            return;
        };
        send.dispatch_local(BulkSubmission {
            idempotency_key: idempotency_key.get_untracked(),
            body: BulkExecutionRequest::new(request, allow_conflict.get_untracked(), to_send()),
        });
    };
    let lang = move || ctx.lang.get();

    view! {
        <Modal title_id="bulk-dialog-title" title=Msg::BulkTitle on_close=on_close>
            {move || if !ready.get() {
                view! { <p class="muted" role="status">{t(Msg::BulkLoading)}</p> }.into_any()
            } else {
                let c = combined.get();
                view! {
                    <h3>{t(Msg::BulkImpact)}</h3>
                    <dl class="facts" id="bulk-impact">
                        <dt>{t(Msg::BulkEvents)}</dt><dd id="bulk-events">{c.events}</dd>
                        <dt>{t(Msg::BulkTunnels)}</dt><dd id="bulk-tunnels">{format!("{} ({})", c.tunnels, c.connections)}</dd>
                        <dt>{t(Msg::BulkSslClients)}</dt><dd id="bulk-ssl">{c.ssl_clients}</dd>
                        <dt>{t(Msg::BulkWorst)}</dt><dd id="bulk-worst">{i18n::duration(lang(), c.max_interruption_s)}</dd>
                        <dt>{t(Msg::BulkConflicts)}</dt>
                        <dd id="bulk-conflicts">{if c.conflicts.is_empty() {
                            t(Msg::NoConflicts).into_any()
                        } else {
                            view! { <ul>{c.conflicts.iter().map(|p| view! { <li>{i18n::conflict_pair_text(lang(), p)}</li> }).collect_view()}</ul> }.into_any()
                        }}</dd>
                    </dl>
                }.into_any()
            }}
            {move || {
                let out = left_out();
                (!out.is_empty()).then(|| view! { <p class="notice" id="bulk-left-out">{t(Msg::BulkLeftOut)}" "{out.join(", ")}</p> })
            }}
            {move || ready.get().then(|| {
                let (latest, now_at) = (latest(), events().first().map(Loaded::server_now));
                latest.zip(now_at).map(|(latest, now_at)| view! {
                    <ChoiceFields choice=choice latest=latest now_at=now_at bounds=Msg::BetweenNowAndEarliest
                        verdict=verdict disabled=Signal::derive(move || sending.get())/>
                })
            })}
            <table class="affected" id="bulk-results">
                <thead><tr>
                    <th scope="col">{move || t(Msg::ColEvent)}</th>
                    <th scope="col">{move || t(Msg::ColResource)}</th>
                    <th scope="col">{move || t(Msg::DefaultExecutionTime)}</th>
                    <th scope="col">{move || t(Msg::ColResult)}</th>
                </tr></thead>
                <tbody>
                    {move || events().into_iter().map(|l| {
                        let e = l.detail.event;
                        let id = e.id.to_string();
                        let (shown, key) = (id.clone(), id.clone());
                        let result = move || result_of(&id).map(|r| match r.error {
                            None => view! { <span class="badge ok">{t(Msg::ResultDone)}</span> }.into_any(),
                            Some(err) => view! { <span class="error">{t(Msg::ResultRefused)}" "{err.message}</span> }.into_any(),
                        });
                        view! {
                            <tr data-id=key>
                                <td class="mono">{shown}</td>
                                <td class="mono">{e.resource.id_str().to_owned()}</td>
                                <td>{ctx.time(e.default_execute_at)}</td>
                                <td class="result">{result}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {move || needs_consent().then(|| view! {
                <label class="consent">
                    <input type="checkbox" id="bulk-allow-conflict" prop:checked=move || allow_conflict.get()
                        on:change=move |ev| allow_conflict.set(event_target_checked(&ev))/>
                    {t(Msg::AllowConflict)}
                </label>
            })}
            {move || match answer() {
                Some(Err(CallError::Network(m))) => Some(format!("{} ({m})", t(Msg::NotReached))),
                Some(Err(e)) => Some(e.message(lang())),
                _ => None,
            }.map(|m| view! { <p class="error-box" role="alert">{m}</p> })}
            <footer>
                {move || (!can_change()).then(|| view! {
                    <p class="reason" id="bulk-viewer-reason">{t(Msg::ViewerReason)}</p>
                })}
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

/// A refusal of the browser's check in the viewer's words; a time after the earliest default
/// names that default.
fn refusal(ctx: Ctx, e: &PlanningError, latest: Option<chrono::DateTime<chrono::Utc>>) -> String {
    let lang = ctx.lang.get();
    match (e.code, latest) {
        (PlanningErrorCode::Schedule(ScheduleErrorCode::AfterDefaultExecutionTime), Some(l)) => {
            format!("{} ({}).", lang.text(Msg::ErrAfterEarliest), ctx.time(l))
        }
        (PlanningErrorCode::Schedule(code), _) => crate::time::schedule_error(
            lang,
            &ScheduleError {
                code,
                message: String::new(),
            },
            latest,
            ctx.zone.get(),
        ),
        _ => e.message.clone(),
    }
}

