//! Approvals (DESIGN.md 14): the account's policy, and the requests an execution becomes when
//! the policy covers it, with their decisions.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::ApiError;
use vpn_console_domain::approval::{
    ApprovalList, ApprovalPolicy, ApprovalRefusal, ApprovalRequest, ApprovalStatus, DecisionBody,
    MAX_COMMENT_CHARS,
};

use super::events::approval_refusal;
use super::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use super::{AppError, AppState, Result};
use crate::store::audit::AuditRecord;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_policy, put_policy))
        .routes(routes!(list_approvals))
        .routes(routes!(get_approval, cancel_approval))
        .routes(routes!(decide_approval))
}

/// The account's approval policy; `{require_for: [], min_approvals: 1}` (nothing needs
/// approval) until an operator sets one.
#[utoipa::path(get, path = "/approval-policy", tag = "approvals",
    responses((status = 200, body = ApprovalPolicy), (status = 401, body = ApiError)))]
async fn get_policy(State(state): State<AppState>, auth: Auth) -> Result<Json<ApprovalPolicy>> {
    Ok(Json(state.store.approval_policy(&auth.0.account).await?))
}

/// Sets the policy (operators), logged `approval_policy.updated` in the account audit log.
/// Requests already made keep the policy they were made under.
#[utoipa::path(put, path = "/approval-policy", tag = "approvals",
    request_body = ApprovalPolicy,
    responses((status = 200, body = ApprovalPolicy),
        (status = 400, body = ApiError, description = "An unknown kind in require_for, or min_approvals other than 1 or 2"),
        (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 413, body = ApiError), (status = 415, body = ApiError)))]
async fn put_policy(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(policy): ApiJson<ApprovalPolicy>,
) -> Result<Json<ApprovalPolicy>> {
    auth.require_operator()?;
    let detail = serde_json::to_string(&policy).ok();
    let record = AuditRecord {
        account: &auth.0.account,
        actor: &auth.0.email,
        via: &auth.0.via,
        action: "approval_policy.updated",
        target: None,
        detail,
    };
    state
        .store
        .put_approval_policy(&policy, &record, state.clock.now())
        .await?;
    Ok(Json(policy))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only the requests in this status: pending, approved, rejected, expired, cancelled or
    /// failed.
    status: Option<String>,
}

/// The account's approval requests (any role), newest first; at most 200 items, `total`
/// counting them all.
#[utoipa::path(get, path = "/approvals", tag = "approvals",
    params(ListParams),
    responses((status = 200, body = ApprovalList), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
async fn list_approvals(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<ApprovalList>> {
    let status = params
        .status
        .as_deref()
        .map(|s| {
            ApprovalStatus::parse(s).ok_or_else(|| {
                AppError::bad_request(
                    "invalid_status",
                    "status is one of pending, approved, rejected, expired, cancelled, failed.",
                )
            })
        })
        .transpose()?;
    let (items, total) = state.store.approvals(&auth.0.account, status).await?;
    Ok(Json(ApprovalList { items, total }))
}

/// An approval request of the account (404 for another account's).
#[utoipa::path(get, path = "/approvals/{id}", tag = "approvals",
    params(("id" = String, Path, description = "Approval request ID, apr-…")),
    responses((status = 200, body = ApprovalRequest), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn get_approval(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ApprovalRequest>> {
    state
        .store
        .approval(&auth.0.account, &id)
        .await?
        .map(|s| Json(s.request))
        .ok_or_else(|| approval_refusal(ApprovalRefusal::NotFound))
}

/// Approves or rejects a request. Checked in this order: 404 (unknown or another account's),
/// 403 `own_request` (the requester, whatever the role), 403 (a viewer), 409 `not_pending`
/// (decided, expired, cancelled, failed, or at or after `expires_at`), 409 `already_decided`.
/// The approval that reaches `min_approvals` applies the change at once, decided again by the
/// server's clock; when it no longer holds, the request is `failed` with the refusal in
/// `error`.
#[utoipa::path(post, path = "/approvals/{id}/decision", tag = "approvals",
    params(("id" = String, Path, description = "Approval request ID, apr-…")),
    request_body = DecisionBody,
    responses((status = 200, body = ApprovalRequest),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "own_request, or forbidden for a viewer"),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "not_pending, already_decided"),
        (status = 413, body = ApiError), (status = 415, body = ApiError),
        (status = 422, body = ApiError, description = "invalid_comment: longer than 500 characters")))]
async fn decide_approval(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<ApprovalRequest>> {
    if body
        .comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_comment",
            "comment is longer than 500 characters.",
        ));
    }
    let now = state.clock.now();
    match crate::approvals::decide(&state.store, &auth.0, &id, &body, now).await? {
        Ok(decided) => {
            if decided.due_now {
                state.scheduler_wake.notify_one();
            }
            Ok(Json(decided.request))
        }
        Err(refusal) => Err(approval_refusal(refusal)),
    }
}

/// The requester withdraws a pending request (204); anyone else of the account 403
/// `not_requester`; another account's request 404; a request no longer pending 409
/// `not_pending`.
#[utoipa::path(delete, path = "/approvals/{id}", tag = "approvals",
    params(("id" = String, Path, description = "Approval request ID, apr-…")),
    responses((status = 204), (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "not_requester"),
        (status = 404, body = ApiError), (status = 409, body = ApiError, description = "not_pending")))]
async fn cancel_approval(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode> {
    match crate::approvals::cancel(&state.store, &auth.0, &id, state.clock.now()).await? {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(refusal) => Err(approval_refusal(refusal)),
    }
}
