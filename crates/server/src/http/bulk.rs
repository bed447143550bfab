//! `POST /om-events/bulk-execution` (DESIGN.md 10.4): up to 100 events in one request, each
//! decided by the domain exactly as a single execution request with `If-Match` = its version.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::ApiError;
use vpn_console_domain::approval::ApprovalRequest;
use vpn_console_domain::planning::{
    BulkExecutionBody, BulkExecutionRequest, BulkExecutionResponse, BulkItemResult, Decision,
};

use super::events::{begin_execution, idempotent_request};
use super::extract::{ApiJson, Auth};
use super::planning::{PlanningErrorBody, Refusal};
use super::AppState;
use crate::execution::{Settled, Target};
use crate::store::idempotency::SavedAnswer;

/// The answer: `{results}` (200), or with the approval request that covers the items that
/// passed their checks (202).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkAnswer {
    #[serde(flatten)]
    results: BulkExecutionResponse,
    #[serde(skip_serializing_if = "Option::is_none")]
    approval: Option<ApprovalRequest>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(bulk_execution))
}

/// Executes now or reschedules up to 100 events at once. Every item is decided on its own,
/// in order, exactly as `POST /om-events/{id}/execution` with `If-Match` = its `version` would
/// be (`status` 200, 404, 412 or 422), an accepted item moving its event before the next is
/// decided. Only the request as a whole (no events, more than 100, an id twice) is refused.
#[utoipa::path(post, path = "/om-events/bulk-execution", tag = "om-events",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body get the first answer")),
    request_body = BulkExecutionBody,
    responses((status = 200, body = BulkExecutionResponse),
        (status = 202, body = BulkAnswer, description = "The approval policy covers the change (only `bulk` in require_for, or allow_conflict/override_hold set and listed): the items that passed their checks are 202 and covered by `approval`"),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 413, body = ApiError), (status = 415, body = ApiError),
        (status = 422, body = PlanningErrorBody, description = "no_events, too_many_events, duplicate_event_id (field events or events[i].id), idempotency_key_reused, reason_required, too_late_for_approval")))]
async fn bulk_execution(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    ApiJson(request): ApiJson<BulkExecutionRequest>,
) -> Result<Response, Refusal> {
    auth.require_operator()?;
    let idempotent = idempotent_request(&headers, "bulk-execution", &request)?;
    let mut execution = match begin_execution(&state, &auth.0, idempotent).await? {
        Ok(execution) => execution,
        Err(answer) => return Ok(answer),
    };
    let now = state.clock.now();
    let targets: Vec<Target> = request
        .events()
        .iter()
        .map(|item| Target {
            id: item.id.clone(),
            expected_version: Some(item.version),
        })
        .collect();
    let (decided, approval) = match execution
        .request(request.change(), &targets, true, now)
        .await?
    {
        Ok(Settled::Applied(decided)) => (decided, None),
        Ok(Settled::SentForApproval { request, decided }) => (decided, Some(*request)),
        Err(refused) => return Err(refused.into()),
    };
    let wake = decided
        .iter()
        .any(|d| d.event.as_ref().is_some_and(|e| e.execute_at <= now));
    let status = if approval.is_some() {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    let results = BulkExecutionResponse {
        results: decided
            .into_iter()
            .map(|d| match (&d.result.decision, &approval) {
                (Decision::Accepted(_), Some(_)) => BulkItemResult {
                    id: d.result.id.clone(),
                    status: StatusCode::ACCEPTED.as_u16(),
                    event: None,
                    error: None,
                },
                _ => BulkItemResult::new(&d.result, d.event),
            })
            .collect(),
    };
    let response = BulkAnswer { results, approval };
    let answer = SavedAnswer {
        status: status.as_u16(),
        body: serde_json::to_string(&response).expect("answers serialize"),
        etag: None,
    };
    execution.commit(answer, now).await?;
    if wake {
        state.scheduler_wake.notify_one();
    }
    Ok((status, Json(response)).into_response())
}
