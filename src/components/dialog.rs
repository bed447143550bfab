//! The O&M Events dialog: the event, the resources it affects and how, and its execution time.
//! Opening, looking and closing change nothing; only OK (and, for Execute Now, a second
//! confirmation) sends a request.

use chrono::{DateTime, Duration, Utc};
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use vpn_console_domain::api::EventDetail;
use vpn_console_domain::{AffectedItem, Effect as Impact, EventStatus, ExecutionRequest, Summary};

use crate::api::{self, CallError};
use crate::app::Ctx;
use crate::time::{duration_text, format_time, input_value, parse_input, zone_label};

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

/// "3 tunnels fail over, at most under 1 minute; 12 SSL clients disconnect".
pub fn summary_text(s: &Summary) -> String {
    let mut parts = Vec::new();
    let plural = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    if s.tunnels_failover > 0 {
        parts.push(format!(
            "{} fail over",
            plural(s.tunnels_failover, "tunnel", "tunnels")
        ));
    }
    if s.tunnels_interrupted > 0 {
        parts.push(format!(
            "{} interrupted",
            plural(s.tunnels_interrupted, "tunnel", "tunnels")
        ));
    }
    if s.tunnels_unaffected > 0 {
        parts.push(format!(
            "{} not affected",
            plural(s.tunnels_unaffected, "tunnel", "tunnels")
        ));
    }
    let mut text = if parts.is_empty() {
        "No tunnel is affected".to_owned()
    } else {
        parts.join(", ")
    };
    if s.max_interruption_s > 0 {
        text.push_str(&format!(
            ", at most {}",
            duration_text(s.max_interruption_s)
        ));
    }
    if s.ssl_clients > 0 {
        text.push_str(&format!(
            "; {} disconnect",
            plural(s.ssl_clients, "SSL client", "SSL clients")
        ));
    }
    text
}

fn effect_text(e: Impact) -> &'static str {
    match e {
        Impact::Failover => "Fails over",
        Impact::Interruption => "Interrupted",
        Impact::None => "Not affected",
        Impact::Disconnect => "Disconnected",
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
                .map_err(|e| e.to_string()),
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
            .map_err(|e| e.message)
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
                        "This O&M event changed meanwhile; it has been reloaded. Review it and choose again.".to_owned(),
                    ));
                    let _ = step.try_set(Step::Choose);
                    let _ = idempotency_key.try_set(new_idempotency_key());
                    reload();
                }
                Err(e) => {
                    let _ = notice.try_set(Some(e.to_string()));
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

    view! {
        <div class="backdrop" on:click=move |_| on_close.run(())></div>
        <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="om-dialog-title"
            tabindex="-1" node_ref=dialog_ref on:keydown=on_keydown>
            <header>
                <h2 id="om-dialog-title">"O&M Events"</h2>
                <button type="button" class="close" aria-label="Close" on:click=move |_| on_close.run(())>"×"</button>
            </header>
            {move || match loaded.get() {
                None => view! { <p class="muted" role="status">"Loading the O&M event…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                Some(Ok(l)) => view! { <EventBody loaded=l/> }.into_any(),
            }}
            {move || matches!(loaded.get(), Some(Ok(ref l)) if l.detail.event.status == EventStatus::Pending).then(|| {
                let default_at = loaded.with_untracked(|l| match l { Some(Ok(l)) => l.detail.event.default_execute_at, _ => Utc::now() });
                let now_at = loaded.with_untracked(|l| match l { Some(Ok(l)) => l.server_now(), _ => Utc::now() });
                view! {
                    <fieldset class="execution" disabled=move || step.get() == Step::Confirm>
                        <legend>"Execution time"</legend>
                        <label class="radio">
                            <input type="radio" name="om-mode" value="now"
                                prop:checked=move || mode.get() == Mode::Now
                                on:change=move |_| mode.set(Mode::Now)/>
                            "Execute Now"
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
                            "Specify Execution Time"
                        </label>
                        <Show when=move || mode.get() == Mode::At>
                            <div class="time-input">
                                <label for="om-execute-at">
                                    {move || format!("Execution time, {}", zone_label(ctx.zone.get(), default_at))}
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
                                    {move || format!("Between now and the default execution time, {}.", format_time(default_at, ctx.zone.get()))}
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
                    <p>{format!("The request did not reach the server ({m}). Nothing is known to have changed.")}</p>
                </div>
            })}
            {move || (step.get() == Step::Confirm).then(|| {
                let summary = loaded.with_untracked(|l| match l {
                    Some(Ok(l)) => summary_text(&l.detail.summary),
                    _ => String::new(),
                });
                view! {
                    <div class="confirm" role="alertdialog" aria-labelledby="om-confirm-title" aria-describedby="om-confirm-text">
                        <h3 id="om-confirm-title">"Execute this O&M event now?"</h3>
                        <p id="om-confirm-text">{format!("The maintenance starts immediately. {summary}.")}</p>
                    </div>
                }
            })}
            <footer>
                {move || (!can_change()).then(|| view! {
                    <p class="reason" id="om-viewer-reason">"Your role is viewer: you can look at O&M events but not change them."</p>
                })}
                {
                    let submit_ok = submit_ok.clone();
                    move || {
                        let submit_ok = submit_ok.clone();
                        let retry = failed.get().is_some();
                        let confirm = step.get() == Step::Confirm;
                        let label = if retry { "Retry" } else if confirm { "Execute Now" } else { "OK" };
                        view! {
                            <button type="button" class="primary" id="om-ok"
                                disabled=ok_disabled
                                aria-describedby=move || (!can_change()).then_some("om-viewer-reason")
                                on:click=move |_| submit_ok()>
                                {move || if sending.get() { "Sending…".to_owned() } else { label.to_owned() }}
                            </button>
                        }
                    }
                }
                {move || if step.get() == Step::Confirm {
                    view! { <button type="button" on:click=move |_| step.set(Step::Choose)>"Back"</button> }.into_any()
                } else {
                    view! { <button type="button" id="om-cancel" on:click=move |_| on_close.run(())>"Cancel"</button> }.into_any()
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
    let d = loaded.detail;
    let e = d.event.clone();
    let summary = summary_text(&d.summary);
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
            <dt>"Event ID"</dt><dd class="mono" id="om-event-id">{e.id.to_string()}</dd>
            <dt>"Reason"</dt><dd>{e.reason.label()}</dd>
            <dt>"Status"</dt><dd id="om-event-status">{e.status.label()}</dd>
            <dt>"Default execution time"</dt><dd>{move || format_time(e.default_execute_at, ctx.zone.get())}</dd>
            {moved.then(|| view! { <dt>"Scheduled execution time"</dt><dd>{move || format_time(e.execute_at, ctx.zone.get())}</dd> })}
            <dt>"Gateway IP address"</dt>
            <dd><span class="mono">{e.gateway_ip.ip.to_string()}</span>" ("{e.gateway_ip.role.label()}")"</dd>
        </dl>
        {not_pending.then(|| view! {
            <p class="notice">{format!("This event is {}; it can no longer be executed or rescheduled.", e.status.as_str())}</p>
        })}
        <h3>"Affected resources"</h3>
        <p class="summary" id="om-summary"><strong>{summary}</strong></p>
        {if d.affected.is_empty() {
            view! { <p class="muted">"No tunnel or SSL client uses this gateway IP address, so the event does not affect your network."</p> }.into_any()
        } else {
            view! {
                <div class="affected-scroll" tabindex="0" role="region" aria-label="Affected resources">
                <table class="affected">
                    <caption class="visually-hidden">"Resources affected by this O&M event"</caption>
                    <thead><tr>
                        <th scope="col">"Resource"</th>
                        <th scope="col">"Gateway IP / customer gateway"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Impact"</th>
                        <th scope="col">"Longest interruption"</th>
                        <th scope="col">"How to reduce the impact"</th>
                    </tr></thead>
                    <tbody>
                        {d.affected.into_iter().map(affected_row).collect_view()}
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
            <summary>"Event history"</summary>
            {move || match log.get() {
                None | Some(Ok(None)) => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                Some(Ok(Some(entries))) => view! {
                    <ol>
                        {entries.into_iter().map(|en| view! {
                            <li>{format_time(en.at, ctx.zone.get_untracked())}" · "{en.action}" · "{en.actor}
                                {en.from.map(|f| format!(" · from {f}"))}{en.to.map(|t| format!(" to {t}"))}</li>
                        }).collect_view()}
                    </ol>
                }.into_any(),
            }}
        </details>
    }
}

fn affected_row(item: AffectedItem) -> impl IntoView {
    match item {
        AffectedItem::Tunnel {
            id, connection_id, connection_name, index, gateway_ip, customer_gateway, state,
            effect, max_interruption_s, recommendation, ..
        } => view! {
            <tr class=format!("effect-{}", effect.as_str())>
                <td><div>{format!("Tunnel {index}")}<span class="mono">" "{id.to_string()}</span></div>
                    <div class="label">{connection_name}" · "<span class="mono">{connection_id.to_string()}</span></div></td>
                <td><span class="mono">{gateway_ip.to_string()}</span>" ↔ "
                    <span class="mono">{format!("{} ({})", customer_gateway.id, customer_gateway.ip)}</span></td>
                <td>{state.as_str()}</td>
                <td><span class=format!("badge {}", effect.as_str())>{effect_text(effect)}</span></td>
                <td>{duration_text(max_interruption_s)}</td>
                <td class="recommendation">{recommendation}</td>
            </tr>
        }.into_any(),
        AffectedItem::SslClients { gateway_id, count, effect, max_interruption_s, recommendation, .. } => view! {
            <tr class="effect-disconnect">
                <td><div>{format!("{count} SSL clients")}</div><div class="label mono">{gateway_id.to_string()}</div></td>
                <td>"—"</td>
                <td>"connected"</td>
                <td><span class="badge disconnect">{effect_text(effect)}</span></td>
                <td>{if count == 0 { "none".to_owned() } else { format!("for the event, up to {}", duration_text(max_interruption_s)) }}</td>
                <td class="recommendation">{recommendation}</td>
            </tr>
        }.into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reads_like_a_sentence() {
        let s = Summary {
            max_interruption_s: 60,
            tunnels: 3,
            connections: 3,
            ssl_clients: 12,
            tunnels_failover: 3,
            tunnels_interrupted: 0,
            tunnels_unaffected: 0,
        };
        assert_eq!(
            summary_text(&s),
            "3 tunnels fail over, at most under 1 minute; 12 SSL clients disconnect"
        );
        assert_eq!(summary_text(&Summary::default()), "No tunnel is affected");
    }
}
