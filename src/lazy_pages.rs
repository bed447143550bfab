//! The lazily loaded pages are a second wasm module (crates/console-pages, built to
//! /console-pages.js by scripts/build-console.sh; docs/CONSOLE.md): most visits open none of
//! them, so they stay out of the first load's 300 KB gzip budget. The module is imported the
//! first time one is opened; here are the places it mounts into, all with its one `mount_page`
//! ([`LazyPage`] for a whole page, [`WhatIfPanel`] in the O&M Events dialog), with "Loading…"
//! meanwhile and the failure, with a retry, when it cannot be loaded.

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

/// What a mounted page calls to open the O&M Events dialog of an event.
type OpenEvent = StoredValue<Closure<dyn Fn(String)>, LocalStorage>;

/// A view of the module mounted into `root` with `mount_page`, kept as its `MountedPage`;
/// "Loading…" until then, the failure with a retry.
#[derive(Clone, Copy)]
struct Mount {
    state: RwSignal<Option<Result<(), String>>>,
    attempt: RwSignal<u32>,
    /// The mounted view, freed when replaced or when the place goes.
    mounted: StoredValue<Option<JsValue>, LocalStorage>,
}

impl Mount {
    /// Mounts the module's view `name` into `root` once `wanted` says so, and again whenever the
    /// region, the language, the zone or the session changes (the view's words and times are
    /// fixed per mount). `open_event` is what the view calls to open the O&M Events dialog;
    /// `detail` the event detail it is a part of (JSON, as the server sent it).
    fn new(
        name: &'static str,
        root: NodeRef<leptos::html::Div>,
        wanted: Signal<bool>,
        open_event: Option<OpenEvent>,
        detail: Option<String>,
    ) -> Mount {
        let ctx = expect_context::<Ctx>();
        let region = crate::state::use_region();
        let this = Mount {
            state: RwSignal::new(None),
            attempt: RwSignal::new(0),
            mounted: StoredValue::new_local(None),
        };
        let detail = StoredValue::new(detail);
        Effect::new(move |_| {
            this.attempt.track();
            let (lang, zone, can) = (ctx.lang.get(), ctx.zone.get(), ctx.can_change());
            let region = region.get();
            let (true, Some(el)) = (wanted.get(), root.get()) else {
                return;
            };
            this.free();
            let open_event: JsValue = open_event
                .map(|f| f.with_value(|f| f.as_ref().clone()))
                .unwrap_or(JsValue::UNDEFINED);
            let detail = detail.with_value(|d| match d {
                Some(json) => js_sys::JSON::parse(json).unwrap_or(JsValue::NULL),
                None => JsValue::UNDEFINED,
            });
            spawn_local(async move {
                let args = vec![
                    name.into(),
                    el.into(),
                    region.into(),
                    lang.tag().into(),
                    zone_name(zone).into(),
                    can.into(),
                    open_event,
                    detail,
                ];
                let answer = call("mount_page", args).await;
                let shown = answer.as_ref().map(|_| ()).map_err(Clone::clone);
                if let Ok(page) = answer {
                    let _ = this.mounted.try_set_value(Some(page));
                }
                let _ = this.state.try_set(Some(shown));
            });
        });
        on_cleanup(move || this.free());
        this
    }

    fn free(&self) {
        if let Some(page) = self.mounted.try_update_value(Option::take).flatten() {
            let _ = call_method(&page, "free");
        }
    }

    /// Tells the mounted view that the live stream reported a change.
    fn refresh(&self) {
        self.mounted.with_value(|page| {
            if let Some(page) = page {
                let _ = call_method(page, "refresh");
            }
        });
    }

    fn status(self, ctx: Ctx) -> impl IntoView {
        status(ctx, self.state, self.attempt)
    }
}

/// The dialog's what-if (DESIGN.md 10.1), from the event detail `json` as the server sent it;
/// the module is imported when the panel is first opened. Its content is the module's from
/// then on (a language switch mounts it anew).
#[component]
pub fn WhatIfPanel(json: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let details = NodeRef::<leptos::html::Details>::new();
    let root = NodeRef::<leptos::html::Div>::new();
    let opened = RwSignal::new(false);
    let mount = Mount::new("what-if", root, opened.into(), None, Some(json));
    let toggled = move |_| {
        if details.get_untracked().is_some_and(|d| d.open()) {
            opened.set(true);
        }
    };
    view! {
        <details class="what-if" id="om-what-if" node_ref=details on:toggle=toggled>
            <summary>{move || ctx.t(Msg::WhatIfTitle)}</summary>
            {mount.status(ctx)}
            <div node_ref=root></div>
        </details>
    }
}

/// A whole page of the lazy module, by its name there (`mount_page`): mounted again when the
/// region, the language, the zone or the session changes, told of every change the live stream
/// reports, and able to open the O&M Events dialog over itself.
#[component]
pub fn LazyPage(name: &'static str) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let live = use_context::<crate::live::Live>();
    let root = NodeRef::<leptos::html::Div>::new();
    let open_event = RwSignal::new(None::<String>);
    let on_open = StoredValue::new_local(Closure::<dyn Fn(String)>::new(move |id: String| {
        open_event.set(Some(id))
    }));
    let mount = Mount::new(name, root, Signal::stored(true), Some(on_open), None);
    if let Some(live) = live {
        Effect::new(move |_| {
            live.track();
            mount.refresh();
        });
    }
    let refresh = Callback::new(move |()| mount.refresh());
    view! {
        {mount.status(ctx)}
        <div class="lazy-page" node_ref=root></div>
        <crate::components::EventDialogHost open_event=open_event on_changed=refresh/>
    }
}

/// Calls `object.name()`.
fn call_method(object: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(object, &name.into())?.dyn_into()?;
    f.call0(object)
}
