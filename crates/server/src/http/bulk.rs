//! `POST /om-events/bulk-execution` (DESIGN.md 10.4): up to 100 events in one request, each
//! decided by the domain exactly as a single execution request with `If-Match` = its version.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
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
use crate::planning::{conflicts_of, EventPlanning};
use crate::store::idempotency::{IdempotencyKey, IdempotentRequest, NextAction, SavedAnswer};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(bulk_execution))
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
    let idempotent = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(IdempotentRequest::new(
            IdempotencyKey::parse(v.as_bytes())
                .map_err(|e| AppError::bad_request("invalid_idempotency_key", e.to_string()))?,
            "bulk-execution",
            &request,
        )),
    };
    // The moves and their conflict marks are written under the marks' lock (see
    // Store::begin_conflict_marks), its process side taken before the transaction begins.
    let _marks = state.store.conflict_marks_guard().await;
    // A retry gets the first answer before anything else is checked.
    let mut tx = match state
        .store
        .begin_idempotent(&principal.account, &principal.email, idempotent.as_ref())
        .await?
    {
        NextAction::Proceed(tx) => tx,
        NextAction::Replay(answer) => return Ok(super::events::replay(answer)),
        NextAction::KeyReused => {
            return Err(AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was already used with another request; use a new key.",
            )
            .into())
        }
    };
    validate_bulk(&request)?;
    state.store.lock_conflict_marks(&mut tx).await?;
    let now = state.clock.now();

    // Each listed event of the account, with the current events that could conflict with it
    // (read beside the write transaction, which on SQLite holds the only writer).
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
    let answers = state
        .store
        .write_bulk(
            &mut tx,
            &principal.account,
            &principal.email,
            &results,
            &events,
            now,
        )
        .await?;
    // The conflict marks of the moved events, at their new times, in the same transaction.
    let moved_to: HashMap<&EventId, _> = answers
        .iter()
        .filter_map(|a| a.event.as_ref().map(|e| (&e.id, e.execute_at)))
        .collect();
    let after: Vec<PlannedEvent> = others
        .iter()
        .map(|o| match moved_to.get(&o.event.id) {
            Some(t) => o.at(*t),
            None => o.clone(),
        })
        .collect();
    let moved: Vec<&EventId> = moved_to.keys().copied().collect();
    let conflicts = conflicts_of(&after, &moved.iter().copied().collect());
    state.store.clear_planning_marks(&mut tx, &moved).await?;
    state.store.insert_conflicts(&mut tx, &conflicts).await?;
    let response = BulkExecutionResponse { results: answers };
    if let Some(idempotent) = &idempotent {
        let answer = SavedAnswer {
            status: StatusCode::OK.as_u16(),
            body: serde_json::to_string(&response).expect("answers serialize"),
            etag: None,
        };
        state
            .store
            .save_answer(
                &mut tx,
                &principal.account,
                &principal.email,
                idempotent,
                &answer,
                now,
            )
            .await?;
    }
    state.store.commit(tx).await?;
    let answers = response.results;
    let wake = answers
        .iter()
        .any(|a| a.event.as_ref().is_some_and(|e| e.execute_at <= now));
    if wake {
        state.scheduler_wake.notify_one();
    }
    debug_assert!(results.iter().zip(&answers).all(
        |(r, a)| a.status == r.decision.status() || matches!(r.decision, Decision::Accepted(_))
    ));
    Ok(Json(BulkExecutionResponse { results: answers }).into_response())
}
