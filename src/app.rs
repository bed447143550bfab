//! The shell: log-in gate, top bar (region selector, time zone, user menu), navigation, routes.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vpn_console_domain::api::Region;

use crate::api;
use crate::i18n::{self, Lang, Msg};
use crate::pages::{ConnectionsPage, GatewaysPage, LoginPage};
use crate::router::{
    list_href, provide_location, use_location, use_navigate, use_query_map, NavLink, APPROVALS,
    AUDIT_LOG, CONNECTIONS, GATEWAYS, HISTORY, MAINTENANCE, NOTIFICATIONS, OVERVIEW, REPORTS,
};
use crate::state::{
    initial_lang, initial_zone, remember_lang, remember_region, remember_zone, use_region, Ctx,
};
use crate::time::Zone;

#[component]
pub fn App() -> impl IntoView {
    // On the server the session is the one it drew the page for (docs/first-page.md).
    let ctx = Ctx::new(
        crate::first_page::answer("/session"),
        initial_zone(),
        initial_lang(),
    );
    let checked = RwSignal::new(ctx.session.with_untracked(Option::is_some));
    let session = ctx.session;
    provide_context(ctx);
    provide_location();
    crate::live::provide_live(session);
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
    if !checked.get_untracked() {
        spawn_local(async move {
            if let Ok(s) = api::session().await {
                session.set(Some(s));
            }
            checked.set(true);
        });
    }
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

/// The pages, by path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Page {
    Root,
    Gateways,
    Connections,
    History,
    Notifications,
    Maintenance,
    AuditLog,
    Approvals,
    Overview,
    Reports,
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
            GATEWAYS => Page::Gateways,
            CONNECTIONS => Page::Connections,
            HISTORY => Page::History,
            NOTIFICATIONS => Page::Notifications,
            MAINTENANCE => Page::Maintenance,
            AUDIT_LOG => Page::AuditLog,
            APPROVALS => Page::Approvals,
            OVERVIEW => Page::Overview,
            REPORTS => Page::Reports,
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
    let first_regions: Option<Vec<Region>> = crate::first_page::answer("/regions");
    let regions = Signal::derive(move || regions.get().or_else(|| first_regions.clone().map(Ok)));

    // Keep the region in the address so reload, back and shared links keep it, and remember it.
    Effect::new(move |_| {
        let r = region.get();
        if r.is_empty() {
            return;
        }
        remember_region(&r);
        if query.with(|q| q.get("region").is_none()) && location.pathname.with(|p| p != "/") {
            let path = location.pathname.get_untracked();
            navigate(&list_href(&path, &r, "", 1), true);
        }
    });
    let go = use_navigate();
    Effect::new(move |_| {
        // The landing page after log-in: every region at once (DESIGN.md 16).
        if location.pathname.with(|p| p == "/") {
            go(OVERVIEW, true);
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
            <LivePaused/>
            <LanguageSelector/>
            <ZoneToggle/>
            <UserMenu/>
        </header>
        <div class="layout">
            <nav class="sidenav" aria-label=move || t(Msg::NavVpn)>
                <p class="nav-group">{move || t(Msg::NavVpn)}</p>
                <NavLink href=nav_href(OVERVIEW)>{move || t(Msg::OverviewNav)}</NavLink>
                <NavLink href=nav_href(GATEWAYS)>{move || t(Msg::VpnGateways)}</NavLink>
                <NavLink href=nav_href(CONNECTIONS)>{move || t(Msg::IpsecConnections)}</NavLink>
                <NavLink href=nav_href(HISTORY)>{move || t(Msg::History)}</NavLink>
                <NavLink href=nav_href(REPORTS)>{move || t(Msg::ReportsNav)}</NavLink>
                <NavLink href=nav_href(NOTIFICATIONS)>{move || t(Msg::Notifications)}</NavLink>
                <NavLink href=nav_href(MAINTENANCE)>{move || t(Msg::Maintenance)}</NavLink>
                <NavLink href=nav_href(APPROVALS)>{move || t(Msg::ApprovalsNav)}<PendingBadge/></NavLink>
                {move || ctx.can_change().then(|| view! {
                    <NavLink href=nav_href(AUDIT_LOG)>{move || t(Msg::AuditLog)}</NavLink>
                })}
            </nav>
            <main class="content" id="main" tabindex="-1">
                {move || match page.get() {
                    Page::Root => ().into_any(),
                    Page::Gateways => view! { <GatewaysPage/> }.into_any(),
                    Page::Connections => view! { <ConnectionsPage/> }.into_any(),
                    Page::History => view! { <crate::lazy_pages::LazyPage name="history"/> }.into_any(),
                    Page::Notifications => view! { <crate::lazy_pages::LazyPage name="notifications"/> }.into_any(),
                    Page::Maintenance => view! { <crate::lazy_pages::LazyPage name="maintenance"/> }.into_any(),
                    Page::AuditLog => view! { <crate::lazy_pages::LazyPage name="audit-log"/> }.into_any(),
                    Page::Approvals => view! { <crate::lazy_pages::LazyPage name="approvals"/> }.into_any(),
                    Page::Overview => view! { <crate::lazy_pages::LazyPage name="overview"/> }.into_any(),
                    Page::Reports => view! { <crate::lazy_pages::LazyPage name="reports"/> }.into_any(),
                    Page::NotFound => view! { <h1>{t(Msg::PageNotFound)}</h1> <p><a href=GATEWAYS>{t(Msg::GoToGateways)}</a></p> }.into_any(),
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

/// The number of pending approval requests next to the navigation's link: read when the
/// session starts and again on every live change. The link's name reads "Approvals, 2 pending".
#[component]
fn PendingBadge() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let live = expect_context::<crate::live::Live>();
    let pending = LocalResource::new(move || {
        live.track();
        live.resumed.track();
        api::pending_approvals()
    });
    move || match pending.get() {
        Some(Ok(n)) if n > 0 => {
            let label = match ctx.lang.get() {
                Lang::En => format!(", {n} pending"),
                Lang::Zh => format!("，{n} 条待审批"),
            };
            Some(view! {
                <span class="badge" aria-hidden="true">{n}</span>
                <span class="visually-hidden">{label}</span>
            })
        }
        _ => None,
    }
}

#[component]
fn RegionSelector(
    regions: Signal<Option<Result<Vec<Region>, api::CallError>>>,
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
                                let name = move || i18n::region_name(ctx.lang.get(), r.id.as_str(), &r.name).to_owned();
                                view! { <option value=id selected=selected>{name}</option> }
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
                    remember_lang(lang);
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
                    let zone = if event_target_value(&ev) == "utc" { Zone::Utc } else { Zone::Local };
                    ctx.zone.set(zone);
                    remember_zone(zone);
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
                .map(|s| format!("{} · {} ({})", s.email, s.account, s.role.as_str()))
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

/// A quiet note in the top bar while the live updates' stream is down.
#[component]
fn LivePaused() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let live = expect_context::<crate::live::Live>();
    view! {
        <span class="live-paused" role="status">
            {move || live.paused.get().then(|| ctx.t(Msg::LivePaused))}
        </span>
    }
}
