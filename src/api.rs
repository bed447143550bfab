//! Typed client of the HTTP API: one function per endpoint.

use serde::de::DeserializeOwned;
use vpn_console_domain::api::{ApiError, Region, API_PREFIX};

/// A failed call, as the console shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// The server answered with `{code, message}`.
    Api { status: u16, error: ApiError },
    /// No answer: offline, server down, or the request was aborted.
    Network(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Api { error, .. } => f.write_str(&error.message),
            CallError::Network(m) => write!(f, "The console cannot reach the server: {m}"),
        }
    }
}

#[cfg(target_arch = "wasm32")]
async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, CallError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let net = |e: wasm_bindgen::JsValue| CallError::Network(format!("{e:?}"));
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let url = format!("{API_PREFIX}{path}");
    let request = web_sys::Request::new_with_str_and_init(&url, &init).map_err(net)?;
    let window = web_sys::window().ok_or_else(|| CallError::Network("no window".into()))?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(net)?
        .unchecked_into();
    let text = JsFuture::from(response.text().map_err(net)?)
        .await
        .map_err(net)?
        .as_string()
        .unwrap_or_default();
    if response.ok() {
        serde_json::from_str(&text).map_err(|e| CallError::Network(e.to_string()))
    } else {
        let error = serde_json::from_str(&text).unwrap_or(ApiError {
            code: "http_error".into(),
            message: format!("The server answered {}.", response.status()),
        });
        Err(CallError::Api {
            status: response.status(),
            error,
        })
    }
}

#[cfg(not(target_arch = "wasm32"))]
async fn get_json<T: DeserializeOwned>(_path: &str) -> Result<T, CallError> {
    Err(CallError::Network(
        "the console runs only in a browser".into(),
    ))
}

pub async fn regions() -> Result<Vec<Region>, CallError> {
    get_json("/regions").await
}
