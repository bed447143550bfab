//! `POST /om-events/bulk-execution` (DESIGN.md 10.4): up to 100 events in one request, each
//! decided by the domain exactly as a single execution request with `If-Match` = its version.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::ApiError;
use vpn_console_domain::planning::{
    decide_bulk, validate_bulk, BulkExecutionRequest, BulkExecutionResponse, Decision,
    PlannedEvent, PlanningContext,
};
use vpn_console_domain::{EventId, OmEvent};

use super::extract::{ApiJson, Auth};
use super::planning::{PlanningErrorBody, Refusal};
use super::{AppError, AppState};
use crate::planning::{record_conflicts_of, EventPlanning};
use crate::store::bulk::Stored;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(bulk_execution))
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let k = v.to_str().unwrap_or_default().trim();
            if k.is_empty() || k.len() > 255 {
                return Err(AppError::bad_request(
                    "invalid_idempotency_key",
                    "Idempotency-Key must have 1 to 255 visible characters.",
                ));
            }
            Ok(Some(k.to_owned()))
        }
    }
}

fn replayed(stored: Stored) -> Response {
    match stored {
        Stored::Replay { status, body } => {
            let mut res = (
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response();
            res.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            res
        }
        Stored::KeyReused => AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "This Idempotency-Key was already used with another request; use a new key.",
        )
        .into_response(),
    }
}

/// Executes now or reschedules up to 100 events at once. Every item is decided on its own,
/// in order, exactly as `POST /om-events/{id}/execution` with `If-Match` = its `version` would
/// be (`status` 200, 404, 412 or 422), an accepted item moving its event before the next is
/// decided. Only the request as a whole (no events, more than 100, an id twice) is refused.
#[utoipa::path(post, path = "/om-events/bulk-execution", tag = "om-events",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body get the first answer")),
    request_body = BulkExecutionRequest,
    responses((status = 200, body = BulkExecutionResponse),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 413, body = ApiError), (status = 415, body = ApiError),
        (status = 422, body = PlanningErrorBody, description = "no_events, too_many_events, duplicate_event_id (field events or events[i].id), idempotency_key_reused")))]
async fn bulk_execution(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    ApiJson(request): ApiJson<BulkExecutionRequest>,
) -> Result<Response, Refusal> {
    auth.require_operator()?;
    let principal = &auth.0;
    let key = idempotency_key(&headers)?;
    let hash = {
        let body = serde_json::to_string(&request).expect("requests serialize");
        hex::encode(Sha256::digest(format!("bulk-execution\n{body}").as_bytes()))
    };
    if let Some(k) = &key {
        if let Some(stored) = state
            .store
            .stored_answer(&principal.account, k, &hash)
            .await?
        {
            return Ok(replayed(stored));
        }
    }
    validate_bulk(&request)?;
    let now = state.clock.now();

    // Each listed event of the account, with the current events that could conflict with it.
    let mut found: HashMap<String, PlannedEvent> = HashMap::new();
    let mut others: HashMap<EventId, PlannedEvent> = HashMap::new();
    let mut freezes = Vec::new();
    for item in request.events() {
        let Ok(id) = item.id.parse::<EventId>() else {
            continue;
        };
        let Some(event) = state.store.event(&principal.account, &id).await? else {
            continue;
        };
        let planning = EventPlanning::load(&state.store, &principal.account, &event).await?;
        for o in planning.others {
            others.entry(o.event.id.clone()).or_insert(o);
        }
        if event.status.is_current() {
            others.insert(event.id.clone(), planning.this.planned.clone());
        }
        found.insert(item.id.clone(), planning.this.planned);
        freezes = planning.freezes;
    }
    let others: Vec<PlannedEvent> = others.into_values().collect();
    let ctx = PlanningContext {
        now,
        freezes: &freezes,
        others: &others,
    };
    let results = decide_bulk(&request, |id| found.get(id), &ctx)?;
    let events: Vec<Option<OmEvent>> = request
        .events()
        .iter()
        .map(|i| found.get(&i.id).map(|p| p.event.clone()))
        .collect();
    let written = state
        .store
        .write_bulk(
            &principal.account,
            &principal.email,
            &results,
            &events,
            key.as_deref().map(|k| (k, hash.as_str())),
            now,
        )
        .await?;
    let answers = match written {
        Ok(answers) => answers,
        Err(stored) => return Ok(replayed(stored)),
    };
    let mut wake = false;
    for a in &answers {
        if let Some(event) = &a.event {
            wake |= event.execute_at <= now;
            record_conflicts_of(&state.store, &principal.account, event).await?;
        }
    }
    if wake {
        state.scheduler_wake.notify_one();
    }
    debug_assert!(results.iter().zip(&answers).all(
        |(r, a)| a.status == r.decision.status() || matches!(r.decision, Decision::Accepted(_))
    ));
    Ok(Json(BulkExecutionResponse { results: answers }).into_response())
}
