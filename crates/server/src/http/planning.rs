//! The account's maintenance window and freeze periods (DESIGN.md 10.3): any role reads,
//! operators write; a refused request changes nothing.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::ApiError;
use vpn_console_domain::planning::{
    FreezePeriod, FreezePeriodSpec, MaintenanceWindowSpec, PlanningError,
};

use super::extract::{ApiJson, ApiPath, Auth};
use super::{AppError, AppState};
use crate::planning::{apply_window, parse_window, plan_window};
use vpn_console_domain::planning::WindowMove;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_window, put_window, delete_window))
        .routes(routes!(preview_window))
        .routes(routes!(list_freezes, add_freeze))
        .routes(routes!(delete_freeze))
}

/// A refusal of the planning rules: `{code, message, field, suggested_at}`, 422.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanningErrorBody {
    pub code: String,
    pub message: String,
    /// The request field the refusal is about (`time_zone`, `events[3].id`, `execute_at`, …).
    pub field: Option<String>,
    /// `creates_conflict` and `in_freeze_period`: the nearest time that would be accepted.
    pub suggested_at: Option<DateTime<Utc>>,
}

impl From<&PlanningError> for PlanningErrorBody {
    fn from(e: &PlanningError) -> Self {
        PlanningErrorBody {
            code: e.code.as_str().to_owned(),
            message: e.message.clone(),
            field: e.field.clone(),
            suggested_at: e.suggested_at,
        }
    }
}

/// Either an ordinary API error or a rule's refusal with its field and suggestion.
pub enum Refusal {
    App(AppError),
    Rule(PlanningError),
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        Refusal::App(e)
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(e: sqlx::Error) -> Self {
        Refusal::App(e.into())
    }
}

impl From<PlanningError> for Refusal {
    fn from(e: PlanningError) -> Self {
        Refusal::Rule(e)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::App(e) => e.into_response(),
            Refusal::Rule(e) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(PlanningErrorBody::from(&e)),
            )
                .into_response(),
        }
    }
}

type Answer<T> = Result<T, Refusal>;

/// `PUT /maintenance-window`'s answer: the window as stored and the events it moved.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WindowAnswer {
    #[serde(flatten)]
    pub window: MaintenanceWindowSpec,
    pub moved: Vec<WindowMove>,
}

/// What a window would do, before it is saved.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WindowPreview {
    /// The events that would move, and where.
    pub moves: Vec<WindowMove>,
}

/// The account's maintenance window.
#[utoipa::path(get, path = "/maintenance-window", tag = "planning",
    responses((status = 200, body = MaintenanceWindowSpec), (status = 401, body = ApiError),
        (status = 404, body = ApiError, description = "The account has no maintenance window")))]
async fn get_window(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Answer<Json<MaintenanceWindowSpec>> {
    let window = state.store.maintenance_window(&principal.account).await?;
    Ok(Json(window.ok_or_else(no_window)?))
}

fn no_window() -> AppError {
    AppError::not_found("The account's maintenance window")
}

/// Sets the window (operators) and places every pending event whose time no person chose at
/// the latest opening no later than its default; each move is logged `rescheduled` by
/// `maintenance-window`.
#[utoipa::path(put, path = "/maintenance-window", tag = "planning",
    request_body = MaintenanceWindowSpec,
    responses((status = 200, body = WindowAnswer), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 413, body = ApiError), (status = 415, body = ApiError),
        (status = 422, body = PlanningErrorBody, description = "unknown_time_zone, invalid_days, invalid_start, duration_out_of_range, window_shorter_than_event")))]
async fn put_window(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(spec): ApiJson<MaintenanceWindowSpec>,
) -> Answer<Json<WindowAnswer>> {
    auth.require_operator()?;
    let parsed = parse_window(&spec)?;
    let normal = parsed.0.to_spec();
    let moved = apply_window(
        &state.store,
        &auth.0.account,
        Some(&normal),
        Some(&parsed),
        Some(&auth.0.email),
        state.clock.now(),
    )
    .await?;
    let detail = serde_json::to_string(&normal).ok();
    super::audit::record(&state, &auth.0, "maintenance_window.updated", None, detail).await;
    Ok(Json(WindowAnswer {
        window: normal,
        moved,
    }))
}

/// Removes the window (operators); the events it placed go back to their default times.
#[utoipa::path(delete, path = "/maintenance-window", tag = "planning",
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
async fn delete_window(State(state): State<AppState>, auth: Auth) -> Answer<StatusCode> {
    auth.require_operator()?;
    let account = &auth.0.account;
    if state.store.maintenance_window(account).await?.is_none() {
        return Err(no_window().into());
    }
    apply_window(
        &state.store,
        account,
        None,
        None,
        Some(&auth.0.email),
        state.clock.now(),
    )
    .await?;
    super::audit::record(&state, &auth.0, "maintenance_window.deleted", None, None).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Which events a window would move where, without saving anything (the settings page shows
/// it before the user saves). Any role may ask.
#[utoipa::path(post, path = "/maintenance-window/preview", tag = "planning",
    request_body = MaintenanceWindowSpec,
    responses((status = 200, body = WindowPreview), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError),
        (status = 422, body = PlanningErrorBody)))]
async fn preview_window(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiJson(spec): ApiJson<MaintenanceWindowSpec>,
) -> Answer<Json<WindowPreview>> {
    let parsed = parse_window(&spec)?;
    let (planned, _) = plan_window(
        &state.store,
        &principal.account,
        Some(&parsed),
        state.clock.now(),
    )
    .await?;
    let moves = planned
        .into_iter()
        .map(|(_, m)| m)
        .filter(|m| m.from != m.to)
        .collect();
    Ok(Json(WindowPreview { moves }))
}

/// The account's freeze periods, earliest first.
#[utoipa::path(get, path = "/freeze-periods", tag = "planning",
    responses((status = 200, body = [FreezePeriod]), (status = 401, body = ApiError)))]
async fn list_freezes(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Answer<Json<Vec<FreezePeriod>>> {
    Ok(Json(state.store.freeze_periods(&principal.account).await?))
}

/// Adds a freeze period (operators): no person may then choose a time in it, and the window
/// places no event in it.
#[utoipa::path(post, path = "/freeze-periods", tag = "planning",
    request_body = FreezePeriodSpec,
    responses((status = 201, body = FreezePeriod), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 413, body = ApiError), (status = 415, body = ApiError),
        (status = 422, body = PlanningErrorBody, description = "freeze_period_reversed, invalid_reason, freeze_periods_overlap, invalid_freeze_period (outside the years 2000 to 2100, longer than 366 days), too_many_freeze_periods (100 per account)")))]
async fn add_freeze(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(spec): ApiJson<FreezePeriodSpec>,
) -> Answer<(StatusCode, Json<FreezePeriod>)> {
    auth.require_operator()?;
    let now = state.clock.now();
    let added = state
        .store
        .add_freeze_period(&auth.0.account, spec, now)
        .await??;
    replace_events(&state, &auth.0.account, &auth.0.email).await?;
    let detail = Some(format!(
        "{} to {}: {}",
        added.starts_at.to_rfc3339(),
        added.ends_at.to_rfc3339(),
        added.reason
    ));
    super::audit::record(
        &state,
        &auth.0,
        "freeze_period.created",
        Some(&added.id),
        detail,
    )
    .await;
    Ok((StatusCode::CREATED, Json(added)))
}

/// Removes a freeze period (operators).
#[utoipa::path(delete, path = "/freeze-periods/{id}", tag = "planning",
    params(("id" = String, Path, description = "Freeze period ID, frz-…")),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
async fn delete_freeze(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<String>,
) -> Answer<StatusCode> {
    auth.require_operator()?;
    if !state
        .store
        .remove_freeze_period(&auth.0.account, &id)
        .await?
    {
        let shown: String = id.chars().take(40).collect();
        return Err(AppError::not_found(&format!("Freeze period '{shown}'")).into());
    }
    replace_events(&state, &auth.0.account, &auth.0.email).await?;
    super::audit::record(&state, &auth.0, "freeze_period.deleted", Some(&id), None).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Freezes bound where the window may put events, so a change to them places the events again
/// (when the account has a window).
async fn replace_events(state: &AppState, account: &str, on_behalf_of: &str) -> Answer<()> {
    let Some(spec) = state.store.maintenance_window(account).await? else {
        return Ok(());
    };
    let parsed = parse_window(&spec)?;
    apply_window(
        &state.store,
        account,
        Some(&spec),
        Some(&parsed),
        Some(on_behalf_of),
        state.clock.now(),
    )
    .await?;
    Ok(())
}
