//! The execution form of the O&M Events dialog: Execute Now or a time up to the default, checked
//! by the domain's rules before anything is sent, then sent as a `LocalAction` (a Leptos `Action`'s semantics) whose `pending`
//! and `value` say what the buttons and notices show.

use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;
use vpn_console_domain::approval::ApprovalPolicy;
use vpn_console_domain::planning::ExecutionBody;
use vpn_console_domain::{EventStatus, ExecutionRequest, ScheduleError};

use super::Loaded;
use crate::action::LocalAction;
use crate::api::{self, CallError, Executed, PendingApproval};
use crate::i18n::{self, Lang, Msg};
use crate::state::Ctx;
use crate::time::{browser_offset_at, input_value, parse_input, schedule_error, zone_label, Zone};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Now,
    At,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Choose,
    /// Execute Now asks once more, restating the impact.
    Confirm,
    /// "Start it anyway" on a held event (DESIGN.md 13) asks once more, naming the holding
    /// event and the reason.
    Override,
}

/// One change as sent: the event at the version seen, and the key that makes a retry safe.
#[derive(Clone)]
struct Submission {
    id: String,
    etag: String,
    idempotency_key: String,
    request: ExecutionRequest,
    /// Why and the ticket, for the approval policy (DESIGN.md 14).
    reason: Option<String>,
    ticket: Option<String>,
    /// Start a held event anyway (`override_hold: true`, with mode now).
    override_hold: bool,
}

/// A new `Idempotency-Key`: the browser's own random UUID.
pub(super) fn new_idempotency_key() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.crypto().ok())
            .map(|c| c.random_uuid())
            .unwrap_or_else(|| format!("{:x}", (js_sys::Math::random() * 1e15) as u64))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        "native".to_owned()
    }
}

/// The server's refusal in the viewer's language when the console knows the rule, else as sent.
fn refusal_text(
    lang: Lang,
    e: &CallError,
    default_at: chrono::DateTime<Utc>,
    zone: Zone,
) -> String {
    let CallError::Api { error, .. } = e else {
        return e.message(lang);
    };
    match error.schedule_code() {
        Some(code) => schedule_error(
            lang,
            &ScheduleError {
                code,
                message: String::new(),
            },
            Some(default_at),
            zone,
        ),
        None if error.code == "forbidden" => lang.text(Msg::ErrForbidden).to_owned(),
        None => e.message(lang),
    }
}

#[component]
pub fn ExecutionForm(
    /// The event as last loaded; `None` while it loads.
    loaded: Signal<Option<Loaded>>,
    /// Loads the event again (after it changed meanwhile).
    on_reload: Callback<()>,
    /// The change was made.
    on_done: Callback<()>,
    on_close: Callback<()>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let choice = Choice::new(ctx);
    let (clock, request) = (choice.clock, choice.request);
    let step = RwSignal::new(Step::Choose);
    // One key per intended change: a retry after a network failure reuses it, so the server
    // applies the change once however many times it arrives.
    let idempotency_key = RwSignal::new(new_idempotency_key());
    let send = LocalAction::new_local(|s: &Submission| {
        let s = s.clone();
        let mut body = ExecutionBody::new(s.request.clone(), false).with_reason(s.reason, s.ticket);
        if s.override_hold {
            body = body.overriding_hold();
        }
        async move { api::request_execution(&s.id, &s.etag, &s.idempotency_key, &body).await }
    });
    let sending = send.pending();
    // The account's approval policy and the event's pending request (DESIGN.md 14), loaded
    // with each state of the event.
    let approvals = RwSignal::new(None::<(ApprovalPolicy, Option<PendingApproval>)>);
    let load_approvals = move || {
        let Some(id) = loaded.with_untracked(|l| l.as_ref().map(|l| l.detail.event.id.to_string()))
        else {
            return;
        };
        spawn_local(async move {
            if let Ok(found) = api::approvals_of(&id).await {
                let _ = approvals.try_set(Some(found));
            }
        });
    };
    Effect::new(move |_| {
        loaded.track();
        load_approvals();
    });
    let reason = RwSignal::new(String::new());
    let ticket = RwSignal::new(String::new());
    let covered = move || {
        let overriding = step.get() == Step::Override;
        approvals.with(|a| {
            a.as_ref().is_some_and(|(policy, _)| {
                if overriding {
                    let body = ExecutionBody::new(ExecutionRequest::Now, false).overriding_hold();
                    return policy.covers(&body, false);
                }
                request
                    .get()
                    .is_ok_and(|r| policy.covers(&ExecutionBody::new(r, false), false))
            })
        })
    };
    // The hold of a pending event (DESIGN.md 13): what "Start it anyway" names.
    let hold = Memo::new(move |_| {
        loaded.with(|l| {
            l.as_ref()
                .filter(|l| l.detail.event.status == EventStatus::Pending)
                .and_then(|l| l.detail.hold.clone())
        })
    });
    let awaiting = move || approvals.with(|a| a.as_ref().and_then(|(_, r)| r.clone()));
    // What the last answer was, while no other is awaited.
    let answer = move || -> Option<Result<Executed, CallError>> {
        if sending.get() {
            None
        } else {
            send.value().get()
        }
    };
    let failed = move || match answer() {
        Some(Err(CallError::Network(m))) => Some(m),
        _ => None,
    };
    let notice = move || match answer()? {
        Err(e) if e.status() == Some(412) => Some(ctx.t(Msg::ChangedMeanwhile).to_owned()),
        Err(e @ CallError::Api { .. }) => loaded.with(|l| {
            let default_at = l.as_ref()?.detail.event.default_execute_at;
            Some(refusal_text(ctx.lang.get(), &e, default_at, ctx.zone.get()))
        }),
        _ => None,
    };
    // Each answer, once: a change made closes the dialog; a refusal starts a new intended
    // change (a new key), and a stale version reloads the event first.
    Effect::new(move |_| {
        if send.version().get() == 0 {
            return;
        }
        match send.value().get_untracked() {
            Some(Ok(Executed::Changed(_))) => on_done.run(()),
            Some(Ok(Executed::SentForApproval)) => {
                step.set(Step::Choose);
                idempotency_key.set(new_idempotency_key());
                load_approvals();
            }
            Some(Err(CallError::Network(_))) | None => {}
            Some(Err(e)) => {
                step.set(Step::Choose);
                idempotency_key.set(new_idempotency_key());
                if e.status() == Some(412) {
                    on_reload.run(());
                }
            }
        }
    });

    // The domain's rules, with the server's clock, before anything is sent.
    let verdict = Memo::new(move |_| -> Result<(), String> {
        clock.track();
        let Some(l) = loaded.get() else {
            return Err(String::new());
        };
        let request = request.get()?;
        vpn_console_domain::validate(&l.detail.event, &request, l.server_now())
            .map(|_| ())
            .map_err(|e| {
                schedule_error(
                    ctx.lang.get(),
                    &e,
                    Some(l.detail.event.default_execute_at),
                    ctx.zone.get(),
                )
            })
    });
    let can_change = move || ctx.can_change();
    let ok_disabled = move || {
        sending.get()
            || !can_change()
            || (step.get() != Step::Override && verdict.with(|v| v.is_err()))
            || awaiting().is_some()
            || (covered() && reason.with(|r| r.trim().is_empty()))
    };

    let submit = move || {
        let Some(l) = loaded.get_untracked() else {
            return;
        };
        let overriding = step.get_untracked() == Step::Override;
        let request = if overriding {
            ExecutionRequest::Now
        } else {
            let Ok(request) = request.get_untracked() else {
                return;
            };
            request
        };
        if request == ExecutionRequest::Now && step.get_untracked() == Step::Choose {
            step.set(Step::Confirm);
            return;
        }
        send.dispatch_local(Submission {
            id: l.detail.event.id.to_string(),
            etag: l.etag,
            idempotency_key: idempotency_key.get_untracked(),
            request,
            reason: filled(reason),
            ticket: filled(ticket),
            override_hold: overriding,
        });
    };

    let t = move |m| ctx.t(m);
    // A Memo: a new state of a still pending event (the live updates) keeps the form as it
    // is, with the user's choice and focus; once the event started, no choice is offered.
    let pending = Memo::new(move |_| {
        loaded.with(|l| {
            l.as_ref()
                .is_some_and(|l| l.detail.event.status == EventStatus::Pending)
        })
    });
    let pending = move || pending.get();
    view! {
        {move || pending().then(|| {
            let (default_at, now_at) = loaded.with_untracked(|l| match l {
                Some(l) => (l.detail.event.default_execute_at, l.server_now()),
                None => (Utc::now(), Utc::now()),
            });
            view! {
                <ChoiceFields choice=choice latest=default_at now_at=now_at bounds=Msg::BetweenNowAndDefault
                    verdict=verdict disabled=Signal::derive(move || step.get() != Step::Choose)/>
            }
        })}
        {move || covered().then(|| view! { <ReasonFields reason=reason ticket=ticket/> })}
        {move || awaiting().map(|r| {
            let mine = ctx.session.with(|s| s.as_ref().is_some_and(|s| s.email == r.requested_by));
            let change = match r.execute_at {
                Some(at) => ctx.time(at),
                None => t(Msg::ExecuteNow).to_owned(),
            };
            let id = r.id.clone();
            view! {
                <div class="notice approval-pending" role="status">
                    <p>{format!("{}: {change} — {} {}, {} {}", t(Msg::AwaitingApproval), t(Msg::ApprovalRequestedBy),
                        r.requested_by, t(Msg::ApprovalExpires), ctx.time(r.expires_at))}</p>
                    {mine.then(|| view! {
                        <button type="button" id="om-cancel-request" on:click=move |_| {
                            let id = id.clone();
                            spawn_local(async move {
                                let _ = api::cancel_approval(&id).await;
                                load_approvals();
                            });
                        }>{move || t(Msg::CancelRequest)}</button>
                    })}
                </div>
            }
        })}
        <p class="notice" role="alert">{notice}</p>
        <p class="notice sent" role="status">
            {move || matches!(answer(), Some(Ok(Executed::SentForApproval))).then(|| t(Msg::SentForApproval))}
        </p>
        {move || failed().map(|m| view! {
            <div class="error-box" role="alert">
                <p>{move || t(Msg::NotReached)}<span class="muted">{format!(" ({m})")}</span></p>
            </div>
        })}
        {move || (step.get() == Step::Confirm).then(|| {
            let summary = move || loaded.with(|l| l.as_ref().map(|l| i18n::summary(ctx.lang.get(), &l.detail.summary)).unwrap_or_default());
            view! {
                <div class="confirm" role="alertdialog" aria-labelledby="om-confirm-title" aria-describedby="om-confirm-text">
                    <h3 id="om-confirm-title">{move || t(Msg::ConfirmTitle)}</h3>
                    <p id="om-confirm-text">{move || format!("{} {}", t(Msg::ConfirmText), summary())}</p>
                </div>
            }
        })}
        {move || (step.get() == Step::Override).then(|| hold.get()).flatten().map(|h| {
            let partner = h.partner_event_id.to_string();
            view! {
                <div class="confirm" role="alertdialog" aria-labelledby="om-override-title" aria-describedby="om-override-text">
                    <h3 id="om-override-title">{move || t(Msg::StartAnywayTitle)}</h3>
                    <p id="om-override-text">
                        {move || t(Msg::StartAnywayText)}" "<span class="mono">{partner}</span>
                        " — "{move || t(i18n::hold_reason(h.reason))}". "{move || t(Msg::StartAnywayRisk)}
                    </p>
                </div>
            }
        })}
        <footer>
            {move || (!can_change()).then(|| view! {
                <p class="reason" id="om-viewer-reason">{move || t(Msg::ViewerReason)}</p>
            })}
            {move || {
                let retry = failed().is_some();
                let confirm = step.get() == Step::Confirm;
                let overriding = step.get() == Step::Override;
                let label = if retry {
                    Msg::Retry
                } else if overriding {
                    Msg::StartAnyway
                } else if confirm {
                    Msg::ExecuteNow
                } else {
                    Msg::Ok
                };
                view! {
                    <button type="button" class="primary" id="om-ok"
                        disabled=ok_disabled
                        aria-describedby=move || (!can_change()).then_some("om-viewer-reason")
                        on:click=move |_| submit()>
                        {move || t(if sending.get() { Msg::Sending } else { label })}
                    </button>
                }
            }}
            {move || (step.get() == Step::Choose && can_change() && hold.with(|h| h.is_some())).then(|| view! {
                <button type="button" id="om-start-anyway" on:click=move |_| step.set(Step::Override)>
                    {move || t(Msg::StartAnyway)}
                </button>
            })}
            {move || if step.get() != Step::Choose {
                view! { <button type="button" on:click=move |_| step.set(Step::Choose)>{t(Msg::Back)}</button> }.into_any()
            } else {
                view! { <button type="button" id="om-cancel" on:click=move |_| on_close.run(())>{t(Msg::Cancel)}</button> }.into_any()
            }}
        </footer>
    }
}

/// What both execution forms (this one and the bulk dialog's) let the user choose: Execute Now
/// or a time, read in the chosen zone; `clock` ticks so that a verdict follows "now".
#[derive(Clone, Copy)]
pub(super) struct Choice {
    mode: RwSignal<Mode>,
    input: RwSignal<String>,
    pub request: Memo<Result<ExecutionRequest, String>>,
    pub clock: RwSignal<u32>,
}

impl Choice {
    pub fn new(ctx: Ctx) -> Self {
        let mode = RwSignal::new(Mode::Now);
        let input = RwSignal::new(String::new());
        // Re-validate as time passes ("now" moves).
        let clock = RwSignal::new(0u32);
        let interval = set_interval_with_handle(
            move || {
                let _ = clock.try_update(|t| *t += 1);
            },
            std::time::Duration::from_secs(15),
        )
        .ok();
        on_cleanup(move || {
            if let Some(h) = interval {
                h.clear();
            }
        });
        let request = Memo::new(move |_| match mode.get() {
            Mode::Now => Ok(ExecutionRequest::Now),
            Mode::At => parse_input(&input.get(), ctx.zone.get(), browser_offset_at)
                .map(|execute_at| ExecutionRequest::At { execute_at })
                .map_err(|e| e.message(ctx.lang.get())),
        });
        Choice {
            mode,
            input,
            request,
            clock,
        }
    }
}

/// The choice's fields: the two modes, the time between `now_at` and `latest` (said by
/// `bounds`), and the `verdict` of the domain's rules on what is chosen.
#[component]
pub(super) fn ChoiceFields(
    choice: Choice,
    latest: chrono::DateTime<Utc>,
    now_at: chrono::DateTime<Utc>,
    bounds: Msg,
    verdict: Memo<Result<(), String>>,
    disabled: Signal<bool>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let Choice { mode, input, .. } = choice;
    view! {
        <fieldset class="execution" disabled=move || disabled.get()>
            <legend>{move || t(Msg::ExecutionTimeLegend)}</legend>
            <label class="radio">
                <input type="radio" name="om-mode" value="now"
                    prop:checked=move || mode.get() == Mode::Now
                    on:change=move |_| mode.set(Mode::Now)/>
                {move || t(Msg::ExecuteNow)}
            </label>
            <label class="radio">
                <input type="radio" name="om-mode" value="at"
                    prop:checked=move || mode.get() == Mode::At
                    on:change=move |_| {
                        mode.set(Mode::At);
                        if input.get_untracked().is_empty() {
                            input.set(input_value(latest, ctx.zone.get_untracked(), browser_offset_at));
                        }
                    }/>
                {move || t(Msg::SpecifyExecutionTime)}
            </label>
            <Show when=move || mode.get() == Mode::At>
                <div class="time-input">
                    <label for="om-execute-at">
                        {move || format!("{}, {}", t(Msg::ExecutionTime), zone_label(ctx.zone.get(), ctx.lang.get(), latest))}
                    </label>
                    <input id="om-execute-at" type="datetime-local" step="60"
                        aria-describedby="om-validation om-bounds"
                        min=move || input_value(now_at, ctx.zone.get(), browser_offset_at)
                        max=move || input_value(latest, ctx.zone.get(), browser_offset_at)
                        // Written once: echoing the signal back would clear the field while the user
                        // types, since an incomplete date-time reads as "".
                        prop:value=input.get_untracked()
                        on:input=move |ev| input.set(event_target_value(&ev))/>
                    <p class="hint" id="om-bounds">
                        {move || format!("{} {}", t(bounds), ctx.time(latest))}
                    </p>
                </div>
            </Show>
            <p class="validation error" id="om-validation" role="status" aria-live="polite">
                {move || verdict.get().err().filter(|m| !m.is_empty())}
            </p>
        </fieldset>
    }
}

/// Why a change is made, asked when the approval policy covers it (DESIGN.md 14): the reason
/// (required then) and an optional ticket. Both execution forms show it.
#[component]
pub(super) fn ReasonFields(reason: RwSignal<String>, ticket: RwSignal<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    view! {
        <div class="approval-fields">
            <p class="hint" id="om-approval-hint">{move || t(Msg::ApprovalNeeded)}</p>
            <label for="om-reason">{move || t(Msg::ApprovalReason)}</label>
            <textarea id="om-reason" maxlength="500" required=true rows="2"
                aria-describedby="om-approval-hint"
                prop:value=reason.get_untracked()
                on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
            <label for="om-ticket">{move || t(Msg::ApprovalTicket)}</label>
            <input id="om-ticket" type="text" maxlength="100"
                prop:value=ticket.get_untracked()
                on:input=move |ev| ticket.set(event_target_value(&ev))/>
        </div>
    }
}

/// A field's text, `None` when blank.
pub(super) fn filled(s: RwSignal<String>) -> Option<String> {
    Some(s.get_untracked().trim().to_owned()).filter(|s| !s.is_empty())
}
