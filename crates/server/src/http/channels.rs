//! Channels (DESIGN.md 15): operators write, every role reads, viewers see targets masked.
//! The rules of 9.1 hold for them as for webhooks: the same SSRF guard, the same test limit,
//! the same delivery log, one outbox.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::ApiError;
use vpn_console_domain::notifications::{
    event_types, Channel, ChannelKind, Deliveries, NewChannel, CHANNEL_LANGUAGES, MAX_CHANNELS,
    PING_TYPE,
};

use super::extract::{ApiJson, ApiPath, Auth};
use super::webhooks::masked_target;
use super::{AppError, AppState, Result};
use crate::notify::channels::NewChannelRow;
use crate::notify::ssrf;
use crate::notify::webhooks::{CreateError, Endpoints, PingOutcome, MAX_PINGS_PER_MINUTE};
use crate::store::Role;

/// The delivery log shows this many of a channel's latest deliveries.
const DELIVERIES_SHOWN: i64 = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_channels, create_channel))
        .routes(routes!(delete_channel))
        .routes(routes!(test_channel))
        .routes(routes!(channel_deliveries))
}

fn unprocessable(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

fn no_channel(id: &str) -> AppError {
    AppError::not_found(&format!(
        "Channel '{}'",
        id.chars().take(40).collect::<String>()
    ))
}

/// A channel's target as a viewer sees it (DESIGN.md 17): a URL's scheme, host and port; an
/// address's domain; nothing of a routing key.
pub(crate) fn masked_channel_target(kind: ChannelKind, target: &str) -> String {
    match kind {
        ChannelKind::Email => match target.rsplit_once('@') {
            Some((_, domain)) => format!("…@{domain}"),
            None => "…".to_owned(),
        },
        ChannelKind::Pagerduty => "…".to_owned(),
        _ => masked_target(target),
    }
}

/// The account's channels (never their secrets); viewers see each target masked.
#[utoipa::path(get, path = "/channels", tag = "channels",
    responses((status = 200, body = [Channel]), (status = 401, body = ApiError)))]
async fn list_channels(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<Vec<Channel>>> {
    let mut channels = state.store.channels(&principal.account).await?;
    if principal.role != Role::Operator {
        for channel in &mut channels {
            channel.target = masked_channel_target(channel.kind, &channel.target);
        }
    }
    Ok(Json(channels))
}

/// Checks a new channel's fields, in the order they are listed; the target last, since a URL
/// is resolved to be checked.
async fn checked_target(state: &AppState, new: &NewChannel) -> Result<String> {
    let target = new.target.trim();
    let invalid = |why: &str| unprocessable("invalid_target", why.to_owned());
    match new.kind {
        ChannelKind::Email => {
            if target.len() > 254 || target.parse::<lettre::Address>().is_err() {
                return Err(invalid(
                    "The target of an e-mail channel is one address, such as ops@example.com.",
                ));
            }
            Ok(target.to_owned())
        }
        ChannelKind::Pagerduty => {
            if target.len() != 32 || !target.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(invalid("The target of a PagerDuty channel is an Events API v2 routing key: 32 letters and digits."));
            }
            Ok(target.to_owned())
        }
        _ => {
            if target.len() > 2048 {
                return Err(invalid("The URL is longer than 2048 characters."));
            }
            if url::Url::parse(target).is_err() {
                return Err(invalid(
                    "The target of this kind is the robot's or webhook's URL.",
                ));
            }
            let allow_private = state.notify.allow_private;
            let parsed = ssrf::check_url(target, allow_private)
                .map_err(|r| unprocessable("webhook_url_not_allowed", r.0))?;
            ssrf::check_resolved(&parsed, allow_private)
                .await
                .map_err(|r| unprocessable("webhook_url_not_allowed", r.0))?;
            Ok(parsed.to_string())
        }
    }
}

/// Adds a channel. A `secret` (DingTalk and Lark robots) is stored sealed and never shown.
#[utoipa::path(post, path = "/channels", tag = "channels", request_body = NewChannel,
    responses((status = 201, body = Channel), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 413, body = ApiError), (status = 415, body = ApiError),
        (status = 422, body = ApiError, description = "invalid_target, webhook_url_not_allowed, invalid_name, invalid_language, invalid_time_zone, invalid_event_types, invalid_regions, invalid_secret or too_many_channels")))]
async fn create_channel(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(new): ApiJson<NewChannel>,
) -> Result<(StatusCode, Json<Channel>)> {
    auth.require_operator()?;
    let name = new.name.trim();
    if name.chars().count() > 100 {
        return Err(unprocessable(
            "invalid_name",
            "The name has more than 100 characters.",
        ));
    }
    let language = new.language.as_deref().unwrap_or("en");
    if !CHANNEL_LANGUAGES.contains(&language) {
        return Err(unprocessable(
            "invalid_language",
            "The language is en or zh-CN.",
        ));
    }
    let time_zone = new.time_zone.as_deref().unwrap_or("UTC");
    if time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(unprocessable(
            "invalid_time_zone",
            format!(
                "'{}' is not an IANA time zone such as Asia/Shanghai.",
                time_zone.chars().take(60).collect::<String>()
            ),
        ));
    }
    if let Some(types) = &new.filters.event_types {
        let known: Vec<String> = event_types()
            .into_iter()
            .filter(|t| t != PING_TYPE)
            .collect();
        if types.is_empty() {
            return Err(unprocessable(
                "invalid_event_types",
                "Name at least one event type, or leave event_types out for all.",
            ));
        }
        if let Some(unknown) = types.iter().find(|t| !known.contains(t)) {
            return Err(unprocessable(
                "invalid_event_types",
                format!(
                    "'{}' is not an event type; use one of {}.",
                    unknown.chars().take(60).collect::<String>(),
                    known.join(", ")
                ),
            ));
        }
    }
    if let Some(regions) = &new.filters.regions {
        let known: Vec<String> = state
            .store
            .regions()
            .await?
            .into_iter()
            .map(|r| r.id.to_string())
            .collect();
        if regions.is_empty() {
            return Err(unprocessable(
                "invalid_regions",
                "Name at least one region, or leave regions out for all.",
            ));
        }
        if let Some(unknown) = regions.iter().find(|r| !known.contains(r)) {
            return Err(unprocessable(
                "invalid_regions",
                format!(
                    "'{}' is not a region; use one of {}.",
                    unknown.chars().take(60).collect::<String>(),
                    known.join(", ")
                ),
            ));
        }
    }
    let secret = new.secret.as_deref().map(str::trim);
    if let Some(secret) = secret {
        if !new.kind.takes_secret() {
            return Err(unprocessable(
                "invalid_secret",
                "Only DingTalk and Lark robots take a signing secret.",
            ));
        }
        if secret.is_empty() || secret.len() > 256 {
            return Err(unprocessable(
                "invalid_secret",
                "The secret is 1 to 256 characters long.",
            ));
        }
    }
    let target = checked_target(&state, &new).await?;
    let channel = state
        .store
        .create_channel(
            &auth.0.account,
            &NewChannelRow {
                kind: new.kind,
                name,
                target: &target,
                language,
                time_zone,
                filters: &new.filters,
                secret,
            },
            state.clock.now(),
        )
        .await
        .map_err(|e| match e {
            CreateError::TooMany => unprocessable(
                "too_many_channels",
                format!("An account has at most {MAX_CHANNELS} channels; delete one first."),
            ),
            CreateError::Db(e) => e.into(),
        })?;
    // The target masked: the audit log is not where a chat URL's token goes.
    let detail = Some(format!(
        "{} {}",
        channel.kind.as_str(),
        masked_channel_target(channel.kind, &channel.target)
    ));
    super::audit::record(
        &state,
        &auth.0,
        "channel.created",
        Some(&channel.id),
        detail,
    )
    .await;
    Ok((StatusCode::CREATED, Json(channel)))
}

/// Removes a channel and its delivery log.
#[utoipa::path(delete, path = "/channels/{id}", tag = "channels",
    params(("id" = String, Path, description = "Channel ID, ch-…")),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn delete_channel(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode> {
    auth.require_operator()?;
    if state
        .store
        .delete_endpoint(&auth.0.account, &id, Endpoints::Channels)
        .await?
    {
        super::audit::record(&state, &auth.0, "channel.deleted", Some(&id), None).await;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_channel(&id))
    }
}

/// Sends a test message, as the kind sends a real one, about a sample event (filters not
/// applied; also to a disabled channel, which a success enables again); at most 10 a minute,
/// tried once.
#[utoipa::path(post, path = "/channels/{id}/test", tag = "channels",
    params(("id" = String, Path, description = "Channel ID, ch-…")),
    responses((status = 202), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 429, body = ApiError, description = "too_many_requests: 10 tests within the last minute; Retry-After says when the next is taken",
            headers(("Retry-After" = u32, description = "Seconds to wait")))))]
async fn test_channel(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<String>,
) -> std::result::Result<StatusCode, Response> {
    auth.require_operator()
        .map_err(IntoResponse::into_response)?;
    match state
        .store
        .ping_endpoint(&auth.0.account, &id, state.clock.now(), Endpoints::Channels)
        .await
        .map_err(|e| AppError::from(e).into_response())?
    {
        PingOutcome::Queued => {
            super::audit::record(&state, &auth.0, "channel.tested", Some(&id), None).await;
            Ok(StatusCode::ACCEPTED)
        }
        PingOutcome::NotFound => Err(no_channel(&id).into_response()),
        PingOutcome::TooMany { retry_after_s } => {
            let mut res = AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!(
                    "A channel takes at most {MAX_PINGS_PER_MINUTE} test messages a minute. Try again in {retry_after_s} s."
                ),
            )
            .into_response();
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_s),
            );
            Err(res)
        }
    }
}

/// The channel's latest deliveries, newest first, with the outcome of each one's last attempt.
#[utoipa::path(get, path = "/channels/{id}/deliveries", tag = "channels",
    params(("id" = String, Path, description = "Channel ID, ch-…")),
    responses((status = 200, body = Deliveries), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn channel_deliveries(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Deliveries>> {
    state
        .store
        .endpoint_deliveries(
            &principal.account,
            &id,
            DELIVERIES_SHOWN,
            Endpoints::Channels,
        )
        .await?
        .map(Json)
        .ok_or_else(|| no_channel(&id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_see_no_credential_of_any_kind() {
        for (kind, target, shown) in [
            (ChannelKind::Email, "ops@acme.example", "…@acme.example"),
            (
                ChannelKind::Pagerduty,
                "R0UT1NGKEY0123456789ABCDEFGHIJKL",
                "…",
            ),
            (
                ChannelKind::Slack,
                "https://hooks.slack.com/services/T0/B0/XYZ",
                "https://hooks.slack.com/…",
            ),
            (
                ChannelKind::Dingtalk,
                "https://oapi.dingtalk.com/robot/send?access_token=abc",
                "https://oapi.dingtalk.com/…",
            ),
        ] {
            assert_eq!(masked_channel_target(kind, target), shown);
        }
    }
}
