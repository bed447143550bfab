//! `GET /audit-log`: the account audit log (DESIGN.md 17), for operators; and how handlers
//! record in it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Duration;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::ApiError;

use super::extract::{ApiQuery, Auth};
use super::{AppError, AppState, Result};
use crate::store::audit::{AuditPage, AuditRecord};
use crate::store::Principal;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit_log))
}

const MAX_DAYS: u32 = 90;
const DEFAULT_PAGE_SIZE: u32 = 20;
const MAX_PAGE_SIZE: u32 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// How many days back, 1 to 90 (default 30).
    #[param(minimum = 1, maximum = 90)]
    days: Option<u32>,
    /// 1-based page number.
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Entries per page, at most 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    page_size: Option<u32>,
}

/// The account's audit log of the last `days` days, newest first: log-ins, tokens, users,
/// webhooks, the calendar feed, the maintenance window and freeze periods, with who (`actor`)
/// and how (`via`: `session`, `token:<name>` or `cli`). Operators only.
#[utoipa::path(get, path = "/audit-log", tag = "audit", params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 422, body = ApiError, description = "invalid_days: outside 1 to 90")))]
async fn audit_log(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Json<AuditPage>> {
    auth.require_operator()?;
    let days = params.days.unwrap_or(30);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_days",
            format!("days must be between 1 and {MAX_DAYS}."),
        ));
    }
    let page = params.page.unwrap_or(1);
    if page == 0 || page > 1_000_000 {
        return Err(AppError::bad_request(
            "invalid_page",
            "page starts at 1 and is at most 1000000.",
        ));
    }
    let page_size = params.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    if page_size == 0 || page_size > MAX_PAGE_SIZE {
        return Err(AppError::bad_request(
            "invalid_page_size",
            format!("page_size must be between 1 and {MAX_PAGE_SIZE}."),
        ));
    }
    let since = state.clock.now() - Duration::days(i64::from(days));
    Ok(Json(
        state
            .store
            .audit_log(&auth.0.account, since, page, page_size)
            .await?,
    ))
}

/// Records what `principal` just did. The change has committed by now: a failure to record is
/// logged, and the answer still tells the truth about the change.
pub(super) async fn record(
    state: &AppState,
    principal: &Principal,
    action: &'static str,
    target: Option<&str>,
    detail: Option<String>,
) {
    let entry = AuditRecord {
        account: &principal.account,
        actor: &principal.email,
        via: &principal.via,
        action,
        target,
        detail,
    };
    if let Err(e) = state.store.audit(state.clock.now(), &entry).await {
        tracing::error!(error = %e, action, "recording in the account audit log failed");
    }
}
