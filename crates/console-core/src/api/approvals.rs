//! The Approvals page's calls (DESIGN.md 14): the account's requests, a decision, the policy.
//! Generic decoders here are compiled only into the lazy module that calls them.

use vpn_console_domain::approval::{
    ApprovalList, ApprovalPolicy, ApprovalRequest, ApprovalStatus, DecisionBody, Verdict,
};

use super::{decode, get, json_body, send, CallError, Method};
use crate::paths::ApiPath;

/// `GET /approvals[?status=]`: newest first.
pub async fn approvals(status: Option<ApprovalStatus>) -> Result<ApprovalList, CallError> {
    let path = match status {
        Some(s) => ApiPath::new("/approvals").with("status", s.as_str()),
        None => ApiPath::new("/approvals"),
    };
    get(&path).await
}

/// `POST /approvals/{id}/decision`.
pub async fn decide(
    id: String,
    decision: Verdict,
    comment: Option<String>,
) -> Result<ApprovalRequest, CallError> {
    let body = json_body(&DecisionBody { decision, comment });
    let path = ApiPath::new(format!("/approvals/{id}/decision"));
    decode(send(Method::Post, &path, &[], Some(body)).await?)
}

/// `GET /approval-policy`.
pub async fn policy() -> Result<ApprovalPolicy, CallError> {
    get(&ApiPath::new("/approval-policy")).await
}

/// `PUT /approval-policy` (operators).
pub async fn set_policy(policy: ApprovalPolicy) -> Result<ApprovalPolicy, CallError> {
    let body = json_body(&policy);
    decode(
        send(
            Method::Put,
            &ApiPath::new("/approval-policy"),
            &[],
            Some(body),
        )
        .await?,
    )
}
