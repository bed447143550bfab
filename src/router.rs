//! The console's own router: a few fixed pages whose state lives in the query string. A general
//! router (leptos_router) was the largest single crate in the wasm, for features the console does
//! not use (nested and parameterised routes, forms, server redirects).

use leptos::prelude::*;
use vpn_console_core::paths::query_string;
pub use vpn_console_core::paths::{event_api_path, list_api_path, region_days_api_path, ApiPath};

/// Where the browser is: path and query string (without `?`), kept in step with the history.
#[derive(Clone, Copy)]
pub struct Location {
    pub pathname: RwSignal<String>,
    pub search: RwSignal<String>,
}

/// Reads the browser's address, follows back and forward, and turns clicks on same-origin links
/// into history entries instead of page loads.
pub fn provide_location() -> Location {
    let (pathname, search) = browser_address();
    let location = Location {
        pathname: RwSignal::new(pathname),
        search: RwSignal::new(search),
    };
    provide_context(location);
    // No window when the server draws the first page (docs/first-page.md).
    #[cfg(target_arch = "wasm32")]
    listen(location);
    location
}

#[cfg(target_arch = "wasm32")]
fn listen(location: Location) {
    let _ = window_event_listener(leptos::ev::popstate, move |_| {
        let (p, s) = browser_address();
        location.pathname.set(p);
        location.search.set(s);
    });
    let _ = window_event_listener(leptos::ev::click, move |ev| {
        if let Some(href) = client_side_href(&ev) {
            ev.prevent_default();
            go(location, &href, false);
        }
    });
}

pub fn use_location() -> Location {
    expect_context::<Location>()
}

/// The query string (without `?`), read by the browser's `URLSearchParams` (`+` is a space).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query(String);

impl Query {
    pub fn parse(search: &str) -> Self {
        Query(search.trim_start_matches('?').to_owned())
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<String> {
        #[cfg(target_arch = "wasm32")]
        return web_sys::UrlSearchParams::new_with_str(&self.0)
            .ok()?
            .get(key);
        // On the server (docs/first-page.md): the same WHATWG form decoding.
        #[cfg(not(target_arch = "wasm32"))]
        form_urlencoded::parse(self.0.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    }
}

/// The page of a list the address asks for: `?page=`, 1 when missing or not a number.
pub fn page_number(query: &Query) -> u32 {
    query
        .get("page")
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1)
}

/// The console's pages.
pub const GATEWAYS: &str = "/vpn-gateways";
pub const CONNECTIONS: &str = "/ipsec-connections";
pub const HISTORY: &str = "/history";
pub const NOTIFICATIONS: &str = "/notifications";
pub const MAINTENANCE: &str = "/maintenance";
pub const AUDIT_LOG: &str = "/audit-log";
pub const APPROVALS: &str = "/approvals";
pub const OVERVIEW: &str = "/overview";
pub const REPORTS: &str = "/reports";

/// A list page's address: path, region, search and page.
pub fn list_href(path: &str, region: &str, q: &str, page: u32) -> String {
    let page_text = page.to_string();
    let mut pairs = vec![("region", region)];
    if !q.is_empty() {
        pairs.push(("q", q));
    }
    if page > 1 {
        pairs.push(("page", &page_text));
    }
    format!("{path}?{}", query_string(&pairs))
}

pub fn use_query_map() -> Memo<Query> {
    let location = use_location();
    Memo::new(move |_| location.search.with(|s| Query::parse(s)))
}

/// Goes to `href` (a path with an optional query), as a new history entry or, with `replace`,
/// in place of the current one.
pub fn use_navigate() -> impl Fn(&str, bool) + Clone + 'static {
    let location = use_location();
    move |href: &str, replace: bool| go(location, href, replace)
}

fn go(location: Location, href: &str, replace: bool) {
    let href = href.split('#').next().unwrap_or_default();
    let (path, search) = href.split_once('?').unwrap_or((href, ""));
    if let Ok(history) = window().history() {
        let _ = if replace {
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href))
        } else {
            history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href))
        };
    }
    if !replace {
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }
    if location.pathname.with_untracked(|p| p != path) {
        location.pathname.set(path.to_owned());
    }
    if location.search.with_untracked(|s| s != search) {
        location.search.set(search.to_owned());
    }
}

fn browser_address() -> (String, String) {
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(address) =
        crate::first_page::with(|page| (page.pathname.clone(), page.search.clone()))
    {
        return address;
    }
    let l = window().location();
    let path = l.pathname().unwrap_or_else(|_| "/".to_owned());
    let search = l.search().unwrap_or_default();
    (path, search.trim_start_matches('?').to_owned())
}

#[cfg(target_arch = "wasm32")]
/// The address a plain left click on a link of the console should go to without a page load;
/// `None` for anything the browser should handle itself: other sites, new tabs, downloads, and
/// in-page anchors such as the skip link.
fn client_side_href(ev: &web_sys::MouseEvent) -> Option<String> {
    use wasm_bindgen::JsCast;
    if ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.alt_key()
        || ev.ctrl_key()
        || ev.shift_key()
    {
        return None;
    }
    let a = ev
        .target()?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest("a[href]")
        .ok()??;
    let href = a.get_attribute("href")?;
    let external = a
        .get_attribute("rel")
        .is_some_and(|r| r.split_whitespace().any(|p| p == "external"));
    let same_origin_path = href.starts_with('/') && !href.starts_with("//");
    (same_origin_path
        && !external
        && a.get_attribute("target")
            .is_none_or(|t| t.is_empty() || t == "_self")
        && !a.has_attribute("download"))
    .then_some(href)
}

/// A navigation link that says when its page is the current one (`aria-current="page"`).
#[component]
pub fn NavLink(href: Signal<String>, children: Children) -> impl IntoView {
    let location = use_location();
    let current = move || {
        href.with(|h| {
            let path = h.split(['?', '#']).next().unwrap_or_default();
            location.pathname.with(|p| p == path)
        })
        .then_some("page")
    };
    view! { <a href=href aria-current=current>{children()}</a> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpn_console_domain::api::DEFAULT_PAGE_SIZE;

    /// The line of index.html's early-request script that names what it shares with the console.
    fn early_request_config() -> String {
        format!(
            "var config = {{ lists: ['{GATEWAYS}', '{CONNECTIONS}'], pageSize: {DEFAULT_PAGE_SIZE}, regionKey: '{}',\n          langKey: '{}', zoneKey: '{}', viewCookie: '{}' }};",
            crate::state::REGION_KEY,
            crate::state::LANG_KEY,
            crate::state::ZONE_KEY,
            crate::first_page::VIEW_COOKIE,
        )
    }

    #[test]
    fn index_html_requests_the_first_page_as_the_console_does() {
        let html = include_str!("../index.html");
        assert!(
            html.contains(&early_request_config()),
            "index.html's script must hold `{}`",
            early_request_config()
        );
        // The list request in the script, built as `list_api_path` builds it.
        assert!(html.contains(
            "get('/regions/' + encodeURIComponent(region) + list + '?' +\n            new URLSearchParams({ q: query.get('q') || '', page: page, page_size: config.pageSize }));"
        ));
    }
}
