//! All regions at once (DESIGN.md 16): the overview, the events CSV and the availability report.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::ApiError;
use vpn_console_domain::overview::{
    AvailabilityReport, Month, Overview, DEFAULT_OVERVIEW_DAYS, MAX_OVERVIEW_DAYS,
};

use super::extract::{ApiQuery, Auth, KnownRegion};
use super::{AppError, AppState, Result};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_overview))
        .routes(routes!(events_csv))
        .routes(routes!(region_events_csv))
        .routes(routes!(availability))
        .routes(routes!(availability_csv))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewDays {
    /// How many days, 1 to 90 (default 30).
    #[param(minimum = 1, maximum = 90)]
    days: Option<i64>,
}

impl OverviewDays {
    fn check(&self) -> Result<u32> {
        let days = self.days.unwrap_or(i64::from(DEFAULT_OVERVIEW_DAYS));
        match u32::try_from(days) {
            Ok(d @ 1..=MAX_OVERVIEW_DAYS) => Ok(d),
            _ => Err(AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_days",
                format!("days must be between 1 and {MAX_OVERVIEW_DAYS}."),
            )),
        }
    }
}

fn failed(e: anyhow::Error) -> AppError {
    match e.downcast::<sqlx::Error>() {
        Ok(e) => e.into(),
        Err(e) => AppError::internal("overview", e),
    }
}

/// Every region of the account at once: the counts per region (every region, zeros included),
/// the pending and executing events whose execution overlaps the next `days` days with what
/// the timeline draws, the freeze periods and window openings in that range, and the events at
/// risk with their reasons. The counts are of the events listed.
#[utoipa::path(get, path = "/overview", tag = "overview", params(OverviewDays),
    responses((status = 200, body = Overview), (status = 400, body = ApiError),
        (status = 401, body = ApiError),
        (status = 422, body = ApiError, description = "invalid_days: outside 1 to 90")))]
async fn get_overview(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiQuery(params): ApiQuery<OverviewDays>,
) -> Result<Json<Overview>> {
    let days = params.check()?;
    let now = state.clock.now();
    crate::overview::overview(&state.store, &principal.account, days, now)
        .await
        .map(Json)
        .map_err(failed)
}

fn csv(body: String, file: &str) -> Response {
    let disposition = format!("attachment; filename=\"{file}\"");
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            ),
        ],
        body,
    )
        .into_response()
}

/// The O&M events of every region as CSV (RFC 4180, UTF-8 with a byte-order mark, CRLF): the
/// events the history of each region lists for the last `days` days.
#[utoipa::path(get, path = "/om-events.csv", tag = "overview", params(OverviewDays),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ApiError),
        (status = 401, body = ApiError),
        (status = 422, body = ApiError, description = "invalid_days: outside 1 to 90")))]
async fn events_csv(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiQuery(params): ApiQuery<OverviewDays>,
) -> Result<Response> {
    let days = params.check()?;
    let body = crate::overview::events_csv(
        &state.store,
        &principal.account,
        None,
        days,
        state.clock.now(),
    )
    .await
    .map_err(failed)?;
    Ok(csv(body, "om-events.csv"))
}

/// The region's O&M events as CSV: the events `GET /regions/{region}/om-events?days=` lists.
#[utoipa::path(get, path = "/regions/{region}/om-events.csv", tag = "overview",
    params(("region" = String, Path, description = "Region ID"), OverviewDays),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 404, body = ApiError),
        (status = 422, body = ApiError, description = "invalid_days: outside 1 to 90")))]
async fn region_events_csv(
    State(state): State<AppState>,
    Auth(principal): Auth,
    KnownRegion(region): KnownRegion,
    ApiQuery(params): ApiQuery<OverviewDays>,
) -> Result<Response> {
    let days = params.check()?;
    let body = crate::overview::events_csv(
        &state.store,
        &principal.account,
        Some(region.as_str()),
        days,
        state.clock.now(),
    )
    .await
    .map_err(failed)?;
    Ok(csv(body, &format!("om-events-{region}.csv")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthParam {
    /// The month in UTC, `YYYY-MM` (default: the current month).
    #[param(example = "2026-11")]
    month: Option<String>,
}

impl MonthParam {
    fn check(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Month> {
        match &self.month {
            None => Ok(Month::of(now)),
            Some(raw) => Month::parse(raw).map_err(|e| {
                AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_month",
                    e.to_string(),
                )
            }),
        }
    }
}

async fn report(
    state: &AppState,
    account: &str,
    params: &MonthParam,
) -> Result<AvailabilityReport> {
    let now = state.clock.now();
    let month = params.check(now)?;
    crate::overview::availability(&state.store, account, month, now)
        .await
        .map_err(failed)
}

/// Per site (customer gateway): the month's planned (O&M) minutes, the other minutes a tunnel
/// of the site was down (its tunnel-down alerts outside the executions), and the availability
/// with and without the planned minutes counted as down.
#[utoipa::path(get, path = "/reports/availability", tag = "overview", params(MonthParam),
    responses((status = 200, body = AvailabilityReport), (status = 400, body = ApiError),
        (status = 401, body = ApiError),
        (status = 422, body = ApiError, description = "invalid_month: not YYYY-MM")))]
async fn availability(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiQuery(params): ApiQuery<MonthParam>,
) -> Result<Json<AvailabilityReport>> {
    report(&state, &principal.account, &params).await.map(Json)
}

/// The availability report as CSV: a header of the seven site fields, a row per site.
#[utoipa::path(get, path = "/reports/availability.csv", tag = "overview", params(MonthParam),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ApiError),
        (status = 401, body = ApiError),
        (status = 422, body = ApiError, description = "invalid_month: not YYYY-MM")))]
async fn availability_csv(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiQuery(params): ApiQuery<MonthParam>,
) -> Result<Response> {
    let report = report(&state, &principal.account, &params).await?;
    let body = crate::overview::availability_csv(&report);
    Ok(csv(body, &format!("availability-{}.csv", report.month)))
}
