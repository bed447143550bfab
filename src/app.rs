//! The shell: log-in gate, top bar (region selector, time zone, user menu), navigation, routes.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vpn_console_domain::api::{Region, SessionInfo};

use crate::api;
use crate::i18n::{Lang, Msg};
use crate::pages::{ConnectionsPage, GatewaysPage, HistoryPage, LoginPage};
use crate::router::{provide_location, use_location, use_navigate, use_query_map, NavLink};
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
            .with(|s| s.as_ref().is_some_and(|s| s.role == "operator"))
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
    pub fn t_now(&self, m: Msg) -> &'static str {
        self.lang.get_untracked().text(m)
    }

    /// A time for such a view.
    pub fn time_now(&self, t: chrono::DateTime<chrono::Utc>) -> String {
        format_time(t, self.zone.get_untracked(), self.lang.get_untracked())
    }

    /// Rebuilds the calling view when the language or the zone changes.
    pub fn track_language_and_zone(&self) {
        self.lang.track();
        self.zone.track();
    }
}

pub fn storage_get(key: &str) -> Option<String> {
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
}

const REGION_KEY: &str = "om-console.region";
const ZONE_KEY: &str = "om-console.zone";
const LANG_KEY: &str = "om-console.lang";

/// The remembered language, else the browser's.
fn initial_lang() -> Lang {
    storage_get(LANG_KEY)
        .or_else(|| web_sys::window()?.navigator().language())
        .map(|tag| Lang::from_tag(&tag))
        .unwrap_or(Lang::En)
}

#[component]
pub fn App() -> impl IntoView {
    let checked = RwSignal::new(false);
    let zone = match storage_get(ZONE_KEY).as_deref() {
        Some("utc") => Zone::Utc,
        _ => Zone::Local,
    };
    let ctx = Ctx::new(None, zone, initial_lang());
    let session = ctx.session;
    provide_context(ctx);
    provide_location();
    // Screen readers and the browser's own formatting follow the page's language.
    Effect::new(move |_| {
        let tag = ctx.lang.get().tag();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", tag);
        }
    });
    api::on_unauthenticated(move || {
        let _ = session.try_set(None);
    });
    spawn_local(async move {
        if let Ok(s) = api::session().await {
            session.set(Some(s));
        }
        checked.set(true);
    });
    move || {
        if !checked.get() {
            view! { <p class="loading-page" role="status">{move || ctx.t(Msg::LoadingConsole)}</p> }
                .into_any()
        } else if session.with(Option::is_none) {
            view! { <LoginPage/> }.into_any()
        } else {
            view! { <Shell/> }.into_any()
        }
    }
}

/// The region in the address (`?region=`), else the last one used, else the first.
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

/// A list page's address: path, region, search and page.
pub fn list_href(path: &str, region: &str, q: &str, page: u32) -> String {
    let mut href = format!("{path}?region={}", api::encode(region));
    if !q.is_empty() {
        href.push_str(&format!("&q={}", api::encode(q)));
    }
    if page > 1 {
        href.push_str(&format!("&page={page}"));
    }
    href
}

/// The pages, by path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Page {
    Root,
    Gateways,
    Connections,
    History,
    NotFound,
}

impl Page {
    fn of(path: &str) -> Page {
        match path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path)
        {
            "/" => Page::Root,
            "/vpn-gateways" => Page::Gateways,
            "/ipsec-connections" => Page::Connections,
            "/history" => Page::History,
            _ => Page::NotFound,
        }
    }
}

#[component]
fn Shell() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let region = use_region();
    let location = use_location();
    let query = use_query_map();
    let navigate = use_navigate();
    let regions = LocalResource::new(api::regions);

    // Keep the region in the address so reload, back and shared links keep it, and remember it.
    Effect::new(move |_| {
        let r = region.get();
        if r.is_empty() {
            return;
        }
        storage_set(REGION_KEY, &r);
        if query.with(|q| q.get("region").is_none()) && location.pathname.with(|p| p != "/") {
            let path = location.pathname.get_untracked();
            navigate(&list_href(&path, &r, "", 1), true);
        }
    });
    let go = use_navigate();
    Effect::new(move |_| {
        if location.pathname.with(|p| p == "/") {
            go("/vpn-gateways", true);
        }
    });
    let page = Memo::new(move |_| location.pathname.with(|p| Page::of(p)));

    let nav_href =
        move |path: &'static str| Signal::derive(move || list_href(path, &region.get(), "", 1));
    let t = move |m| ctx.t(m);
    view! {
        <a class="skip-link" href="#main">{move || t(Msg::SkipToContent)}</a>
        <header class="topbar">
            <span class="brand">{move || t(Msg::Product)}</span>
            <RegionSelector regions=regions region=region/>
            <span class="spacer"></span>
            <LanguageSelector/>
            <ZoneToggle/>
            <UserMenu/>
        </header>
        <div class="layout">
            <nav class="sidenav" aria-label=move || t(Msg::NavVpn)>
                <p class="nav-group">{move || t(Msg::NavVpn)}</p>
                <NavLink href=nav_href("/vpn-gateways")>{move || t(Msg::VpnGateways)}</NavLink>
                <NavLink href=nav_href("/ipsec-connections")>{move || t(Msg::IpsecConnections)}</NavLink>
                <NavLink href=nav_href("/history")>{move || t(Msg::History)}</NavLink>
            </nav>
            <main class="content" id="main" tabindex="-1">
                {move || match page.get() {
                    Page::Root => ().into_any(),
                    Page::Gateways => view! { <GatewaysPage/> }.into_any(),
                    Page::Connections => view! { <ConnectionsPage/> }.into_any(),
                    Page::History => view! { <HistoryPage/> }.into_any(),
                    Page::NotFound => view! { <h1>{t(Msg::PageNotFound)}</h1> <p><a href="/vpn-gateways">{t(Msg::GoToGateways)}</a></p> }.into_any(),
                }}
            </main>
        </div>
        {move || {
            // Regions loaded: share them.
            if let Some(Ok(list)) = regions.get() {
                if ctx.regions.with_untracked(|r| r != &list) {
                    ctx.regions.set(list);
                }
            }
        }}
    }
}

#[component]
fn RegionSelector(
    regions: LocalResource<Result<Vec<Region>, api::CallError>>,
    region: Signal<String>,
) -> impl IntoView {
    let navigate = use_navigate();
    let location = use_location();
    let ctx = expect_context::<Ctx>();
    view! {
        <label class="region">
            <span class="visually-hidden">{move || ctx.t(Msg::Region)}</span>
            {move || match regions.get() {
                None => view! { <span class="muted" role="status">{ctx.t(Msg::LoadingRegions)}</span> }.into_any(),
                Some(Err(e)) => view! { <span class="error" role="alert">{e.message(ctx.lang.get_untracked())}</span> }.into_any(),
                Some(Ok(list)) => {
                    let navigate = navigate.clone();
                    view! {
                        <select
                            id="region-selector"
                            aria-label=move || ctx.t(Msg::Region)
                            on:change=move |ev| {
                                let r = event_target_value(&ev);
                                let path = location.pathname.get_untracked();
                                navigate(&list_href(&path, &r, "", 1), false);
                            }
                            prop:value=move || region.get()
                        >
                            {list.into_iter().map(|r| {
                                let id = r.id.to_string();
                                let selected = id == region.get_untracked();
                                view! { <option value=id selected=selected>{r.name}</option> }
                            }).collect_view()}
                        </select>
                    }.into_any()
                }
            }}
        </label>
    }
}

#[component]
fn LanguageSelector() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <label class="zone">
            <span class="visually-hidden">{move || ctx.t(Msg::Language)}</span>
            <select
                id="language-selector"
                aria-label=move || ctx.t(Msg::Language)
                on:change=move |ev| {
                    let lang = if event_target_value(&ev) == "zh" { Lang::Zh } else { Lang::En };
                    ctx.lang.set(lang);
                    storage_set(LANG_KEY, lang.tag());
                }
            >
                <option value="en" lang="en" selected=move || ctx.lang.get() == Lang::En>"English"</option>
                <option value="zh" lang="zh-CN" selected=move || ctx.lang.get() == Lang::Zh>"简体中文"</option>
            </select>
        </label>
    }
}

#[component]
fn ZoneToggle() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <label class="zone">
            <span>{move || ctx.t(Msg::TimesIn)}</span>
            <select
                id="zone-selector"
                on:change=move |ev| {
                    let utc = event_target_value(&ev) == "utc";
                    ctx.zone.set(if utc { Zone::Utc } else { Zone::Local });
                    storage_set(ZONE_KEY, if utc { "utc" } else { "local" });
                }
            >
                <option value="local" selected=move || ctx.zone.get() == Zone::Local>{move || ctx.t(Msg::MyTimeZone)}</option>
                <option value="utc" selected=move || ctx.zone.get() == Zone::Utc>{move || ctx.t(Msg::Utc)}</option>
            </select>
        </label>
    }
}

#[component]
fn UserMenu() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let who = move || {
        ctx.session.with(|s| {
            s.as_ref()
                .map(|s| format!("{} · {} ({})", s.email, s.account, s.role))
                .unwrap_or_default()
        })
    };
    let log_out = move |_| {
        spawn_local(async move {
            let _ = api::log_out().await;
            ctx.session.set(None);
        });
    };
    view! {
        <span class="user" id="current-user">{who}</span>
        <button type="button" class="link-button" on:click=log_out>{move || ctx.t(Msg::LogOut)}</button>
    }
}
