//! Bulk execution (DESIGN.md 10.4): one request for up to 100 events, each item decided exactly
//! as a single `POST /om-events/{id}/execution` with `If-Match` = its version would be.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::ApiError;
use crate::event::OmEvent;
use crate::impact::{AffectedItem, Impact};
use crate::schedule::{validate, ExecutionRequest};

use super::conflict::{conflicts_among, ConflictPair, PlannedEvent};
use super::decision::{decide, Decision, ExecutionBody, RawChange};
use super::{PlanningContext, PlanningError, PlanningErrorCode};

pub const MAX_BULK_EVENTS: usize = 100;

/// One event of a bulk request: its id and the version the client saw (its `If-Match`). The id
/// stays a string so that a malformed one is answered 404 for that item, as the single request
/// answers an unknown id in its path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkItem {
    pub id: String,
    pub version: i64,
}

/// The body of `POST /om-events/bulk-execution`: the one change of
/// [`ExecutionBody`] and the events it is for, `{mode, execute_at?, allow_conflict?, override_hold?, reason?, ticket?, events}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawChange")]
pub struct BulkExecutionRequest {
    #[serde(flatten)]
    change: ExecutionBody,
    events: Vec<BulkItem>,
}

/// [`BulkExecutionRequest`] as the OpenAPI document describes it: one object. (Derived from the
/// type itself, the flattened change would be an `allOf` whose closed first part refuses the
/// second's `events`: a schema no body satisfies.)
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct BulkExecutionBody {
    mode: super::ExecutionMode,
    /// RFC 3339, for mode `at` only.
    execute_at: Option<DateTime<Utc>>,
    /// Accept a time at which an event conflicts with another (10.2).
    allow_conflict: Option<bool>,
    /// Start held events anyway (13).
    override_hold: Option<bool>,
    /// Why (14.2), 1–500 characters; required when the approval policy covers the change.
    reason: Option<String>,
    /// A change number or similar (14.2), at most 100 characters.
    ticket: Option<String>,
    /// 1 to 100 events, each with the version seen (its `If-Match`).
    events: Vec<BulkItem>,
}

impl TryFrom<RawChange> for BulkExecutionRequest {
    type Error = String;

    fn try_from(raw: RawChange) -> Result<Self, Self::Error> {
        let change = raw.body()?;
        let events = raw.events.ok_or("missing field `events`")?;
        Ok(BulkExecutionRequest { change, events })
    }
}

impl BulkExecutionRequest {
    pub fn new(request: ExecutionRequest, allow_conflict: bool, events: Vec<BulkItem>) -> Self {
        BulkExecutionRequest {
            change: ExecutionBody::new(request, allow_conflict),
            events,
        }
    }

    /// The same request, with the requester's reason and ticket (14.2).
    pub fn with_reason(mut self, reason: Option<String>, ticket: Option<String>) -> Self {
        self.change = self.change.with_reason(reason, ticket);
        self
    }

    /// The change every item asks for.
    pub fn change(&self) -> &ExecutionBody {
        &self.change
    }

    /// The request each item is decided with.
    pub fn request(&self) -> ExecutionRequest {
        self.change.request()
    }

    pub fn allow_conflict(&self) -> bool {
        self.change.allow_conflict()
    }

    pub fn events(&self) -> &[BulkItem] {
        &self.events
    }
}

/// The request as a whole: 1 to [`MAX_BULK_EVENTS`] events (`no_events`, `too_many_events`,
/// field `events`) and no id twice (`duplicate_event_id`, field `events[i].id`). A refused
/// request changes nothing.
pub fn validate_bulk(request: &BulkExecutionRequest) -> Result<(), PlanningError> {
    let n = request.events.len();
    if n == 0 {
        return Err(PlanningError::field(
            PlanningErrorCode::NoEvents,
            "events",
            "events must list at least one O&M event.".to_owned(),
        ));
    }
    if n > MAX_BULK_EVENTS {
        return Err(PlanningError::field(
            PlanningErrorCode::TooManyEvents,
            "events",
            format!("events lists {n} O&M events; at most {MAX_BULK_EVENTS} are allowed in one request."),
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, item) in request.events.iter().enumerate() {
        if !seen.insert(item.id.as_str()) {
            let shown: String = item.id.chars().take(64).collect();
            return Err(PlanningError::field(
                PlanningErrorCode::DuplicateEventId,
                &format!("events[{i}].id"),
                format!("events[{i}].id: O&M event {shown} is listed twice."),
            ));
        }
    }
    Ok(())
}

/// The decision on one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkResult {
    pub id: String,
    pub decision: Decision,
}

/// Decides every item in order, each as [`decide`] decides a single request. An accepted item
/// moves its event, and the items after it see it at its new time, exactly as if the single
/// requests had been sent one after the other. `lookup` finds an event of the account by id.
pub fn decide_bulk<'a>(
    request: &BulkExecutionRequest,
    lookup: impl Fn(&str) -> Option<&'a PlannedEvent>,
    ctx: &PlanningContext<'_>,
) -> Result<Vec<BulkResult>, PlanningError> {
    validate_bulk(request)?;
    let execution = request.request();
    let mut others = ctx.others.to_vec();
    let mut results = Vec::with_capacity(request.events.len());
    for item in &request.events {
        let event = lookup(&item.id);
        let now = PlanningContext {
            others: &others,
            ..*ctx
        };
        let decision = decide(
            event,
            item.version,
            &execution,
            request.allow_conflict(),
            &now,
        );
        if let (Decision::Accepted(plan), Some(event)) = (&decision, event) {
            let moved = event.at(plan.execute_at);
            match others.iter_mut().find(|o| o.event.id == moved.event.id) {
                Some(slot) => *slot = moved,
                None => others.push(moved),
            }
        }
        results.push(BulkResult {
            id: item.id.clone(),
            decision,
        });
    }
    Ok(results)
}

/// One row of the answer: `{id, status, event?, error?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkItemResult {
    pub id: String,
    pub status: u16,
    pub event: Option<OmEvent>,
    pub error: Option<ApiError>,
}

impl BulkItemResult {
    /// The row for `result`; `event` is the event as stored after an accepted item.
    pub fn new(result: &BulkResult, event: Option<OmEvent>) -> Self {
        BulkItemResult {
            id: result.id.clone(),
            status: result.decision.status(),
            event: event.filter(|_| matches!(result.decision, Decision::Accepted(_))),
            error: result.decision.api_error(),
        }
    }
}

/// `200 {results}`. A `202` (the approval policy covers the change, 14.2) also has `approval`,
/// which the console does not read: its decoder stays out of the first load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkExecutionResponse {
    pub results: Vec<BulkItemResult>,
}

/// The latest time the bulk dialog allows: the earliest default among the selected events.
pub fn latest_allowed_at<'a>(
    events: impl IntoIterator<Item = &'a OmEvent>,
) -> Option<DateTime<Utc>> {
    events.into_iter().map(|e| e.default_execute_at).min()
}

/// The bulk dialog's check before it sends: the request must be valid for every selected
/// event under the section-5 rules. The first refusal, taking the events by default time, is
/// returned, so a time after the earliest default names that event's default.
pub fn check_bulk_time<'a>(
    request: &ExecutionRequest,
    events: impl IntoIterator<Item = &'a OmEvent>,
    now: DateTime<Utc>,
) -> Result<(), PlanningError> {
    let mut events: Vec<&OmEvent> = events.into_iter().collect();
    events.sort_by_key(|e| (e.default_execute_at, &e.id));
    for event in events {
        validate(event, request, now)?;
    }
    Ok(())
}

/// The bulk dialog's combined impact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CombinedImpact {
    pub events: u32,
    /// Distinct affected tunnels, whatever their effect.
    pub tunnels: u32,
    pub connections: u32,
    /// SSL clients disconnected, each gateway counted once.
    pub ssl_clients: u32,
    pub max_interruption_s: u32,
    /// Pairs of the selected events that would conflict.
    pub conflicts: Vec<ConflictPair>,
    pub latest_allowed_at: Option<DateTime<Utc>>,
}

/// The combined impact of `selected` (each event with its impact). `execute_at`: `None` to take
/// each event at its own time, `Some(t)` for all at `t` (the time chosen in the dialog, or now
/// for Execute Now), which is when running them together can make them conflict.
pub fn combined_impact(
    selected: &[(&OmEvent, &Impact)],
    execute_at: Option<DateTime<Utc>>,
) -> CombinedImpact {
    let mut tunnels = BTreeSet::new();
    let mut connections = BTreeSet::new();
    let mut gateways = BTreeSet::new();
    let mut combined = CombinedImpact {
        events: selected.len() as u32,
        latest_allowed_at: latest_allowed_at(selected.iter().map(|(e, _)| *e)),
        ..CombinedImpact::default()
    };
    for (_, impact) in selected {
        combined.max_interruption_s = combined
            .max_interruption_s
            .max(impact.summary.max_interruption_s);
        for item in &impact.affected {
            match item {
                AffectedItem::Tunnel {
                    id, connection_id, ..
                } => {
                    tunnels.insert(id.clone());
                    connections.insert(connection_id.clone());
                }
                AffectedItem::SslClients {
                    gateway_id, count, ..
                } => {
                    if gateways.insert(gateway_id.clone()) {
                        combined.ssl_clients += count;
                    }
                }
            }
        }
    }
    combined.tunnels = tunnels.len() as u32;
    combined.connections = connections.len() as u32;
    let planned: Vec<PlannedEvent> = selected
        .iter()
        .map(|(e, impact)| {
            let p = PlannedEvent::new((*e).clone(), impact);
            match execute_at {
                Some(t) => p.at(t),
                None => p,
            }
        })
        .collect();
    combined.conflicts = conflicts_among(&planned);
    combined
}
