//! The calendar feed (DESIGN.md 9.2): a secret URL per user, read by calendar apps without a
//! cookie.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::ApiError;
use vpn_console_domain::notifications::CalendarFeed;

use super::extract::{ApiPath, Auth};
use super::{AppError, AppState, Result};

pub fn router() -> OpenApiRouter<AppState> {
    let mut router = OpenApiRouter::new()
        .routes(routes!(create_feed, delete_feed))
        // The router cannot match a parameter followed by `.ics` within one segment, so the
        // route takes the whole file name and the document names the path as it is used.
        .route("/calendar/{file}", get(feed));
    router.get_openapi_mut().paths.add_path_operation(
        "/calendar/{token}.ics",
        <__path_feed as utoipa::Path>::methods(),
        <__path_feed as utoipa::Path>::operation(),
    );
    router
}

/// Where users reach the server: `--public-url`, or the scheme and host they used.
fn public_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.notify.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// A new secret feed URL for the logged-in user; the previous one answers 404 from now on.
#[utoipa::path(post, path = "/calendar-feed", tag = "calendar",
    responses((status = 201, body = CalendarFeed), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn create_feed(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<CalendarFeed>)> {
    let token = state
        .store
        .create_calendar_feed(&principal.email, state.clock.now())
        .await?;
    let url = format!(
        "{}/api/v1/calendar/{token}.ics",
        public_url(&state, &headers)
    );
    let email = principal.email.clone();
    super::audit::record(
        &state,
        &principal,
        "calendar_feed.created",
        Some(&email),
        None,
    )
    .await;
    Ok((StatusCode::CREATED, Json(CalendarFeed { url })))
}

/// Retires the user's feed URL.
#[utoipa::path(delete, path = "/calendar-feed", tag = "calendar",
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn delete_feed(State(state): State<AppState>, Auth(principal): Auth) -> Result<StatusCode> {
    state.store.delete_calendar_feed(&principal.email).await?;
    let email = principal.email.clone();
    super::audit::record(
        &state,
        &principal,
        "calendar_feed.deleted",
        Some(&email),
        None,
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// The account's O&M events as an RFC 5545 calendar. The token in the path is the only
/// credential: calendar apps send no cookie.
#[utoipa::path(get, path = "/calendar/{token}.ics", tag = "calendar", security(()),
    params(("token" = String, Path, description = "The secret of the feed URL")),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 404, body = ApiError)))]
async fn feed(
    State(state): State<AppState>,
    ApiPath(file): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let not_found = || AppError::not_found("This calendar feed");
    let token = file.strip_suffix(".ics").ok_or_else(not_found)?;
    let account = state
        .store
        .calendar_feed_account(token)
        .await?
        .ok_or_else(not_found)?;
    let body = state
        .store
        .calendar_feed(&account, state.clock.now(), &public_url(&state, &headers))
        .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            ),
        ],
        body,
    )
        .into_response())
}
