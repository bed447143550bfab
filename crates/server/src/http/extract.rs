//! Extractors whose refusals are API errors, not axum's plain-text rejections.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use vpn_console_domain::RegionId;

use super::error::AppError;
use super::AppState;
use crate::store::{Principal, Role};

/// A JSON body; a refusal is an API error (415, 413 or 400 `invalid_body`).
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON with 'Content-Type: application/json'.",
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "The body is too large.",
                )
            }
            e => AppError::bad_request("invalid_body", e.body_text()),
        }
    }
}

/// The query string; a refusal is 400 `invalid_query`.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        AppError::bad_request("invalid_query", rejection.body_text())
    }
}

/// The path's parameters; a refusal is 400 `invalid_path`.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        AppError::bad_request("invalid_path", rejection.body_text())
    }
}

/// The `{region}` of the path, when it names a region the provider has; 404 otherwise.
pub struct KnownRegion(pub RegionId);

impl FromRequestParts<AppState> for KnownRegion {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ApiPath(region) = ApiPath::<String>::from_request_parts(parts, state).await?;
        let not_found = || {
            AppError::not_found(&format!(
                "Region '{}'",
                region.chars().take(40).collect::<String>()
            ))
        };
        let id: RegionId = region.parse().map_err(|_| not_found())?;
        if state.store.region_exists(&id).await? {
            Ok(KnownRegion(id))
        } else {
            Err(not_found())
        }
    }
}

pub const SESSION_COOKIE: &str = "om_session";

/// The session token of the request's `Cookie` headers, if it has one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_owned())
}

/// The caller, from an API token or the session cookie. Cookie-authenticated writes must come
/// from the console's own origin (CSRF); a bearer token is not sent by browsers on their own.
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(token) = bearer {
            return state
                .store
                .token_principal(token)
                .await?
                .map(Auth)
                .ok_or_else(AppError::unauthenticated);
        }
        let Some(token) = session_cookie(&parts.headers) else {
            return Err(AppError::unauthenticated());
        };
        if !parts.method.is_safe() && !same_origin(parts) {
            return Err(AppError::new(
                StatusCode::FORBIDDEN,
                "cross_origin",
                "This change must come from the console's own page.",
            ));
        }
        state
            .store
            .session_principal(&token, state.clock.now())
            .await?
            .map(Auth)
            .ok_or_else(AppError::unauthenticated)
    }
}

/// A browser says where a request comes from in `Sec-Fetch-Site` (modern) or `Origin`.
pub fn same_origin(parts: &Parts) -> bool {
    if let Some(site) = parts
        .headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
    {
        return site == "same-origin" || site == "none";
    }
    match parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(origin) => {
            let host = parts
                .headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            origin
                .split_once("://")
                .map(|(_, rest)| rest == host)
                .unwrap_or(false)
        }
    }
}

impl Auth {
    pub fn require_operator(&self) -> Result<(), AppError> {
        if self.0.role == Role::Operator {
            Ok(())
        } else {
            Err(AppError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Your role is viewer: you can look at O&M events but not execute or reschedule them. Ask an operator of your account.",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_session_cookie_is_found_among_others_and_in_any_cookie_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(session_cookie(&headers), None);
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; xom_session=nope"),
        );
        assert_eq!(session_cookie(&headers), None, "only the exact name counts");
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("lang=zh-CN;  om_session=abc123 ; z=1"),
        );
        assert_eq!(session_cookie(&headers).as_deref(), Some("abc123"));
    }
}
