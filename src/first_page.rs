//! The first page as the server draws it (docs/first-page.md): the console's own `App`, rendered
//! to HTML by the server from the answers the browser would have asked for, in the viewer's
//! language and zone.
//!
//! While the server renders there is no browser. The few places that read one (the address, the
//! remembered settings, the zone's offset) read the [`FirstPage`] being rendered instead. So do
//! the answers the page starts from (`answer`, `list_answer`). In the browser there is never a
//! first page here, and those functions compile to nothing.

use serde::de::DeserializeOwned;
#[cfg(not(target_arch = "wasm32"))]
use vpn_console_domain::api::{OmEventsCell, Page};

/// The cookie that tells the server how the viewer sees the console: the language tag and the
/// zone (`UTC` or an IANA name), separated by `|`
/// (`en|Asia/Shanghai`). Written by index.html's early script.
pub const VIEW_COOKIE: &str = "om-view";

/// What the server knows when it draws the first page.
#[cfg(not(target_arch = "wasm32"))]
pub struct FirstPage {
    /// The page's address: path, and query without `?`.
    pub pathname: String,
    pub search: String,
    /// The language tag, as the browser would give it (`Lang::from_tag`).
    pub lang_tag: String,
    /// `true` when the viewer chose UTC; else times are in the zone `render` is given.
    pub utc: bool,
    /// The API's answers by the key index.html's early script files them under
    /// (`ApiPath::key`), as JSON text.
    pub answers: Vec<(String, String)>,
}

#[cfg(not(target_arch = "wasm32"))]
thread_local! {
    static CURRENT: std::cell::RefCell<Option<std::rc::Rc<FirstPage>>> = const { std::cell::RefCell::new(None) };
}

/// Reads the first page being drawn, if any (only ever on the server).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn with<R>(f: impl FnOnce(&FirstPage) -> R) -> Option<R> {
    let page = CURRENT.with(|c| c.borrow().clone())?;
    Some(f(&page))
}

#[cfg(not(target_arch = "wasm32"))]
impl FirstPage {
    fn body(&self, key: &str) -> Option<&str> {
        self.answers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, body)| body.as_str())
    }
}

/// The answer filed under `key`, read as the console reads it.
pub(crate) fn answer<T: DeserializeOwned>(key: &str) -> Option<T> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        with(|page| serde_json::from_str(page.body(key)?).ok()).flatten()
    }
    #[cfg(target_arch = "wasm32")]
    {
        let _ = key;
        None
    }
}

/// A list page's answer, each item read as its resource and its O&M Events cell, as
/// `api::list` reads it in the browser.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn list_answer<R: DeserializeOwned, T>(
    key: &str,
    join: fn(R, OmEventsCell) -> T,
) -> Option<Page<T>> {
    #[derive(serde::Deserialize)]
    struct Member {
        om_events: OmEventsCell,
    }
    let parsed: Page<serde_json::Value> = answer(key)?;
    let items = parsed
        .items
        .into_iter()
        .map(|item| {
            let Member { om_events } = serde_json::from_value(item.clone()).ok()?;
            Some(join(serde_json::from_value(item).ok()?, om_events))
        })
        .collect::<Option<_>>()?;
    Some(Page {
        items,
        total: parsed.total,
        page: parsed.page,
        page_size: parsed.page_size,
        server_time: parsed.server_time,
    })
}

/// The console as the browser will show it at `page`, as HTML: what goes in `<body>`.
/// `offset_at` is the viewer's UTC offset at an instant, in seconds east of UTC.
#[cfg(feature = "ssr")]
pub fn render(page: FirstPage, offset_at: crate::time::OffsetAt) -> String {
    use leptos::prelude::*;
    crate::time::SERVER_ZONE.with(|z| *z.borrow_mut() = Some(offset_at));
    CURRENT.with(|c| *c.borrow_mut() = Some(std::rc::Rc::new(page)));
    let owner = Owner::new();
    let html = owner.with(|| crate::App().to_html());
    drop(owner);
    CURRENT.with(|c| *c.borrow_mut() = None);
    crate::time::SERVER_ZONE.with(|z| *z.borrow_mut() = None);
    html
}

/// The API requests a list page's first render makes, as `ApiPath` keys: the session, the
/// regions and the page of the list the address names. `None` for any other address, or one
/// that names no region (the console would pick one from the browser's storage).
#[cfg(not(target_arch = "wasm32"))]
pub fn requests(pathname: &str, search: &str) -> Option<[String; 3]> {
    use crate::router::{list_api_path, page_number, Query, CONNECTIONS, GATEWAYS};
    let list = [GATEWAYS, CONNECTIONS]
        .into_iter()
        .find(|p| *p == pathname)?;
    let query = Query::parse(search);
    let region = query.get("region").filter(|r| !r.is_empty())?;
    let q = query.get("q").unwrap_or_default();
    let key = list_api_path(list, &region, &q, page_number(&query)).key();
    Some(["/session".into(), "/regions".into(), key])
}
