//! The console's own router: a few fixed pages whose state lives in the query string. A general
//! router (leptos_router) was the largest single crate in the wasm, for features the console does
//! not use (nested and parameterised routes, forms, server redirects).

use leptos::prelude::*;

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
    location
}

pub fn use_location() -> Location {
    expect_context::<Location>()
}

/// The query string's values, decoded as the browser decodes a form (`+` is a space).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(search: &str) -> Self {
        Query(
            search
                .trim_start_matches('?')
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
    let l = window().location();
    let path = l.pathname().unwrap_or_else(|_| "/".to_owned());
    let search = l.search().unwrap_or_default();
    (path, search.trim_start_matches('?').to_owned())
}

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

    #[test]
    fn decodes_the_query() {
        let q = Query::parse("?region=cn-hangzhou&q=a+b%20c%E4%B8%AD&page=2&empty");
        assert_eq!(q.get("region").as_deref(), Some("cn-hangzhou"));
        assert_eq!(q.get("q").as_deref(), Some("a b c中"));
        assert_eq!(q.get("page").as_deref(), Some("2"));
        assert_eq!(q.get("empty").as_deref(), Some(""));
        assert_eq!(q.get("none"), None);
        assert_eq!(Query::parse("q=100%").get("q").as_deref(), Some("100%"));
        assert_eq!(Query::parse("q=%zz").get("q").as_deref(), Some("%zz"));
    }
}
