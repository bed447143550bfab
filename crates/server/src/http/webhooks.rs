//! Webhook endpoints (DESIGN.md 9.1): operators write, every role reads.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::ApiError;
use vpn_console_domain::notifications::{
    event_types, CreatedWebhook, Deliveries, NewWebhook, Webhook, MAX_WEBHOOKS,
};

use super::extract::{ApiJson, ApiPath, Auth};
use super::{AppError, AppState, Result};
use crate::notify::ssrf;
use crate::notify::webhooks::{CreateError, PingOutcome, RetryOutcome, MAX_PINGS_PER_MINUTE};
use crate::store::Role;

/// The delivery log shows this many of an endpoint's latest deliveries.
const DELIVERIES_SHOWN: i64 = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(delete_webhook))
        .routes(routes!(test_webhook))
        .routes(routes!(list_deliveries))
        .routes(routes!(retry_delivery))
}

fn unprocessable(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

fn no_webhook(id: &str) -> AppError {
    AppError::not_found(&format!(
        "Webhook '{}'",
        id.chars().take(40).collect::<String>()
    ))
}

/// The account's webhook endpoints (without their secrets). Viewers see each target's scheme,
/// host and port only (`https://hooks.slack.com/…`): chat services carry their credential in
/// the path.
#[utoipa::path(get, path = "/webhooks", tag = "webhooks",
    responses((status = 200, body = [Webhook]), (status = 401, body = ApiError)))]
async fn list_webhooks(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<Vec<Webhook>>> {
    let mut webhooks = state.store.webhooks(&principal.account).await?;
    if principal.role != Role::Operator {
        for webhook in &mut webhooks {
            webhook.url = masked_target(&webhook.url);
        }
    }
    Ok(Json(webhooks))
}

/// A target as a viewer sees it: scheme, host and port, with the path and query replaced by
/// `…` (DESIGN.md 17).
pub(crate) fn masked_target(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => {
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!(
                "{}://{}{port}/…",
                u.scheme(),
                u.host_str().unwrap_or_default()
            )
        }
        Err(_) => "…".to_owned(),
    }
}

/// Adds an endpoint. The answer carries its signing secret, which is never shown again.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = NewWebhook,
    responses((status = 201, body = CreatedWebhook), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
async fn create_webhook(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(new): ApiJson<NewWebhook>,
) -> Result<(StatusCode, Json<CreatedWebhook>)> {
    auth.require_operator()?;
    let allow_private = state.notify.allow_private;
    let url = new.url.trim();
    if url.len() > 2048 {
        return Err(unprocessable(
            "webhook_url_not_allowed",
            "The URL is longer than 2048 characters.",
        ));
    }
    let parsed = ssrf::check_url(url, allow_private)
        .map_err(|r| unprocessable("webhook_url_not_allowed", r.0))?;
    ssrf::check_resolved(&parsed, allow_private)
        .await
        .map_err(|r| unprocessable("webhook_url_not_allowed", r.0))?;
    let description = new.description.unwrap_or_default();
    if description.chars().count() > 200 {
        return Err(unprocessable(
            "invalid_description",
            "The description has more than 200 characters.",
        ));
    }
    if let Some(types) = &new.event_types {
        if types.is_empty() {
            return Err(unprocessable(
                "invalid_event_types",
                "Name at least one event type, or leave event_types out for all.",
            ));
        }
        let known = event_types();
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
    let created = state
        .store
        .create_webhook(
            &auth.0.account,
            parsed.as_str(),
            description.trim(),
            new.event_types.as_deref(),
            state.clock.now(),
        )
        .await
        .map_err(|e| match e {
            CreateError::TooMany => unprocessable(
                "too_many_webhooks",
                format!(
                    "An account has at most {MAX_WEBHOOKS} webhook endpoints; delete one first."
                ),
            ),
            CreateError::Db(e) => e.into(),
        })?;
    // The target as a viewer sees it: the audit log is not where a chat URL's secret goes.
    let detail = Some(masked_target(&created.webhook.url));
    let id = created.webhook.id.clone();
    super::audit::record(&state, &auth.0, "webhook.created", Some(&id), detail).await;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Removes an endpoint and its delivery log.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Webhook ID, wh-…")),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn delete_webhook(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode> {
    auth.require_operator()?;
    if state.store.delete_webhook(&auth.0.account, &id).await? {
        super::audit::record(&state, &auth.0, "webhook.deleted", Some(&id), None).await;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_webhook(&id))
    }
}

/// Sends one `ping` to the endpoint (also to one disabled by a 410: a success enables it
/// again), at most 10 a minute; a ping is tried once, never retried.
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "webhooks",
    params(("id" = String, Path, description = "Webhook ID, wh-…")),
    responses((status = 202), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 429, body = ApiError, description = "too_many_requests: 10 pings within the last minute; Retry-After says when the next is taken",
            headers(("Retry-After" = u32, description = "Seconds to wait")))))]
async fn test_webhook(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<String>,
) -> std::result::Result<StatusCode, axum::response::Response> {
    use axum::response::IntoResponse;
    auth.require_operator()
        .map_err(IntoResponse::into_response)?;
    match state
        .store
        .ping_webhook(&auth.0.account, &id, state.clock.now())
        .await
        .map_err(|e| AppError::from(e).into_response())?
    {
        PingOutcome::Queued => {
            super::audit::record(&state, &auth.0, "webhook.tested", Some(&id), None).await;
            Ok(StatusCode::ACCEPTED)
        }
        PingOutcome::NotFound => Err(no_webhook(&id).into_response()),
        PingOutcome::TooMany { retry_after_s } => {
            let mut res = AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!(
                    "An endpoint takes at most {MAX_PINGS_PER_MINUTE} test pings a minute. Try again in {retry_after_s} s."
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

/// The endpoint's latest deliveries, newest first, with the outcome of each one's last attempt.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path, description = "Webhook ID, wh-…")),
    responses((status = 200, body = Deliveries), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn list_deliveries(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Deliveries>> {
    state
        .store
        .webhook_deliveries(&principal.account, &id, DELIVERIES_SHOWN)
        .await?
        .map(Json)
        .ok_or_else(|| no_webhook(&id))
}

/// Tries a failed delivery again, with a fresh retry schedule and the same `webhook-id`.
#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{delivery_id}/retry", tag = "webhooks",
    params(("id" = String, Path, description = "Webhook ID, wh-…"),
        ("delivery_id" = String, Path, description = "Delivery ID, msg_…")),
    responses((status = 202), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn retry_delivery(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, delivery_id)): ApiPath<(String, String)>,
) -> Result<StatusCode> {
    auth.require_operator()?;
    match state
        .store
        .retry_delivery(&auth.0.account, &id, &delivery_id, state.clock.now())
        .await?
    {
        RetryOutcome::Queued => {
            let detail = Some(format!("delivery {delivery_id}"));
            super::audit::record(
                &state,
                &auth.0,
                "webhook.delivery_retried",
                Some(&id),
                detail,
            )
            .await;
            Ok(StatusCode::ACCEPTED)
        }
        RetryOutcome::NotFound => Err(AppError::not_found(&format!(
            "Delivery '{}'",
            delivery_id.chars().take(40).collect::<String>()
        ))),
        RetryOutcome::NotFailed => Err(AppError::new(
            StatusCode::CONFLICT,
            "delivery_not_failed",
            "Only a failed delivery can be retried; this one is pending or delivered.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::masked_target;

    #[test]
    fn viewers_see_scheme_host_and_port_only() {
        for (url, shown) in [
            (
                "https://hooks.slack.com/services/T0/B0/SECRETTOKEN",
                "https://hooks.slack.com/…",
            ),
            (
                "https://oapi.dingtalk.com/robot/send?access_token=abc",
                "https://oapi.dingtalk.com/…",
            ),
            (
                "http://127.0.0.1:9000/hook?x=1#y",
                "http://127.0.0.1:9000/…",
            ),
            (
                "https://[2606:4700::1]:8443/a",
                "https://[2606:4700::1]:8443/…",
            ),
            ("not a url", "…"),
        ] {
            assert_eq!(masked_target(url), shown);
        }
    }
}
