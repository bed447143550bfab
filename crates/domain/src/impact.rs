//! Which resources an O&M event affects (DESIGN.md section 3) and how (section 4).
//!
//! Cases the source page leaves open, and the answer chosen here:
//! - **Both tunnels of a dual-tunnel connection unavailable**: the maintained tunnel is
//!   unavailable, so the event adds nothing: effect `none`, 0 s (the network is down already).
//! - **Both tunnels of a dual-tunnel connection on the maintained address** (or the other tunnel
//!   is missing): no tunnel is left to fail over to, so it is treated like "only the maintained
//!   tunnel is available": `interruption`, 10 minutes.
//! - **A maintained tunnel that carries no traffic while the other is available**: `failover`
//!   with 0 s, since the source says the network is not interrupted.
//! - **A gateway with no connections, or an address no tunnel uses**: nothing is affected; the
//!   preview says so and the summary is all zeros (SSL clients still count on a single-tunnel
//!   gateway or for an event on the SSL address).
//! - **A single-tunnel connection whose tunnel is already unavailable**: the source says
//!   "always", so it stays `interruption`, 5 minutes: recovery waits for the event to end.
//! - **SSL clients**: disconnected for the event's whole duration, [`EVENT_DURATION_S`].

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::event::{GatewayIpRole, OmEvent, ResourceRef};
use crate::ids::{ConnectionId, GatewayId, TunnelId};
use crate::topology::{
    Attachment, Connection, CustomerGateway, Gateway, Tunnel, TunnelMode, TunnelState,
};

/// How long an event holds the maintained address: the source's worst case, "no more than 10
/// minutes". The scheduler keeps the event executing this long (divided by the time scale).
pub const EVENT_DURATION_S: u32 = 600;
/// "The temporary network interruption lasts less than 1 minute."
pub const FAILOVER_INTERRUPTION_S: u32 = 60;
/// "Your network will be interrupted for no more than 10 minutes."
pub const ONLY_TUNNEL_INTERRUPTION_S: u32 = 600;
/// "The network will be interrupted for no more than 5 minutes."
pub const SINGLE_TUNNEL_INTERRUPTION_S: u32 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Effect {
    /// Traffic moves to the other tunnel and back after the event.
    Failover,
    /// The network through this tunnel is interrupted.
    Interruption,
    /// Nothing changes for the customer's network.
    None,
    /// SSL clients are disconnected and reconnect after the event.
    Disconnect,
}

crate::string_forms!(Effect);

/// Stable keys for the source's recommendations, so a console can show them in any language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Recommendation {
    /// Failover: the local device must fail over by itself, or move traffic first.
    AutoFailover,
    /// Only the maintained tunnel is up: bring the other up and move traffic first.
    KeepBothTunnelsAvailable,
    /// The maintained tunnel is already down.
    RestoreOtherTunnel,
    /// Single-tunnel connection on a VPN gateway.
    UpgradeToDualTunnel,
    /// Single-tunnel connection on a transit router.
    RedundantConnections,
    /// SSL clients.
    WarnSslUsers,
}

impl Recommendation {
    /// The source's advice, in English: the one English text, sent as the API's `recommendation`
    /// and shown by the console (its `i18n::recommendation` adds the Chinese).
    pub fn text(self) -> &'static str {
        match self {
            Recommendation::AutoFailover => "Make sure that your local gateway device supports auto failover; otherwise the network is interrupted for a long time when traffic switches to the other tunnel. To avoid even the short interruption, configure the local gateway device to send all traffic through the other tunnel before the event and switch it back after the event ends.",
            Recommendation::KeepBothTunnelsAvailable => "Make sure that both tunnels of the IPsec-VPN connection are available, then configure your local gateway device to send all traffic through the other tunnel before the event and switch it back after the event ends.",
            Recommendation::RestoreOtherTunnel => "This tunnel is unavailable, so maintaining it does not affect your network. Make sure that both tunnels of the IPsec-VPN connection are available.",
            Recommendation::UpgradeToDualTunnel => "Upgrade the IPsec-VPN connection to dual-tunnel mode and use the solution for dual-tunnel IPsec-VPN connections.",
            Recommendation::RedundantConnections => "Create multiple connections between the data center and the transit router. Before the event, switch traffic to another connection; after the event ends, switch it back.",
            Recommendation::WarnSslUsers => "SSL clients are disconnected during the event and reconnect after it ends. Tell SSL-VPN users about the maintenance window.",
        }
    }
}

/// One affected resource and what the event does to it.
// Read through `AffectedItemWire`: serde's derive for an internally tagged enum buffers the whole
// object in its generic `Content` first, which cost the console's wasm about 15 KB for this type
// alone (25 KB raw, 5.5 KB gzip); a flat struct reads each field once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "AffectedItemWire")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AffectedItem {
    Tunnel {
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        id: TunnelId,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        connection_id: ConnectionId,
        connection_name: String,
        connection_tunnel_mode: TunnelMode,
        index: u8,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        gateway_ip: IpAddr,
        customer_gateway: CustomerGateway,
        state: TunnelState,
        carries_traffic: bool,
        effect: Effect,
        max_interruption_s: u32,
        recommendation: String,
        recommendation_key: Recommendation,
    },
    SslClients {
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        gateway_id: GatewayId,
        count: u32,
        effect: Effect,
        max_interruption_s: u32,
        recommendation: String,
        recommendation_key: Recommendation,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum AffectedKind {
    Tunnel,
    SslClients,
}

/// Every field of either kind of [`AffectedItem`], as JSON carries them.
#[derive(Deserialize)]
struct AffectedItemWire {
    kind: AffectedKind,
    id: Option<TunnelId>,
    connection_id: Option<ConnectionId>,
    connection_name: Option<String>,
    connection_tunnel_mode: Option<TunnelMode>,
    index: Option<u8>,
    gateway_ip: Option<IpAddr>,
    customer_gateway: Option<CustomerGateway>,
    state: Option<TunnelState>,
    carries_traffic: Option<bool>,
    gateway_id: Option<GatewayId>,
    count: Option<u32>,
    effect: Effect,
    max_interruption_s: u32,
    recommendation: String,
    recommendation_key: Recommendation,
}

/// The field a kind of affected item needs and the JSON lacks.
#[derive(Debug)]
pub struct MissingField(&'static str);

impl std::fmt::Display for MissingField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "missing field `{}`", self.0)
    }
}

fn needed<T>(value: Option<T>, name: &'static str) -> Result<T, MissingField> {
    value.ok_or(MissingField(name))
}

impl TryFrom<AffectedItemWire> for AffectedItem {
    type Error = MissingField;

    fn try_from(w: AffectedItemWire) -> Result<Self, MissingField> {
        Ok(match w.kind {
            AffectedKind::Tunnel => AffectedItem::Tunnel {
                id: needed(w.id, "id")?,
                connection_id: needed(w.connection_id, "connection_id")?,
                connection_name: needed(w.connection_name, "connection_name")?,
                connection_tunnel_mode: needed(w.connection_tunnel_mode, "connection_tunnel_mode")?,
                index: needed(w.index, "index")?,
                gateway_ip: needed(w.gateway_ip, "gateway_ip")?,
                customer_gateway: needed(w.customer_gateway, "customer_gateway")?,
                state: needed(w.state, "state")?,
                carries_traffic: needed(w.carries_traffic, "carries_traffic")?,
                effect: w.effect,
                max_interruption_s: w.max_interruption_s,
                recommendation: w.recommendation,
                recommendation_key: w.recommendation_key,
            },
            AffectedKind::SslClients => AffectedItem::SslClients {
                gateway_id: needed(w.gateway_id, "gateway_id")?,
                count: needed(w.count, "count")?,
                effect: w.effect,
                max_interruption_s: w.max_interruption_s,
                recommendation: w.recommendation,
                recommendation_key: w.recommendation_key,
            },
        })
    }
}

impl AffectedItem {
    pub fn effect(&self) -> Effect {
        match self {
            AffectedItem::Tunnel { effect, .. } | AffectedItem::SslClients { effect, .. } => {
                *effect
            }
        }
    }

    pub fn max_interruption_s(&self) -> u32 {
        match self {
            AffectedItem::Tunnel {
                max_interruption_s, ..
            }
            | AffectedItem::SslClients {
                max_interruption_s, ..
            } => *max_interruption_s,
        }
    }
}

/// The preview at a glance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    /// The worst interruption of any affected item, in seconds.
    pub max_interruption_s: u32,
    /// Affected tunnels, whatever their effect.
    pub tunnels: u32,
    /// Distinct IPsec-VPN connections with an affected tunnel.
    pub connections: u32,
    /// SSL clients that will be disconnected.
    pub ssl_clients: u32,
    pub tunnels_failover: u32,
    pub tunnels_interrupted: u32,
    pub tunnels_unaffected: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Impact {
    pub affected: Vec<AffectedItem>,
    pub summary: Summary,
}

impl Impact {
    fn from_items(affected: Vec<AffectedItem>) -> Self {
        let mut summary = Summary::default();
        let mut connections = BTreeSet::new();
        for item in &affected {
            summary.max_interruption_s = summary.max_interruption_s.max(item.max_interruption_s());
            match item {
                AffectedItem::Tunnel {
                    connection_id,
                    effect,
                    ..
                } => {
                    summary.tunnels += 1;
                    connections.insert(connection_id.clone());
                    match effect {
                        Effect::Failover => summary.tunnels_failover += 1,
                        Effect::Interruption => summary.tunnels_interrupted += 1,
                        Effect::None | Effect::Disconnect => summary.tunnels_unaffected += 1,
                    }
                }
                AffectedItem::SslClients { count, .. } => summary.ssl_clients += count,
            }
        }
        summary.connections = connections.len() as u32;
        Impact { affected, summary }
    }
}

/// The resources an event affects and the impact on each.
///
/// `gateway` is the maintained VPN gateway (for a gateway event) and `connections` the
/// IPsec-VPN connections that could be hit: those on the gateway, or for an event on a
/// transit-router connection, that connection. Connections that the event does not maintain are
/// ignored, so passing extra ones is harmless.
pub fn affected_resources(
    event: &OmEvent,
    gateway: Option<&Gateway>,
    connections: &[Connection],
) -> Impact {
    let ip = event.gateway_ip.ip;
    let mut items = Vec::new();
    match &event.resource {
        ResourceRef::VpnGateway { id } => {
            let on_gateway = |c: &&Connection| matches!(&c.attached_to, Attachment::VpnGateway { id: g } if g == id);
            let single_tunnel_gateway = match gateway {
                Some(g) => g.tunnel_mode == TunnelMode::SingleTunnel,
                None => event.gateway_ip.role == GatewayIpRole::GatewayAddress,
            };
            let ssl_clients = gateway.map_or(0, |g| g.ssl_clients);
            if single_tunnel_gateway {
                // One address serves everything: every connection and every SSL client.
                for c in connections.iter().filter(on_gateway) {
                    push_tunnels(&mut items, c, |_| true);
                }
                if ssl_clients > 0 || event.gateway_ip.role == GatewayIpRole::SslAddress {
                    items.push(ssl_item(id.clone(), ssl_clients));
                }
            } else if event.gateway_ip.role == GatewayIpRole::SslAddress {
                items.push(ssl_item(id.clone(), ssl_clients));
            } else {
                for c in connections.iter().filter(on_gateway) {
                    push_tunnels(&mut items, c, |t| t.gateway_ip == ip);
                }
            }
        }
        ResourceRef::IpsecConnection { id } => {
            for c in connections.iter().filter(|c| &c.id == id) {
                push_tunnels(&mut items, c, |t| t.gateway_ip == ip);
            }
        }
    }
    Impact::from_items(items)
}

fn ssl_item(gateway_id: GatewayId, count: u32) -> AffectedItem {
    AffectedItem::SslClients {
        gateway_id,
        count,
        effect: Effect::Disconnect,
        max_interruption_s: if count > 0 { EVENT_DURATION_S } else { 0 },
        recommendation: Recommendation::WarnSslUsers.text().to_owned(),
        recommendation_key: Recommendation::WarnSslUsers,
    }
}

fn push_tunnels(
    items: &mut Vec<AffectedItem>,
    connection: &Connection,
    maintained: impl Fn(&Tunnel) -> bool,
) {
    for tunnel in connection.tunnels.iter().filter(|t| maintained(t)) {
        let (effect, max_interruption_s, rec) = tunnel_impact(connection, tunnel, &maintained);
        items.push(AffectedItem::Tunnel {
            id: tunnel.id.clone(),
            connection_id: connection.id.clone(),
            connection_name: connection.name.clone(),
            connection_tunnel_mode: connection.tunnel_mode,
            index: tunnel.index,
            gateway_ip: tunnel.gateway_ip,
            customer_gateway: tunnel.customer_gateway.clone(),
            state: tunnel.state,
            carries_traffic: tunnel.carries_traffic,
            effect,
            max_interruption_s,
            recommendation: rec.text().to_owned(),
            recommendation_key: rec,
        });
    }
}

/// The impact on one maintained tunnel (DESIGN.md section 4).
fn tunnel_impact(
    connection: &Connection,
    tunnel: &Tunnel,
    maintained: &impl Fn(&Tunnel) -> bool,
) -> (Effect, u32, Recommendation) {
    if connection.tunnel_mode == TunnelMode::SingleTunnel {
        let rec = match connection.attached_to {
            Attachment::VpnGateway { .. } => Recommendation::UpgradeToDualTunnel,
            Attachment::TransitRouter { .. } => Recommendation::RedundantConnections,
        };
        return (Effect::Interruption, SINGLE_TUNNEL_INTERRUPTION_S, rec);
    }
    if tunnel.state == TunnelState::Unavailable {
        return (Effect::None, 0, Recommendation::RestoreOtherTunnel);
    }
    let other_takes_over = connection
        .tunnels
        .iter()
        .any(|o| o.id != tunnel.id && o.state == TunnelState::Available && !maintained(o));
    if other_takes_over {
        let interruption = if tunnel.carries_traffic {
            FAILOVER_INTERRUPTION_S
        } else {
            0
        };
        (Effect::Failover, interruption, Recommendation::AutoFailover)
    } else {
        (
            Effect::Interruption,
            ONLY_TUNNEL_INTERRUPTION_S,
            Recommendation::KeepBothTunnelsAvailable,
        )
    }
}
