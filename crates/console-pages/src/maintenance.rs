//! Maintenance settings (DESIGN.md 10.3): the account's maintenance window and its freeze
//! periods. Before the window is saved a preview shows which events it would move where; Save
//! is a click of its own, enabled only for the values previewed (any edit disables it again).
//! Viewers see it all read-only (the server refuses their writes anyway). Nothing here is
//! fetched until the page is opened.
//!
//! Written as markup from one `State` with one delegated listener per event kind, not as Leptos
//! views (their typed trees cost this page 36 KB gzip); loaded apart from the console's first
//! load (see lib.rs). The page renders again only after an
//! answer or a click, never while typing, and gives the focus back to the control that had it.

use std::cell::RefCell;
use std::fmt::Write;
use std::rc::Rc;

use vpn_console_domain::planning::{FreezePeriod, FreezePeriodSpec, MaintenanceWindowSpec};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlElement, HtmlInputElement};

use crate::api::planning::{self as plan_api, Refused, WindowMove};
use crate::document;
use crate::i18n::DAYS;
use crate::time::{browser_offset_at, parse_input};
use crate::Ctx;

#[path = "maintenance_markup.rs"]
mod markup;
use markup::{esc, markup};

const ROOT: &str = "maintenance";

/// A refusal: the request field it names (when any) and its message.
type Failure = (Option<String>, String);

struct State {
    /// `Some(Ok(false))`: loaded, the account has no window.
    window: Option<Result<bool, String>>,
    form: MaintenanceWindowSpec,
    previewed: Option<(MaintenanceWindowSpec, Vec<WindowMove>)>,
    saved: Option<Vec<WindowMove>>,
    removed: bool,
    window_error: Option<Failure>,
    freezes: Option<Result<Vec<FreezePeriod>, String>>,
    freeze_form: [String; 3],
    freeze_error: Option<Failure>,
    confirming: Option<String>,
    busy: bool,
    zones: String,
}

type Shared = Rc<RefCell<State>>;

thread_local! {
    /// The page mounted last and its state: mounted again into the same root (a language or
    /// zone switch), it renders anew what was typed and loaded.
    static MOUNTED: RefCell<Option<(HtmlElement, Shared)>> = const { RefCell::new(None) };
}

pub fn mount(root: HtmlElement, ctx: Ctx) {
    let again = MOUNTED.with(|m| {
        m.borrow()
            .as_ref()
            .filter(|(r, _)| r.is_same_node(Some(&root)))
            .map(|(_, st)| st.clone())
    });
    let st = again.clone().unwrap_or_else(|| {
        let (zones, own) = browser_zones();
        Rc::new(RefCell::new(State {
            form: MaintenanceWindowSpec {
                time_zone: own,
                days: vec!["sat".into(), "sun".into()],
                start: "02:00".into(),
                duration_minutes: 240,
            },
            zones,
            window: None,
            previewed: None,
            saved: None,
            removed: false,
            window_error: None,
            freezes: None,
            freeze_form: Default::default(),
            freeze_error: None,
            confirming: None,
            busy: false,
        }))
    });
    root.set_id(ROOT);
    // Handler properties, not listeners: mounting again replaces them (with the new `ctx`).
    let s1 = st.clone();
    let submit = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
        ev.prevent_default();
        submitted(ctx, &s1, &ev)
    });
    let s2 = st.clone();
    let click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev| clicked(ctx, &s2, &ev));
    let s3 = st.clone();
    let input = Closure::<dyn Fn(web_sys::Event)>::new(move |ev| edited(&s3, &ev));
    root.set_onsubmit(Some(submit.as_ref().unchecked_ref()));
    root.set_onclick(Some(click.as_ref().unchecked_ref()));
    root.set_oninput(Some(input.as_ref().unchecked_ref()));
    // Kept for the page's life, which is the module's (a few per visit of the page).
    submit.forget();
    click.forget();
    input.forget();
    MOUNTED.with(|m| *m.borrow_mut() = Some((root, st.clone())));
    render(ctx, &st);
    if again.is_none() {
        load_window(ctx, st.clone());
        load_freezes(ctx, st);
    }
}

fn load_window(ctx: Ctx, st: Shared) {
    spawn_local(async move {
        let answer = plan_api::window().await;
        let mut s = st.borrow_mut();
        s.window = Some(match answer {
            Ok(w) => Ok(w.map(|w| s.form = w).is_some()),
            Err(e) => Err(e.message(ctx.lang)),
        });
        drop(s);
        render(ctx, &st);
    });
}

fn load_freezes(ctx: Ctx, st: Shared) {
    spawn_local(async move {
        let answer = plan_api::freezes().await;
        st.borrow_mut().freezes = Some(answer.map_err(|e| e.message(ctx.lang)));
        render(ctx, &st);
    });
}

/// The browser's IANA zones (`Intl.supportedValuesOf`) as datalist options, and its own zone.
fn browser_zones() -> (String, String) {
    use js_sys::{Array, Function, Intl, Object, Reflect};
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).unwrap_or_default();
    let mut options = String::new();
    if let Some(list) = Reflect::get(&intl, &"supportedValuesOf".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call1(&intl, &"timeZone".into()).ok())
    {
        for z in Array::from(&list).iter().filter_map(|z| z.as_string()) {
            let _ = write!(options, "<option value=\"{}\">", esc(&z));
        }
    }
    let own = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
    let own = Reflect::get(&own, &"timeZone".into())
        .ok()
        .and_then(|z| z.as_string())
        .unwrap_or_else(|| "UTC".to_owned());
    (options, own)
}

fn element(id: &str) -> Option<Element> {
    document().get_element_by_id(id)
}

fn value(id: &str) -> String {
    element(id)
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

/// What the user has typed, kept so that a new rendering shows it again.
fn read_forms(s: &mut State) {
    if element("mw-zone").is_some() {
        s.form = MaintenanceWindowSpec {
            time_zone: value("mw-zone").trim().to_owned(),
            days: DAYS
                .iter()
                .filter(|d| {
                    element(&format!("mw-day-{d}"))
                        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
                        .is_some_and(|i| i.checked())
                })
                .map(|d| (*d).to_owned())
                .collect(),
            start: value("mw-start").trim().to_owned(),
            // A number the browser cannot read is sent as 0, so the server names the field.
            duration_minutes: value("mw-duration").trim().parse().unwrap_or(0),
        };
    }
    if element("fz-starts").is_some() {
        s.freeze_form = ["fz-starts", "fz-ends", "fz-reason"].map(value);
    }
}

fn failure(ctx: Ctx, r: Refused) -> Failure {
    (r.field, r.error.message(ctx.lang))
}

fn submitted(ctx: Ctx, st: &Shared, ev: &web_sys::Event) {
    let Some(form) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    let mut s = st.borrow_mut();
    if s.busy || !ctx.can_change() {
        return;
    }
    read_forms(&mut s);
    let st = st.clone();
    if form.id() == "window-form" {
        let spec = s.form.clone();
        s.window_error = None;
        s.saved = None;
        s.removed = false;
        s.busy = true;
        drop(s);
        spawn_local(async move {
            let answer = plan_api::preview_window(&spec).await;
            let mut s = st.borrow_mut();
            s.busy = false;
            match answer {
                Ok(moves) => s.previewed = Some((spec, moves)),
                Err(e) => s.window_error = Some(failure(ctx, e)),
            }
            drop(s);
            render(ctx, &st);
        });
    } else if form.id() == "freeze-form" {
        let zone = ctx.zone;
        let lang = ctx.lang;
        let read = |field: &str, v: &str| {
            parse_input(v, zone, browser_offset_at)
                .map_err(|e| (Some(field.to_owned()), e.message(lang)))
        };
        let [a, b, reason] = s.freeze_form.clone();
        let spec = match (read("starts_at", &a), read("ends_at", &b)) {
            (Ok(starts_at), Ok(ends_at)) => FreezePeriodSpec {
                starts_at,
                ends_at,
                reason: reason.trim().to_owned(),
            },
            (Err(e), _) | (_, Err(e)) => {
                s.freeze_error = Some(e);
                drop(s);
                return render(ctx, &st);
            }
        };
        s.freeze_error = None;
        s.busy = true;
        drop(s);
        spawn_local(async move {
            let answer = plan_api::add_freeze(&spec).await;
            let mut s = st.borrow_mut();
            s.busy = false;
            match answer {
                Ok(_) => {
                    // Cleared in the page too, or the next rendering would read them back.
                    s.freeze_form = Default::default();
                    for id in ["fz-starts", "fz-ends", "fz-reason"] {
                        let input = element(id).and_then(|e| e.dyn_into::<HtmlInputElement>().ok());
                        if let Some(i) = input {
                            i.set_value("");
                        }
                    }
                }
                Err(e) => s.freeze_error = Some(failure(ctx, e)),
            }
            drop(s);
            load_freezes(ctx, st.clone());
        });
    }
}

fn clicked(ctx: Ctx, st: &Shared, ev: &web_sys::MouseEvent) {
    let Some(button) = ev
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|e| e.closest("button[data-act]").ok().flatten())
    else {
        return;
    };
    let act = button.get_attribute("data-act").unwrap_or_default();
    let id = button.get_attribute("data-id").unwrap_or_default();
    let mut s = st.borrow_mut();
    if s.busy || !ctx.can_change() {
        return;
    }
    read_forms(&mut s);
    let st = st.clone();
    match act.as_str() {
        "ask" | "keep" => {
            s.confirming = (act == "ask").then_some(id);
            drop(s);
            render(ctx, &st);
        }
        "save" | "remove" => {
            let spec = s.form.clone();
            s.window_error = None;
            s.busy = true;
            drop(s);
            spawn_local(async move {
                let answer = if act == "save" {
                    plan_api::save_window(&spec).await.map(Some)
                } else {
                    plan_api::remove_window()
                        .await
                        .map(|()| None)
                        .map_err(Refused::from)
                };
                let mut s = st.borrow_mut();
                s.busy = false;
                match answer {
                    Ok(moved) => {
                        s.window = Some(Ok(moved.is_some()));
                        s.removed = moved.is_none();
                        s.saved = moved;
                        s.previewed = None;
                    }
                    Err(e) => s.window_error = Some(failure(ctx, e)),
                }
                drop(s);
                render(ctx, &st);
            });
        }
        "delete" => {
            s.busy = true;
            drop(s);
            spawn_local(async move {
                let answer = plan_api::delete_freeze(id).await;
                let mut s = st.borrow_mut();
                s.busy = false;
                s.confirming = None;
                if let Err(e) = answer {
                    s.freeze_error = Some(failure(ctx, e.into()));
                }
                drop(s);
                load_freezes(ctx, st.clone());
            });
        }
        _ => {}
    }
}

/// Any edit of the window makes the preview stale: Save waits for a new one.
fn edited(st: &Shared, ev: &web_sys::Event) {
    let in_window = ev
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|e| e.closest("#window-form").ok().flatten())
        .is_some();
    if in_window && st.borrow_mut().previewed.take().is_some() {
        for id in ["mw-save", "mw-preview-moves"] {
            if let Some(e) = element(id) {
                let _ = e.set_attribute(
                    if id == "mw-save" {
                        "disabled"
                    } else {
                        "hidden"
                    },
                    "",
                );
            }
        }
    }
}

fn render(ctx: Ctx, st: &Shared) {
    let Some(root) = element(ROOT) else {
        return;
    };
    let Ok(mut s) = st.try_borrow_mut() else {
        return;
    };
    read_forms(&mut s);
    let focused = document().active_element().map(|e| e.id());
    root.set_inner_html(&markup(ctx, &s));
    if let Some(e) = focused
        .filter(|id| !id.is_empty())
        .and_then(|id| element(&id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = e.focus();
    }
}
