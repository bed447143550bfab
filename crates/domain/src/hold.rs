//! One path of a site at a time (DESIGN.md 13): whether an event due to start is held because
//! another event of the account has the other path of one of its customer gateways down or
//! not yet verified.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CustomerGatewayId, EventId};

/// Why an event is held, in the order the reasons are weighed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum HoldReason {
    PartnerExecuting,
    PartnerVerifying,
    PartnerFailed,
}

crate::string_forms!(HoldReason);

/// The `hold` of an event detail: `customer_gateway_ids` are those it shares with the partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hold {
    pub reason: HoldReason,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub partner_event_id: EventId,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub customer_gateway_ids: Vec<CustomerGatewayId>,
    pub since: DateTime<Utc>,
}

/// Another event of the account as the hold rule sees it: what it is doing, and the customer
/// gateways at which it holds a path (for `partner_failed`, only those whose tunnel is still
/// down).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub event_id: EventId,
    pub reason: HoldReason,
    pub customer_gateway_ids: Vec<CustomerGatewayId>,
}

/// How long after its execution time a held event is started anyway, before the time scale.
pub const HOLD_CEILING_S: i64 = 2 * 60 * 60;

/// The hold of an event that would interrupt or fail over tunnels ending at `own` customer
/// gateways, given the other events of the account, or `None`. With several partners the
/// first reason of [`HoldReason`]'s order wins, then the partner with the smallest id, so that
/// every replica names the same one. `since` is when the hold began (kept across passes).
pub fn hold(own: &[CustomerGatewayId], partners: &[Partner], since: DateTime<Utc>) -> Option<Hold> {
    partners
        .iter()
        .filter_map(|p| {
            let mut shared: Vec<CustomerGatewayId> = p
                .customer_gateway_ids
                .iter()
                .filter(|c| own.contains(c))
                .cloned()
                .collect();
            shared.sort_by(|a, b| a.as_str().cmp(b.as_str()));
            shared.dedup();
            (!shared.is_empty()).then_some((p, shared))
        })
        .min_by(|(a, _), (b, _)| {
            (a.reason, a.event_id.as_str()).cmp(&(b.reason, b.event_id.as_str()))
        })
        .map(|(p, shared)| Hold {
            reason: p.reason,
            partner_event_id: p.event_id.clone(),
            customer_gateway_ids: shared,
            since,
        })
}

/// When a held event is started anyway: its execution time plus the ceiling, divided by the
/// time scale.
pub fn forced_start_at(execute_at: DateTime<Utc>, time_scale: f64) -> DateTime<Utc> {
    let ms = (HOLD_CEILING_S as f64) * 1000.0 / time_scale.max(1e-3);
    execute_at + Duration::milliseconds(ms.round().max(1.0) as i64)
}

/// What the scheduler does with a due event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartDecision {
    /// Start it; `forced` when the hold's ceiling passed (its `started` entry says `held`).
    Start { forced: bool },
    /// Keep it pending, held.
    Hold(Hold),
}

/// Whether a due event starts: held while [`hold`] finds a partner, unless an operator
/// overrode the hold or the ceiling passed.
pub fn decide_start(
    hold_now: Option<Hold>,
    override_hold: bool,
    execute_at: DateTime<Utc>,
    now: DateTime<Utc>,
    time_scale: f64,
) -> StartDecision {
    match hold_now {
        None => StartDecision::Start { forced: false },
        Some(_) if override_hold => StartDecision::Start { forced: false },
        Some(_) if now >= forced_start_at(execute_at, time_scale) => {
            StartDecision::Start { forced: true }
        }
        Some(h) => StartDecision::Hold(h),
    }
}
