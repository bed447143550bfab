//! Rows as the database holds them, decoded by sqlx's `FromRow`, and their checked conversion
//! into domain values. A value the domain does not know (a status, a role, a kind, an id or an
//! address that does not parse, a count out of range) is a decoding error, never a guess: a
//! corrupt row is a bug to see, not a user's mistake.

use std::net::IpAddr;
use std::str::FromStr;

use sqlx::any::AnyRow;
use sqlx::FromRow;
use vpn_console_domain::api::LogEntry;
use vpn_console_domain::{
    Addresses, Attachment, AttachmentKind, Connection, ConnectionId, CustomerGateway,
    CustomerGatewayId, EventId, EventStatus, Gateway, GatewayId, GatewayIp, GatewayIpRole, OmEvent,
    Reason, RegionId, ResourceKind, ResourceRef, Tunnel, TunnelId, TunnelMode, TunnelState,
};

use vpn_console_domain::verification::{Ike, IkeVersion, StartupAction, TunnelHealth};

use super::corrupt;
use super::Role;
use crate::clock::from_millis;

/// A column's text as `T`, or the decoding error that names the column.
fn parse<T: FromStr>(col: &str, raw: &str) -> sqlx::Result<T>
where
    T::Err: std::fmt::Display,
{
    raw.parse().map_err(|e: T::Err| corrupt(col, raw, e))
}

fn parse_opt<T: FromStr>(col: &str, raw: Option<&str>) -> sqlx::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    raw.map(|r| parse(col, r)).transpose()
}

/// An `om_events` row (the columns of `EVENT_COLUMNS`).
#[derive(FromRow)]
pub(crate) struct EventRow {
    #[sqlx(try_from = "String")]
    id: EventId,
    pub account_id: String,
    #[sqlx(try_from = "String")]
    region_id: RegionId,
    #[sqlx(try_from = "String")]
    resource_kind: ResourceKind,
    resource_id: String,
    #[sqlx(try_from = "String")]
    gateway_ip_role: GatewayIpRole,
    gateway_ip: String,
    #[sqlx(try_from = "String")]
    reason: Reason,
    #[sqlx(try_from = "String")]
    status: EventStatus,
    default_execute_at: i64,
    execute_at: i64,
    published_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    version: i64,
}

impl EventRow {
    pub fn decode(row: &AnyRow) -> sqlx::Result<Self> {
        Self::from_row(row)
    }

    pub fn into_event(self) -> sqlx::Result<OmEvent> {
        Ok(OmEvent {
            resource: ResourceRef::from_parts(self.resource_kind, &self.resource_id)
                .map_err(|e| corrupt("resource_id", &self.resource_id, e))?,
            gateway_ip: GatewayIp {
                role: self.gateway_ip_role,
                ip: parse("gateway_ip", &self.gateway_ip)?,
            },
            id: self.id,
            region: self.region_id,
            reason: self.reason,
            status: self.status,
            default_execute_at: from_millis(self.default_execute_at),
            execute_at: from_millis(self.execute_at),
            published_at: from_millis(self.published_at),
            started_at: self.started_at.map(from_millis),
            finished_at: self.finished_at.map(from_millis),
            version: self.version,
        })
    }
}

/// A `gateways` row (the columns of `GATEWAY_COLUMNS`).
#[derive(FromRow)]
pub(crate) struct GatewayRow {
    #[sqlx(try_from = "String")]
    id: GatewayId,
    name: String,
    status: String,
    spec: String,
    #[sqlx(try_from = "String")]
    tunnel_mode: TunnelMode,
    ipsec_address_1: Option<String>,
    ipsec_address_2: Option<String>,
    ssl_address: Option<String>,
    gateway_address: Option<String>,
    #[sqlx(try_from = "i64")]
    ssl_clients: u32,
    pub previous_executed_at: Option<i64>,
    pub previous_event_id: Option<String>,
}

impl GatewayRow {
    pub fn decode(row: &AnyRow) -> sqlx::Result<Self> {
        Self::from_row(row)
    }

    pub fn into_gateway(self) -> sqlx::Result<Gateway> {
        let ip = |col, raw: &Option<String>| parse_opt::<IpAddr>(col, raw.as_deref());
        let addresses = match self.tunnel_mode {
            TunnelMode::DualTunnel => Addresses::Dual {
                ipsec_address_1: ip("ipsec_address_1", &self.ipsec_address_1)?,
                ipsec_address_2: ip("ipsec_address_2", &self.ipsec_address_2)?,
                ssl_address: ip("ssl_address", &self.ssl_address)?,
            },
            TunnelMode::SingleTunnel => Addresses::Single {
                gateway_address: ip("gateway_address", &self.gateway_address)?,
            },
        };
        Ok(Gateway {
            id: self.id,
            name: self.name,
            status: self.status,
            spec: self.spec,
            tunnel_mode: self.tunnel_mode,
            addresses,
            ssl_clients: self.ssl_clients,
        })
    }
}

/// A `tunnels` row (the columns of `TUNNEL_COLUMNS`).
#[derive(FromRow)]
pub(crate) struct TunnelRow {
    #[sqlx(try_from = "String")]
    id: TunnelId,
    #[sqlx(try_from = "String")]
    pub connection_id: ConnectionId,
    idx: i64,
    gateway_ip: String,
    #[sqlx(try_from = "String")]
    customer_gateway_id: CustomerGatewayId,
    customer_gateway_ip: String,
    #[sqlx(try_from = "String")]
    state: TunnelState,
    carries_traffic: i64,
    bgp: Option<String>,
    routes_received: Option<i64>,
    health_checked_at: Option<i64>,
    #[sqlx(try_from = "String")]
    cgw_ike_version: IkeVersion,
    #[sqlx(try_from = "String")]
    cgw_startup_action: StartupAction,
}

impl TunnelRow {
    pub fn decode(row: &AnyRow) -> sqlx::Result<Self> {
        Self::from_row(row)
    }

    pub fn into_tunnel(self) -> sqlx::Result<Tunnel> {
        let index = match self.idx {
            1 | 2 => self.idx as u8,
            other => return Err(corrupt("idx", &other.to_string(), "a tunnel is 1 or 2")),
        };
        let carries_traffic = match self.carries_traffic {
            0 => false,
            1 => true,
            other => return Err(corrupt("carries_traffic", &other.to_string(), "not 0 or 1")),
        };
        // IKE is the tunnel's state (DESIGN.md 12.1 ties them); the health is shown once the
        // provider's monitoring or an execution has looked at the tunnel.
        let health = match self.health_checked_at {
            None => None,
            Some(at) => Some(TunnelHealth {
                ike: if self.state == TunnelState::Available {
                    Ike::Up
                } else {
                    Ike::Down
                },
                bgp: parse_opt("bgp", self.bgp.as_deref())?,
                routes_received: self
                    .routes_received
                    .map(|n| {
                        u32::try_from(n).map_err(|e| corrupt("routes_received", &n.to_string(), e))
                    })
                    .transpose()?,
                checked_at: from_millis(at),
            }),
        };
        Ok(Tunnel {
            id: self.id,
            index,
            gateway_ip: parse("gateway_ip", &self.gateway_ip)?,
            customer_gateway: CustomerGateway {
                id: self.customer_gateway_id,
                ip: parse("customer_gateway_ip", &self.customer_gateway_ip)?,
                ike_version: self.cgw_ike_version,
                startup_action: self.cgw_startup_action,
            },
            state: self.state,
            carries_traffic,
            health,
        })
    }
}

/// A `connections` row (the columns of `CONNECTION_COLUMNS`), without its tunnels.
#[derive(FromRow)]
pub(crate) struct ConnectionRow {
    #[sqlx(try_from = "String")]
    id: ConnectionId,
    name: String,
    #[sqlx(try_from = "String")]
    tunnel_mode: TunnelMode,
    #[sqlx(try_from = "String")]
    attached_kind: AttachmentKind,
    attached_id: String,
    pub previous_executed_at: Option<i64>,
    pub previous_event_id: Option<String>,
}

impl ConnectionRow {
    pub fn decode(row: &AnyRow) -> sqlx::Result<Self> {
        Self::from_row(row)
    }

    pub fn into_connection(self) -> sqlx::Result<Connection> {
        Ok(Connection {
            attached_to: Attachment::from_parts(self.attached_kind, &self.attached_id)
                .map_err(|e| corrupt("attached_id", &self.attached_id, e))?,
            id: self.id,
            name: self.name,
            tunnel_mode: self.tunnel_mode,
            tunnels: Vec::new(),
        })
    }
}

/// A user row, joined to a session (with `expires_at`) or not.
#[derive(FromRow)]
pub(crate) struct PrincipalRow {
    pub email: String,
    pub account_id: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    #[sqlx(default)]
    pub expires_at: Option<i64>,
    /// The API token's name, when the row is joined to a token.
    #[sqlx(default)]
    pub token_name: Option<String>,
}

impl PrincipalRow {
    pub fn decode(row: &AnyRow) -> sqlx::Result<Self> {
        Self::from_row(row)
    }
}

/// An `event_log` row.
#[derive(FromRow)]
pub(crate) struct LogRow {
    at: i64,
    actor: String,
    action: String,
    from_value: Option<String>,
    to_value: Option<String>,
    via: Option<String>,
    on_behalf_of: Option<String>,
    approved_by: Option<String>,
}

impl LogRow {
    pub fn decode(row: &AnyRow) -> sqlx::Result<LogEntry> {
        let r = Self::from_row(row)?;
        Ok(LogEntry {
            at: from_millis(r.at),
            actor: r.actor,
            action: r
                .action
                .parse()
                .map_err(|e| super::corrupt("action", &r.action, e))?,
            from: r.from_value,
            to: r.to_value,
            via: r.via,
            on_behalf_of: r.on_behalf_of,
            approved_by: r
                .approved_by
                .map(|raw| {
                    serde_json::from_str(&raw).map_err(|e| super::corrupt("approved_by", &raw, e))
                })
                .transpose()?,
        })
    }
}
