//! The what-if panel and the Maintenance settings page are a second wasm module
//! (crates/planning-ui, built to /planning-ui.js by scripts/build-console.sh): they cost the
//! first load about 23 KB gzip against its 300 KB budget, and most visits open neither. The
//! module is imported the first time one of them is opened; here are the two places it mounts
//! into, with "Loading…" meanwhile and the failure, with a retry, when it cannot be loaded.

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
export function planning_ui() {
  if (!loading) {
    loading = import('/planning-ui.js').then(async (m) => { await m.default(); return m; });
    loading.catch(() => { loading = null; });
  }
  return loading;
}")]
extern "C" {
    fn planning_ui() -> Promise;
}

fn describe(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// Calls the module's `name` with `args`, importing the module first if need be.
async fn call(name: &str, args: Vec<JsValue>) -> Result<JsValue, String> {
    let module = JsFuture::from(planning_ui()).await.map_err(describe)?;
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

/// The hold and the verification of the event `json` (DESIGN.md 12.2, 13), drawn by the module
/// (which reads them: see `verification_markup`); drawn again when the language or the zone
/// changes.
#[component]
pub fn VerificationPanel(json: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let root = NodeRef::<leptos::html::Div>::new();
    let state = RwSignal::new(None::<Result<(), String>>);
    let attempt = RwSignal::new(0u32);
    let json = StoredValue::new(json);
    Effect::new(move |_| {
        attempt.track();
        let (lang, zone) = (ctx.lang.get(), ctx.zone.get());
        let Some(el) = root.get() else {
            return;
        };
        spawn_local(async move {
            let detail = js_sys::JSON::parse(&json.get_value()).unwrap_or(JsValue::NULL);
            let args = vec![detail, lang.tag().into(), zone_name(zone).into()];
            let answer = call("verification_markup", args).await.map(|markup| {
                el.set_inner_html(&markup.as_string().unwrap_or_default());
            });
            let _ = state.try_set(Some(answer));
        });
    });
    view! {
        {status(ctx, state, attempt)}
        <div class="verification" id="om-verification" node_ref=root></div>
    }
}
