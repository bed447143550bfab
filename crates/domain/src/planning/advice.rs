//! Advice and what-if (DESIGN.md 10.1): what the customer can do to lower an event's impact,
//! each action judged by running the impact rules of section 4 on the topology as it would be
//! after it, never by figures written down here.
//!
//! Each piece of advice is about one connection (or, for a conflict, one customer site), and
//! `max_interruption_s_before`/`_after` are the worst interruption of that connection's affected
//! tunnels now and after the action: an event-wide figure would hide the gain when several
//! connections are hit. An action that would not lower it is not advised.
//!
//! How each action changes the topology, and the answers chosen where the source is silent:
//! - `bring_other_tunnel_up`: a dual-tunnel connection whose maintained tunnel is its only one
//!   available; the other tunnel becomes available (carrying no traffic yet).
//! - `move_traffic_first`: a tunnel that fails over while carrying traffic; the traffic moves to
//!   the available tunnel that is not maintained (`tunnel_id` names that tunnel).
//! - `upgrade_to_dual_tunnel`: a single-tunnel connection on a VPN gateway gets a second tunnel
//!   on the gateway's other IPsec address; a single-tunnel gateway is upgraded with it (the
//!   maintained address becomes IPsec Address 1), since a dual-tunnel connection on one address
//!   would have nowhere to fail over to.
//! - `add_redundant_connection`: a single-tunnel connection on a transit router. The source's
//!   remedy is a second connection to the same data center; it is counted like a second tunnel on
//!   another transit-router address, so the dual-tunnel rules decide the failover.
//! - `move_earlier_out_of_conflict`: while two events overlap, the customer gateways they share
//!   lose those paths together. *Before* runs the dual-tunnel rules on the site: every tunnel
//!   ending at a shared customer gateway (from `connections` and the events' hits) as one
//!   connection, the tunnels of both events maintained. *After* is this event's own figure for
//!   those tunnels, at the latest time before its execution time with no conflict and no freeze.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{GatewayIp, GatewayIpRole, OmEvent, ResourceRef};
use crate::ids::{ConnectionId, TunnelId};
use crate::impact::{affected_resources, AffectedItem, Effect, Impact};
use crate::topology::{
    Addresses, Attachment, Connection, Gateway, Tunnel, TunnelMode, TunnelState,
};

use super::conflict::{conflict_periods, conflicts, PlannedEvent};
use super::freeze::freeze_periods;
use super::timeline::latest_allowed;
use super::PlanningContext;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AdviceKind {
    BringOtherTunnelUp,
    MoveTrafficFirst,
    UpgradeToDualTunnel,
    AddRedundantConnection,
    MoveEarlierOutOfConflict,
}

impl AdviceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AdviceKind::BringOtherTunnelUp => "bring_other_tunnel_up",
            AdviceKind::MoveTrafficFirst => "move_traffic_first",
            AdviceKind::UpgradeToDualTunnel => "upgrade_to_dual_tunnel",
            AdviceKind::AddRedundantConnection => "add_redundant_connection",
            AdviceKind::MoveEarlierOutOfConflict => "move_earlier_out_of_conflict",
        }
    }
}

/// One action, as the event detail's `advice` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Advice {
    pub kind: AdviceKind,
    /// The tunnel to act on: the one to bring up, or the one to move the traffic to.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub tunnel_id: Option<TunnelId>,
    /// Its index in the connection (1 or 2), for "tunnel 2 of vco-…".
    pub tunnel_index: Option<u8>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub connection_id: Option<ConnectionId>,
    pub max_interruption_s_before: u32,
    pub max_interruption_s_after: u32,
    /// `move_earlier_out_of_conflict`: the time to move the event to.
    pub execute_at: Option<DateTime<Utc>>,
}

/// The actions that lower `event`'s impact, best first (the largest drop, then the lowest
/// figure after). `connections` are those `affected_resources` takes; for the conflict advice
/// also pass the other connections ending at the same customer gateways (extra ones are
/// harmless). `ctx.others` are the account's other current events.
pub fn advice(
    event: &OmEvent,
    gateway: Option<&Gateway>,
    connections: &[Connection],
    ctx: &PlanningContext<'_>,
) -> Vec<Advice> {
    let now = affected_resources(event, gateway, connections);
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    for item in &now.affected {
        let AffectedItem::Tunnel {
            connection_id,
            id,
            effect,
            max_interruption_s,
            ..
        } = item
        else {
            continue;
        };
        let Some(conn) = connections.iter().find(|c| &c.id == connection_id) else {
            continue;
        };
        for (kind, target) in actions(conn, id, *effect, *max_interruption_s, event) {
            if !seen.insert((kind, connection_id.clone(), target.clone())) {
                continue;
            }
            let (g, cs) = after(kind, conn, target.as_ref(), event, gateway, connections);
            let later = affected_resources(event, g.as_ref(), &cs);
            let before = worst_of(&now, connection_id);
            let after = worst_of(&later, connection_id);
            if after < before {
                found.push(Advice {
                    kind,
                    tunnel_index: target.as_ref().and_then(|t| index_of(conn, t)),
                    tunnel_id: target,
                    connection_id: Some(connection_id.clone()),
                    max_interruption_s_before: before,
                    max_interruption_s_after: after,
                    execute_at: None,
                });
            }
        }
    }
    found.extend(out_of_conflict(event, &now, connections, ctx));
    found.sort_by_key(|a| {
        (
            std::cmp::Reverse(a.max_interruption_s_before - a.max_interruption_s_after),
            a.max_interruption_s_after,
            a.kind,
            a.connection_id.clone(),
            a.tunnel_id.clone(),
        )
    });
    found
}

/// The impact of `event` after the action `advice` describes (for the console's "after"
/// preview and to check that advice never makes anything worse).
pub fn impact_after(
    event: &OmEvent,
    gateway: Option<&Gateway>,
    connections: &[Connection],
    advice: &Advice,
) -> Impact {
    let conn = advice
        .connection_id
        .as_ref()
        .and_then(|id| connections.iter().find(|c| &c.id == id));
    match conn {
        Some(conn) if advice.kind != AdviceKind::MoveEarlierOutOfConflict => {
            let (g, cs) = after(
                advice.kind,
                conn,
                advice.tunnel_id.as_ref(),
                event,
                gateway,
                connections,
            );
            affected_resources(event, g.as_ref(), &cs)
        }
        _ => affected_resources(event, gateway, connections),
    }
}

fn worst_of(impact: &Impact, connection_id: &ConnectionId) -> u32 {
    impact
        .affected
        .iter()
        .filter(
            |i| matches!(i, AffectedItem::Tunnel { connection_id: c, .. } if c == connection_id),
        )
        .map(AffectedItem::max_interruption_s)
        .max()
        .unwrap_or(0)
}

fn index_of(conn: &Connection, tunnel: &TunnelId) -> Option<u8> {
    conn.tunnels
        .iter()
        .find(|t| &t.id == tunnel)
        .map(|t| t.index)
}

/// The actions worth trying for one affected tunnel, with the tunnel each acts on.
fn actions(
    conn: &Connection,
    maintained: &TunnelId,
    effect: Effect,
    interruption_s: u32,
    event: &OmEvent,
) -> Vec<(AdviceKind, Option<TunnelId>)> {
    let others = || {
        conn.tunnels
            .iter()
            .filter(move |t| &t.id != maintained && t.gateway_ip != event.gateway_ip.ip)
    };
    match (conn.tunnel_mode, &conn.attached_to, effect) {
        (TunnelMode::SingleTunnel, Attachment::VpnGateway { .. }, _) => {
            vec![(AdviceKind::UpgradeToDualTunnel, None)]
        }
        (TunnelMode::SingleTunnel, Attachment::TransitRouter { .. }, _) => {
            vec![(AdviceKind::AddRedundantConnection, None)]
        }
        (TunnelMode::DualTunnel, _, Effect::Interruption) => others()
            .filter(|t| t.state == TunnelState::Unavailable)
            .map(|t| (AdviceKind::BringOtherTunnelUp, Some(t.id.clone())))
            .collect(),
        (TunnelMode::DualTunnel, _, Effect::Failover) if interruption_s > 0 => others()
            .filter(|t| t.state == TunnelState::Available)
            .map(|t| (AdviceKind::MoveTrafficFirst, Some(t.id.clone())))
            .take(1)
            .collect(),
        _ => Vec::new(),
    }
}

/// The gateway and connections as they would be after `kind` on `conn`.
fn after(
    kind: AdviceKind,
    conn: &Connection,
    target: Option<&TunnelId>,
    event: &OmEvent,
    gateway: Option<&Gateway>,
    connections: &[Connection],
) -> (Option<Gateway>, Vec<Connection>) {
    let mut gateway = gateway.cloned();
    let mut changed = conn.clone();
    match kind {
        AdviceKind::BringOtherTunnelUp => {
            for t in changed.tunnels.iter_mut().filter(|t| Some(&t.id) == target) {
                t.state = TunnelState::Available;
            }
        }
        AdviceKind::MoveTrafficFirst => {
            for t in changed.tunnels.iter_mut() {
                t.carries_traffic = Some(&t.id) == target;
            }
        }
        AdviceKind::UpgradeToDualTunnel | AdviceKind::AddRedundantConnection => {
            let spare = spare_address(event.gateway_ip, gateway.as_ref());
            if let Some(g) = gateway
                .as_mut()
                .filter(|g| g.tunnel_mode == TunnelMode::SingleTunnel)
            {
                g.tunnel_mode = TunnelMode::DualTunnel;
                g.addresses = Addresses::Dual {
                    ipsec_address_1: Some(event.gateway_ip.ip),
                    ipsec_address_2: Some(spare),
                    ssl_address: None,
                };
            }
            let first = &conn.tunnels[0];
            changed.tunnel_mode = TunnelMode::DualTunnel;
            changed.tunnels.push(Tunnel {
                id: unused_tunnel_id(conn),
                index: 2,
                gateway_ip: spare,
                customer_gateway: first.customer_gateway.clone(),
                state: TunnelState::Available,
                carries_traffic: false,
                health: None,
            });
        }
        AdviceKind::MoveEarlierOutOfConflict => {}
    }
    let cs = connections
        .iter()
        .map(|c| {
            if c.id == conn.id {
                changed.clone()
            } else {
                c.clone()
            }
        })
        .collect();
    (gateway, cs)
}

/// An address for a new tunnel that the event does not maintain: the gateway's other IPsec
/// address when it has one, else one that no event uses.
fn spare_address(maintained: GatewayIp, gateway: Option<&Gateway>) -> IpAddr {
    if let Some(Gateway {
        addresses:
            Addresses::Dual {
                ipsec_address_1,
                ipsec_address_2,
                ..
            },
        ..
    }) = gateway
    {
        if let Some(ip) = [*ipsec_address_1, *ipsec_address_2]
            .into_iter()
            .flatten()
            .find(|ip| *ip != maintained.ip)
        {
            return ip;
        }
    }
    let unspecified = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    if maintained.ip == unspecified {
        IpAddr::V4(Ipv4Addr::BROADCAST)
    } else {
        unspecified
    }
}

fn unused_tunnel_id(conn: &Connection) -> TunnelId {
    (0u32..)
        .filter_map(|n| format!("tun-planned{n}").parse::<TunnelId>().ok())
        .find(|id| conn.tunnels.iter().all(|t| &t.id != id))
        .expect("a free tunnel id exists")
}

/// `move_earlier_out_of_conflict`, when the event conflicts and an earlier time is free.
fn out_of_conflict(
    event: &OmEvent,
    impact: &Impact,
    connections: &[Connection],
    ctx: &PlanningContext<'_>,
) -> Option<Advice> {
    let me = PlannedEvent::new(event.clone(), impact);
    let found = conflicts(&me, ctx.others);
    if found.is_empty() {
        return None;
    }
    let mut forbidden = conflict_periods(&me, ctx.others);
    forbidden.extend(freeze_periods(ctx.freezes));
    let at = latest_allowed(ctx.now, event.execute_at, &forbidden)?;
    let shared: BTreeSet<_> = found
        .iter()
        .flat_map(|c| c.customer_gateway_ids.iter().cloned())
        .collect();
    let mut maintained: BTreeSet<TunnelId> = me.hits.iter().map(|t| t.id.clone()).collect();
    let mut site: Vec<Tunnel> = me.hits.clone();
    for other in ctx
        .others
        .iter()
        .filter(|o| found.iter().any(|c| c.event_id == o.event.id))
    {
        maintained.extend(other.hits.iter().map(|t| t.id.clone()));
        site.extend(other.hits.iter().cloned());
    }
    site.extend(connections.iter().flat_map(|c| c.tunnels.iter().cloned()));
    site.retain(|t| shared.contains(&t.customer_gateway.id));
    let before = site_worst(site, &maintained);
    let after = me
        .hits
        .iter()
        .filter(|t| shared.contains(&t.customer_gateway.id))
        .filter_map(|t| {
            impact
                .affected
                .iter()
                .find(|i| matches!(i, AffectedItem::Tunnel { id, .. } if id == &t.id))
        })
        .map(AffectedItem::max_interruption_s)
        .max()
        .unwrap_or(0);
    (after < before).then_some(Advice {
        kind: AdviceKind::MoveEarlierOutOfConflict,
        tunnel_id: None,
        tunnel_index: None,
        connection_id: None,
        max_interruption_s_before: before,
        max_interruption_s_after: after,
        execute_at: Some(at),
    })
}

/// The dual-tunnel rules run on a customer site's tunnels as one connection: the maintained
/// tunnels sit on one address, the others on another.
fn site_worst(mut tunnels: Vec<Tunnel>, maintained: &BTreeSet<TunnelId>) -> u32 {
    let (hit, spare) = (
        IpAddr::V4(Ipv4Addr::new(0, 0, 0, 1)),
        IpAddr::V4(Ipv4Addr::new(0, 0, 0, 2)),
    );
    let mut ids = BTreeSet::new();
    tunnels.retain(|t| ids.insert(t.id.clone()));
    for t in &mut tunnels {
        t.gateway_ip = if maintained.contains(&t.id) {
            hit
        } else {
            spare
        };
    }
    let site: ConnectionId = "vco-site".parse().expect("a valid id");
    let router = "tr-site".parse().expect("a valid id");
    let connection = Connection {
        id: site.clone(),
        name: String::new(),
        tunnel_mode: TunnelMode::DualTunnel,
        attached_to: Attachment::TransitRouter { id: router },
        tunnels,
    };
    let probe = OmEvent {
        resource: ResourceRef::IpsecConnection { id: site },
        gateway_ip: GatewayIp {
            role: GatewayIpRole::TunnelAddress,
            ip: hit,
        },
        ..placeholder_event()
    };
    affected_resources(&probe, None, std::slice::from_ref(&connection))
        .summary
        .max_interruption_s
}

fn placeholder_event() -> OmEvent {
    let epoch = DateTime::<Utc>::UNIX_EPOCH;
    OmEvent {
        id: "om-site".parse().expect("a valid id"),
        region: "xx-site".parse().expect("a valid id"),
        resource: ResourceRef::IpsecConnection {
            id: "vco-site".parse().expect("a valid id"),
        },
        gateway_ip: GatewayIp {
            role: GatewayIpRole::TunnelAddress,
            ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        },
        reason: crate::event::Reason::SystemUpgrade,
        status: crate::event::EventStatus::Pending,
        default_execute_at: epoch,
        execute_at: epoch,
        published_at: epoch,
        started_at: None,
        finished_at: None,
        version: 0,
    }
}
