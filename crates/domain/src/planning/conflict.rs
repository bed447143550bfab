//! Conflicts: both paths at once (DESIGN.md 10.2).
//!
//! Two events conflict when their executions `[execute_at, execute_at + duration)` overlap and
//! both interrupt or fail over tunnels that end at the same customer gateway: the customer's
//! site would lose its redundant paths together. Only current events (pending or executing)
//! conflict; a finished or cancelled event no longer runs. A tunnel whose effect is `none`
//! (already unavailable) is not hit, so it makes no conflict.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{OmEvent, ResourceRef};
use crate::ids::{CustomerGatewayId, EventId};
use crate::impact::{AffectedItem, Effect, Impact};
use crate::topology::{CustomerGateway, Tunnel};

use super::timeline::{after, event_duration, nearest_allowed, Forbidden};
use super::PlanningContext;

/// An event with the tunnels it interrupts or fails over, which is what the planning rules
/// need to know about it. Built once from the event and its impact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedEvent {
    pub event: OmEvent,
    /// The affected tunnels whose effect is `failover` or `interruption`, as they are now.
    pub hits: Vec<Tunnel>,
}

impl PlannedEvent {
    pub fn new(event: OmEvent, impact: &Impact) -> Self {
        let hits = impact
            .affected
            .iter()
            .filter_map(|item| match item {
                AffectedItem::Tunnel {
                    id,
                    index,
                    gateway_ip,
                    customer_gateway,
                    state,
                    carries_traffic,
                    effect: Effect::Failover | Effect::Interruption,
                    ..
                } => Some(Tunnel {
                    id: id.clone(),
                    index: *index,
                    gateway_ip: *gateway_ip,
                    customer_gateway: customer_gateway.clone(),
                    state: *state,
                    carries_traffic: *carries_traffic,
                    health: None,
                }),
                _ => None,
            })
            .collect();
        PlannedEvent { event, hits }
    }

    /// The same event scheduled at `at` (to ask "what if it ran then").
    pub fn at(&self, at: DateTime<Utc>) -> Self {
        let mut moved = self.clone();
        moved.event.execute_at = at;
        moved
    }

    /// The customer gateways at which this event hits a tunnel.
    pub fn customer_gateway_ids(&self) -> BTreeSet<&CustomerGatewayId> {
        self.hits.iter().map(|t| &t.customer_gateway.id).collect()
    }

    pub(crate) fn customer_gateways(&self) -> impl Iterator<Item = &CustomerGateway> {
        self.hits.iter().map(|t| &t.customer_gateway)
    }
}

/// One event that conflicts with the event shown, as the event detail lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conflict {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub event_id: EventId,
    pub resource: ResourceRef,
    pub execute_at: DateTime<Utc>,
    /// The customer gateways both events hit, sorted.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub customer_gateway_ids: Vec<CustomerGatewayId>,
}

/// Two events among a set that conflict (the bulk dialog's combined impact).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConflictPair {
    #[cfg_attr(feature = "openapi", schema(value_type = [String; 2]))]
    pub event_ids: [EventId; 2],
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub customer_gateway_ids: Vec<CustomerGatewayId>,
}

/// The customer gateways both events hit, sorted, or `None` when they do not conflict.
/// Symmetric by construction: `conflict_between(a, b) == conflict_between(b, a)`.
pub fn conflict_between(a: &PlannedEvent, b: &PlannedEvent) -> Option<Vec<CustomerGatewayId>> {
    if a.event.id == b.event.id || !a.event.status.is_current() || !b.event.status.is_current() {
        return None;
    }
    let (sa, sb) = (a.event.execute_at, b.event.execute_at);
    let d = event_duration();
    if !(sa < after(sb, d) && sb < after(sa, d)) {
        return None;
    }
    let shared: Vec<CustomerGatewayId> = a
        .customer_gateway_ids()
        .intersection(&b.customer_gateway_ids())
        .map(|id| (*id).clone())
        .collect();
    (!shared.is_empty()).then_some(shared)
}

/// The events among `others` that conflict with `event` at its execution time, earliest first.
pub fn conflicts(event: &PlannedEvent, others: &[PlannedEvent]) -> Vec<Conflict> {
    if !event.event.status.is_current() || event.hits.is_empty() {
        return Vec::new();
    }
    // The same test as `conflict_between`, with the bounds and the customer gateways worked
    // out once: a bulk request checks each item against every current event of the account.
    let window = Forbidden::overlapping(
        event.event.execute_at,
        after(event.event.execute_at, event_duration()),
    );
    let mine = event.customer_gateway_ids();
    let mut found: Vec<Conflict> = others
        .iter()
        .filter(|o| window.contains(o.event.execute_at) && o.event.status.is_current())
        .filter(|o| o.event.id != event.event.id)
        .filter_map(|other| {
            let shared: BTreeSet<CustomerGatewayId> = other
                .customer_gateways()
                .filter(|c| mine.contains(&c.id))
                .map(|c| c.id.clone())
                .collect();
            (!shared.is_empty()).then(|| Conflict {
                event_id: other.event.id.clone(),
                resource: other.event.resource.clone(),
                execute_at: other.event.execute_at,
                customer_gateway_ids: shared.into_iter().collect(),
            })
        })
        .collect();
    found.sort_by(|a, b| (a.execute_at, &a.event_id).cmp(&(b.execute_at, &b.event_id)));
    found
}

/// The conflicts `event` would have if it ran at `at` (a reschedule's check).
pub fn conflicts_at(
    event: &PlannedEvent,
    at: DateTime<Utc>,
    others: &[PlannedEvent],
) -> Vec<Conflict> {
    conflicts(&event.at(at), others)
}

/// Every conflicting pair among `events` at their execution times, in input order.
pub fn conflicts_among(events: &[PlannedEvent]) -> Vec<ConflictPair> {
    let mut pairs = Vec::new();
    for (i, a) in events.iter().enumerate() {
        for b in &events[i + 1..] {
            if let Some(customer_gateway_ids) = conflict_between(a, b) {
                pairs.push(ConflictPair {
                    event_ids: [a.event.id.clone(), b.event.id.clone()],
                    customer_gateway_ids,
                });
            }
        }
    }
    pairs
}

/// The start times at which `event` would conflict with one of `others`.
pub(crate) fn conflict_periods(event: &PlannedEvent, others: &[PlannedEvent]) -> Vec<Forbidden> {
    let mine = event.customer_gateway_ids();
    others
        .iter()
        .filter(|o| o.event.id != event.event.id && o.event.status.is_current())
        .filter(|o| o.customer_gateways().any(|c| mine.contains(&c.id)))
        .map(|o| {
            Forbidden::overlapping(
                o.event.execute_at,
                after(o.event.execute_at, event_duration()),
            )
        })
        .collect()
}

/// The time nearest to `wanted` at which `event` conflicts with none of `ctx.others`, no later
/// than its default time and not before `ctx.now`; it also avoids every freeze so that the offer
/// is one the server accepts. Of two equally near times, the earlier. `None` when every time
/// in that range conflicts.
pub fn nearest_conflict_free(
    event: &PlannedEvent,
    wanted: DateTime<Utc>,
    ctx: &PlanningContext<'_>,
) -> Option<DateTime<Utc>> {
    let mut forbidden = conflict_periods(event, ctx.others);
    forbidden.extend(super::freeze::freeze_periods(ctx.freezes));
    nearest_allowed(wanted, ctx.now, event.event.default_execute_at, &forbidden)
}
