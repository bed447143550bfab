//! The API's addresses (under `API_PREFIX`), built the same way in the browser and on the
//! server, for every wasm module of the console.

use vpn_console_domain::api::DEFAULT_PAGE_SIZE;

/// `a=1&b=x+y`, encoded by the browser's `URLSearchParams`, as index.html encodes its requests.
#[cfg(target_arch = "wasm32")]
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let Ok(params) = web_sys::UrlSearchParams::new() else {
        return String::new();
    };
    for (k, v) in pairs {
        params.append(k, v);
    }
    params.to_string().into()
}

/// The same on the server: WHATWG's form encoding is `URLSearchParams`'s.
#[cfg(not(target_arch = "wasm32"))]
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// A path segment, percent-encoded as `encodeURIComponent` does.
pub fn segment(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    return js_sys::encode_uri_component(s).into();
    // On the server: the characters `encodeURIComponent` leaves as they are, the rest as UTF-8.
    #[cfg(not(target_arch = "wasm32"))]
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// An address of the API (under `API_PREFIX`): the path and its query, kept apart so that
/// gloo-net writes the query (with `URLSearchParams`), while `key` is the string index.html's
/// script files its early requests under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPath {
    pub path: String,
    pub query: Vec<(&'static str, String)>,
}

impl ApiPath {
    pub fn new(path: impl Into<String>) -> Self {
        ApiPath {
            path: path.into(),
            query: Vec::new(),
        }
    }

    pub fn with(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    /// Path and query as one string, e.g. `/regions/cn-hangzhou/vpn-gateways?q=&page=1&page_size=20`.
    pub fn key(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let pairs: Vec<(&str, &str)> = self.query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        format!("{}?{}", self.path, query_string(&pairs))
    }
}

/// A page of a list's rows: `list` is the page's path, which is also the name of the collection
/// in the region. index.html builds the same key for the first page it requests early (see
/// `early_request_config`).
pub fn list_api_path(list: &str, region: &str, q: &str, page: u32) -> ApiPath {
    ApiPath::new(format!("/regions/{}{list}", segment(region)))
        .with("q", q)
        .with("page", page)
        .with("page_size", DEFAULT_PAGE_SIZE)
}

/// What a region keeps over the last `days`, e.g. `/regions/cn-hangzhou/om-events?days=30`.
pub fn region_days_api_path(region: &str, rest: &str, days: u32) -> ApiPath {
    ApiPath::new(format!("/regions/{}/{rest}", segment(region))).with("days", days)
}

/// An event's API path, e.g. `/om-events/om-1/log` (`rest` empty for the event itself).
pub fn event_api_path(id: &str, rest: &str) -> ApiPath {
    ApiPath::new(format!("/om-events/{}{rest}", segment(id)))
}
