//! The lazily loaded pages are a second wasm module (crates/console-pages, built to
//! /console-pages.js by scripts/build-console.sh; docs/CONSOLE.md): most visits open none of
//! them, so they stay out of the first load's 300 KB gzip budget. The module is imported the
//! first time one is opened; here are the places it mounts into ([`LazyPage`] for a whole page,
//! the what-if panel, the settings page), with "Loading…" meanwhile and the failure, with a
//! retry, when it cannot be loaded.

use js_sys::{Array, Function, Promise, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::Msg;
use crate::state::Ctx;
use crate::time::Zone;

// One import for the page's life; a failed one is forgotten so that a retry imports again.
#[wasm_bindgen(inline_js = "let loading = null;
export function lazy_pages() {
  if (!loading) {
    loading = import('/console-pages.js').then(async (m) => { await m.default(); return m; });
    loading.catch(() => { loading = null; });
  }
  return loading;
}")]
extern "C" {
    fn lazy_pages() -> Promise;
}

fn describe(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// Calls the module's `name` with `args`, importing the module first if need be.
async fn call(name: &str, args: Vec<JsValue>) -> Result<JsValue, String> {
    let module = JsFuture::from(lazy_pages()).await.map_err(describe)?;
    let f: Function = Reflect::get(&module, &name.into())
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| format!("{name} is missing"))?;
    f.apply(&JsValue::NULL, &Array::from_iter(args))
        .map_err(describe)
}

fn zone_name(zone: Zone) -> &'static str {
    match zone {
        Zone::Utc => "utc",
        Zone::Local => "local",
    }
}

/// "Loading…" until the module is mounted, then nothing; its failure with a retry.
fn status(
    ctx: Ctx,
    state: RwSignal<Option<Result<(), String>>>,
    attempt: RwSignal<u32>,
) -> impl IntoView {
    move || {
        match state.get() {
        None => view! { <p class="muted" role="status">{ctx.t(Msg::LoadingPart)}</p> }.into_any(),
        Some(Ok(())) => ().into_any(),
        Some(Err(e)) => view! {
            <p class="error" role="alert">{ctx.t(Msg::PartFailed)}" ("{e}")"</p>
            <button type="button" on:click=move |_| { state.set(None); attempt.update(|a| *a += 1) }>
                {ctx.t(Msg::Retry)}
            </button>
        }
        .into_any(),
    }
    }
}

/// The Maintenance settings page (DESIGN.md 10.3), mounted again when the language, the zone
/// or the session changes.
#[component]
pub fn MaintenancePage() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let root = NodeRef::<leptos::html::Div>::new();
    let state = RwSignal::new(None::<Result<(), String>>);
    let attempt = RwSignal::new(0u32);
    Effect::new(move |_| {
        attempt.track();
        let (lang, zone, can) = (ctx.lang.get(), ctx.zone.get(), ctx.can_change());
        let Some(el) = root.get() else {
            return;
        };
        spawn_local(async move {
            let args = vec![
                el.into(),
                lang.tag().into(),
                zone_name(zone).into(),
                can.into(),
            ];
            let _ = state.try_set(Some(call("mount_settings", args).await.map(|_| ())));
        });
    });
    view! {
        {status(ctx, state, attempt)}
        <div id="maintenance" node_ref=root></div>
    }
}

/// The dialog's what-if (DESIGN.md 10.1), from the event detail `json` as the server sent it;
/// the module is imported when the panel is first opened. Its content is the module's from
/// then on (a language switch mounts it anew).
#[component]
pub fn WhatIfPanel(json: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let root = NodeRef::<leptos::html::Details>::new();
    let opened = RwSignal::new(false);
    let state = RwSignal::new(None::<Result<(), String>>);
    let attempt = RwSignal::new(0u32);
    let json = StoredValue::new(json);
    Effect::new(move |_| {
        attempt.track();
        let (lang, zone) = (ctx.lang.get(), ctx.zone.get());
        let (true, Some(el)) = (opened.get(), root.get()) else {
            return;
        };
        spawn_local(async move {
            let detail = js_sys::JSON::parse(&json.get_value()).unwrap_or(JsValue::NULL);
            let args = vec![
                el.clone().into(),
                detail,
                lang.tag().into(),
                zone_name(zone).into(),
            ];
            let answer = call("mount_what_if", args).await;
            if answer.as_ref().is_ok_and(|shown| shown.is_falsy()) {
                el.set_hidden(true);
            }
            let _ = state.try_set(Some(answer.map(|_| ())));
        });
    });
    let toggled = move |_| {
        if root.get_untracked().is_some_and(|d| d.open()) {
            opened.set(true);
        }
    };
    view! {
        <details class="what-if" id="om-what-if" node_ref=root on:toggle=toggled>
            <summary>{move || ctx.t(Msg::WhatIfTitle)}</summary>
            {status(ctx, state, attempt)}
        </details>
    }
}

/// A whole page of the lazy module, by its name there (`mount_page`): mounted again when the
/// language, the zone or the session changes, told of every change the live stream reports,
/// and able to open the O&M Events dialog over itself.
#[component]
pub fn LazyPage(name: &'static str) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let live = use_context::<crate::live::Live>();
    let root = NodeRef::<leptos::html::Div>::new();
    let state = RwSignal::new(None::<Result<(), String>>);
    let attempt = RwSignal::new(0u32);
    let open_event = RwSignal::new(None::<String>);
    // The mounted page (the module's `MountedPage`), freed when replaced or when this goes.
    let mounted = StoredValue::new_local(None::<JsValue>);
    let free = move || {
        if let Some(page) = mounted.try_update_value(Option::take).flatten() {
            let _ = call_method(&page, "free");
        }
    };
    let on_open = StoredValue::new_local(Closure::<dyn Fn(String)>::new(move |id: String| {
        open_event.set(Some(id))
    }));
    Effect::new(move |_| {
        attempt.track();
        let (lang, zone, can) = (ctx.lang.get(), ctx.zone.get(), ctx.can_change());
        let Some(el) = root.get() else {
            return;
        };
        free();
        let on_open: JsValue = on_open.with_value(|f| f.as_ref().clone());
        spawn_local(async move {
            let args = vec![
                name.into(),
                el.into(),
                lang.tag().into(),
                zone_name(zone).into(),
                can.into(),
                on_open,
            ];
            let answer = call("mount_page", args).await;
            let shown = answer.as_ref().map(|_| ()).map_err(Clone::clone);
            if let Ok(page) = answer {
                mounted.set_value(Some(page));
            }
            let _ = state.try_set(Some(shown));
        });
    });
    if let Some(live) = live {
        Effect::new(move |_| {
            live.track();
            mounted.with_value(|page| {
                if let Some(page) = page {
                    let _ = call_method(page, "refresh");
                }
            });
        });
    }
    on_cleanup(free);
    let refresh = Callback::new(move |()| {
        mounted.with_value(|page| {
            if let Some(page) = page {
                let _ = call_method(page, "refresh");
            }
        })
    });
    view! {
        {status(ctx, state, attempt)}
        <div class="lazy-page" node_ref=root></div>
        <crate::components::EventDialogHost open_event=open_event on_changed=refresh/>
    }
}

/// Calls `object.name()`.
fn call_method(object: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(object, &name.into())?.dyn_into()?;
    f.call0(object)
}
