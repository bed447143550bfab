//! The one browser client of the HTTP API, for the console and its lazily loaded pages: one
//! function per endpoint, answers in the domain's shapes; the paths come from [`crate::paths`].
//! A page's own endpoints (in this crate's submodules or in the page's crate) are built on
//! [`send`], [`get`], [`decode`] and [`json_body`].

use std::cell::RefCell;

use serde::de::DeserializeOwned;
use serde::Serialize;
use vpn_console_domain::api::{
    AlertTrend, ApiError, AuditPage, EventDetail, History, LogEntry, LoginRequest, OmEventsCell,
    Page, Region, SessionInfo, API_PREFIX,
};
use vpn_console_domain::approval::{ApprovalPolicy, Covered};
use vpn_console_domain::planning::{BulkExecutionRequest, BulkExecutionResponse, ExecutionBody};
use vpn_console_domain::OmEvent;
use wasm_bindgen::JsValue;

use crate::paths::{event_api_path, list_api_path, region_days_api_path, ApiPath};

pub mod approvals;
pub mod notifications;
pub mod planning;

/// A failed call, as the console shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// The server answered with `{code, message}`.
    Api { status: u16, error: ApiError },
    /// No usable answer: offline, server down, or a body the console cannot read.
    Network(String),
}

impl CallError {
    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::Api { status, .. } => Some(*status),
            CallError::Network(_) => None,
        }
    }

    /// What the console shows: the server's own message, or a localized one when there was no answer.
    pub fn message(&self, lang: crate::i18n::Lang) -> String {
        match self {
            CallError::Api { error, .. } => error.message.clone(),
            CallError::Network(detail) => {
                format!("{} ({detail})", lang.text(crate::i18n::Msg::ErrNetwork))
            }
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Api { error, .. } => f.write_str(&error.message),
            CallError::Network(m) => write!(f, "The console cannot reach the server ({m})."),
        }
    }
}

thread_local! {
    /// Called when any request answers 401, so the shell can show the log-in page.
    static ON_UNAUTHENTICATED: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

pub fn on_unauthenticated(f: impl Fn() + 'static) {
    ON_UNAUTHENTICATED.with(|cell| *cell.borrow_mut() = Some(Box::new(f)));
}

/// An answer: status, ETag, and the body as the browser parsed it (`None` when it is not JSON).
pub struct Answer {
    pub status: u16,
    pub etag: Option<String>,
    pub body: Option<JsValue>,
}

/// The methods the API is called with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

type Sent<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Answer, CallError>> + 'a>>;

/// Boxed so that the fetch's state machine is compiled once, not inlined into the future of
/// every endpoint and every resource that awaits one (that copy was the wasm's biggest item).
pub fn send<'a>(
    method: Method,
    path: &'a ApiPath,
    headers: &'a [(&'a str, &'a str)],
    body: Option<String>,
) -> Sent<'a> {
    Box::pin(fetch(method, path, headers, body))
}

#[cfg(target_arch = "wasm32")]
async fn fetch(
    method: Method,
    path: &ApiPath,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> Result<Answer, CallError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let early = if method == Method::Get && headers.is_empty() {
        early_response(&path.key())
    } else {
        // A change (logging in, rescheduling) makes the early answers stale.
        forget_early_responses();
        None
    };
    let did_not_complete = || CallError::Network("the request did not complete".into());
    let (response, body) = match early {
        // `{response, body}` with the body already parsed (null when it is not JSON), or null
        // when the request failed.
        Some(p) => {
            let early = JsFuture::from(p)
                .await
                .ok()
                .filter(|v| !v.is_null())
                .ok_or_else(did_not_complete)?;
            let get = |key: &str| js_sys::Reflect::get(&early, &JsValue::from_str(key));
            let response = get("response")
                .map_err(|_| did_not_complete())?
                .unchecked_into::<web_sys::Response>();
            let body = get("body")
                .ok()
                .filter(|b| !b.is_null() && !b.is_undefined());
            (response, body)
        }
        None => {
            let response = web_sys::Response::from(
                request(method, path, headers, body)
                    .map_err(|_| CallError::Network("the request could not be built".into()))?
                    .send()
                    .await
                    .map_err(|_| did_not_complete())?,
            );
            // The browser's JSON parser: the body never crosses into the wasm as text, and no
            // JSON parser is compiled into it.
            let body = match response.json() {
                Ok(p) => JsFuture::from(p).await.ok(),
                Err(_) => None,
            };
            (response, body)
        }
    };
    Ok(Answer {
        status: response.status(),
        etag: response.headers().get("ETag").ok().flatten(),
        body,
    })
}

/// The request, built with gloo-net: same-origin credentials (the session cookie), JSON both ways.
#[cfg(target_arch = "wasm32")]
fn request(
    method: Method,
    path: &ApiPath,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> Result<gloo_net::http::Request, gloo_net::Error> {
    use gloo_net::http::Request;
    let url = format!("{API_PREFIX}{}", path.path);
    let mut builder = match method {
        Method::Get => Request::get(&url),
        Method::Post => Request::post(&url),
        Method::Put => Request::put(&url),
        Method::Delete => Request::delete(&url),
    }
    .query(path.query.iter().map(|(k, v)| (*k, v)))
    .credentials(web_sys::RequestCredentials::SameOrigin)
    .header("Accept", "application/json");
    for (k, v) in headers {
        builder = builder.header(k, v);
    }
    match body {
        Some(b) => builder
            .header("Content-Type", "application/json")
            .body(JsValue::from_str(&b)),
        None => builder.build(),
    }
}

/// How long a request started by index.html stays usable: it serves the first page, and an
/// answer older than this could show the viewer something they have already changed.
#[cfg(target_arch = "wasm32")]
const EARLY_FOR_MS: f64 = 10_000.0;

/// The request index.html started for this path before the wasm ran (see its inline script),
/// taken at most once.
#[cfg(target_arch = "wasm32")]
fn early_response(path: &str) -> Option<js_sys::Promise> {
    use js_sys::Reflect;
    use wasm_bindgen::JsCast;
    let early = Reflect::get(&js_sys::global(), &JsValue::from_str("omEarly")).ok()?;
    if early.is_undefined() {
        return None;
    }
    let at = Reflect::get(&early, &JsValue::from_str("at"))
        .ok()?
        .as_f64()?;
    let responses = Reflect::get(&early, &JsValue::from_str("responses")).ok()?;
    let key = JsValue::from_str(path);
    let promise = Reflect::get(&responses, &key).ok()?.dyn_into().ok()?;
    let _ = Reflect::delete_property(responses.unchecked_ref::<js_sys::Object>(), &key);
    (js_sys::Date::now() - at < EARLY_FOR_MS).then_some(promise)
}

/// Resolves when every request index.html started has answered (each settles, failed or not),
/// or after `EARLY_WAIT_MS` at most: a slow server must not keep the console from showing its
/// loading state.
pub async fn early_answers() {
    #[cfg(target_arch = "wasm32")]
    {
        use js_sys::{Array, Object, Promise, Reflect};
        const EARLY_WAIT_MS: i32 = 3_000;
        let Some(responses) = Reflect::get(&js_sys::global(), &JsValue::from_str("omEarly"))
            .ok()
            .filter(|e| !e.is_undefined())
            .and_then(|e| Reflect::get(&e, &JsValue::from_str("responses")).ok())
        else {
            return;
        };
        let responses: &Object = wasm_bindgen::JsCast::unchecked_ref(&responses);
        let all = Promise::all(&Object::values(responses));
        let timeout = Promise::new(&mut |resolve, _| {
            let _ = web_sys::window()
                .expect("a window")
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, EARLY_WAIT_MS);
        });
        let _ =
            wasm_bindgen_futures::JsFuture::from(Promise::race(&Array::of2(&all, &timeout))).await;
    }
}

/// Drops the requests index.html started: they were made with the session of the page load.
fn forget_early_responses() {
    #[cfg(target_arch = "wasm32")]
    let _ = js_sys::Reflect::delete_property(
        wasm_bindgen::JsCast::unchecked_ref::<js_sys::Object>(&js_sys::global()),
        &JsValue::from_str("omEarly"),
    );
}

#[cfg(not(target_arch = "wasm32"))]
async fn fetch(
    _: Method,
    path: &ApiPath,
    _: &[(&str, &str)],
    _: Option<String>,
) -> Result<Answer, CallError> {
    let _ = format!("{API_PREFIX}{}", path.key());
    Err(CallError::Network(
        "the console runs only in a browser".into(),
    ))
}

pub fn decode<T: DeserializeOwned>(answer: Answer) -> Result<T, CallError> {
    let body = success_body(answer)?;
    serde_wasm_bindgen::from_value(body).map_err(unreadable)
}

fn unreadable(e: serde_wasm_bindgen::Error) -> CallError {
    CallError::Network(format!("unreadable answer: {e}"))
}

pub fn api_error(body: Option<JsValue>) -> Option<ApiError> {
    serde_wasm_bindgen::from_value(body?).ok()
}

/// The body of a 2xx answer, else the error it carries; kept apart from `decode` so that only
/// the parsing is compiled once per answer type.
#[inline(never)]
pub fn success_body(answer: Answer) -> Result<JsValue, CallError> {
    if (200..300).contains(&answer.status) {
        return answer
            .body
            .ok_or_else(|| CallError::Network("unreadable answer: not JSON".into()));
    }
    if answer.status == 401 {
        // Whatever else was requested with the same missing session is refused too.
        forget_early_responses();
        ON_UNAUTHENTICATED.with(|cell| {
            if let Some(f) = cell.borrow().as_ref() {
                f();
            }
        });
    }
    let error = api_error(answer.body).unwrap_or(ApiError {
        code: "http_error".into(),
        message: format!("The server answered {}.", answer.status),
    });
    Err(CallError::Api {
        status: answer.status,
        error,
    })
}

pub async fn get<T: DeserializeOwned>(path: &ApiPath) -> Result<T, CallError> {
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

pub async fn session() -> Result<SessionInfo, CallError> {
    decode(send(Method::Get, &ApiPath::new("/session"), &[], None).await?)
}

pub async fn log_in(email: String, password: String) -> Result<SessionInfo, CallError> {
    // A wrong password is a 401 too, but it must not bounce to the log-in page it is on.
    let answer = send(
        Method::Post,
        &ApiPath::new("/session"),
        &[],
        Some(json_body(&LoginRequest { email, password })),
    )
    .await?;
    if answer.status == 401 {
        let error = api_error(answer.body).unwrap_or(ApiError {
            code: "invalid_credentials".into(),
            message: "The email or password is wrong.".into(),
        });
        return Err(CallError::Api { status: 401, error });
    }
    decode(answer)
}

pub async fn log_out() -> Result<(), CallError> {
    let answer = send(Method::Delete, &ApiPath::new("/session"), &[], None).await?;
    if answer.status == 204 || answer.status == 401 {
        Ok(())
    } else {
        success_body(answer).map(|_| ())
    }
}

pub async fn regions() -> Result<Vec<Region>, CallError> {
    get(&ApiPath::new("/regions")).await
}

/// An item of a list answer as the browser parsed it, kept as is (see `list`).
#[derive(serde::Deserialize)]
struct ParsedItem(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

/// The `om_events` member of a list item; the item's other members are ignored.
#[derive(serde::Deserialize)]
struct OmEventsMember {
    om_events: OmEventsCell,
}

/// One page of a list (`router::GATEWAYS` or `router::CONNECTIONS`) of a region. Each item is
/// one JSON object holding the resource's fields and `om_events`; it is read twice, as the
/// resource `R` and as its `om_events`, and joined by `join`. (The domain's item types read it
/// with `#[serde(flatten)]`, whose buffering deserializer was 2.1 KB gzip of the first load.)
pub async fn list<R: DeserializeOwned, T>(
    list: &str,
    region: &str,
    q: &str,
    page: u32,
    join: fn(R, OmEventsCell) -> T,
) -> Result<Page<T>, CallError> {
    let parsed: Page<ParsedItem> = get(&list_api_path(list, region, q, page)).await?;
    let items = parsed
        .items
        .into_iter()
        .map(|ParsedItem(item)| {
            let resource = serde_wasm_bindgen::from_value(item.clone())?;
            let OmEventsMember { om_events } = serde_wasm_bindgen::from_value(item)?;
            Ok(join(resource, om_events))
        })
        .collect::<Result<_, serde_wasm_bindgen::Error>>()
        .map_err(unreadable)?;
    Ok(Page {
        items,
        total: parsed.total,
        page: parsed.page,
        page_size: parsed.page_size,
        server_time: parsed.server_time,
    })
}

/// The event detail and its ETag (the version to send back in `If-Match`).
/// The event, its ETag, and its detail as JSON text for the what-if (src/lazy_pages.rs), which
/// reads it in its own module.
pub async fn event(id: &str) -> Result<(EventDetail, String, String), CallError> {
    let answer = send(Method::Get, &event_api_path(id, ""), &[], None).await?;
    let etag = answer.etag.clone().unwrap_or_default();
    let json = answer
        .body
        .as_ref()
        .and_then(|b| js_sys::JSON::stringify(b).ok())
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    decode(answer).map(|d| (d, etag, json))
}

/// What a change request came to: made, or sent for approval (202, DESIGN.md 14; the request
/// is read again with the event's approvals).
#[derive(Clone)]
pub enum Executed {
    Changed(OmEvent),
    SentForApproval,
}

/// A pending approval request as the dialog shows it. Read field by field from the parsed
/// JSON rather than by a serde decoder: each decoder costs the first load kilobytes, for four
/// fields shown in one place.
#[derive(Clone, PartialEq)]
pub struct PendingApproval {
    pub id: String,
    pub requested_by: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// `None` for Execute Now.
    pub execute_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn field(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text_of(v: &JsValue, key: &str) -> Option<String> {
    field(v, key).as_string()
}

fn time_of(v: &JsValue, key: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    text_of(v, key)?.parse().ok()
}

fn array_of(v: &JsValue, key: &str) -> Vec<JsValue> {
    let a = field(v, key);
    if js_sys::Array::is_array(&a) {
        js_sys::Array::from(&a).iter().collect()
    } else {
        Vec::new()
    }
}

/// `{require_for, min_approvals}` into the domain's policy, whose rule says what it covers.
fn policy_of(v: &JsValue) -> Option<ApprovalPolicy> {
    let covered = array_of(v, "require_for")
        .iter()
        .filter_map(|c| Covered::parse(&c.as_string()?))
        .collect();
    let min = field(v, "min_approvals").as_f64()?;
    ApprovalPolicy::new(covered, min as u8)
}

/// The first request of `list` (`GET /approvals`) that covers `event_id`.
fn pending_of(list: &JsValue, event_id: &str) -> Option<PendingApproval> {
    let request = array_of(list, "items").into_iter().find(|r| {
        array_of(r, "event_ids")
            .iter()
            .any(|e| e.as_string().as_deref() == Some(event_id))
    })?;
    let change = field(&request, "change");
    Some(PendingApproval {
        id: text_of(&request, "id")?,
        requested_by: text_of(&request, "requested_by")?,
        expires_at: time_of(&request, "expires_at")?,
        execute_at: time_of(&change, "execute_at"),
    })
}

pub async fn request_execution(
    id: &str,
    etag: &str,
    idempotency_key: &str,
    body: &ExecutionBody,
) -> Result<Executed, CallError> {
    let headers = [("If-Match", etag), ("Idempotency-Key", idempotency_key)];
    let answer = send(
        Method::Post,
        &event_api_path(id, "/execution"),
        &headers,
        Some(json_body(body)),
    )
    .await?;
    if answer.status == 202 {
        Ok(Executed::SentForApproval)
    } else {
        decode(answer).map(Executed::Changed)
    }
}

/// The account's approval policy, read field by field (the dialogs' first load).
pub async fn approval_policy() -> Result<ApprovalPolicy, CallError> {
    let policy =
        success_body(send(Method::Get, &ApiPath::new("/approval-policy"), &[], None).await?)?;
    policy_of(&policy)
        .ok_or_else(|| CallError::Network("unreadable answer: not an approval policy".into()))
}

/// The account's approval policy and the event's pending request, if any.
pub async fn approvals_of(
    event_id: &str,
) -> Result<(ApprovalPolicy, Option<PendingApproval>), CallError> {
    let policy = approval_policy().await?;
    let list = success_body(
        send(
            Method::Get,
            &ApiPath::new("/approvals?status=pending"),
            &[],
            None,
        )
        .await?,
    )?;
    Ok((policy, pending_of(&list, event_id)))
}

/// How many approval requests of the account are pending (`total` of
/// `GET /approvals?status=pending`), for the navigation's badge; read field by field.
pub async fn pending_approvals() -> Result<u64, CallError> {
    let list = success_body(
        send(
            Method::Get,
            &ApiPath::new("/approvals?status=pending"),
            &[],
            None,
        )
        .await?,
    )?;
    field(&list, "total")
        .as_f64()
        .map(|n| n as u64)
        .ok_or_else(|| CallError::Network("unreadable answer: not an approval list".into()))
}

/// The requester withdraws a pending request.
pub async fn cancel_approval(id: &str) -> Result<(), CallError> {
    notifications::no_content(Method::Delete, &ApiPath::new(format!("/approvals/{id}"))).await
}

/// `POST /om-events/bulk-execution`: every item decided on its own (DESIGN.md 10.4).
pub async fn bulk_execution(
    idempotency_key: &str,
    body: &BulkExecutionRequest,
) -> Result<BulkExecutionResponse, CallError> {
    decode(
        send(
            Method::Post,
            &ApiPath::new("/om-events/bulk-execution"),
            &[("Idempotency-Key", idempotency_key)],
            Some(json_body(body)),
        )
        .await?,
    )
}

/// `POST /om-events/{id}/verification` (operators): re-check a completed event's tunnels at once;
/// the answer is the `verification` object itself (DESIGN.md 12.2).
pub async fn recheck_verification(
    id: &str,
) -> Result<vpn_console_domain::verification::Verification, CallError> {
    decode(
        send(
            Method::Post,
            &event_api_path(id, "/verification"),
            &[],
            None,
        )
        .await?,
    )
}

pub async fn event_log(id: &str) -> Result<Vec<LogEntry>, CallError> {
    get(&event_api_path(id, "/log")).await
}

pub async fn history(region: &str, days: u32) -> Result<History, CallError> {
    get(&region_days_api_path(region, "om-events", days)).await
}

pub async fn alert_trend(region: &str, days: u32) -> Result<AlertTrend, CallError> {
    get(&region_days_api_path(region, "alerts/trend", days)).await
}

/// `GET /audit-log` (operators): one page of the account audit log of the last `days`.
pub async fn audit_log(days: u32, page: u32, page_size: u32) -> Result<AuditPage, CallError> {
    get(&ApiPath::new("/audit-log")
        .with("days", days)
        .with("page", page)
        .with("page_size", page_size))
    .await
}

/// `GET /overview`: every region at once for the next `days` days (DESIGN.md 16).
pub async fn overview(days: u32) -> Result<vpn_console_domain::overview::Overview, CallError> {
    get(&ApiPath::new("/overview").with("days", days)).await
}

/// `GET /reports/availability?month=YYYY-MM`: each site's month (DESIGN.md 16).
pub async fn availability(
    month: &str,
) -> Result<vpn_console_domain::overview::AvailabilityReport, CallError> {
    get(&ApiPath::new("/reports/availability").with("month", month)).await
}
