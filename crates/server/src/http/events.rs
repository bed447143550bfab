//! O&M events: detail with impact preview, execution requests, audit log, history, alerts.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Duration;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::{
    AlertTrend, ApiError, EventDetail, History, LogEntry, MAX_HISTORY_DAYS,
};
use vpn_console_domain::approval::{ApprovalRefusal, ApprovalRequest};
use vpn_console_domain::planning::{Decision, ExecutionBody};
use vpn_console_domain::verification::Verification;
use vpn_console_domain::{EventId, OmEvent};

use super::extract::{ApiJson, ApiPath, ApiQuery, Auth, KnownRegion};
use super::planning::{PlanningErrorBody, Refusal};
use super::{AppError, AppState, Result};
use crate::execution::{Begun, Execution, Refused, Requester, Settled, Target};
use crate::store::idempotency::{IdempotencyKey, IdempotentRequest, SavedAnswer};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_event))
        .routes(routes!(request_execution))
        .routes(routes!(recheck_verification))
        .routes(routes!(event_log))
        .routes(routes!(history))
        .routes(routes!(alert_trend))
}

fn event_id(raw: &str) -> Result<EventId> {
    raw.parse().map_err(|_| {
        AppError::not_found(&format!(
            "O&M event '{}'",
            raw.chars().take(40).collect::<String>()
        ))
    })
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("digits are a valid header")
}

async fn owned_event(state: &AppState, account: &str, raw: &str) -> Result<OmEvent> {
    let id = event_id(raw)?;
    state
        .store
        .event(account, &id)
        .await?
        .ok_or_else(|| AppError::not_found(&format!("O&M event '{id}'")))
}

/// The event, the resources it affects with the impact on each, and the summary. For a pending
/// event the preview is computed from the current topology; once it started, it is the impact
/// recorded at the start. Looking changes nothing.
#[utoipa::path(get, path = "/om-events/{id}", tag = "om-events",
    params(("id" = String, Path, description = "O&M event ID, om-…")),
    responses((status = 200, body = EventDetail, headers(("ETag" = String, description = "The event's version"))),
        (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn get_event(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<Response> {
    let event = owned_event(&state, &principal.account, &id).await?;
    let impact = state
        .store
        .event_impact(&principal.account, &event)
        .await?
        .impact;
    let version = event.version;
    let event_id = event.id.clone();
    let now = state.clock.now();
    let mut detail = EventDetail {
        event,
        affected: impact.affected,
        summary: impact.summary,
        server_time: now,
        advice: Vec::new(),
        conflicts: Vec::new(),
        freeze: None,
        window_fit: None,
        verification: state.store.verification(&event_id).await?,
        hold: state.store.hold(&event_id).await?,
    };
    crate::planning::fill_detail(&state.store, &principal.account, &mut detail, now).await?;
    Ok(([(header::ETAG, etag(version))], Json(detail)).into_response())
}

/// The version the client saw, from `If-Match`: `None` for `*` (any version).
fn parse_if_match(headers: &HeaderMap) -> Result<Option<i64>> {
    let raw = headers
        .get(header::IF_MATCH)
        .ok_or_else(|| {
            AppError::new(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition_required",
                "Send the event's ETag in 'If-Match' so that a change made meanwhile is not overwritten.",
            )
        })?
        .to_str()
        .unwrap_or_default()
        .trim();
    let raw = raw.strip_prefix("W/").unwrap_or(raw).trim_matches('"');
    if raw == "*" {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| stale(None))
}

fn stale(current_version: Option<i64>) -> AppError {
    let message = match current_version {
        Some(v) => format!(
            "The O&M event changed meanwhile (it is now at version {v}); reload it and try again."
        ),
        None => "'If-Match' does not match the event's current version; reload it and try again."
            .to_owned(),
    };
    AppError::new(StatusCode::PRECONDITION_FAILED, "stale", message)
}

/// The `Idempotency-Key` of a request for `target`, if it has one.
pub(super) fn idempotent_request(
    headers: &HeaderMap,
    target: &str,
    body: &impl serde::Serialize,
) -> Result<Option<IdempotentRequest>> {
    headers
        .get("idempotency-key")
        .map(|v| {
            IdempotencyKey::parse(v.as_bytes())
                .map(|key| IdempotentRequest::new(key, target, body))
                .map_err(|e| AppError::bad_request("invalid_idempotency_key", e.to_string()))
        })
        .transpose()
}

/// Begins a change in the one execution service, or answers it at once: the first answer to
/// a retry with a known `Idempotency-Key`, or the refusal of a key reused for another request.
pub(super) async fn begin_execution<'s>(
    state: &'s AppState,
    principal: &crate::store::Principal,
    idempotent: Option<IdempotentRequest>,
) -> Result<std::result::Result<Execution<'s>, Response>> {
    let requester = Requester {
        account: &principal.account,
        actor: &principal.email,
        via: principal
            .via
            .starts_with("token:")
            .then_some(principal.via.as_str()),
    };
    match Execution::begin(&state.store, requester, idempotent).await? {
        Begun::Proceed(execution) => Ok(Ok(execution)),
        Begun::Replay(answer) => Ok(Err(replay(answer))),
        Begun::KeyReused => Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "This Idempotency-Key was already used with another request; use a new key.",
        )),
    }
}

/// Execute Now (`{"mode":"now"}`) or Specify Execution Time (`{"mode":"at","execute_at":"…Z"}`),
/// checked by the domain rules against the server's clock. A time at which the event would
/// conflict with another (10.2) is refused `creates_conflict` unless `"allow_conflict": true`;
/// a time in a freeze period `in_freeze_period` (10.3); both with `suggested_at`, the nearest
/// time that would be accepted. Decided by the one execution service, as a bulk of one.
#[utoipa::path(post, path = "/om-events/{id}/execution", tag = "om-events",
    params(("id" = String, Path, description = "O&M event ID, om-…"),
        ("If-Match" = String, Header, description = "The ETag from GET /om-events/{id}"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body get the first answer")),
    request_body = ExecutionBody,
    responses((status = 200, body = OmEvent, headers(("ETag" = String))),
        (status = 202, body = ApprovalRequest, description = "The approval policy covers the change: sent for approval, the event unchanged"),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError, description = "approval_pending: a change of the event waits for approval"),
        (status = 412, body = ApiError),
        (status = 422, body = PlanningErrorBody, description = "A rule refuses: not_pending, after_default_execution_time, in_the_past, creates_conflict or in_freeze_period (these two with suggested_at), idempotency_key_reused, reason_required, too_late_for_approval"),
        (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 428, body = ApiError)))]
async fn request_execution(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ExecutionBody>,
) -> std::result::Result<Response, Refusal> {
    let id = event_id(&id)?;
    auth.require_operator()?;
    let idempotent = idempotent_request(&headers, id.as_str(), &body)?;
    // A retry with a known key gets the first answer before anything else is checked: its
    // If-Match may be stale by now, or missing.
    let mut execution = match begin_execution(&state, &auth.0, idempotent).await? {
        Ok(execution) => execution,
        Err(answer) => return Ok(answer),
    };
    let expected_version = parse_if_match(&headers)?;
    let now = state.clock.now();
    let target = Target {
        id: id.to_string(),
        expected_version,
    };
    let settled = match execution
        .request(&body, std::slice::from_ref(&target), false, now)
        .await?
    {
        Ok(settled) => settled,
        Err(refused) => return Err(refused.into()),
    };
    let decided = match settled {
        Settled::Applied(mut decided) => decided.pop().expect("one decision per target"),
        Settled::SentForApproval { request, .. } => {
            let answer = SavedAnswer {
                status: StatusCode::ACCEPTED.as_u16(),
                body: serde_json::to_string(&request).expect("requests serialize"),
                etag: None,
            };
            execution.commit(answer, now).await?;
            return Ok((StatusCode::ACCEPTED, Json(request)).into_response());
        }
    };
    let event = match (decided.result.decision, decided.event) {
        (Decision::Accepted(_), Some(event)) => event,
        (Decision::Refused(e), _) => return Err(e.into()),
        (Decision::VersionMismatch { current }, _) => return Err(stale(Some(current)).into()),
        (Decision::ApprovalPending, _) => {
            return Err(approval_refusal(ApprovalRefusal::ApprovalPending).into())
        }
        _ => return Err(AppError::not_found(&format!("O&M event '{id}'")).into()),
    };
    let answer = SavedAnswer {
        status: StatusCode::OK.as_u16(),
        body: serde_json::to_string(&event).expect("events serialize"),
        etag: Some(event.version.to_string()),
    };
    execution.commit(answer, now).await?;
    if event.execute_at <= now {
        state.scheduler_wake.notify_one();
    }
    let tag = etag(event.version);
    Ok(([(header::ETAG, tag)], Json(event)).into_response())
}

/// Checks the tunnels of a completed event again at once (DESIGN.md 12.2) and answers the
/// `verification` object itself. A verdict that changes is logged (`verified` or
/// `verification_failed`) as the scheduler's would be.
#[utoipa::path(post, path = "/om-events/{id}/verification", tag = "om-events",
    params(("id" = String, Path, description = "O&M event ID, om-…")),
    responses((status = 200, body = Verification),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "not_completed: the event has not completed (or failed, or was cancelled), so there is nothing to verify")))]
async fn recheck_verification(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Verification>> {
    let event = owned_event(&state, &auth.0.account, &id).await?;
    auth.require_operator()?;
    let via = auth
        .0
        .via
        .starts_with("token:")
        .then_some(auth.0.via.as_str());
    let now = state.clock.now();
    state
        .store
        .recheck_verification(&event.id, now, &auth.0.email, via)
        .await?
        .map(Json)
        .ok_or_else(|| {
            AppError::new(
                StatusCode::CONFLICT,
                "not_completed",
                format!(
                    "O&M event {} is {}: only a completed event's tunnels are verified.",
                    event.id,
                    event.status.as_str()
                ),
            )
        })
}

/// The `{code, message}` answer of an approval rule.
pub(super) fn approval_refusal(refusal: ApprovalRefusal) -> AppError {
    AppError::new(
        StatusCode::from_u16(refusal.status()).expect("refusals have valid statuses"),
        refusal.code(),
        refusal.message(),
    )
}

impl From<Refused> for Refusal {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Rule(e) => Refusal::Rule(e),
            Refused::Approval(e) => Refusal::App(approval_refusal(e)),
        }
    }
}

/// The first answer again, marked as a replay.
pub(super) fn replay(answer: SavedAnswer) -> Response {
    let mut res = (
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK),
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        answer.body,
    )
        .into_response();
    if let Some(v) = answer.etag.and_then(|v| v.parse().ok()) {
        res.headers_mut().insert(header::ETAG, etag(v));
    }
    res.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}

/// The event's audit log, oldest first.
#[utoipa::path(get, path = "/om-events/{id}/log", tag = "om-events",
    params(("id" = String, Path, description = "O&M event ID, om-…")),
    responses((status = 200, body = [LogEntry]), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn event_log(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<LogEntry>>> {
    let event = owned_event(&state, &principal.account, &id).await?;
    Ok(Json(state.store.event_log(&event.id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DaysParams {
    /// How many days back, 1 to 30 (default 30).
    #[param(minimum = 1, maximum = 30)]
    days: Option<u32>,
}

impl DaysParams {
    fn check(&self) -> Result<u32> {
        match self.days.unwrap_or(MAX_HISTORY_DAYS) {
            d @ 1..=MAX_HISTORY_DAYS => Ok(d),
            _ => Err(AppError::bad_request(
                "invalid_days",
                format!("days must be between 1 and {MAX_HISTORY_DAYS}."),
            )),
        }
    }
}

/// O&M events of the region in the last `days` days, newest first.
#[utoipa::path(get, path = "/regions/{region}/om-events", tag = "om-events",
    params(("region" = String, Path, description = "Region ID"), DaysParams),
    responses((status = 200, body = History), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn history(
    State(state): State<AppState>,
    Auth(principal): Auth,
    KnownRegion(region): KnownRegion,
    ApiQuery(params): ApiQuery<DaysParams>,
) -> Result<Json<History>> {
    let days = params.check()?;
    let now = state.clock.now();
    let items = state
        .store
        .history(
            &principal.account,
            &region,
            now - Duration::days(i64::from(days)),
        )
        .await?;
    Ok(Json(History {
        items,
        days,
        server_time: now,
    }))
}

/// Alerts per day (tunnels that went down) for the trend chart, oldest day first.
#[utoipa::path(get, path = "/regions/{region}/alerts/trend", tag = "om-events",
    params(("region" = String, Path, description = "Region ID"), DaysParams),
    responses((status = 200, body = AlertTrend), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn alert_trend(
    State(state): State<AppState>,
    Auth(principal): Auth,
    KnownRegion(region): KnownRegion,
    ApiQuery(params): ApiQuery<DaysParams>,
) -> Result<Json<AlertTrend>> {
    let days = params.check()?;
    let now = state.clock.now();
    let days = state
        .store
        .alert_trend(&principal.account, &region, days, now)
        .await?;
    Ok(Json(AlertTrend {
        days,
        server_time: now,
    }))
}
