//! Log in and out.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Duration;
use cookie::{Cookie, SameSite};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::{ApiError, LoginRequest, SessionInfo};

use super::extract::{session_cookie, ApiJson, Auth, SESSION_COOKIE};
use super::{AppError, AppState, Result};
use crate::store::accounts::{MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(log_in, log_out, who_am_i))
}

const SESSION_HOURS: i64 = 12;

/// Log in: sets the session cookie (HttpOnly, SameSite=Strict, 12 hours).
#[utoipa::path(post, path = "/session", tag = "session", security(()),
    request_body = LoginRequest,
    responses((status = 200, body = SessionInfo), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 413, body = ApiError), (status = 415, body = ApiError),
        (status = 429, body = ApiError, headers(("Retry-After" = String)))))]
async fn log_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(login): ApiJson<LoginRequest>,
) -> Result<Response> {
    if login.email.len() > 254 || login.password.len() > 1024 {
        return Err(AppError::bad_request(
            "invalid_body",
            "The email or password is too long.",
        ));
    }
    let now = state.clock.now();
    let email = login.email.trim().to_lowercase();
    let account_key = format!("email:{email}");
    let address_key = format!("addr:{}", peer.ip());
    let keys = [
        (account_key.clone(), MAX_FAILURES_PER_ACCOUNT),
        (address_key.clone(), MAX_FAILURES_PER_ADDRESS),
    ];
    if let Some(wait) = state.store.login_locked_for(&keys, now).await? {
        return Ok(too_many_attempts(wait));
    }
    let Some(principal) = state.store.check_password(&email, &login.password).await? else {
        state
            .store
            .record_login_failure(&[account_key, address_key], now)
            .await?;
        return Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "The email or password is wrong.",
        ));
    };
    state.store.clear_login_failures(&account_key).await?;
    let expires_at = now + Duration::hours(SESSION_HOURS);
    let token = state
        .store
        .create_session(&principal.email, now, expires_at)
        .await?;
    let secure = headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes() == b"https");
    let cookie = session_set_cookie(token, cookie::time::Duration::hours(SESSION_HOURS))
        .secure(secure)
        .build();
    let info = SessionInfo {
        email: principal.email,
        account: principal.account,
        role: api_role(principal.role),
        expires_at,
    };
    Ok(([set_cookie(&cookie)], Json(info)).into_response())
}

/// The session cookie as log-in sets it and log-out clears it: sent on every path, never to
/// scripts, never with requests from other sites.
fn session_set_cookie(
    value: String,
    max_age: cookie::time::Duration,
) -> cookie::CookieBuilder<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(max_age)
}

fn set_cookie(cookie: &Cookie<'_>) -> (header::HeaderName, HeaderValue) {
    (
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie.to_string()).expect("an ASCII cookie"),
    )
}

fn too_many_attempts(wait_s: i64) -> Response {
    let mut res = AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        format!(
            "Too many failed log-ins. Try again in {} minute(s).",
            (wait_s + 59) / 60
        ),
    )
    .into_response();
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_str(&wait_s.to_string()).expect("digits"),
    );
    res
}

/// Log out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/session", tag = "session",
    responses((status = 204), (status = 401, body = ApiError)))]
async fn log_out(
    State(state): State<AppState>,
    _auth: Auth,
    headers: HeaderMap,
) -> Result<Response> {
    if let Some(token) = session_cookie(&headers) {
        state.store.delete_session(&token).await?;
    }
    let clear = session_set_cookie(String::new(), cookie::time::Duration::ZERO).build();
    Ok((StatusCode::NO_CONTENT, [set_cookie(&clear)]).into_response())
}

/// Who is logged in (the console asks at start).
#[utoipa::path(get, path = "/session", tag = "session",
    responses((status = 200, body = SessionInfo), (status = 401, body = ApiError)))]
async fn who_am_i(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<SessionInfo>> {
    Ok(Json(SessionInfo {
        email: principal.email,
        account: principal.account,
        role: api_role(principal.role),
        expires_at: principal
            .expires_at
            .unwrap_or_else(|| state.clock.now() + Duration::days(365)),
    }))
}

/// The store's role in the API's type (the store keeps its own type for now).
fn api_role(role: crate::store::Role) -> vpn_console_domain::api::Role {
    use vpn_console_domain::api::Role;
    match role {
        crate::store::Role::Viewer => Role::Viewer,
        crate::store::Role::Operator => Role::Operator,
    }
}
