//! Did it come back? (DESIGN.md 12): a tunnel's health as the provider's monitoring reports
//! it, the per-tunnel result of comparing it with the baseline kept at the start, the event's
//! verdict, the hint that tells the customer what to do, and what the simulated data plane
//! does when an event finishes.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ConnectionId, CustomerGatewayId, TunnelId};

/// Whether the tunnel's IKE/IPsec security associations are up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Ike {
    Up,
    Down,
}

/// The state of a tunnel's BGP session (tunnels with BGP only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Bgp {
    Established,
    Down,
}

/// The IKE version the customer gateway speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IkeVersion {
    Ikev1,
    #[default]
    Ikev2,
}

/// Who starts IKE: `start`, the provider's side initiates; `add`, it only answers, so the
/// customer's device must start IKE again after the tunnel was taken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum StartupAction {
    #[default]
    Start,
    Add,
}

crate::string_forms!(Ike, Bgp, IkeVersion, StartupAction);

/// A tunnel's health (12.1). `bgp` and `routes_received` are null for a tunnel without BGP;
/// `routes_received` is a number whenever `bgp` is not null, 0 while it is down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TunnelHealth {
    pub ike: Ike,
    pub bgp: Option<Bgp>,
    pub routes_received: Option<u32>,
    pub checked_at: DateTime<Utc>,
}

impl TunnelHealth {
    /// The health a tunnel is in while its SAs are down: BGP, if it has it, down with no routes.
    pub fn down(bgp: bool, at: DateTime<Utc>) -> TunnelHealth {
        TunnelHealth {
            ike: Ike::Down,
            bgp: bgp.then_some(Bgp::Down),
            routes_received: bgp.then_some(0),
            checked_at: at,
        }
    }

    pub fn is_up(&self) -> bool {
        self.ike == Ike::Up
    }
}

/// One tunnel's result, comparing its health after the event with the baseline (12.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TunnelResult {
    Ok,
    RoutesMissing,
    BgpDown,
    Down,
}

/// What the customer should do about a tunnel that did not come back whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Hint {
    /// The provider's side only answers IKE for this customer gateway (`add`, or IKEv1): the
    /// customer's device must start the tunnel.
    InitiateFromCustomerGateway,
    CheckCustomerGateway,
    CheckBgpAdvertisements,
}

/// The event's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum VerificationStatus {
    Pending,
    Verified,
    Degraded,
    Failed,
}

crate::string_forms!(TunnelResult, Hint, VerificationStatus);

impl VerificationStatus {
    /// `degraded` or `failed`: the maintenance left the site worse than before.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            VerificationStatus::Degraded | VerificationStatus::Failed
        )
    }
}

/// How long after completion the tunnels have to come back, before the time scale.
pub const VERIFY_WITHIN_S: i64 = 10 * 60;
/// How long after completion (real time) a health change still re-checks the verdict.
pub const RECHECK_FOR_H: i64 = 24;

/// The result of one tunnel: `before` is the baseline kept at the start, `after` its health now.
pub fn tunnel_result(before: &TunnelHealth, after: &TunnelHealth) -> TunnelResult {
    if !before.is_up() {
        return TunnelResult::Ok;
    }
    if !after.is_up() {
        return TunnelResult::Down;
    }
    if before.bgp == Some(Bgp::Established) {
        if after.bgp != Some(Bgp::Established) {
            return TunnelResult::BgpDown;
        }
        if after.routes_received.unwrap_or(0) < before.routes_received.unwrap_or(0) {
            return TunnelResult::RoutesMissing;
        }
    }
    TunnelResult::Ok
}

/// The hint for a result, given the customer gateway's IKE settings.
pub fn hint(result: TunnelResult, startup: StartupAction, ike_version: IkeVersion) -> Option<Hint> {
    match result {
        TunnelResult::Ok => None,
        TunnelResult::Down if startup == StartupAction::Add || ike_version == IkeVersion::Ikev1 => {
            Some(Hint::InitiateFromCustomerGateway)
        }
        TunnelResult::Down => Some(Hint::CheckCustomerGateway),
        TunnelResult::RoutesMissing | TunnelResult::BgpDown => Some(Hint::CheckBgpAdvertisements),
    }
}

/// The verdict from the tunnels' results: `pending` while some tunnel is not `ok` and the
/// deadline has not passed; then `verified`, `degraded` (short, none down) or `failed` (some
/// down). A verdict already reached is never turned back to `pending`: once the deadline
/// passed, or a verdict was given, what the rows say now decides.
pub fn verdict(
    results: &[TunnelResult],
    previous: Option<VerificationStatus>,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> VerificationStatus {
    if results.iter().all(|r| *r == TunnelResult::Ok) {
        return VerificationStatus::Verified;
    }
    let decided = previous.is_some_and(|p| p != VerificationStatus::Pending);
    if now < deadline && !decided {
        return VerificationStatus::Pending;
    }
    if results.contains(&TunnelResult::Down) {
        VerificationStatus::Failed
    } else {
        VerificationStatus::Degraded
    }
}

/// The deadline of a verification: `verify_within` after completion, divided by the time scale.
pub fn deadline(completed_at: DateTime<Utc>, time_scale: f64) -> DateTime<Utc> {
    let ms = (VERIFY_WITHIN_S as f64) * 1000.0 / time_scale.max(1e-3);
    completed_at + Duration::milliseconds(ms.round().max(1.0) as i64)
}

/// Whether a health change at `now` still re-checks an event completed at `completed_at`.
pub fn still_rechecked(completed_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < completed_at + Duration::hours(RECHECK_FOR_H)
}

/// One row of a verification: an affected tunnel, its baseline, its health now, the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifiedTunnel {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tunnel_id: TunnelId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub connection_id: ConnectionId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub customer_gateway_id: CustomerGatewayId,
    pub before: TunnelHealth,
    pub after: TunnelHealth,
    pub result: TunnelResult,
    pub hint: Option<Hint>,
}

/// The `verification` of an event detail (12.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verification {
    pub status: VerificationStatus,
    pub deadline: DateTime<Utc>,
    pub checked_at: DateTime<Utc>,
    pub tunnels: Vec<VerifiedTunnel>,
}

/// A tunnel of the baseline, with what the hint needs to know of its customer gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineTunnel {
    pub tunnel_id: TunnelId,
    pub connection_id: ConnectionId,
    pub customer_gateway_id: CustomerGatewayId,
    pub startup_action: StartupAction,
    pub ike_version: IkeVersion,
    pub before: TunnelHealth,
}

/// Checks every baseline tunnel against its health now (`now_of`; a tunnel gone from the
/// topology counts as down) and gives the verification with its verdict.
pub fn verify(
    baseline: &[BaselineTunnel],
    now_of: impl Fn(&TunnelId) -> Option<TunnelHealth>,
    previous: Option<VerificationStatus>,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Verification {
    let tunnels: Vec<VerifiedTunnel> = baseline
        .iter()
        .map(|b| {
            let after = now_of(&b.tunnel_id)
                .unwrap_or_else(|| TunnelHealth::down(b.before.bgp.is_some(), now));
            let result = tunnel_result(&b.before, &after);
            VerifiedTunnel {
                tunnel_id: b.tunnel_id.clone(),
                connection_id: b.connection_id.clone(),
                customer_gateway_id: b.customer_gateway_id.clone(),
                before: b.before.clone(),
                after,
                result,
                hint: hint(result, b.startup_action, b.ike_version),
            }
        })
        .collect();
    let results: Vec<TunnelResult> = tunnels.iter().map(|t| t.result).collect();
    Verification {
        status: verdict(&results, previous, now, deadline),
        deadline,
        checked_at: now,
        tunnels,
    }
}

/// What the simulated data plane does to a tunnel the event took down, when the event
/// finishes (12.1): with `start` the provider's side starts IKE and it comes back, BGP
/// established with `routes` (its routes before, unless the site now advertises fewer); with
/// `add` it stays down until the customer's device starts IKE, which `tunnel-health` reports.
pub fn restored_health(
    before: &TunnelHealth,
    startup: StartupAction,
    routes: Option<u32>,
    at: DateTime<Utc>,
) -> TunnelHealth {
    if !before.is_up() || startup == StartupAction::Add {
        return TunnelHealth::down(before.bgp.is_some(), at);
    }
    TunnelHealth {
        ike: Ike::Up,
        bgp: before.bgp.map(|_| Bgp::Established),
        routes_received: before
            .bgp
            .map(|_| routes.or(before.routes_received).unwrap_or(0)),
        checked_at: at,
    }
}
