//! VPN gateways, IPsec-VPN connections, their tunnels and customer gateways.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::ids::{ConnectionId, CustomerGatewayId, GatewayId, IdError, TransitRouterId, TunnelId};
use crate::verification::{IkeVersion, StartupAction, TunnelHealth};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TunnelMode {
    DualTunnel,
    SingleTunnel,
}

crate::string_forms!(TunnelMode, TunnelState);

/// The public addresses of a VPN gateway. A dual-tunnel gateway has IPsec Address 1 and 2 and,
/// with SSL-VPN on, an SSL address; a single-tunnel gateway has one address for everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, try_from = "RawAddresses")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Addresses {
    Dual {
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = "ipv4", required = true))]
        ipsec_address_1: Option<IpAddr>,
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = "ipv4", required = true))]
        ipsec_address_2: Option<IpAddr>,
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = "ipv4", required = true))]
        ssl_address: Option<IpAddr>,
    },
    Single {
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = "ipv4", required = true))]
        gateway_address: Option<IpAddr>,
    },
}

/// The wire form of [`Addresses`]: which keys are present decides the tunnel mode, since an
/// absent address is `null` and an untagged read would take every object for a dual-tunnel one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAddresses {
    #[serde(default, deserialize_with = "present")]
    ipsec_address_1: Option<Option<IpAddr>>,
    #[serde(default, deserialize_with = "present")]
    ipsec_address_2: Option<Option<IpAddr>>,
    #[serde(default, deserialize_with = "present")]
    ssl_address: Option<Option<IpAddr>>,
    #[serde(default, deserialize_with = "present")]
    gateway_address: Option<Option<IpAddr>>,
}

/// `Some(value)` when the key is there, even when its value is `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<IpAddr>>, D::Error> {
    Option::<IpAddr>::deserialize(d).map(Some)
}

impl TryFrom<RawAddresses> for Addresses {
    type Error = &'static str;

    fn try_from(raw: RawAddresses) -> Result<Self, Self::Error> {
        let dual = raw.ipsec_address_1.is_some()
            || raw.ipsec_address_2.is_some()
            || raw.ssl_address.is_some();
        match (dual, raw.gateway_address) {
            (false, Some(gateway_address)) => Ok(Addresses::Single { gateway_address }),
            (true, None) => Ok(Addresses::Dual {
                ipsec_address_1: raw.ipsec_address_1.flatten(),
                ipsec_address_2: raw.ipsec_address_2.flatten(),
                ssl_address: raw.ssl_address.flatten(),
            }),
            (true, Some(_)) => Err("a gateway has either IPsec/SSL addresses (dual-tunnel) or a gateway address (single-tunnel), not both"),
            (false, None) => Err("addresses need ipsec_address_1/ipsec_address_2/ssl_address or gateway_address"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gateway {
    pub id: GatewayId,
    pub name: String,
    /// Provisioning status as the provider reports it, e.g. `active`.
    pub status: String,
    /// Bandwidth spec, e.g. `10M`.
    pub spec: String,
    pub tunnel_mode: TunnelMode,
    pub addresses: Addresses,
    /// SSL clients connected now.
    pub ssl_clients: u32,
}

// Read through a flat struct, as `AffectedItem` is (no serde `Content` in the wasm).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "AttachmentWire")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Attachment {
    VpnGateway {
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        id: GatewayId,
    },
    TransitRouter {
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        id: TransitRouterId,
    },
}

/// What a connection is attached to: [`Attachment`]'s tag, as the database keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    VpnGateway,
    TransitRouter,
}

crate::string_forms!(AttachmentKind);

#[derive(Deserialize)]
struct AttachmentWire {
    kind: AttachmentKind,
    id: String,
}

impl TryFrom<AttachmentWire> for Attachment {
    type Error = crate::ids::IdError;

    fn try_from(w: AttachmentWire) -> Result<Self, Self::Error> {
        Attachment::from_parts(w.kind, &w.id)
    }
}

impl Attachment {
    pub fn kind(&self) -> AttachmentKind {
        match self {
            Attachment::VpnGateway { .. } => AttachmentKind::VpnGateway,
            Attachment::TransitRouter { .. } => AttachmentKind::TransitRouter,
        }
    }

    pub fn id_str(&self) -> &str {
        match self {
            Attachment::VpnGateway { id } => id.as_str(),
            Attachment::TransitRouter { id } => id.as_str(),
        }
    }

    /// The attachment of that kind with that id, as the database keeps them.
    pub fn from_parts(kind: AttachmentKind, id: &str) -> Result<Self, IdError> {
        Ok(match kind {
            AttachmentKind::VpnGateway => Attachment::VpnGateway { id: id.parse()? },
            AttachmentKind::TransitRouter => Attachment::TransitRouter { id: id.parse()? },
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TunnelState {
    Available,
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerGateway {
    pub id: CustomerGatewayId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub ip: IpAddr,
    /// DESIGN.md 12.1: which IKE it speaks and whether the provider's side starts IKE. The
    /// console shows neither, so its wasm does not read them (its first load's budget).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", serde(skip_deserializing))]
    pub ike_version: IkeVersion,
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", serde(skip_deserializing))]
    pub startup_action: StartupAction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tunnel {
    pub id: TunnelId,
    /// 1 or 2 for a dual-tunnel connection, 1 for a single-tunnel one.
    pub index: u8,
    /// The gateway-side IP: one of the gateway's addresses, or the transit router's tunnel address.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub gateway_ip: IpAddr,
    pub customer_gateway: CustomerGateway,
    pub state: TunnelState,
    pub carries_traffic: bool,
    /// What the provider's monitoring last saw (12.1); absent where nobody read it. Not read
    /// by the console's wasm, which does not show it (its first load's budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", serde(skip_deserializing))]
    pub health: Option<TunnelHealth>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Connection {
    pub id: ConnectionId,
    pub name: String,
    pub tunnel_mode: TunnelMode,
    pub attached_to: Attachment,
    pub tunnels: Vec<Tunnel>,
}
