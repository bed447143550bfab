//! A second pair of eyes (DESIGN.md 14): which changes the account's policy sends for
//! approval, the request's risk and expiry, who may decide it and what a decision leads to.
//! The server loads what these need and writes what they answer.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::api::ApiError;
use crate::event::AuditAction;
use crate::impact::Summary;
use crate::planning::{ExecutionBody, ExecutionMode};

/// Whether an entry of an event's log means the event changed, so that a request still
/// pending for it fails with `event_changed`: it moved, started, ended or was cancelled. A
/// hold leaves its time alone, and the approvals' own entries are the request's.
pub fn ends_pending_requests(action: AuditAction) -> bool {
    matches!(
        action,
        AuditAction::Rescheduled
            | AuditAction::ExecuteNow
            | AuditAction::Started
            | AuditAction::Resumed
            | AuditAction::Completed
            | AuditAction::Failed
            | AuditAction::Cancelled
    )
}

/// What a policy may send for approval (14.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Covered {
    ExecuteNow,
    Reschedule,
    Bulk,
    AllowConflict,
    OverrideHold,
}

crate::string_forms!(Covered);

/// The account's approval policy, `{require_for, min_approvals}`; valid by construction
/// (`min_approvals` is 1 or 2, `require_for` without repeats, in a fixed order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "RawPolicy")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalPolicy {
    require_for: Vec<Covered>,
    /// 1 or 2.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 2))]
    min_approvals: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    require_for: Vec<Covered>,
    min_approvals: u8,
}

impl TryFrom<RawPolicy> for ApprovalPolicy {
    type Error = String;

    fn try_from(raw: RawPolicy) -> Result<Self, Self::Error> {
        ApprovalPolicy::new(raw.require_for, raw.min_approvals)
            .ok_or_else(|| "min_approvals must be 1 or 2".to_owned())
    }
}

impl Default for ApprovalPolicy {
    /// Nothing needs approval.
    fn default() -> Self {
        ApprovalPolicy {
            require_for: Vec::new(),
            min_approvals: 1,
        }
    }
}

impl ApprovalPolicy {
    /// `None` unless `min_approvals` is 1 or 2.
    pub fn new(mut require_for: Vec<Covered>, min_approvals: u8) -> Option<Self> {
        if !(1..=2).contains(&min_approvals) {
            return None;
        }
        require_for.sort();
        require_for.dedup();
        Some(ApprovalPolicy {
            require_for,
            min_approvals,
        })
    }

    pub fn require_for(&self) -> &[Covered] {
        &self.require_for
    }

    pub fn min_approvals(&self) -> u8 {
        self.min_approvals
    }

    fn lists(&self, c: Covered) -> bool {
        self.require_for.contains(&c)
    }

    /// Whether `change` needs approval before it is applied. A single change is covered by
    /// its mode (`execute_now`, `reschedule`); a bulk change only by `bulk`, not by the mode.
    /// `allow_conflict` and `override_hold` cover a change that sets them, whatever its mode,
    /// single or bulk (a bulk body would otherwise be a way around them).
    pub fn covers(&self, change: &ExecutionBody, bulk: bool) -> bool {
        let by_kind = if bulk {
            self.lists(Covered::Bulk)
        } else {
            match change.mode() {
                ExecutionMode::Now => self.lists(Covered::ExecuteNow),
                ExecutionMode::At => self.lists(Covered::Reschedule),
            }
        };
        by_kind
            || (change.allow_conflict() && self.lists(Covered::AllowConflict))
            || (change.override_hold() && self.lists(Covered::OverrideHold))
    }
}

/// What the events of a request put at risk: their impact summaries added up, the worst
/// interruption being the largest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Risk {
    pub max_interruption_s: u32,
    pub tunnels: u32,
    pub ssl_clients: u32,
}

pub fn risk<'a>(summaries: impl IntoIterator<Item = &'a Summary>) -> Risk {
    summaries.into_iter().fold(Risk::default(), |r, s| Risk {
        max_interruption_s: r.max_interruption_s.max(s.max_interruption_s),
        tunnels: r.tunnels.saturating_add(s.tunnels),
        ssl_clients: r.ssl_clients.saturating_add(s.ssl_clients),
    })
}

/// How long before the time it concerns a request stops waiting. Real minutes: approvers are
/// people, whatever the simulation's `TIME_SCALE`.
pub const APPROVAL_LEAD_MINUTES: i64 = 10;

/// When a request expires: [`APPROVAL_LEAD_MINUTES`] before the earliest of the requested
/// time (`requested_at` of a change `at`; `None` for Execute Now) and the events' current
/// execution times; refused `too_late_for_approval` when that is not after `now`.
pub fn expires_at(
    requested_at: Option<DateTime<Utc>>,
    event_times: impl IntoIterator<Item = DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ApprovalRefusal> {
    let earliest = event_times
        .into_iter()
        .chain(requested_at)
        .min()
        .ok_or(ApprovalRefusal::TooLateForApproval)?;
    let expires = earliest - Duration::minutes(APPROVAL_LEAD_MINUTES);
    if expires <= now {
        return Err(ApprovalRefusal::TooLateForApproval);
    }
    Ok(expires)
}

/// Where a request stands (14.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
    Expired,
    Cancelled,
    Failed,
}

crate::string_forms!(ApprovalStatus);

/// An approver's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Verdict {
    Approve,
    Reject,
}

crate::string_forms!(Verdict);

/// Why a change could not be sent for approval, or a decision or cancellation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalRefusal {
    /// 422: the policy covers the change and it has no `reason`.
    ReasonRequired,
    /// 422: it would expire before anyone could decide.
    TooLateForApproval,
    /// 409: one of its events already waits for a decision.
    ApprovalPending,
    /// 404: unknown, or another account's.
    NotFound,
    /// 403: nobody approves their own change, whatever their role.
    OwnRequest,
    /// 403: a viewer decides nothing.
    Viewer,
    /// 403: only the requester cancels.
    NotRequester,
    /// 409: decided, expired, cancelled or failed, or at or after `expires_at`.
    NotPending,
    /// 409: one decision per person.
    AlreadyDecided,
}

impl ApprovalRefusal {
    pub fn code(self) -> &'static str {
        match self {
            ApprovalRefusal::ReasonRequired => "reason_required",
            ApprovalRefusal::TooLateForApproval => "too_late_for_approval",
            ApprovalRefusal::ApprovalPending => "approval_pending",
            ApprovalRefusal::NotFound => "not_found",
            ApprovalRefusal::OwnRequest => "own_request",
            ApprovalRefusal::Viewer => "forbidden",
            ApprovalRefusal::NotRequester => "not_requester",
            ApprovalRefusal::NotPending => "not_pending",
            ApprovalRefusal::AlreadyDecided => "already_decided",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            ApprovalRefusal::ReasonRequired | ApprovalRefusal::TooLateForApproval => 422,
            ApprovalRefusal::NotFound => 404,
            ApprovalRefusal::OwnRequest
            | ApprovalRefusal::Viewer
            | ApprovalRefusal::NotRequester => 403,
            ApprovalRefusal::ApprovalPending
            | ApprovalRefusal::NotPending
            | ApprovalRefusal::AlreadyDecided => 409,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            ApprovalRefusal::ReasonRequired => {
                "This change needs approval: say why in 'reason' (1–500 characters)."
            }
            ApprovalRefusal::TooLateForApproval => {
                "It is too late to ask for approval: a request expires 10 minutes before the time it concerns."
            }
            ApprovalRefusal::ApprovalPending => {
                "A change of this O&M event is waiting for approval; decide or cancel it first."
            }
            ApprovalRefusal::NotFound => "No such approval request.",
            ApprovalRefusal::OwnRequest => "Nobody approves or rejects their own request.",
            ApprovalRefusal::Viewer => "Viewers cannot decide approval requests.",
            ApprovalRefusal::NotRequester => "Only the requester can cancel a request.",
            ApprovalRefusal::NotPending => "This request is no longer pending.",
            ApprovalRefusal::AlreadyDecided => "You already decided this request.",
        }
    }

    pub fn api_error(self) -> ApiError {
        ApiError {
            code: self.code().to_owned(),
            message: self.message().to_owned(),
        }
    }
}

/// What the decision and cancellation checks read of a request.
#[derive(Debug, Clone, Copy)]
pub struct RequestState<'a> {
    pub requested_by: &'a str,
    pub status: ApprovalStatus,
    pub expires_at: DateTime<Utc>,
    /// Who already decided.
    pub deciders: &'a [&'a str],
}

/// Who asks to decide or cancel.
#[derive(Debug, Clone, Copy)]
pub struct Decider<'a> {
    pub email: &'a str,
    /// Whether the request belongs to their account.
    pub same_account: bool,
    pub viewer: bool,
}

/// Whether the request still waits at `now`: pending and not yet at its expiry.
pub fn is_open(status: ApprovalStatus, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status == ApprovalStatus::Pending && now < expires_at
}

/// The checks of a decision, in the contract's order: 404, 403 `own_request`, 403 viewer,
/// 409 `not_pending`, 409 `already_decided`.
pub fn check_decision(
    request: &RequestState<'_>,
    who: &Decider<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApprovalRefusal> {
    if !who.same_account {
        return Err(ApprovalRefusal::NotFound);
    }
    if who.email == request.requested_by {
        return Err(ApprovalRefusal::OwnRequest);
    }
    if who.viewer {
        return Err(ApprovalRefusal::Viewer);
    }
    if !is_open(request.status, request.expires_at, now) {
        return Err(ApprovalRefusal::NotPending);
    }
    if request.deciders.contains(&who.email) {
        return Err(ApprovalRefusal::AlreadyDecided);
    }
    Ok(())
}

/// The checks of a cancellation: 404, 403 `not_requester`, 409 `not_pending`.
pub fn check_cancel(
    request: &RequestState<'_>,
    who: &Decider<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApprovalRefusal> {
    if !who.same_account {
        return Err(ApprovalRefusal::NotFound);
    }
    if who.email != request.requested_by {
        return Err(ApprovalRefusal::NotRequester);
    }
    if !is_open(request.status, request.expires_at, now) {
        return Err(ApprovalRefusal::NotPending);
    }
    Ok(())
}

/// What happens to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Happening {
    /// A decision; `approvals` counts the approvals with this one.
    Decided {
        verdict: Verdict,
        approvals: u8,
    },
    Expired,
    Cancelled,
    /// One of its events changed otherwise (`event_changed`).
    EventChanged,
    /// Approved, the change was decided again and applied.
    Applied,
    /// Approved, the change was decided again and refused.
    Refused,
}

/// What a request becomes, `None` when `happening` does not apply to it any more (a request
/// leaves `pending` once, and an approved one only to be applied or refused).
pub fn next_status(
    status: ApprovalStatus,
    happening: Happening,
    min_approvals: u8,
) -> Option<ApprovalStatus> {
    use ApprovalStatus::*;
    match (status, happening) {
        (
            Pending,
            Happening::Decided {
                verdict: Verdict::Reject,
                ..
            },
        ) => Some(Rejected),
        (
            Pending,
            Happening::Decided {
                verdict: Verdict::Approve,
                approvals,
            },
        ) => Some(if approvals >= min_approvals {
            Approved
        } else {
            Pending
        }),
        (Pending, Happening::Expired) => Some(Expired),
        (Pending, Happening::Cancelled) => Some(Cancelled),
        (Pending, Happening::EventChanged) => Some(Failed),
        (Approved, Happening::Applied) => Some(Approved),
        (Approved, Happening::Refused) => Some(Failed),
        _ => None,
    }
}

/// The change a request asks for, as its answer shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestedChange {
    pub mode: ExecutionMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execute_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_conflict: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub override_hold: bool,
}

impl RequestedChange {
    pub fn of(body: &ExecutionBody) -> Self {
        RequestedChange {
            mode: body.mode(),
            execute_at: body.execute_at(),
            allow_conflict: body.allow_conflict(),
            override_hold: body.override_hold(),
        }
    }

    /// The body that applies it, with the request's reason and ticket.
    pub fn body(&self, reason: Option<String>, ticket: Option<String>) -> ExecutionBody {
        let request = match (self.mode, self.execute_at) {
            (ExecutionMode::At, Some(execute_at)) => crate::ExecutionRequest::At { execute_at },
            _ => crate::ExecutionRequest::Now,
        };
        let body = ExecutionBody::new(request, self.allow_conflict).with_reason(reason, ticket);
        if self.override_hold {
            body.overriding_hold()
        } else {
            body
        }
    }
}

/// One person's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalDecision {
    pub by: String,
    pub at: DateTime<Utc>,
    pub decision: Verdict,
    pub comment: Option<String>,
}

/// An approval request (14.2), as `GET /approvals/{id}` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalRequest {
    /// `apr-…`
    pub id: String,
    pub event_ids: Vec<String>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub change: RequestedChange,
    pub reason: String,
    pub ticket: Option<String>,
    pub risk: Risk,
    pub expires_at: DateTime<Utc>,
    pub status: ApprovalStatus,
    pub decisions: Vec<ApprovalDecision>,
    pub error: Option<ApiError>,
}

/// `GET /approvals`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalList {
    pub items: Vec<ApprovalRequest>,
    pub total: u64,
}

/// `POST /approvals/{id}/decision`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionBody {
    pub decision: Verdict,
    #[serde(default)]
    pub comment: Option<String>,
}

/// The longest decision comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ExecutionRequest;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0).unwrap()
    }

    fn now_body() -> ExecutionBody {
        ExecutionBody::new(ExecutionRequest::Now, false)
    }

    fn at_body() -> ExecutionBody {
        ExecutionBody::new(
            ExecutionRequest::At {
                execute_at: t(12, 0),
            },
            false,
        )
    }

    #[test]
    fn which_log_entries_end_a_pending_request() {
        let ending: Vec<AuditAction> = AuditAction::ALL
            .into_iter()
            .filter(|a| ends_pending_requests(*a))
            .collect();
        assert_eq!(
            ending,
            [
                AuditAction::Rescheduled,
                AuditAction::ExecuteNow,
                AuditAction::Started,
                AuditAction::Resumed,
                AuditAction::Completed,
                AuditAction::Failed,
                AuditAction::Cancelled,
            ]
        );
    }

    #[test]
    fn what_a_policy_covers() {
        use Covered::*;
        let conflict = ExecutionBody::new(ExecutionRequest::Now, true);
        let hold = now_body().overriding_hold();
        let at_conflict = ExecutionBody::new(
            ExecutionRequest::At {
                execute_at: t(12, 0),
            },
            true,
        );
        let cases: &[(&[Covered], &ExecutionBody, bool, bool)] = &[
            (&[], &now_body(), false, false),
            (&[], &conflict, true, false),
            (&[ExecuteNow], &now_body(), false, true),
            (&[ExecuteNow], &at_body(), false, false),
            (&[ExecuteNow], &now_body(), true, false),
            (&[Reschedule], &at_body(), false, true),
            (&[Reschedule], &now_body(), false, false),
            (&[Reschedule], &at_body(), true, false),
            (&[Bulk], &now_body(), true, true),
            (&[Bulk], &at_body(), true, true),
            (&[Bulk], &now_body(), false, false),
            (&[AllowConflict], &conflict, false, true),
            (&[AllowConflict], &at_conflict, false, true),
            (&[AllowConflict], &at_conflict, true, true),
            (&[AllowConflict], &now_body(), false, false),
            (&[AllowConflict], &hold, false, false),
            (&[OverrideHold], &hold, false, true),
            (&[OverrideHold], &hold, true, true),
            (&[OverrideHold], &conflict, false, false),
            (&[ExecuteNow, Reschedule, Bulk], &at_body(), true, true),
        ];
        for (i, (list, body, bulk, covered)) in cases.iter().enumerate() {
            let policy = ApprovalPolicy::new(list.to_vec(), 1).unwrap();
            assert_eq!(policy.covers(body, *bulk), *covered, "case {i}: {list:?}");
        }
    }

    #[test]
    fn a_policy_reads_strictly() {
        type Read<'a> = Option<(&'a [Covered], u8)>;
        let cases: &[(&str, Read)] = &[
            (r#"{"require_for":[],"min_approvals":1}"#, Some((&[], 1))),
            (
                r#"{"require_for":["bulk","execute_now","bulk"],"min_approvals":2}"#,
                Some((&[Covered::ExecuteNow, Covered::Bulk], 2)),
            ),
            (r#"{"require_for":[],"min_approvals":0}"#, None),
            (r#"{"require_for":[],"min_approvals":3}"#, None),
            (r#"{"require_for":["everything"],"min_approvals":1}"#, None),
            (r#"{"require_for":[]}"#, None),
            (r#"{"require_for":[],"min_approvals":1,"x":1}"#, None),
        ];
        for (raw, expected) in cases {
            let read = serde_json::from_str::<ApprovalPolicy>(raw).ok();
            let read = read.map(|p| (p.require_for().to_vec(), p.min_approvals()));
            let expected = expected.map(|(l, m)| (l.to_vec(), m));
            assert_eq!(read, expected, "{raw}");
        }
        assert_eq!(
            serde_json::to_string(&ApprovalPolicy::default()).unwrap(),
            r#"{"require_for":[],"min_approvals":1}"#
        );
    }

    #[test]
    fn risk_adds_up_and_keeps_the_worst_interruption() {
        let s = |max, tunnels, ssl| Summary {
            max_interruption_s: max,
            tunnels,
            ssl_clients: ssl,
            ..Summary::default()
        };
        let cases: &[(&[Summary], Risk)] = &[
            (&[], Risk::default()),
            (
                &[s(60, 3, 24)],
                Risk {
                    max_interruption_s: 60,
                    tunnels: 3,
                    ssl_clients: 24,
                },
            ),
            (
                &[s(60, 3, 24), s(300, 1, 0), s(5, 2, 1)],
                Risk {
                    max_interruption_s: 300,
                    tunnels: 6,
                    ssl_clients: 25,
                },
            ),
        ];
        for (summaries, expected) in cases {
            assert_eq!(risk(summaries.iter()), *expected);
        }
    }

    #[test]
    fn a_request_expires_ten_real_minutes_before_the_earliest_time() {
        use ApprovalRefusal::TooLateForApproval as Late;
        let now = t(10, 0);
        type Case<'a> = (
            Option<DateTime<Utc>>,
            &'a [DateTime<Utc>],
            Result<DateTime<Utc>, ApprovalRefusal>,
        );
        let cases: &[Case] = &[
            (None, &[t(12, 0)], Ok(t(11, 50))),
            (Some(t(11, 0)), &[t(12, 0)], Ok(t(10, 50))),
            (Some(t(13, 0)), &[t(12, 0)], Ok(t(11, 50))),
            (None, &[t(12, 0), t(10, 30), t(11, 0)], Ok(t(10, 20))),
            (None, &[t(10, 11)], Ok(t(10, 1))),
            (None, &[t(10, 10)], Err(Late)),
            (Some(t(10, 5)), &[t(12, 0)], Err(Late)),
            (None, &[t(9, 0)], Err(Late)),
            (None, &[], Err(Late)),
        ];
        for (i, (requested, events, expected)) in cases.iter().enumerate() {
            assert_eq!(
                expires_at(*requested, events.iter().copied(), now),
                *expected,
                "case {i}"
            );
        }
    }

    #[test]
    fn decisions_are_checked_in_the_contracts_order() {
        use ApprovalRefusal::*;
        use ApprovalStatus::*;
        let now = t(10, 0);
        let decided = ["bob@example.com"];
        let request = |status, expires_at| RequestState {
            requested_by: "ann@example.com",
            status,
            expires_at,
            deciders: &decided,
        };
        let who = |email, same_account, viewer| Decider {
            email,
            same_account,
            viewer,
        };
        let open = request(Pending, t(11, 0));
        let cases: &[(RequestState, Decider, Result<(), ApprovalRefusal>)] = &[
            (open, who("cy@example.com", true, false), Ok(())),
            // 404 first: another account learns nothing, not even that it is theirs.
            (open, who("ann@example.com", false, false), Err(NotFound)),
            (
                request(Expired, t(9, 0)),
                who("cy@example.com", false, true),
                Err(NotFound),
            ),
            // The requester, whatever their role and the request's state.
            (open, who("ann@example.com", true, false), Err(OwnRequest)),
            (
                request(Rejected, t(11, 0)),
                who("ann@example.com", true, true),
                Err(OwnRequest),
            ),
            (open, who("cy@example.com", true, true), Err(Viewer)),
            (
                request(Approved, t(11, 0)),
                who("cy@example.com", true, true),
                Err(Viewer),
            ),
            (
                request(Approved, t(11, 0)),
                who("cy@example.com", true, false),
                Err(NotPending),
            ),
            (
                request(Rejected, t(11, 0)),
                who("cy@example.com", true, false),
                Err(NotPending),
            ),
            (
                request(Expired, t(11, 0)),
                who("cy@example.com", true, false),
                Err(NotPending),
            ),
            (
                request(Cancelled, t(11, 0)),
                who("cy@example.com", true, false),
                Err(NotPending),
            ),
            (
                request(Failed, t(11, 0)),
                who("cy@example.com", true, false),
                Err(NotPending),
            ),
            // Still pending in the store, but its time is up.
            (
                request(Pending, t(10, 0)),
                who("cy@example.com", true, false),
                Err(NotPending),
            ),
            (
                request(Pending, t(10, 0)),
                who("bob@example.com", true, false),
                Err(NotPending),
            ),
            (
                open,
                who("bob@example.com", true, false),
                Err(AlreadyDecided),
            ),
        ];
        for (i, (request, who, expected)) in cases.iter().enumerate() {
            assert_eq!(check_decision(request, who, now), *expected, "case {i}");
        }
    }

    #[test]
    fn only_the_requester_cancels_a_pending_request() {
        use ApprovalRefusal::*;
        use ApprovalStatus::*;
        let now = t(10, 0);
        let request = |status, expires_at| RequestState {
            requested_by: "ann@example.com",
            status,
            expires_at,
            deciders: &[],
        };
        let who = |email, same_account, viewer| Decider {
            email,
            same_account,
            viewer,
        };
        let cases: &[(RequestState, Decider, Result<(), ApprovalRefusal>)] = &[
            (
                request(Pending, t(11, 0)),
                who("ann@example.com", true, false),
                Ok(()),
            ),
            // A requester who became a viewer still withdraws what they asked for.
            (
                request(Pending, t(11, 0)),
                who("ann@example.com", true, true),
                Ok(()),
            ),
            (
                request(Pending, t(11, 0)),
                who("ann@example.com", false, false),
                Err(NotFound),
            ),
            (
                request(Pending, t(11, 0)),
                who("bob@example.com", true, false),
                Err(NotRequester),
            ),
            (
                request(Approved, t(11, 0)),
                who("bob@example.com", true, false),
                Err(NotRequester),
            ),
            (
                request(Approved, t(11, 0)),
                who("ann@example.com", true, false),
                Err(NotPending),
            ),
            (
                request(Pending, t(9, 0)),
                who("ann@example.com", true, false),
                Err(NotPending),
            ),
        ];
        for (i, (request, who, expected)) in cases.iter().enumerate() {
            assert_eq!(check_cancel(request, who, now), *expected, "case {i}");
        }
    }

    #[test]
    fn what_a_request_becomes() {
        use ApprovalStatus::*;
        let approve = |approvals| Happening::Decided {
            verdict: Verdict::Approve,
            approvals,
        };
        let reject = Happening::Decided {
            verdict: Verdict::Reject,
            approvals: 0,
        };
        let cases: &[(ApprovalStatus, Happening, u8, Option<ApprovalStatus>)] = &[
            (Pending, approve(1), 1, Some(Approved)),
            (Pending, approve(1), 2, Some(Pending)),
            (Pending, approve(2), 2, Some(Approved)),
            (Pending, reject, 1, Some(Rejected)),
            (Pending, reject, 2, Some(Rejected)),
            (Pending, Happening::Expired, 1, Some(Expired)),
            (Pending, Happening::Cancelled, 1, Some(Cancelled)),
            (Pending, Happening::EventChanged, 1, Some(Failed)),
            (Pending, Happening::Applied, 1, None),
            (Approved, Happening::Applied, 1, Some(Approved)),
            (Approved, Happening::Refused, 1, Some(Failed)),
            (Approved, Happening::Expired, 1, None),
            (Approved, approve(2), 1, None),
            (Rejected, approve(1), 1, None),
            (Expired, Happening::Cancelled, 1, None),
            (Cancelled, Happening::Expired, 1, None),
            (Failed, Happening::EventChanged, 1, None),
        ];
        for (i, (status, happening, min, expected)) in cases.iter().enumerate() {
            assert_eq!(
                next_status(*status, *happening, *min),
                *expected,
                "case {i}"
            );
        }
    }

    #[test]
    fn a_requested_change_gives_back_its_body() {
        for body in [
            now_body(),
            at_body(),
            ExecutionBody::new(ExecutionRequest::Now, true).overriding_hold(),
        ] {
            let body = body.with_reason(Some("why".into()), Some("CHG-1".into()));
            let change = RequestedChange::of(&body);
            assert_eq!(change.body(Some("why".into()), Some("CHG-1".into())), body);
        }
    }
}
