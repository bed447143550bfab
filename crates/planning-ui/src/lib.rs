//! The what-if panel of the O&M Events dialog and the Maintenance settings page (DESIGN.md
//! 10.1, 10.3), as a wasm module of their own: the console imports it (`/planning-ui.js`) only
//! when the panel or the page is opened, so neither is part of its first load (300 KB gzip
//! budget). Both are markup strings with delegated listeners, so this module needs no Leptos;
//! the console's strings and time formatting are compiled in from its own files.

use wasm_bindgen::prelude::*;

mod api;
mod maintenance;
mod what_if;

#[allow(dead_code, unused_imports)] // the console's whole catalogue; this module uses a part of it
#[path = "../../../src/i18n/mod.rs"]
mod i18n;
#[allow(dead_code, unused_imports)]
#[path = "../../../src/time.rs"]
mod time;

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

/// The markup of an event's hold and verification (DESIGN.md 12.2, 13), from the event
/// `detail` as the browser parsed it: read here, in the module loaded on demand, to keep their
/// readers out of the console's first load. Empty when it has neither.
#[wasm_bindgen]
pub fn verification_markup(detail: JsValue, lang: &str, zone: &str) -> Result<String, JsError> {
    #[derive(serde::Deserialize)]
    struct Part {
        #[serde(default)]
        verification: Option<vpn_console_domain::verification::Verification>,
        #[serde(default)]
        hold: Option<vpn_console_domain::hold::Hold>,
    }
    let part: Part = serde_wasm_bindgen::from_value(detail)
        .map_err(|e| JsError::new(&format!("unreadable event detail: {e}")))?;
    let ctx = Ctx::new(lang, zone, false);
    let mut out = String::new();
    if let Some(h) = &part.hold {
        out.push_str(&format!(
            "<p class=\"notice held\" id=\"om-hold\">{}</p>",
            i18n::hold_html(ctx.lang, h)
        ));
    }
    if let Some(v) = &part.verification {
        out.push_str(&i18n::verification_html(ctx.lang, v, &|t| ctx.time_now(t)));
    }
    Ok(out)
}

mod router {
    /// A path under the API prefix (the console's `ApiPath`, without a query).
    pub struct ApiPath(pub String);

    impl ApiPath {
        pub fn new(path: &str) -> ApiPath {
            ApiPath(path.to_owned())
        }
    }
}
