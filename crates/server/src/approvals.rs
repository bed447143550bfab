//! Deciding and cancelling approval requests (DESIGN.md 14.2). A decision that brings the
//! approvals to the request's `min_approvals` applies the change at once through the one
//! execution service, in the decision's transaction: decided again by the server's clock, its
//! log entries naming the requester as actor and the approvers as `approved_by`.

use chrono::{DateTime, Utc};
use vpn_console_domain::api::Role;
use vpn_console_domain::approval::{
    check_cancel, check_decision, next_status, ApprovalDecision, ApprovalRefusal, ApprovalRequest,
    ApprovalStatus, Decider, DecisionBody, Happening, RequestState, Verdict,
};
use vpn_console_domain::AuditAction;

use crate::execution::{Begun, Execution, Requester};
use crate::store::approvals::{self, StoredApproval, APPROVALS_ACTOR};
use crate::store::{Principal, Store};

/// What a decision did.
pub struct Decided {
    pub request: ApprovalRequest,
    /// The change was applied and one of its events is due now: the scheduler may start it.
    pub due_now: bool,
}

fn token_via(principal: &Principal) -> Option<&str> {
    principal
        .via
        .starts_with("token:")
        .then_some(principal.via.as_str())
}

fn state_of<'a>(stored: &'a StoredApproval, deciders: &'a [&'a str]) -> RequestState<'a> {
    RequestState {
        requested_by: &stored.request.requested_by,
        status: stored.request.status,
        expires_at: stored.request.expires_at,
        deciders,
    }
}

fn decider(principal: &Principal) -> Decider<'_> {
    Decider {
        email: &principal.email,
        same_account: true,
        viewer: principal.role == Role::Viewer,
    }
}

/// `POST /approvals/{id}/decision`, checked in the contract's order and written once: the
/// decisions of one request are serialized by the execution service's lock, so that two
/// approvers at once (on two replicas) see each other and the change is applied once.
pub async fn decide(
    store: &Store,
    principal: &Principal,
    id: &str,
    body: &DecisionBody,
    now: DateTime<Utc>,
) -> sqlx::Result<Result<Decided, ApprovalRefusal>> {
    let Some(seen) = store.approval(&principal.account, id).await? else {
        return Ok(Err(ApprovalRefusal::NotFound));
    };
    let deciders: Vec<&str> = seen
        .request
        .decisions
        .iter()
        .map(|d| d.by.as_str())
        .collect();
    if let Err(refusal) = check_decision(&state_of(&seen, &deciders), &decider(principal), now) {
        return Ok(Err(refusal));
    }
    // The change, if it is applied, is the requester's: the execution service writes it as
    // theirs.
    let requester = Requester {
        account: &seen.account,
        actor: &seen.request.requested_by,
        via: seen.via.as_deref(),
    };
    let mut execution = match Execution::begin(store, requester, None).await? {
        Begun::Proceed(execution) => execution,
        // Without a key there is nothing to replay.
        Begun::Replay(_) | Begun::KeyReused => unreachable!("no idempotency key"),
    };
    // Again under the lock: another decision or the clock may have come first.
    let Some(stored) = approvals::approval_in_tx(execution.tx(), id).await? else {
        return Ok(Err(ApprovalRefusal::NotFound));
    };
    let deciders: Vec<&str> = stored
        .request
        .decisions
        .iter()
        .map(|d| d.by.as_str())
        .collect();
    if let Err(refusal) = check_decision(&state_of(&stored, &deciders), &decider(principal), now) {
        return Ok(Err(refusal));
    }
    let decision = ApprovalDecision {
        by: principal.email.clone(),
        at: now,
        decision: body.decision,
        comment: body.comment.clone(),
    };
    if !approvals::insert_decision(execution.tx(), id, &decision).await? {
        return Ok(Err(ApprovalRefusal::AlreadyDecided));
    }
    let mut approvers: Vec<String> = stored
        .request
        .decisions
        .iter()
        .filter(|d| d.decision == Verdict::Approve)
        .map(|d| d.by.clone())
        .collect();
    if body.decision == Verdict::Approve {
        approvers.push(principal.email.clone());
    }
    let happening = Happening::Decided {
        verdict: body.decision,
        approvals: u8::try_from(approvers.len()).unwrap_or(u8::MAX),
    };
    let next = next_status(ApprovalStatus::Pending, happening, stored.min_approvals)
        .expect("a pending request takes a decision");
    if next != ApprovalStatus::Pending
        && !approvals::set_status(execution.tx(), id, ApprovalStatus::Pending, next, None).await?
    {
        return Ok(Err(ApprovalRefusal::NotPending));
    }
    let action = match body.decision {
        Verdict::Approve => AuditAction::Approved,
        Verdict::Reject => AuditAction::Rejected,
    };
    approvals::record_on_events(
        execution.tx(),
        &stored,
        action,
        &principal.email,
        token_via(principal),
        next,
        now,
    )
    .await?;
    let mut due_now = false;
    if next == ApprovalStatus::Approved {
        match execution.apply_approved(&stored, &approvers, now).await? {
            Ok(applied) => {
                due_now = applied
                    .iter()
                    .any(|d| d.event.as_ref().is_some_and(|e| e.execute_at <= now));
            }
            Err(error) => {
                approvals::set_status(
                    execution.tx(),
                    id,
                    ApprovalStatus::Approved,
                    ApprovalStatus::Failed,
                    Some(&error),
                )
                .await?;
                approvals::record_on_events(
                    execution.tx(),
                    &stored,
                    AuditAction::ApprovalFailed,
                    APPROVALS_ACTOR,
                    None,
                    ApprovalStatus::Failed,
                    now,
                )
                .await?;
            }
        }
    }
    execution.commit_without_answer().await?;
    let request = store
        .approval(&principal.account, id)
        .await?
        .expect("the request just decided")
        .request;
    Ok(Ok(Decided { request, due_now }))
}

/// `DELETE /approvals/{id}`: the requester withdraws a pending request.
pub async fn cancel(
    store: &Store,
    principal: &Principal,
    id: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Result<(), ApprovalRefusal>> {
    let Some(stored) = store.approval(&principal.account, id).await? else {
        return Ok(Err(ApprovalRefusal::NotFound));
    };
    if let Err(refusal) = check_cancel(&state_of(&stored, &[]), &decider(principal), now) {
        return Ok(Err(refusal));
    }
    if !store
        .cancel_approval(&stored, token_via(principal), now)
        .await?
    {
        return Ok(Err(ApprovalRefusal::NotPending));
    }
    Ok(Ok(()))
}
