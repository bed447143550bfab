//! The console's lazily loaded pages (docs/CONSOLE.md), a wasm module of their own: the console
//! imports it (`/console-pages.js`) only when one of them is opened, so none is part of its
//! first load (300 KB gzip budget). Pages are Leptos components mounted by [`mount_page`]; the
//! strings, times and API client are the console's (crates/console-core).
//!
//! The what-if panel and the Maintenance settings page (DESIGN.md 10.1, 10.3) are still markup
//! strings with delegated listeners (`mount_what_if`, `mount_settings`), written before the
//! module had Leptos.

use wasm_bindgen::prelude::*;

mod maintenance;
pub mod pages;
mod what_if;

pub(crate) use vpn_console_core::{api, i18n, time};

pub use pages::{mount_page, MountedPage};

use i18n::{Lang, Msg};
use time::{format_time, Zone};

/// What the console tells a mounted view: its language, its time zone, and whether the
/// session's role may change things (the server refuses a viewer's writes anyway).
#[derive(Clone, Copy)]
pub struct Ctx {
    pub lang: Lang,
    pub zone: Zone,
    pub can: bool,
}

impl Ctx {
    fn new(lang: &str, zone: &str, can_change: bool) -> Ctx {
        Ctx {
            lang: Lang::from_tag(lang),
            zone: if zone == "utc" {
                Zone::Utc
            } else {
                Zone::Local
            },
            can: can_change,
        }
    }

    pub fn can_change(&self) -> bool {
        self.can
    }

    pub fn t_now(&self, m: Msg) -> &'static str {
        self.lang.text(m)
    }

    pub fn time_now(&self, t: chrono::DateTime<chrono::Utc>) -> String {
        format_time(t, self.zone, self.lang)
    }
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

/// Renders the settings page into `root` (its content replaced) and loads the window and the
/// freeze periods. Called again when the language, the zone or the session changes.
#[wasm_bindgen]
pub fn mount_settings(root: web_sys::HtmlElement, lang: &str, zone: &str, can_change: bool) {
    maintenance::mount(root, Ctx::new(lang, zone, can_change));
}

/// Renders the what-if of the event `detail` (the API's event detail, as the browser parsed
/// it) into `root`, a `<details>` element. `false` when the detail has nothing to flip.
#[wasm_bindgen]
pub fn mount_what_if(
    root: web_sys::HtmlElement,
    detail: JsValue,
    lang: &str,
    zone: &str,
) -> Result<bool, JsError> {
    let detail = serde_wasm_bindgen::from_value(detail)
        .map_err(|e| JsError::new(&format!("unreadable event detail: {e}")))?;
    Ok(what_if::mount(root, detail, Ctx::new(lang, zone, false)))
}
