//! Maintenance settings (DESIGN.md 10.3): the account's maintenance window and its freeze
//! periods. Before the window is saved a preview shows which events it would move where; Save
//! is a click of its own, enabled only for the values previewed. Viewers see it all read-only
//! (the server refuses their writes anyway). Nothing here is fetched until the page is opened.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vpn_console_domain::planning::{FreezePeriod, FreezePeriodSpec, MaintenanceWindowSpec};

use crate::api::planning::{self as plan_api, Refused, WindowMove};
use crate::api::CallError;
use crate::i18n::Msg;
use crate::state::Ctx;
use crate::time::{browser_offset_at, parse_input};

const DAYS: [(&str, Msg); 7] = [
    ("mon", Msg::DayMon),
    ("tue", Msg::DayTue),
    ("wed", Msg::DayWed),
    ("thu", Msg::DayThu),
    ("fri", Msg::DayFri),
    ("sat", Msg::DaySat),
    ("sun", Msg::DaySun),
];

#[component]
pub fn MaintenancePage() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    view! {
        <h1>{move || t(Msg::Maintenance)}</h1>
        <p class="muted">{move || t(Msg::MaintenanceIntro)}</p>
        {move || (!ctx.can_change()).then(|| view! { <p class="notice" id="settings-read-only">{t(Msg::ViewerSettings)}</p> })}
        <WindowSection/>
        <FreezeSection/>
    }
}

/// The browser's IANA zones (`Intl.supportedValuesOf`) and its own zone.
fn browser_zones() -> (Vec<String>, String) {
    use js_sys::{Array, Function, Intl, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).unwrap_or(JsValue::UNDEFINED);
    let list = Reflect::get(&intl, &"supportedValuesOf".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call1(&intl, &"timeZone".into()).ok())
        .map(|a| Array::from(&a).iter().filter_map(|z| z.as_string()).collect())
        .unwrap_or_default();
    let own = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
    let own = Reflect::get(&own, &"timeZone".into())
        .ok()
        .and_then(|z| z.as_string())
        .unwrap_or_else(|| "UTC".to_owned());
    (list, own)
}

/// The refusal's message when it names `field`.
fn field_error(ctx: Ctx, refused: RwSignal<Option<Refused>>, field: &'static str) -> impl IntoView {
    move || {
        refused.with(|r| {
            r.as_ref()
                .filter(|r| r.field.as_deref() == Some(field))
                .map(|r| {
                    let id = format!("error-{field}");
                    view! { <span class="error field-error" id=id role="alert">{r.error.message(ctx.lang.get_untracked())}</span> }
                })
        })
    }
}

/// The refusal's message when it names no field shown here.
fn other_error(
    ctx: Ctx,
    refused: RwSignal<Option<Refused>>,
    fields: &'static [&'static str],
) -> impl IntoView {
    move || {
        refused.with(|r| {
            r.as_ref()
                .filter(|r| r.field.as_deref().is_none_or(|f| !fields.contains(&f)))
                .map(|r| view! { <p class="error" role="alert">{r.error.message(ctx.lang.get_untracked())}</p> })
        })
    }
}

fn moves_table(ctx: Ctx, id: &'static str, moves: Vec<WindowMove>) -> impl IntoView {
    let t = move |m| ctx.t(m);
    if moves.is_empty() {
        return view! { <p class="empty" id=id>{move || t(Msg::NothingMoves)}</p> }.into_any();
    }
    view! {
        <table class="list" id=id>
            <thead><tr>
                <th scope="col">{move || t(Msg::ColEvent)}</th>
                <th scope="col">{move || t(Msg::ColFrom)}</th>
                <th scope="col">{move || t(Msg::ColTo)}</th>
            </tr></thead>
            <tbody>
                {moves.into_iter().map(|m| view! {
                    <tr>
                        <td class="mono">{m.event_id.clone()}</td>
                        <td>{move || ctx.time(m.from)}</td>
                        <td>{move || ctx.time(m.to)}{move || (m.window_fit == Some(false)).then(|| format!(" ({})", t(Msg::NoFit)))}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn WindowSection() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let (zones, own_zone) = browser_zones();
    let loaded = RwSignal::new(None::<Result<bool, CallError>>);
    let zone = RwSignal::new(own_zone);
    let days = RwSignal::new(vec!["sat", "sun"]);
    let start = RwSignal::new("02:00".to_owned());
    let duration = RwSignal::new("240".to_owned());
    let fill = move |w: MaintenanceWindowSpec| {
        zone.set(w.time_zone);
        days.set(
            DAYS.iter()
                .map(|(d, _)| *d)
                .filter(|d| w.days.iter().any(|x| x == d))
                .collect(),
        );
        start.set(w.start);
        duration.set(w.duration_minutes.to_string());
    };
    spawn_local(async move {
        let answer = plan_api::window().await;
        let _ = loaded.try_set(Some(answer.map(|w| {
            let has = w.is_some();
            if let Some(w) = w {
                fill(w);
            }
            has
        })));
    });
    // A number the browser cannot read is sent as 0, so the server names the field.
    let spec = Memo::new(move |_| MaintenanceWindowSpec {
        time_zone: zone.get().trim().to_owned(),
        days: days.get().iter().map(|d| d.to_string()).collect(),
        start: start.get().trim().to_owned(),
        duration_minutes: duration.with(|d| d.trim().parse().unwrap_or(0)),
    });
    let previewed = RwSignal::new(None::<(MaintenanceWindowSpec, Vec<WindowMove>)>);
    let saved = RwSignal::new(None::<Vec<WindowMove>>);
    let removed = RwSignal::new(false);
    let refused = RwSignal::new(None::<Refused>);
    let busy = RwSignal::new(false);
    let can = move || ctx.can_change();
    let ready = move || {
        previewed.with(|p| p.as_ref().is_some_and(|(s, _)| spec.with(|c| c == s)))
    };
    let begin = move || {
        refused.set(None);
        saved.set(None);
        removed.set(false);
        busy.set(true);
    };
    let preview = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        begin();
        let s = spec.get_untracked();
        spawn_local(async move {
            match plan_api::preview_window(&s).await {
                Ok(moves) => previewed.set(Some((s, moves))),
                Err(e) => {
                    previewed.set(None);
                    refused.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    let save = move |_| {
        begin();
        let s = spec.get_untracked();
        spawn_local(async move {
            match plan_api::save_window(&s).await {
                Ok(moves) => {
                    previewed.set(None);
                    saved.set(Some(moves));
                    loaded.set(Some(Ok(true)));
                }
                Err(e) => refused.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let remove = move |_| {
        begin();
        spawn_local(async move {
            match plan_api::remove_window().await {
                Ok(()) => {
                    previewed.set(None);
                    removed.set(true);
                    loaded.set(Some(Ok(false)));
                }
                Err(e) => refused.set(Some(e.into())),
            }
            busy.set(false);
        });
    };
    let edited = move || previewed.set(None);
    let invalid = move |f: &'static str| {
        move || refused.with(|r| r.as_ref().is_some_and(|r| r.field.as_deref() == Some(f)))
    };
    const FIELDS: &[&str] = &["time_zone", "days", "start", "duration_minutes"];
    view! {
        <section aria-labelledby="window-title">
            <h2 id="window-title">{move || t(Msg::MaintenanceWindow)}</h2>
            {move || match loaded.get() {
                None => Some(view! { <p class="muted" role="status">{t(Msg::LoadingSettings)}</p> }.into_any()),
                Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.message(ctx.lang.get_untracked())}</p> }.into_any()),
                Some(Ok(false)) => Some(view! { <p class="empty" id="no-window">{t(Msg::NoWindow)}</p> }.into_any()),
                Some(Ok(true)) => None,
            }}
            <form class="settings-form" id="window-form" novalidate on:submit=preview
                style:display=move || if matches!(loaded.get(), Some(Ok(_))) { "" } else { "none" }>
                <fieldset disabled=move || !can()>
                    <label>{move || t(Msg::TimeZone)}
                        <input type="text" id="mw-zone" list="mw-zones" autocomplete="off" prop:value=zone
                            aria-invalid=invalid("time_zone")
                            on:input=move |ev| { zone.set(event_target_value(&ev)); edited(); }/>
                    </label>
                    {field_error(ctx, refused, "time_zone")}
                    <datalist id="mw-zones">
                        {zones.into_iter().map(|z| view! { <option value=z></option> }).collect_view()}
                    </datalist>
                    <fieldset class="days" aria-invalid=invalid("days")>
                        <legend>{move || t(Msg::Days)}</legend>
                        {DAYS.iter().map(|&(day, name)| view! {
                            <label class="check">
                                <input type="checkbox" name="days" value=day prop:checked=move || days.with(|d| d.contains(&day))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        days.update(|d| {
                                            d.retain(|x| *x != day);
                                            if on { d.push(day); }
                                            d.sort_by_key(|x| DAYS.iter().position(|(n, _)| n == x));
                                        });
                                        edited();
                                    }/>
                                {move || t(name)}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    {field_error(ctx, refused, "days")}
                    <label>{move || t(Msg::StartTime)}
                        <input type="time" id="mw-start" step="60" prop:value=start aria-invalid=invalid("start")
                            on:input=move |ev| { start.set(event_target_value(&ev)); edited(); }/>
                    </label>
                    {field_error(ctx, refused, "start")}
                    <label>{move || t(Msg::DurationMinutes)}
                        <input type="number" id="mw-duration" min="60" max="1440" step="1" prop:value=duration
                            aria-invalid=invalid("duration_minutes")
                            on:input=move |ev| { duration.set(event_target_value(&ev)); edited(); }/>
                    </label>
                    {field_error(ctx, refused, "duration_minutes")}
                </fieldset>
                {move || can().then(|| view! {
                    <div class="actions">
                        <button type="submit" id="mw-preview" disabled=move || busy.get()>{t(Msg::Preview)}</button>
                        <button type="button" class="primary" id="mw-save" disabled=move || busy.get() || !ready()
                            on:click=save>{t(Msg::SaveWindow)}</button>
                        {move || matches!(loaded.get(), Some(Ok(true))).then(|| view! {
                            <button type="button" class="danger" id="mw-remove" disabled=move || busy.get()
                                on:click=remove>{t(Msg::RemoveWindow)}</button>
                        })}
                    </div>
                    <p class="muted" id="mw-preview-first">{move || (!ready()).then(|| t(Msg::PreviewFirst))}</p>
                })}
                {other_error(ctx, refused, FIELDS)}
            </form>
            {move || previewed.get().map(|(_, moves)| view! {
                <h3>{t(Msg::WouldMove)}</h3>
                {moves_table(ctx, "mw-preview-moves", moves)}
            })}
            {move || saved.get().map(|moves| view! {
                <h3 role="status">{t(Msg::MovedEvents)}</h3>
                {moves_table(ctx, "mw-saved-moves", moves)}
            })}
            {move || removed.get().then(|| view! { <p class="notice" role="status">{t(Msg::WindowRemoved)}</p> })}
        </section>
    }
}

#[component]
fn FreezeSection() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let list = RwSignal::new(None::<Result<Vec<FreezePeriod>, CallError>>);
    let reload = move || {
        spawn_local(async move {
            let answer = plan_api::freezes().await;
            let _ = list.try_set(Some(answer));
        })
    };
    reload();
    let starts = RwSignal::new(String::new());
    let ends = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let refused = RwSignal::new(None::<Refused>);
    let confirming = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let input_error = move |field: &str, e: crate::time::InputError| Refused {
        error: CallError::Api {
            status: 0,
            error: vpn_console_domain::api::ApiError {
                code: "invalid_time".into(),
                message: e.message(ctx.lang.get_untracked()),
            },
        },
        field: Some(field.to_owned()),
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        refused.set(None);
        let zone = ctx.zone.get_untracked();
        let read = |field: &str, v: RwSignal<String>| {
            parse_input(&v.get_untracked(), zone, browser_offset_at).map_err(|e| input_error(field, e))
        };
        let spec = match (read("starts_at", starts), read("ends_at", ends)) {
            (Ok(starts_at), Ok(ends_at)) => FreezePeriodSpec {
                starts_at,
                ends_at,
                reason: reason.get_untracked().trim().to_owned(),
            },
            (Err(e), _) | (_, Err(e)) => return refused.set(Some(e)),
        };
        busy.set(true);
        spawn_local(async move {
            match plan_api::add_freeze(&spec).await {
                Ok(_) => {
                    starts.set(String::new());
                    ends.set(String::new());
                    reason.set(String::new());
                    reload();
                }
                Err(e) => refused.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let delete = move |id: String| {
        refused.set(None);
        busy.set(true);
        spawn_local(async move {
            match plan_api::delete_freeze(id).await {
                Ok(()) => {
                    confirming.set(None);
                    reload();
                }
                Err(e) => refused.set(Some(e.into())),
            }
            busy.set(false);
        });
    };
    let text = move |v: RwSignal<String>| move |ev| v.set(event_target_value(&ev));
    const FIELDS: &[&str] = &["starts_at", "ends_at", "reason"];
    view! {
        <section aria-labelledby="freeze-title">
            <h2 id="freeze-title">{move || t(Msg::FreezePeriods)}</h2>
            {move || match list.get() {
                None => view! { <p class="muted" role="status">{t(Msg::LoadingSettings)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message(ctx.lang.get_untracked())}</p> }.into_any(),
                Some(Ok(l)) if l.is_empty() => view! { <p class="empty" id="no-freezes">{t(Msg::NoFreezes)}</p> }.into_any(),
                Some(Ok(l)) => view! {
                    <table class="list" id="freeze-table">
                        <caption class="visually-hidden">{t(Msg::FreezePeriods)}</caption>
                        <thead><tr>
                            <th scope="col">{t(Msg::StartsAt)}</th>
                            <th scope="col">{t(Msg::EndsAt)}</th>
                            <th scope="col">{t(Msg::FreezeReason)}</th>
                            <th scope="col">{t(Msg::ColActions)}</th>
                        </tr></thead>
                        <tbody>
                            {l.into_iter().map(|f| {
                                let (id, id2) = (f.id.clone(), f.id.clone());
                                let asking = move || confirming.with(|c| c.as_deref() == Some(id.as_str()));
                                view! {
                                    <tr>
                                        <td>{move || ctx.time(f.starts_at)}</td>
                                        <td>{move || ctx.time(f.ends_at)}</td>
                                        <td>{f.reason.clone()}</td>
                                        <td class="actions">{move || ctx.can_change().then(|| {
                                            let id = id2.clone();
                                            if asking() {
                                                view! {
                                                    <span role="alert">{t(Msg::ConfirmDelete)}</span>" "
                                                    <button type="button" class="danger" disabled=move || busy.get()
                                                        on:click=move |_| delete(id.clone())>{t(Msg::YesDelete)}</button>
                                                    <button type="button" on:click=move |_| confirming.set(None)>{t(Msg::KeepIt)}</button>
                                                }.into_any()
                                            } else {
                                                view! { <button type="button" on:click=move |_| confirming.set(Some(id.clone()))>{t(Msg::Delete)}</button> }.into_any()
                                            }
                                        })}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
            {move || ctx.can_change().then(|| view! {
                <form class="settings-form" id="freeze-form" novalidate on:submit=add>
                    <label>{t(Msg::StartsAt)}
                        <input type="datetime-local" id="fz-starts" step="60" prop:value=starts on:input=text(starts)/>
                    </label>
                    {field_error(ctx, refused, "starts_at")}
                    <label>{t(Msg::EndsAt)}
                        <input type="datetime-local" id="fz-ends" step="60" prop:value=ends on:input=text(ends)/>
                    </label>
                    {field_error(ctx, refused, "ends_at")}
                    <label>{t(Msg::FreezeReason)}
                        <input type="text" id="fz-reason" maxlength="200" prop:value=reason on:input=text(reason)/>
                    </label>
                    {field_error(ctx, refused, "reason")}
                    <button type="submit" class="primary" disabled=move || busy.get()>{t(Msg::AddFreeze)}</button>
                </form>
            })}
            {other_error(ctx, refused, FIELDS)}
        </section>
    }
}
