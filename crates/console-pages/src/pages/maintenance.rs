//! Maintenance settings (DESIGN.md 10.3): the account's maintenance window and its freeze
//! periods. Before the window is saved a preview shows which events it would move where; Save
//! is a click of its own, enabled only for the values previewed (any edit disables it again).
//! Viewers see it all read-only (the server refuses their writes anyway). Nothing here is
//! fetched until the page is opened.
//!
//! The inputs are bound to signals and only their properties change while the user types, so
//! the focus stays where it is when an answer arrives. The signals outlive the page: mounted
//! again in the same place (a language, zone, region or session switch), it shows what was typed
//! and loaded rather than reading it again.

use std::cell::RefCell;

use leptos::prelude::*;
use leptos::task::spawn_local;
use vpn_console_core::api::planning::{self as plan_api, Refused, WindowMove};
use vpn_console_core::i18n::{day_name, Msg, DAYS};
use vpn_console_core::time::{browser_offset_at, parse_input};
use vpn_console_domain::planning::{FreezePeriod, FreezePeriodSpec, MaintenanceWindowSpec};

use super::{use_page, PageCtx};

/// A refusal: the request field it names (when any) and its message.
type Failure = (Option<String>, String);

const WINDOW_FIELDS: [&str; 4] = ["time_zone", "days", "start", "duration_minutes"];
const FREEZE_FIELDS: [&str; 3] = ["starts_at", "ends_at", "reason"];

/// The window as the form holds it; the duration as typed.
#[derive(Clone, Copy)]
struct WindowForm {
    zone: RwSignal<String>,
    days: RwSignal<Vec<String>>,
    start: RwSignal<String>,
    duration: RwSignal<String>,
}

impl WindowForm {
    fn set(&self, w: MaintenanceWindowSpec) {
        self.zone.set(w.time_zone);
        self.days.set(w.days);
        self.start.set(w.start);
        self.duration.set(w.duration_minutes.to_string());
    }

    fn spec(&self) -> MaintenanceWindowSpec {
        MaintenanceWindowSpec {
            time_zone: self.zone.get().trim().to_owned(),
            // In the week's order, whatever the order of the clicks.
            days: self.days.with(|on| {
                DAYS.iter()
                    .filter(|d| on.iter().any(|x| x == *d))
                    .map(|d| (*d).to_owned())
                    .collect()
            }),
            start: self.start.get().trim().to_owned(),
            // A number the browser cannot read is sent as 0, so the server names the field.
            duration_minutes: self.duration.get().trim().parse().unwrap_or(0),
        }
    }
}

/// Everything the page shows, shared by its parts.
#[derive(Clone, Copy)]
struct Settings {
    page: PageCtx,
    /// `Some(Ok(false))`: loaded, the account has no window.
    window: RwSignal<Option<Result<bool, String>>>,
    form: WindowForm,
    previewed: RwSignal<Option<(MaintenanceWindowSpec, Vec<WindowMove>)>>,
    saved: RwSignal<Option<Vec<WindowMove>>>,
    removed: RwSignal<bool>,
    window_error: RwSignal<Option<Failure>>,
    freezes: RwSignal<Option<Result<Vec<FreezePeriod>, String>>>,
    freeze_form: [RwSignal<String>; 3],
    freeze_error: RwSignal<Option<Failure>>,
    confirming: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    /// The browser's IANA zones, for the zone's suggestions.
    zones: StoredValue<Vec<String>>,
}

impl Settings {
    fn failure(&self, r: Refused) -> Failure {
        (r.field, r.error.message(self.page.lang))
    }

    /// Whether a change may start now (one at a time, and never a viewer's).
    fn may_act(&self) -> bool {
        self.page.can_change() && !self.busy.get_untracked()
    }

    fn load_window(self) {
        spawn_local(async move {
            let answer = plan_api::window().await;
            let loaded = match answer {
                Ok(w) => Ok(w.map(|w| self.form.set(w)).is_some()),
                Err(e) => Err(e.message(self.page.lang)),
            };
            let _ = self.window.try_set(Some(loaded));
        });
    }

    fn load_freezes(self) {
        spawn_local(async move {
            let answer = plan_api::freezes().await;
            let _ = self
                .freezes
                .try_set(Some(answer.map_err(|e| e.message(self.page.lang))));
        });
    }

    fn preview(self) {
        if !self.may_act() {
            return;
        }
        let spec = self.form.spec();
        self.window_error.set(None);
        self.saved.set(None);
        self.removed.set(false);
        self.busy.set(true);
        spawn_local(async move {
            let answer = plan_api::preview_window(&spec).await;
            let _ = self.busy.try_set(false);
            match answer {
                Ok(moves) => drop(self.previewed.try_set(Some((spec, moves)))),
                Err(e) => drop(self.window_error.try_set(Some(self.failure(e)))),
            }
        });
    }

    /// Saves the window (`save`) or removes it.
    fn save_or_remove(self, save: bool) {
        if !self.may_act() {
            return;
        }
        let spec = self.form.spec();
        self.window_error.set(None);
        self.busy.set(true);
        spawn_local(async move {
            let answer = if save {
                plan_api::save_window(&spec).await.map(Some)
            } else {
                plan_api::remove_window()
                    .await
                    .map(|()| None)
                    .map_err(Refused::from)
            };
            let _ = self.busy.try_set(false);
            match answer {
                Ok(moved) => {
                    let _ = self.window.try_set(Some(Ok(moved.is_some())));
                    let _ = self.removed.try_set(moved.is_none());
                    let _ = self.saved.try_set(moved);
                    let _ = self.previewed.try_set(None);
                }
                Err(e) => drop(self.window_error.try_set(Some(self.failure(e)))),
            }
        });
    }

    fn add_freeze(self) {
        if !self.may_act() {
            return;
        }
        let (zone, lang) = (self.page.zone, self.page.lang);
        let read = |field: &str, v: &str| {
            parse_input(v, zone, browser_offset_at)
                .map_err(|e| (Some(field.to_owned()), e.message(lang)))
        };
        let [a, b, reason] = self.freeze_form.map(|s| s.get_untracked());
        let spec = match (read("starts_at", &a), read("ends_at", &b)) {
            (Ok(starts_at), Ok(ends_at)) => FreezePeriodSpec {
                starts_at,
                ends_at,
                reason: reason.trim().to_owned(),
            },
            (Err(e), _) | (_, Err(e)) => return self.freeze_error.set(Some(e)),
        };
        self.freeze_error.set(None);
        self.busy.set(true);
        spawn_local(async move {
            let answer = plan_api::add_freeze(&spec).await;
            let _ = self.busy.try_set(false);
            match answer {
                Ok(()) => {
                    for s in self.freeze_form {
                        let _ = s.try_set(String::new());
                    }
                }
                Err(e) => drop(self.freeze_error.try_set(Some(self.failure(e)))),
            }
            self.load_freezes();
        });
    }

    fn delete_freeze(self, id: String) {
        if !self.may_act() {
            return;
        }
        self.busy.set(true);
        spawn_local(async move {
            let answer = plan_api::delete_freeze(id).await;
            let _ = self.busy.try_set(false);
            let _ = self.confirming.try_set(None);
            if let Err(e) = answer {
                let _ = self.freeze_error.try_set(Some(self.failure(e.into())));
            }
            self.load_freezes();
        });
    }
}

thread_local! {
    /// The settings of the page mounted last, under an owner of their own so that they outlive
    /// it.
    static KEPT: RefCell<Option<(Owner, Settings)>> = const { RefCell::new(None) };
}

#[component]
pub fn MaintenancePage() -> impl IntoView {
    let page = use_page();
    let t = move |m| page.t(m);
    let kept = KEPT.with(|k| k.borrow().as_ref().map(|(_, s)| *s));
    let s = match kept.filter(|_| page.mounted_again()) {
        Some(s) => Settings { page, ..s },
        None => {
            let owner = Owner::new_root(None);
            let s = owner.with(|| new_settings(page));
            // The previous page's signals go with their owner.
            KEPT.with(|k| *k.borrow_mut() = Some((owner, s)));
            s.load_window();
            s.load_freezes();
            s
        }
    };
    let zones = s.zones;
    let can = page.can_change();
    view! {
        <h1>{t(Msg::Maintenance)}</h1>
        <p class="muted">{t(Msg::MaintenanceIntro)}</p>
        {(!can).then(|| view! { <p class="notice" id="settings-read-only">{t(Msg::ViewerSettings)}</p> })}
        <section aria-labelledby="window-title">
            <h2 id="window-title">{t(Msg::MaintenanceWindow)}</h2>
            {move || match s.window.get() {
                None => status("muted", None, t(Msg::LoadingSettings).to_owned()).into_any(),
                Some(Err(e)) => status("error", None, e).into_any(),
                Some(Ok(has)) => view! {
                    {(!has).then(|| status("empty", Some("no-window"), t(Msg::NoWindow).to_owned()))}
                    // A viewer has nothing to fill in when there is no window.
                    {(has || can).then(|| window_form(s, has, zones))}
                }
                .into_any(),
            }}
            {move || s.previewed.with(|p| p.as_ref().map(|(_, moves)| view! {
                <div id="mw-preview-moves">
                    <h3>{t(Msg::WouldMove)}</h3>
                    {moves_table(page, moves)}
                </div>
            }))}
            {move || s.saved.with(|m| m.as_ref().map(|moves| view! {
                <div id="mw-saved-moves" role="status">
                    <h3>{t(Msg::MovedEvents)}</h3>
                    {moves_table(page, moves)}
                </div>
            }))}
            {move || s.removed.get().then(|| status("notice", Some("mw-removed"), t(Msg::WindowRemoved).to_owned()))}
        </section>
        <section aria-labelledby="freeze-title">
            <h2 id="freeze-title">{t(Msg::FreezePeriods)}</h2>
            {move || freeze_list(s)}
            {can.then(|| freeze_form(s))}
        </section>
    }
}

fn new_settings(page: PageCtx) -> Settings {
    let (zones, own_zone) = browser_zones();
    Settings {
        page,
        window: RwSignal::new(None),
        form: WindowForm {
            zone: RwSignal::new(own_zone),
            days: RwSignal::new(vec!["sat".into(), "sun".into()]),
            start: RwSignal::new("02:00".into()),
            duration: RwSignal::new("240".into()),
        },
        previewed: RwSignal::new(None),
        saved: RwSignal::new(None),
        removed: RwSignal::new(false),
        window_error: RwSignal::new(None),
        freezes: RwSignal::new(None),
        freeze_form: Default::default(),
        freeze_error: RwSignal::new(None),
        confirming: RwSignal::new(None),
        busy: RwSignal::new(false),
        zones: StoredValue::new(zones),
    }
}

/// A message in the page's flow; an error is announced at once.
fn status(class: &'static str, id: Option<&'static str>, text: String) -> impl IntoView {
    let role = if class == "error" { "alert" } else { "status" };
    view! { <p class=class id=id role=role>{text}</p> }
}

/// The message of a refusal that names `field`.
fn field_message(error: RwSignal<Option<Failure>>, field: &'static str) -> Memo<Option<String>> {
    Memo::new(move |_| {
        error.with(|e| match e {
            Some((Some(f), m)) if f == field => Some(m.clone()),
            _ => None,
        })
    })
}

/// The error next to `field`, when the refusal names it.
fn field_error(message: Memo<Option<String>>, field: &'static str) -> impl IntoView {
    move || {
        message.get().map(|m| {
            view! { <span class="error field-error" id=format!("error-{field}") role="alert">{m}</span> }
        })
    }
}

/// The refusal that names none of `fields`.
fn general_error(
    error: RwSignal<Option<Failure>>,
    fields: &'static [&'static str],
) -> impl IntoView {
    move || {
        error.get().and_then(|(f, m)| {
            f.as_deref()
                .is_none_or(|f| !fields.contains(&f))
                .then(|| status("error", None, m))
        })
    }
}

/// A labelled input bound to `value`, then its error; the input says whether it is the one
/// refused.
#[allow(clippy::too_many_arguments)] // the attributes of one input
fn input(
    error: RwSignal<Option<Failure>>,
    field: &'static str,
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    value: RwSignal<String>,
    list: Option<&'static str>,
    bounds: [Option<&'static str>; 4],
) -> impl IntoView {
    let message = field_message(error, field);
    let [min, max, step, maxlength] = bounds;
    view! {
        <label>
            {label}
            <input id=id type=kind list=list autocomplete=list.map(|_| "off") min=min max=max
                step=step maxlength=maxlength
                aria-invalid=move || if message.with(Option::is_some) { "true" } else { "false" }
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        </label>
        {field_error(message, field)}
    }
}

fn window_form(s: Settings, has: bool, zones: StoredValue<Vec<String>>) -> impl IntoView {
    let page = s.page;
    let t = move |m| page.t(m);
    let can = page.can_change();
    let f = s.form;
    let e = s.window_error;
    let ready = move || {
        s.previewed
            .with(|p| p.as_ref().is_some_and(|(p, _)| *p == f.spec()))
    };
    let days = DAYS
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let d: &'static str = d;
            view! {
                <label class="check">
                    <input type="checkbox" id=format!("mw-day-{d}") name="days" value=d
                        prop:checked=move || f.days.with(|days| days.iter().any(|x| x == d))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            f.days.update(|days| {
                                days.retain(|x| x != d);
                                if on {
                                    days.push(d.to_owned());
                                }
                            });
                        }/>
                    {day_name(page.lang, i)}
                </label>
            }
        })
        .collect_view();
    view! {
        <form class="settings-form" id="window-form" novalidate
            // Any edit makes the preview stale: Save waits for a new one.
            on:input=move |_| s.previewed.set(None)
            on:submit=move |ev| {
                ev.prevent_default();
                s.preview();
            }>
            <fieldset class="plain" disabled=!can>
                {input(e, "time_zone", "mw-zone", t(Msg::TimeZone), "text", f.zone, Some("mw-zones"), [None; 4])}
                <datalist id="mw-zones">
                    {zones.get_value().into_iter().map(|z| view! { <option value=z></option> }).collect_view()}
                </datalist>
                <fieldset class="days">
                    <legend>{t(Msg::Days)}</legend>
                    {days}
                </fieldset>
                {field_error(field_message(e, "days"), "days")}
                {input(e, "start", "mw-start", t(Msg::StartTime), "time", f.start, None, [None, None, Some("60"), None])}
                {input(e, "duration_minutes", "mw-duration", t(Msg::DurationMinutes), "number", f.duration, None,
                    [Some("60"), Some("1440"), Some("1"), None])}
            </fieldset>
            {can.then(|| view! {
                <div class="actions">
                    <button type="submit" id="mw-preview" disabled=move || s.busy.get()>{t(Msg::Preview)}</button>
                    <button type="button" class="primary" id="mw-save" disabled=move || s.busy.get() || !ready()
                        on:click=move |_| s.save_or_remove(true)>{t(Msg::SaveWindow)}</button>
                    {has.then(|| view! {
                        <button type="button" class="danger" id="mw-remove" disabled=move || s.busy.get()
                            on:click=move |_| s.save_or_remove(false)>{t(Msg::RemoveWindow)}</button>
                    })}
                </div>
                <p class="muted" id="mw-preview-first">{move || if ready() { "" } else { t(Msg::PreviewFirst) }}</p>
            })}
            {general_error(e, &WINDOW_FIELDS)}
        </form>
    }
}

fn moves_table(page: PageCtx, moves: &[WindowMove]) -> AnyView {
    let t = move |m| page.t(m);
    if moves.is_empty() {
        return status("empty", None, t(Msg::NothingMoves).to_owned()).into_any();
    }
    let rows = moves
        .iter()
        .map(|m| {
            let fit = (m.window_fit == Some(false)).then(|| format!(" ({})", t(Msg::NoFit)));
            view! {
                <tr>
                    <td class="mono">{m.event_id.to_string()}</td>
                    <td>{page.time(m.from)}</td>
                    <td>{page.time(m.to)}{fit}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="list">
            <thead><tr>
                <th scope="col">{t(Msg::ColEvent)}</th>
                <th scope="col">{t(Msg::ColFrom)}</th>
                <th scope="col">{t(Msg::ColTo)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn freeze_list(s: Settings) -> AnyView {
    let page = s.page;
    let t = move |m| page.t(m);
    let can = page.can_change();
    let list = match s.freezes.get() {
        None => return status("muted", None, t(Msg::LoadingSettings).to_owned()).into_any(),
        Some(Err(e)) => return status("error", None, e).into_any(),
        Some(Ok(list)) if list.is_empty() => {
            return status("empty", Some("no-freezes"), t(Msg::NoFreezes).to_owned()).into_any()
        }
        Some(Ok(list)) => list,
    };
    let rows = list
        .into_iter()
        .map(|f| {
            let id = StoredValue::new(f.id);
            let confirming = move || s.confirming.with(|c| id.with_value(|id| c.as_ref() == Some(id)));
            let actions = can.then(|| {
                view! {
                    <td class="actions">
                        {move || if confirming() {
                            view! {
                                <span role="alert">{t(Msg::ConfirmDelete)}</span>" "
                                <button type="button" class="danger" id="fz-yes"
                                    on:click=move |_| s.delete_freeze(id.get_value())>{t(Msg::YesDelete)}</button>
                                <button type="button" on:click=move |_| {
                                    if s.may_act() {
                                        s.confirming.set(None)
                                    }
                                }>{t(Msg::KeepIt)}</button>
                            }
                            .into_any()
                        } else {
                            view! {
                                <button type="button" id=format!("fz-del-{}", id.get_value()) on:click=move |_| {
                                    if s.may_act() {
                                        s.confirming.set(Some(id.get_value()))
                                    }
                                }>{t(Msg::Delete)}</button>
                            }
                            .into_any()
                        }}
                    </td>
                }
            });
            view! {
                <tr>
                    <td>{page.time(f.starts_at)}</td>
                    <td>{page.time(f.ends_at)}</td>
                    <td>{f.reason}</td>
                    {actions}
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="list" id="freeze-table">
            <caption class="visually-hidden">{t(Msg::FreezePeriods)}</caption>
            <thead><tr>
                <th scope="col">{t(Msg::StartsAt)}</th>
                <th scope="col">{t(Msg::EndsAt)}</th>
                <th scope="col">{t(Msg::FreezeReason)}</th>
                {can.then(|| view! { <th scope="col">{t(Msg::ColActions)}</th> })}
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn freeze_form(s: Settings) -> impl IntoView {
    let page = s.page;
    let t = move |m| page.t(m);
    let e = s.freeze_error;
    let [a, b, r] = s.freeze_form;
    let minute = [None, None, Some("60"), None];
    view! {
        <form class="settings-form" id="freeze-form" novalidate on:submit=move |ev| {
            ev.prevent_default();
            s.add_freeze();
        }>
            {input(e, "starts_at", "fz-starts", t(Msg::StartsAt), "datetime-local", a, None, minute)}
            {input(e, "ends_at", "fz-ends", t(Msg::EndsAt), "datetime-local", b, None, minute)}
            {input(e, "reason", "fz-reason", t(Msg::FreezeReason), "text", r, None, [None, None, None, Some("200")])}
            <button type="submit" class="primary" id="fz-add" disabled=move || s.busy.get()>{t(Msg::AddFreeze)}</button>
            {general_error(e, &FREEZE_FIELDS)}
        </form>
    }
}

/// The browser's IANA zones (`Intl.supportedValuesOf`), and its own zone.
fn browser_zones() -> (Vec<String>, String) {
    use js_sys::{Array, Function, Intl, Object, Reflect};
    use wasm_bindgen::JsCast;
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).unwrap_or_default();
    let zones = Reflect::get(&intl, &"supportedValuesOf".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call1(&intl, &"timeZone".into()).ok())
        .map(|list| {
            Array::from(&list)
                .iter()
                .filter_map(|z| z.as_string())
                .collect()
        })
        .unwrap_or_default();
    let own = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
    let own = Reflect::get(&own, &"timeZone".into())
        .ok()
        .and_then(|z| z.as_string())
        .unwrap_or_else(|| "UTC".to_owned());
    (zones, own)
}
