//! What every page shares: the session, the language, the zone and the regions (`Ctx`), the
//! values remembered in the browser's storage, and the region in use.

use leptos::prelude::*;
use vpn_console_domain::api::{Region, SessionInfo};

use crate::i18n::{Lang, Msg};
use crate::router::use_query_map;
use crate::time::{format_time, Zone};

/// What every page shares.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub session: RwSignal<Option<SessionInfo>>,
    pub zone: RwSignal<Zone>,
    pub lang: RwSignal<Lang>,
    pub regions: RwSignal<Vec<Region>>,
}

impl Ctx {
    pub fn new(session: Option<SessionInfo>, zone: Zone, lang: Lang) -> Self {
        Ctx {
            session: RwSignal::new(session),
            zone: RwSignal::new(zone),
            lang: RwSignal::new(lang),
            regions: RwSignal::new(Vec::new()),
        }
    }

    pub fn can_change(&self) -> bool {
        self.session
            .with(|s| s.as_ref().is_some_and(|s| s.role.can_change()))
    }

    /// A message in the chosen language (tracked, so text follows a language switch).
    pub fn t(&self, m: Msg) -> &'static str {
        self.lang.get().text(m)
    }

    /// A time in the chosen zone and language, with its zone written out.
    pub fn time(&self, t: chrono::DateTime<chrono::Utc>) -> String {
        format_time(t, self.zone.get(), self.lang.get())
    }

    /// A message for a view that is rebuilt as a whole when the language changes (see
    /// `track_language_and_zone`): plain text, no reactive node per table cell, which is most of
    /// the work of the first render of a list.
    pub fn t_untracked(&self, m: Msg) -> &'static str {
        self.lang.get_untracked().text(m)
    }

    /// A time for such a view.
    pub fn time_untracked(&self, t: chrono::DateTime<chrono::Utc>) -> String {
        format_time(t, self.zone.get_untracked(), self.lang.get_untracked())
    }

    /// Rebuilds the calling view when the language or the zone changes.
    pub fn track_language_and_zone(&self) {
        self.lang.track();
        self.zone.track();
    }
}

/// The keys of what the console remembers in `localStorage`. index.html's early-request script
/// reads the region too (checked by `early_request_config` in src/router.rs).
pub const REGION_KEY: &str = "om-console.region";
pub const ZONE_KEY: &str = "om-console.zone";
pub const LANG_KEY: &str = "om-console.lang";

pub fn storage_get(key: &str) -> Option<String> {
    // Drawn by the server: what the view cookie says the browser remembers.
    #[cfg(not(target_arch = "wasm32"))]
    return crate::first_page::with(|page| match key {
        LANG_KEY => Some(page.lang_tag.clone()),
        ZONE_KEY => Some(if page.utc { "utc" } else { "local" }.to_owned()),
        _ => None,
    })
    .flatten();
    #[cfg(target_arch = "wasm32")]
    web_sys::window()?
        .local_storage()
        .ok()??
        .get_item(key)
        .ok()?
}

pub fn storage_set(key: &str, value: &str) {
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(key, value);
    }
    // The server draws the next first page in the language and zone the view cookie names;
    // index.html's script writes it from the storage.
    if key == LANG_KEY || key == ZONE_KEY {
        if let Ok(f) = js_sys::Reflect::get(&js_sys::global(), &"omRememberView".into()) {
            if let Some(f) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Function>(&f) {
                let _ = f.call0(&wasm_bindgen::JsValue::NULL);
            }
        }
    }
}

/// The remembered language, else the browser's.
pub fn initial_lang() -> Lang {
    storage_get(LANG_KEY)
        .or_else(|| web_sys::window()?.navigator().language())
        .map(|tag| Lang::from_tag(&tag))
        .unwrap_or(Lang::En)
}

/// The remembered zone, else the viewer's own.
pub fn initial_zone() -> Zone {
    match storage_get(ZONE_KEY).as_deref() {
        Some("utc") => Zone::Utc,
        _ => Zone::Local,
    }
}

pub fn remember_zone(zone: Zone) {
    storage_set(ZONE_KEY, if zone == Zone::Utc { "utc" } else { "local" });
}

pub fn remember_lang(lang: Lang) {
    storage_set(LANG_KEY, lang.tag());
}

pub fn remember_region(region: &str) {
    storage_set(REGION_KEY, region);
}

/// The region in the address (`?region=`), else the last one used, else the first. Empty while
/// the regions are still loading and the address names none: nothing may be asked of the API
/// for that (see `region_ready`).
pub fn use_region() -> Signal<String> {
    let query = use_query_map();
    let ctx = expect_context::<Ctx>();
    Signal::derive(move || {
        query
            .with(|q| q.get("region"))
            .filter(|r| !r.is_empty())
            .or_else(|| {
                let stored = storage_get(REGION_KEY)?;
                ctx.regions
                    .with(|rs| rs.iter().any(|r| r.id.as_str() == stored))
                    .then_some(stored)
            })
            .or_else(|| ctx.regions.with(|r| r.first().map(|r| r.id.to_string())))
            .unwrap_or_default()
    })
}

/// Asks the API about `region` once it is known. Until then (the regions still loading and the
/// address naming none) the answer is `None`, shown as loading: a request for the empty region
/// would only be answered 404. It must not wait for the region instead, since a resource runs
/// again only once its last future is done.
pub async fn in_region<T, Fut>(region: &str, ask: impl FnOnce() -> Fut) -> Option<T>
where
    Fut: std::future::Future<Output = T>,
{
    if region.is_empty() {
        None
    } else {
        Some(ask().await)
    }
}
