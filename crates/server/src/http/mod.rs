//! The HTTP API (docs/DESIGN.md section 6) and the console's files.

mod approvals;
mod audit;
mod bulk;
pub mod client;
mod error;
mod events;
mod extract;
mod first_page;
mod headers;
mod lists;
mod login_guard;
mod overview;
mod planning;
mod regions;
mod session;
mod stream;
// Notifications (DESIGN.md 9).
mod calendar;
mod channels;
mod webhooks;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use tokio::sync::Notify;
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use error::{AppError, Result};

use crate::clock::Clock;
use crate::store::Store;

/// What every handler shares. One Arc, so that handing it to a request is one reference count,
/// not one per pool and cache.
#[derive(Clone)]
pub struct AppState(Arc<AppStateParts>);

impl AppState {
    pub fn new(parts: AppStateParts) -> Self {
        AppState(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppStateParts;

    fn deref(&self) -> &AppStateParts {
        &self.0
    }
}

pub struct AppStateParts {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// Wakes the scheduler when an event is moved to now, so Execute Now starts at once.
    pub scheduler_wake: Arc<Notify>,
    /// List pages recently sent (see `store::read_cache`).
    pub list_pages: lists::PageCache,
    /// Which proxies are believed about the client's address and scheme.
    pub deployment: client::Deployment,
    /// The open live update streams and what feeds them.
    pub live: crate::live::Hub,
    /// Webhook URL rules and the public URL (DESIGN.md 9).
    pub notify: crate::notify::Settings,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "VPN Gateway O&M Events API",
        description = "View the O&M events of VPN gateways and IPsec-VPN connections, preview their impact, and execute or reschedule them."
    ),
    components(schemas(vpn_console_domain::api::ApiError)),
    modifiers(&SecuritySchemes),
    security(("session" = []), ("token" = []))
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(extract::SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes and the OpenAPI document generated from them.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let api = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
        .merge(regions::router())
        .merge(lists::router())
        .merge(events::router())
        .merge(planning::router())
        .merge(bulk::router())
        .merge(session::router())
        .merge(stream::router())
        .merge(webhooks::router())
        .merge(channels::router())
        .merge(calendar::router())
        .merge(audit::router())
        .merge(overview::router())
        .merge(approvals::router());
    let (router, doc) = OpenApiRouter::new().nest("/api/v1", api).split_for_parts();
    (router, doc)
}

pub fn app(state: AppState, console_dir: &Path) -> Router {
    let (api, doc) = api();
    let doc = Arc::new(doc);
    let index = console_dir.join("index.html");
    // The list pages, drawn by the server when it can (docs/first-page.md). It asks the API
    // routes themselves, as the browser would.
    let template = first_page::Template::read(&index);
    let mut drawn_scripts = vec![first_page::FIRST_ROW_MARK.to_owned()];
    drawn_scripts.extend(
        template
            .iter()
            .flat_map(first_page::Template::inline_scripts),
    );
    let csp = content_security_policy(&index, &drawn_scripts);
    let pages = first_page::FirstPageService {
        api: api.clone().with_state(state.clone()),
        template,
        index: ServeFile::new(&index),
    };
    let page = move |req: Request| pages.clone().serve(req);
    let console = ServeDir::new(console_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(&index));
    // The console's files are chosen by Accept-Encoding (brotli, gzip or plain), so a shared
    // cache must key them by it too, or it could hand brotli to a client that never asked.
    // On every answer of the files, the plain ones and 304s included: which variants a file
    // has is not known from the answer, and a needless Vary costs a cache little.
    let console = SetResponseHeaderLayer::appending(
        header::VARY,
        HeaderValue::from_static("accept-encoding"),
    )
    .layer(console);

    let routes = Router::new()
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .merge(api)
        .route(vpn_console::router::GATEWAYS, get(page.clone()))
        .route(vpn_console::router::CONNECTIONS, get(page))
        .route("/api/v1/{*rest}", axum::routing::any(api_not_found))
        .route("/api/v1", axum::routing::any(api_not_found))
        // After every route: it is set on the routes present. axum adds the Allow header.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback_service(console);
    // Only when configured: a middleware per request costs the read paths' throughput.
    let routes = if state.deployment.allowed_hosts.is_empty() {
        routes
    } else {
        routes.layer(axum::middleware::from_fn_with_state(
            state.clone(),
            refuse_other_hosts,
        ))
    };
    routes
        .layer(CatchPanicLayer::custom(panic_answer))
        .layer(DefaultBodyLimit::max(16 * 1024))
        .layer(headers::SecurityHeadersLayer::new(
            csp,
            state.deployment.clone(),
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let request_id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            let path = logged_path(req.uri().path());
            tracing::info_span!("request", request_id = %request_id, method = %req.method(), path = %path)
        }))
        .layer(SetRequestIdLayer::x_request_id(RequestIds::new()))
        .with_state(state)
}

/// The path as the request's span (and so every log line) shows it: a calendar feed's path is
/// its only credential, so its token never reaches a log (DESIGN.md 17).
fn logged_path(path: &str) -> &str {
    if path.starts_with("/api/v1/calendar/") {
        "/api/v1/calendar/{token}.ics"
    } else {
        path
    }
}

/// Request IDs unique across replicas and restarts: a random prefix per process and a counter.
/// A UUID per request would cost a system call for randomness on every request.
#[derive(Clone)]
struct RequestIds {
    prefix: Arc<str>,
    next: Arc<std::sync::atomic::AtomicU64>,
}

impl RequestIds {
    fn new() -> Self {
        RequestIds {
            prefix: uuid::Uuid::new_v4().simple().to_string()[..12].into(),
            next: Arc::default(),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n:x}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

async fn api_not_found() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no such API path; see /api/v1/openapi.json.",
    )
}

/// `--allowed-host`: a request for another host name (DNS rebinding, a forged link) is
/// answered by nothing but this.
async fn refuse_other_hosts(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if state.deployment.host_allowed(req.headers()) {
        return next.run(req).await;
    }
    AppError::new(
        StatusCode::BAD_REQUEST,
        "host_not_allowed",
        "This server does not serve that host name.",
    )
    .into_response()
}

/// A handler that panics answers 500 with the error shape, not a reset connection (DESIGN.md
/// 17); the connection and the process go on.
fn panic_answer(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    tracing::error!(panic = %what, "a request's handler panicked");
    AppError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Something went wrong on the server. Try again; if it happens again, tell the operator.",
    )
    .into_response()
}

async fn method_not_allowed() -> AppError {
    AppError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This path does not take that method; the Allow header lists those it takes.",
    )
}

/// Trunk writes one inline module script that loads the wasm, index.html has its early-request
/// script, and the server's first page (`extra`) one more; their hashes are allowed so that no
/// other inline script can run.
fn content_security_policy(index: &Path, extra: &[String]) -> HeaderValue {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let html = std::fs::read_to_string(index).unwrap_or_default();
    let mut hashes = String::new();
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_start = &after[open_end + 1..];
        let Some(close) = body_start.find("</script>") else {
            break;
        };
        if !tag.contains("src=") {
            let digest = Sha256::digest(&body_start.as_bytes()[..close]);
            hashes.push_str(&format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body_start[close..];
    }
    for script in extra {
        let digest = Sha256::digest(script.as_bytes());
        hashes.push_str(&format!(
            " 'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        ));
    }
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy).expect("the policy is ASCII")
}
