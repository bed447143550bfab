//! The whole decision on one execution request (section 5 plus 10.2 and 10.3), shared by
//! `POST /om-events/{id}/execution` and each item of a bulk request, so both answer alike.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::ApiError;
use crate::event::OmEvent;
use crate::schedule::{validate, ExecutionPlan, ExecutionRequest};

use super::conflict::{conflict_periods, conflicts_at, PlannedEvent};
use super::freeze::{freeze_at, freeze_periods};
use super::timeline::nearest_allowed;
use super::{PlanningContext, PlanningError, PlanningErrorCode};
use crate::time::utc_text;

/// Accepts or refuses `request` for `event`, in this order:
/// 1. the execution-time rules of section 5 ([`validate`]);
/// 2. `in_freeze_period` when the execution would overlap a freeze (Execute Now too: a freeze
///    means nothing runs);
/// 3. `creates_conflict` when it would conflict with another current event, unless
///    `allow_conflict`.
///
/// Refusals 2 and 3 carry `suggested_at`: the allowed time nearest the one asked for (no later
/// than the default, not before now, in no freeze, and without a conflict unless allowed).
pub fn check_execution(
    event: &PlannedEvent,
    request: &ExecutionRequest,
    allow_conflict: bool,
    ctx: &PlanningContext<'_>,
) -> Result<ExecutionPlan, PlanningError> {
    let plan = validate(&event.event, request, ctx.now)?;
    let at = plan.execute_at;
    let suggest = || {
        let mut forbidden: Vec<_> = freeze_periods(ctx.freezes).collect();
        if !allow_conflict {
            forbidden.extend(conflict_periods(event, ctx.others));
        }
        nearest_allowed(at, ctx.now, event.event.default_execute_at, &forbidden)
    };
    if let Some(freeze) = freeze_at(at, ctx.freezes) {
        return Err(PlanningError {
            code: PlanningErrorCode::InFreezePeriod,
            field: Some("execute_at".to_owned()),
            message: format!(
                "An execution at {} would run into freeze period {} ({} to {}: {}).",
                utc_text(at),
                freeze.id,
                utc_text(freeze.starts_at),
                utc_text(freeze.ends_at),
                freeze.reason
            ),
            suggested_at: suggest(),
        });
    }
    if !allow_conflict {
        let found = conflicts_at(event, at, ctx.others);
        if let Some(first) = found.first() {
            let gateways: Vec<&str> = first
                .customer_gateway_ids
                .iter()
                .map(|id| id.as_str())
                .collect();
            return Err(PlanningError {
                code: PlanningErrorCode::CreatesConflict,
                field: Some("execute_at".to_owned()),
                message: format!(
                    "At {} this event would run together with O&M event {} on {} {}, and customer gateway {} would lose its redundant paths at once.",
                    utc_text(at),
                    first.event_id,
                    first.resource.kind_str(),
                    first.resource.id_str(),
                    gateways.join(", ")
                ),
                suggested_at: suggest(),
            });
        }
    }
    Ok(plan)
}

/// The answer to one request for one event id, with the status code it maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// 200: the event runs at this plan.
    Accepted(ExecutionPlan),
    /// 404: no such event for this account.
    NotFound,
    /// 412: the version the client saw is not the current one.
    VersionMismatch { current: i64 },
    /// 422: a rule refuses.
    Refused(PlanningError),
    /// 409: a change of the event waits for approval (14.2).
    ApprovalPending,
}

impl Decision {
    pub fn status(&self) -> u16 {
        match self {
            Decision::Accepted(_) => 200,
            Decision::NotFound => 404,
            Decision::VersionMismatch { .. } => 412,
            Decision::Refused(_) => 422,
            Decision::ApprovalPending => 409,
        }
    }

    /// The `{code, message}` the single endpoint answers with, `None` when accepted.
    pub fn api_error(&self) -> Option<ApiError> {
        let (code, message) = match self {
            Decision::Accepted(_) => return None,
            Decision::NotFound => ("not_found", "The O&M event was not found.".to_owned()),
            Decision::VersionMismatch { current } => (
                "stale",
                format!("The O&M event changed meanwhile (it is now at version {current}); reload it and try again."),
            ),
            Decision::Refused(e) => (e.code.as_str(), e.message.clone()),
            Decision::ApprovalPending => {
                let refusal = crate::approval::ApprovalRefusal::ApprovalPending;
                (refusal.code(), refusal.message().to_owned())
            }
        };
        Some(ApiError {
            code: code.to_owned(),
            message,
        })
    }
}

/// Decides a request on `event` (`None`: not found) sent with `If-Match: expected_version`.
pub fn decide(
    event: Option<&PlannedEvent>,
    expected_version: i64,
    request: &ExecutionRequest,
    allow_conflict: bool,
    ctx: &PlanningContext<'_>,
) -> Decision {
    let Some(event) = event else {
        return Decision::NotFound;
    };
    if event.event.version != expected_version {
        return Decision::VersionMismatch {
            current: event.event.version,
        };
    }
    match check_execution(event, request, allow_conflict, ctx) {
        Ok(plan) => Decision::Accepted(plan),
        Err(e) => Decision::Refused(e),
    }
}

/// The event as an accepted plan leaves it: the new time, and the version bumped as a store
/// bumps it on every change.
pub fn apply(event: &OmEvent, plan: &ExecutionPlan) -> OmEvent {
    let mut next = event.clone();
    next.execute_at = plan.execute_at;
    next.version += 1;
    next
}

/// Execute Now or Specify Execution Time, as every body spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ExecutionMode {
    Now,
    At,
}

/// The one wire type of a change (DESIGN.md "How a change flows"): `{mode, execute_at?,
/// allow_conflict?, override_hold?, reason?, ticket?}`, the body of `POST /om-events/{id}/execution` and, with its `events`, of
/// `POST /om-events/bulk-execution` ([`BulkExecutionRequest`](super::BulkExecutionRequest)).
/// `mode` and `execute_at` are checked together when read, by [`RawChange`]; any other field is
/// refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "RawChange")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExecutionBody {
    mode: ExecutionMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    execute_at: Option<DateTime<Utc>>,
    /// Accept a time at which the event conflicts with another (10.2).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    allow_conflict: bool,
    /// Start a held event anyway (13).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    override_hold: bool,
    /// Why (14.2): 1–500 characters; required when the approval policy covers the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// A change number or similar (14.2), at most 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ticket: Option<String>,
}

/// The longest `reason` and `ticket` of a change (14.2), in characters.
pub const MAX_REASON_CHARS: usize = 500;
pub const MAX_TICKET_CHARS: usize = 100;

/// Every body as sent, before its fields are checked together: the single body refuses
/// `events`, the bulk body needs it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChange {
    // A string rather than [`ExecutionMode`]: serde's refusal would echo an unknown value
    // whole, and the answer stays small whatever was sent.
    mode: String,
    // Read by the one strict RFC 3339 parser of every request time.
    execute_at: Option<crate::instant::RequestTime>,
    #[serde(default)]
    allow_conflict: bool,
    #[serde(default)]
    override_hold: bool,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    ticket: Option<String>,
    #[serde(default)]
    pub(crate) events: Option<Vec<super::BulkItem>>,
}

impl RawChange {
    /// The change itself, checked once for both bodies.
    pub(crate) fn body(&self) -> Result<ExecutionBody, String> {
        let execute_at = self.execute_at.map(|t| t.0);
        let mode = match (self.mode.as_str(), execute_at) {
            ("now", None) => ExecutionMode::Now,
            ("now", Some(_)) => return Err("execute_at is only for mode \"at\"".to_owned()),
            ("at", Some(_)) => ExecutionMode::At,
            ("at", None) => return Err("mode \"at\" needs execute_at (RFC 3339, UTC)".to_owned()),
            (other, _) => {
                return Err(format!(
                    "unknown mode \"{}\": use \"now\" or \"at\"",
                    ellipsis(other, 20)
                ))
            }
        };
        let reason = match &self.reason {
            None => None,
            Some(r) if r.trim().is_empty() => {
                return Err("reason must not be empty (1–500 characters)".to_owned())
            }
            Some(r) if r.chars().count() > MAX_REASON_CHARS => {
                return Err("reason is longer than 500 characters".to_owned())
            }
            Some(r) => Some(r.clone()),
        };
        let ticket = match &self.ticket {
            Some(t) if t.chars().count() > MAX_TICKET_CHARS => {
                return Err("ticket is longer than 100 characters".to_owned())
            }
            Some(t) if t.trim().is_empty() => None,
            t => t.clone(),
        };
        Ok(ExecutionBody {
            mode,
            execute_at,
            allow_conflict: self.allow_conflict,
            override_hold: self.override_hold,
            reason,
            ticket,
        })
    }
}

fn ellipsis(s: &str, max_chars: usize) -> String {
    let mut out: String = s.chars().take(max_chars).collect();
    if s.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}

impl TryFrom<RawChange> for ExecutionBody {
    type Error = String;

    fn try_from(raw: RawChange) -> Result<Self, Self::Error> {
        if raw.events.is_some() {
            return Err(
                "unknown field `events`: a list of events goes to /om-events/bulk-execution"
                    .to_owned(),
            );
        }
        raw.body()
    }
}

impl ExecutionBody {
    pub fn new(request: ExecutionRequest, allow_conflict: bool) -> Self {
        let (mode, execute_at) = match request {
            ExecutionRequest::Now => (ExecutionMode::Now, None),
            ExecutionRequest::At { execute_at } => (ExecutionMode::At, Some(execute_at)),
        };
        ExecutionBody {
            mode,
            execute_at,
            allow_conflict,
            override_hold: false,
            reason: None,
            ticket: None,
        }
    }

    /// The same change, starting a held event anyway (13).
    pub fn overriding_hold(mut self) -> Self {
        self.override_hold = true;
        self
    }

    /// The same change, with the requester's reason and ticket (14.2).
    pub fn with_reason(mut self, reason: Option<String>, ticket: Option<String>) -> Self {
        self.reason = reason;
        self.ticket = ticket;
        self
    }

    /// The request of section 5.
    pub fn request(&self) -> ExecutionRequest {
        match self.execute_at {
            Some(execute_at) if self.mode == ExecutionMode::At => {
                ExecutionRequest::At { execute_at }
            }
            _ => ExecutionRequest::Now,
        }
    }

    pub fn mode(&self) -> ExecutionMode {
        self.mode
    }

    /// The requested time of a change `at`.
    pub fn execute_at(&self) -> Option<DateTime<Utc>> {
        self.execute_at
    }

    pub fn allow_conflict(&self) -> bool {
        self.allow_conflict
    }

    pub fn override_hold(&self) -> bool {
        self.override_hold
    }

    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    pub fn ticket(&self) -> Option<&str> {
        self.ticket.as_deref()
    }
}
