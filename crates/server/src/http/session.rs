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
use super::login_guard::check_log_in;
use super::{AppError, AppState, Result};

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
    // Login CSRF: another site must not log the browser in to an account of its choosing.
    if !state.deployment.same_origin(Some(peer.ip()), &headers) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "cross_origin",
            "Log in from the console's own page.",
        ));
    }
    let email = login.email.trim().to_lowercase();
    let client = state
        .deployment
        .trusted_proxies
        .client_ip(peer.ip(), &headers);
    let principal = match check_log_in(&state, client, &email, &login.password).await? {
        Ok(principal) => principal,
        Err(refused) => {
            // A wrong password (or a disabled user) of a known user is on their account's
            // record; throttled and busy answers are not.
            if refused.status() == StatusCode::UNAUTHORIZED {
                if let Some(account) = state.store.account_of_user(&email).await? {
                    let who = crate::store::Principal {
                        email: email.clone(),
                        account,
                        role: crate::store::Role::Viewer,
                        expires_at: None,
                        via: "session".to_owned(),
                    };
                    let from = format!("from {client}");
                    super::audit::record(&state, &who, "session.refused", None, Some(from)).await;
                }
            }
            return Ok(refused);
        }
    };
    let now = state.clock.now();
    let expires_at = now + Duration::hours(SESSION_HOURS);
    let token = state
        .store
        .create_session(&principal.email, now, expires_at)
        .await?;
    // Over https (a trusted proxy says so) the cookie is never sent over plain HTTP.
    let secure = state.deployment.over_https(Some(peer.ip()), &headers);
    let cookie = session_set_cookie(token, cookie::time::Duration::hours(SESSION_HOURS))
        .secure(secure)
        .build();
    let from = format!("from {client}");
    super::audit::record(&state, &principal, "session.created", None, Some(from)).await;
    let info = SessionInfo {
        email: principal.email,
        account: principal.account,
        role: principal.role,
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

/// Log out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/session", tag = "session",
    responses((status = 204), (status = 401, body = ApiError)))]
async fn log_out(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
) -> Result<Response> {
    if let Some(token) = session_cookie(&headers) {
        state.store.delete_session(&token).await?;
        state.live.session_ended(&token);
        super::audit::record(&state, &principal, "session.deleted", None, None).await;
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
        role: principal.role,
        expires_at: principal
            .expires_at
            .unwrap_or_else(|| state.clock.now() + Duration::days(365)),
    }))
}
