//! The O&M Events dialog: the event, the resources it affects and how, and its execution time.
//! Opening, looking and closing change nothing; only OK (and, for Execute Now, a second
//! confirmation) sends a request.

use chrono::{DateTime, Duration, Utc};
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use vpn_console_domain::api::EventDetail;
use vpn_console_domain::{
    AffectedItem, EventStatus, ExecutionRequest, ScheduleError, ScheduleErrorCode,
};

use crate::api::{self, CallError};
use crate::i18n::{self, Lang, Msg};
use crate::state::Ctx;
use crate::time::{input_value, parse_input, schedule_error, zone_label};

/// The server's refusal in the viewer's language when the console knows the code, else as sent.
fn refusal_text(
    lang: Lang,
    e: &CallError,
    default_at: chrono::DateTime<Utc>,
    zone: crate::time::Zone,
) -> String {
    let code = match e.code() {
        Some("not_pending") => Some(ScheduleErrorCode::NotPending),
        Some("after_default_execution_time") => Some(ScheduleErrorCode::AfterDefaultExecutionTime),
        Some("in_the_past") => Some(ScheduleErrorCode::InThePast),
        _ => None,
    };
    match (code, e.code()) {
        (Some(code), _) => schedule_error(
            lang,
            &ScheduleError {
                code,
                message: String::new(),
            },
            Some(default_at),
            zone,
        ),
        (None, Some("forbidden")) => lang.text(Msg::ErrForbidden).to_owned(),
        (None, _) => e.message(lang),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Now,
    At,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Choose,
    /// Execute Now asks once more, restating the impact.
    Confirm,
}

/// The loaded event and when it was loaded, to estimate the server's clock.
#[derive(Clone)]
struct Loaded {
    detail: EventDetail,
    etag: String,
    loaded_at_ms: f64,
}

impl Loaded {
    fn server_now(&self) -> DateTime<Utc> {
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

fn new_idempotency_key() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        (0..4)
            .map(|_| {
                format!(
                    "{:08x}",
                    (js_sys::Math::random() * f64::from(u32::MAX)) as u32
                )
            })
            .collect()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        "native".to_owned()
    }
}

#[component]
pub fn OmEventDialog(
    event_id: String,
    on_close: Callback<()>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let loaded = RwSignal::new(None::<Result<Loaded, CallError>>);
    let mode = RwSignal::new(Mode::Now);
    let input = RwSignal::new(String::new());
    let step = RwSignal::new(Step::Choose);
    let sending = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let failed = RwSignal::new(None::<String>);
    // One key per intended change: a retry after a network failure reuses it, so the server
    // applies the change once however many times it arrives.
    let idempotency_key = RwSignal::new(new_idempotency_key());
    let clock_tick = RwSignal::new(0u32);
    let dialog_ref = NodeRef::<html::Div>::new();
    let opener = document().active_element();

    let id_for_load = event_id.clone();
    let load = move || {
        let id = id_for_load.clone();
        spawn_local(async move {
            let result = api::event(&id).await.map(|(detail, etag)| Loaded {
                detail,
                etag,
                loaded_at_ms: now_ms(),
            });
            let _ = loaded.try_set(Some(result));
        });
    };
    load();
    let reload = load.clone();

    // Re-validate as time passes ("now" moves).
    let interval = set_interval_with_handle(
        move || {
            let _ = clock_tick.try_update(|t| *t += 1);
        },
        std::time::Duration::from_secs(15),
    )
    .ok();
    on_cleanup(move || {
        if let Some(h) = interval {
            h.clear();
        }
        // Focus goes back to the action that opened the dialog.
        if let Some(el) = &opener {
            if let Some(el) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(el) {
                let _ = el.focus();
            }
        }
    });
    Effect::new(move |_| {
        if let Some(el) = dialog_ref.get() {
            let _ = el.focus();
        }
    });

    let request = Memo::new(move |_| -> Result<ExecutionRequest, String> {
        match mode.get() {
            Mode::Now => Ok(ExecutionRequest::Now),
            Mode::At => parse_input(&input.get(), ctx.zone.get(), crate::time::browser_offset_at)
                .map(|execute_at| ExecutionRequest::At { execute_at })
                .map_err(|e| e.message(ctx.lang.get())),
        }
    });
    // The domain's rules, with the server's clock, before anything is sent.
    let verdict = Memo::new(move |_| -> Result<(), String> {
        clock_tick.track();
        let Some(Ok(l)) = loaded.get() else {
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
    let ok_disabled = move || sending.get() || !can_change() || verdict.with(|v| v.is_err());

    let submit = move || {
        let Some(Ok(l)) = loaded.get_untracked() else {
            return;
        };
        let Ok(request) = request.get_untracked() else {
            return;
        };
        if request == ExecutionRequest::Now && step.get_untracked() == Step::Choose {
            step.set(Step::Confirm);
            return;
        }
        sending.set(true);
        failed.set(None);
        notice.set(None);
        let key = idempotency_key.get_untracked();
        let reload = reload.clone();
        spawn_local(async move {
            let id = l.detail.event.id.to_string();
            let result = api::request_execution(&id, &l.etag, &key, &request).await;
            let _ = sending.try_set(false);
            match result {
                Ok(_) => {
                    on_changed.run(());
                    on_close.run(());
                }
                Err(CallError::Network(m)) => {
                    let _ = failed.try_set(Some(m));
                }
                Err(e) if e.status() == Some(412) => {
                    let _ = notice.try_set(Some(
                        ctx.lang
                            .get_untracked()
                            .text(Msg::ChangedMeanwhile)
                            .to_owned(),
                    ));
                    let _ = step.try_set(Step::Choose);
                    let _ = idempotency_key.try_set(new_idempotency_key());
                    reload();
                }
                Err(e) => {
                    let text = refusal_text(
                        ctx.lang.get_untracked(),
                        &e,
                        l.detail.event.default_execute_at,
                        ctx.zone.get_untracked(),
                    );
                    let _ = notice.try_set(Some(text));
                    let _ = step.try_set(Step::Choose);
                    let _ = idempotency_key.try_set(new_idempotency_key());
                }
            }
        });
    };
    let submit_ok = submit.clone();

    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            on_close.run(());
        } else if ev.key() == "Tab" {
            trap_focus(&ev, dialog_ref);
        }
    };

    let t = move |m| ctx.t(m);
    view! {
        <div class="backdrop" on:click=move |_| on_close.run(())></div>
        <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="om-dialog-title"
            tabindex="-1" node_ref=dialog_ref on:keydown=on_keydown>
            <header>
                <h2 id="om-dialog-title">{move || t(Msg::DialogTitle)}</h2>
                <button type="button" class="close" aria-label=move || t(Msg::Close) on:click=move |_| on_close.run(())>"×"</button>
            </header>
            {move || match loaded.get() {
                None => view! { <p class="muted" role="status">{t(Msg::LoadingEvent)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message(ctx.lang.get_untracked())}</p> }.into_any(),
                Some(Ok(l)) => view! { <EventBody loaded=l/> }.into_any(),
            }}
            {move || matches!(loaded.get(), Some(Ok(ref l)) if l.detail.event.status == EventStatus::Pending).then(|| {
                let default_at = loaded.with_untracked(|l| match l { Some(Ok(l)) => l.detail.event.default_execute_at, _ => Utc::now() });
                let now_at = loaded.with_untracked(|l| match l { Some(Ok(l)) => l.server_now(), _ => Utc::now() });
                view! {
                    <fieldset class="execution" disabled=move || step.get() == Step::Confirm>
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
                                        input.set(input_value(default_at, ctx.zone.get_untracked(), crate::time::browser_offset_at));
                                    }
                                }/>
                            {move || t(Msg::SpecifyExecutionTime)}
                        </label>
                        <Show when=move || mode.get() == Mode::At>
                            <div class="time-input">
                                <label for="om-execute-at">
                                    {move || format!("{}, {}", t(Msg::ExecutionTime), zone_label(ctx.zone.get(), ctx.lang.get(), default_at))}
                                </label>
                                <input id="om-execute-at" type="datetime-local" step="60"
                                    aria-describedby="om-validation om-bounds"
                                    min=move || input_value(now_at, ctx.zone.get(), crate::time::browser_offset_at)
                                    max=move || input_value(default_at, ctx.zone.get(), crate::time::browser_offset_at)
                                    // Written once: echoing the signal back would clear the field while the user
                                    // types, since an incomplete date-time reads as "".
                                    prop:value=input.get_untracked()
                                    on:input=move |ev| input.set(event_target_value(&ev))/>
                                <p class="hint" id="om-bounds">
                                    {move || format!("{} {}", t(Msg::BetweenNowAndDefault), ctx.time(default_at))}
                                </p>
                            </div>
                        </Show>
                        <p class="validation error" id="om-validation" role="status" aria-live="polite">
                            {move || verdict.get().err().filter(|m| !m.is_empty())}
                        </p>
                    </fieldset>
                }
            })}
            <p class="notice" role="alert">{move || notice.get()}</p>
            {move || failed.get().map(|m| view! {
                <div class="error-box" role="alert">
                    <p>{move || t(Msg::NotReached)}<span class="muted">{format!(" ({m})")}</span></p>
                </div>
            })}
            {move || (step.get() == Step::Confirm).then(|| {
                let summary = move || loaded.with(|l| match l {
                    Some(Ok(l)) => i18n::summary(ctx.lang.get(), &l.detail.summary),
                    _ => String::new(),
                });
                view! {
                    <div class="confirm" role="alertdialog" aria-labelledby="om-confirm-title" aria-describedby="om-confirm-text">
                        <h3 id="om-confirm-title">{move || t(Msg::ConfirmTitle)}</h3>
                        <p id="om-confirm-text">{move || format!("{} {}", t(Msg::ConfirmText), summary())}</p>
                    </div>
                }
            })}
            <footer>
                {move || (!can_change()).then(|| view! {
                    <p class="reason" id="om-viewer-reason">{move || t(Msg::ViewerReason)}</p>
                })}
                {
                    let submit_ok = submit_ok.clone();
                    move || {
                        let submit_ok = submit_ok.clone();
                        let retry = failed.get().is_some();
                        let confirm = step.get() == Step::Confirm;
                        let label = if retry { Msg::Retry } else if confirm { Msg::ExecuteNow } else { Msg::Ok };
                        view! {
                            <button type="button" class="primary" id="om-ok"
                                disabled=ok_disabled
                                aria-describedby=move || (!can_change()).then_some("om-viewer-reason")
                                on:click=move |_| submit_ok()>
                                {move || t(if sending.get() { Msg::Sending } else { label })}
                            </button>
                        }
                    }
                }
                {move || if step.get() == Step::Confirm {
                    view! { <button type="button" on:click=move |_| step.set(Step::Choose)>{t(Msg::Back)}</button> }.into_any()
                } else {
                    view! { <button type="button" id="om-cancel" on:click=move |_| on_close.run(())>{t(Msg::Cancel)}</button> }.into_any()
                }}
            </footer>
        </div>
    }
}

/// Keeps Tab and Shift+Tab inside the dialog.
fn trap_focus(ev: &KeyboardEvent, dialog: NodeRef<html::Div>) {
    use wasm_bindgen::JsCast;
    let Some(root) = dialog.get_untracked() else {
        return;
    };
    let Ok(list) = root.query_selector_all(
        "button:not([disabled]), input:not([disabled]), select:not([disabled]), a[href], [tabindex='0']",
    ) else {
        return;
    };
    let items: Vec<web_sys::HtmlElement> = (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .collect();
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        return;
    };
    let active = document().active_element();
    let is = |el: &web_sys::HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
    };
    if ev.shift_key()
        && (is(first)
            || active
                .as_ref()
                .is_some_and(|a| a == root.unchecked_ref::<web_sys::Element>()))
    {
        ev.prevent_default();
        let _ = last.focus();
    } else if !ev.shift_key() && is(last) {
        ev.prevent_default();
        let _ = first.focus();
    }
}

#[component]
fn EventBody(loaded: Loaded) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let d = loaded.detail;
    let e = d.event.clone();
    let summary_of = d.summary.clone();
    let summary = move || i18n::summary(ctx.lang.get(), &summary_of);
    let moved = e.is_rescheduled();
    let log_open = RwSignal::new(false);
    let log = LocalResource::new({
        let id = e.id.to_string();
        move || {
            let id = id.clone();
            let open = log_open.get();
            async move {
                if open {
                    api::event_log(&id).await.map(Some)
                } else {
                    Ok(None)
                }
            }
        }
    });
    let not_pending = e.status != EventStatus::Pending;
    view! {
        <dl class="facts">
            <dt>{move || t(Msg::EventId)}</dt><dd class="mono" id="om-event-id">{e.id.to_string()}</dd>
            <dt>{move || t(Msg::Reason)}</dt><dd>{move || t(i18n::reason(e.reason))}</dd>
            <dt>{move || t(Msg::Status)}</dt><dd id="om-event-status">{move || t(i18n::status(e.status))}</dd>
            <dt>{move || t(Msg::DefaultExecutionTime)}</dt><dd>{move || ctx.time(e.default_execute_at)}</dd>
            {moved.then(|| view! { <dt>{move || t(Msg::ScheduledExecutionTime)}</dt><dd>{move || ctx.time(e.execute_at)}</dd> })}
            <dt>{move || t(Msg::GatewayIpAddress)}</dt>
            <dd><span class="mono">{e.gateway_ip.ip.to_string()}</span>" ("{move || t(i18n::role(e.gateway_ip.role))}")"</dd>
        </dl>
        {not_pending.then(|| view! {
            <p class="notice">{move || t(Msg::NoLongerPending)}</p>
        })}
        <h3>{move || t(Msg::AffectedResources)}</h3>
        <p class="summary" id="om-summary"><strong>{summary}</strong></p>
        {if d.affected.is_empty() {
            view! { <p class="muted">{move || t(Msg::NothingAffected)}</p> }.into_any()
        } else {
            view! {
                <div class="affected-scroll" tabindex="0" role="region" aria-label=move || t(Msg::AffectedResources)>
                <table class="affected">
                    <caption class="visually-hidden">{move || t(Msg::AffectedCaption)}</caption>
                    <thead><tr>
                        <th scope="col">{move || t(Msg::ColResource)}</th>
                        <th scope="col">{move || t(Msg::ColIpAndCgw)}</th>
                        <th scope="col">{move || t(Msg::ColState)}</th>
                        <th scope="col">{move || t(Msg::ColImpact)}</th>
                        <th scope="col">{move || t(Msg::ColInterruption)}</th>
                        <th scope="col">{move || t(Msg::ColRecommendation)}</th>
                    </tr></thead>
                    <tbody>
                        {d.affected.into_iter().map(|item| affected_row(ctx, item)).collect_view()}
                    </tbody>
                </table>
                </div>
            }.into_any()
        }}
        <details class="log" on:toggle=move |ev| {
            use wasm_bindgen::JsCast;
            let open = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()).is_some_and(|d| d.open());
            log_open.set(open);
        }>
            <summary>{move || t(Msg::EventLog)}</summary>
            {move || match log.get() {
                None | Some(Ok(None)) => view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e.message(ctx.lang.get_untracked())}</p> }.into_any(),
                Some(Ok(Some(entries))) => view! {
                    <ol>
                        {entries.into_iter().map(|en| view! {
                            <li>{ctx.time(en.at)}" · "{en.action}" · "{en.actor}
                                {en.from.map(|f| format!(" · from {f}"))}{en.to.map(|t| format!(" to {t}"))}</li>
                        }).collect_view()}
                    </ol>
                }.into_any(),
            }}
        </details>
    }
}

fn affected_row(ctx: Ctx, item: AffectedItem) -> impl IntoView {
    let t = move |m| ctx.t(m);
    let lang = move || ctx.lang.get();
    match item {
        AffectedItem::Tunnel {
            id, connection_id, connection_name, index, gateway_ip, customer_gateway, state,
            effect, max_interruption_s, recommendation_key, ..
        } => view! {
            <tr class=format!("effect-{}", effect.as_str())>
                <td><div>{move || format!("{} {index}", t(Msg::Tunnel))}<span class="mono">" "{id.to_string()}</span></div>
                    <div class="label">{connection_name}" · "<span class="mono">{connection_id.to_string()}</span></div></td>
                <td><span class="mono">{gateway_ip.to_string()}</span>" ↔ "
                    <span class="mono">{format!("{} ({})", customer_gateway.id, customer_gateway.ip)}</span></td>
                <td>{move || t(if state == vpn_console_domain::TunnelState::Available { Msg::Available } else { Msg::Unavailable })}</td>
                <td><span class=format!("badge {}", effect.as_str())>{move || t(i18n::effect(effect))}</span></td>
                <td>{move || i18n::duration(lang(), max_interruption_s)}</td>
                <td class="recommendation">{move || t(i18n::recommendation(recommendation_key))}</td>
            </tr>
        }.into_any(),
        AffectedItem::SslClients { gateway_id, count, effect, max_interruption_s, recommendation_key, .. } => view! {
            <tr class="effect-disconnect">
                <td><div>{format!("{count} ")}{move || t(Msg::ColSslClients)}</div><div class="label mono">{gateway_id.to_string()}</div></td>
                <td>"—"</td>
                <td>{move || t(Msg::Connected)}</td>
                <td><span class="badge disconnect">{move || t(i18n::effect(effect))}</span></td>
                <td>{move || if count == 0 { t(Msg::DurNone).to_owned() } else { format!("{} {}", t(Msg::UpTo), i18n::duration(lang(), max_interruption_s)) }}</td>
                <td class="recommendation">{move || t(i18n::recommendation(recommendation_key))}</td>
            </tr>
        }.into_any(),
    }
}
