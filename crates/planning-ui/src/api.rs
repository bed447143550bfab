//! The few API calls of this module, through the browser's fetch with the session cookie, the
//! answers parsed by the browser (no JSON parser in the wasm). The console's own client
//! (src/api.rs) is not shared: it is built on the console's Leptos-side state.

use serde::de::DeserializeOwned;
use serde::Serialize;
use vpn_console_domain::api::{ApiError, API_PREFIX};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[path = "api_planning.rs"]
pub mod planning;

/// A failed call, as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    Api { status: u16, error: ApiError },
    Network(String),
}

impl CallError {
    pub fn message(&self, lang: crate::i18n::Lang) -> String {
        match self {
            CallError::Api { error, .. } => error.message.clone(),
            CallError::Network(detail) => {
                format!("{} ({detail})", lang.text(crate::i18n::Msg::ErrNetwork))
            }
        }
    }
}

pub struct Answer {
    pub status: u16,
    pub body: Option<JsValue>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

pub async fn send(
    method: Method,
    path: &crate::router::ApiPath,
    extra_headers: &[(&str, &str)],
    body: Option<String>,
) -> Result<Answer, CallError> {
    let failed = || CallError::Network("the request did not complete".into());
    let init = web_sys::RequestInit::new();
    init.set_method(match method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
    });
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let headers = web_sys::Headers::new().map_err(|_| failed())?;
    let _ = headers.set("Accept", "application/json");
    for (name, value) in extra_headers {
        let _ = headers.set(name, value);
    }
    if let Some(b) = body {
        let _ = headers.set("Content-Type", "application/json");
        init.set_body(&JsValue::from_str(&b));
    }
    init.set_headers(&headers);
    let url = format!("{API_PREFIX}{}", path.0);
    let request = web_sys::Request::new_with_str_and_init(&url, &init).map_err(|_| failed())?;
    let window = web_sys::window().ok_or_else(failed)?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| failed())?
        .unchecked_into();
    let body = match response.json() {
        Ok(p) => JsFuture::from(p).await.ok(),
        Err(_) => None,
    };
    Ok(Answer {
        status: response.status(),
        body,
    })
}

pub fn decode<T: DeserializeOwned>(answer: Answer) -> Result<T, CallError> {
    let body = success_body(answer)?;
    serde_wasm_bindgen::from_value(body)
        .map_err(|e| CallError::Network(format!("unreadable answer: {e}")))
}

pub fn success_body(answer: Answer) -> Result<JsValue, CallError> {
    if (200..300).contains(&answer.status) {
        return answer
            .body
            .ok_or_else(|| CallError::Network("unreadable answer: not JSON".into()));
    }
    let error = answer
        .body
        .and_then(|b| serde_wasm_bindgen::from_value(b).ok())
        .unwrap_or(ApiError {
            code: "http_error".into(),
            message: format!("The server answered {}.", answer.status),
        });
    Err(CallError::Api {
        status: answer.status,
        error,
    })
}

pub async fn get<T: DeserializeOwned>(path: &crate::router::ApiPath) -> Result<T, CallError> {
    decode(send(Method::Get, path, &[], None).await?)
}

/// Serialized as serde_json would (maps as objects, `None` as `null`), written by the browser.
pub fn json_body(value: &impl Serialize) -> String {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&serializer)
        .ok()
        .and_then(|v| js_sys::JSON::stringify(&v).ok())
        .and_then(|s| s.as_string())
        .expect("request bodies serialize")
}
