//! O&M events and their lifecycle.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ConnectionId, EventId, GatewayId, IdError, RegionId};

/// The resource an O&M event maintains: the VPN gateway, or for connections on transit routers
/// the IPsec-VPN connection itself.
// Read through a flat struct, as `AffectedItem` is: with this and `Attachment` no internally
// tagged derive is left, and serde's `Content` leaves the console's wasm (6 KB gzip more).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "ResourceRefWire")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ResourceRef {
    VpnGateway {
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        id: GatewayId,
    },
    IpsecConnection {
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        id: ConnectionId,
    },
}

/// Which kind of resource an event maintains: [`ResourceRef`]'s tag, as the database keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    VpnGateway,
    IpsecConnection,
}

#[derive(Deserialize)]
struct ResourceRefWire {
    kind: ResourceKind,
    id: String,
}

impl TryFrom<ResourceRefWire> for ResourceRef {
    type Error = IdError;

    fn try_from(w: ResourceRefWire) -> Result<Self, IdError> {
        ResourceRef::from_parts(w.kind, &w.id)
    }
}

impl ResourceRef {
    pub fn kind(&self) -> ResourceKind {
        match self {
            ResourceRef::VpnGateway { .. } => ResourceKind::VpnGateway,
            ResourceRef::IpsecConnection { .. } => ResourceKind::IpsecConnection,
        }
    }

    pub fn kind_str(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The resource of that kind with that id, as the database keeps them.
    pub fn from_parts(kind: ResourceKind, id: &str) -> Result<Self, IdError> {
        Ok(match kind {
            ResourceKind::VpnGateway => ResourceRef::VpnGateway { id: id.parse()? },
            ResourceKind::IpsecConnection => ResourceRef::IpsecConnection { id: id.parse()? },
        })
    }

    pub fn id_str(&self) -> &str {
        match self {
            ResourceRef::VpnGateway { id } => id.as_str(),
            ResourceRef::IpsecConnection { id } => id.as_str(),
        }
    }
}

crate::string_forms!(ResourceKind, GatewayIpRole, Reason, EventStatus);

/// Which of the gateway's addresses the event maintains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum GatewayIpRole {
    #[serde(rename = "ipsec_address_1")]
    IpsecAddress1,
    #[serde(rename = "ipsec_address_2")]
    IpsecAddress2,
    SslAddress,
    /// The one address of a single-tunnel VPN gateway.
    GatewayAddress,
    /// A tunnel address of an IPsec-VPN connection on a transit router.
    TunnelAddress,
}

impl GatewayIpRole {
    pub const ALL: [GatewayIpRole; 5] = [
        GatewayIpRole::IpsecAddress1,
        GatewayIpRole::IpsecAddress2,
        GatewayIpRole::SslAddress,
        GatewayIpRole::GatewayAddress,
        GatewayIpRole::TunnelAddress,
    ];

    /// The name the console shows, in the source page's words.
    pub fn label(self) -> &'static str {
        match self {
            GatewayIpRole::IpsecAddress1 => "IPsec Address 1",
            GatewayIpRole::IpsecAddress2 => "IPsec Address 2",
            GatewayIpRole::SslAddress => "SSL address",
            GatewayIpRole::GatewayAddress => "Gateway address",
            GatewayIpRole::TunnelAddress => "Tunnel address",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GatewayIp {
    pub role: GatewayIpRole,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "47.96.10.1"))]
    pub ip: IpAddr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Reason {
    SystemUpgrade,
    HardwareUpgrade,
    IssueFix,
}

impl Reason {
    pub const ALL: [Reason; 3] = [
        Reason::SystemUpgrade,
        Reason::HardwareUpgrade,
        Reason::IssueFix,
    ];
}

/// `pending → executing → completed | failed`; a pending event can be `cancelled` by the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventStatus {
    Pending,
    Executing,
    Completed,
    Failed,
    Cancelled,
}

/// A lifecycle step that the state machine refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IllegalTransition {
    pub from: EventStatus,
    pub to: EventStatus,
}

impl std::fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "an O&M event cannot go from {} to {}",
            self.from.as_str(),
            self.to.as_str()
        )
    }
}

impl std::error::Error for IllegalTransition {}

impl EventStatus {
    pub const ALL: [EventStatus; 5] = [
        EventStatus::Pending,
        EventStatus::Executing,
        EventStatus::Completed,
        EventStatus::Failed,
        EventStatus::Cancelled,
    ];

    /// A current event is one the resource still waits for or undergoes.
    pub fn is_current(self) -> bool {
        matches!(self, EventStatus::Pending | EventStatus::Executing)
    }

    pub fn is_final(self) -> bool {
        !self.is_current()
    }

    /// The next status, or the refusal of an illegal step.
    pub fn transition(self, to: EventStatus) -> Result<EventStatus, IllegalTransition> {
        use EventStatus::*;
        match (self, to) {
            (Pending, Executing) | (Pending, Cancelled) => Ok(to),
            (Executing, Completed) | (Executing, Failed) => Ok(to),
            _ => Err(IllegalTransition { from: self, to }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OmEvent {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: EventId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub region: RegionId,
    pub resource: ResourceRef,
    pub gateway_ip: GatewayIp,
    pub reason: Reason,
    pub status: EventStatus,
    /// Set by the provider; the execution time can never be later.
    pub default_execute_at: DateTime<Utc>,
    /// When the event is scheduled to run now.
    pub execute_at: DateTime<Utc>,
    pub published_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Bumped by every change; the API's ETag.
    pub version: i64,
}

impl OmEvent {
    /// Whether the customer moved the event away from its default execution time.
    pub fn is_rescheduled(&self) -> bool {
        self.execute_at != self.default_execute_at
    }
}

/// What an entry of an event's audit log records (`GET /om-events/{id}/log`), and so what the
/// stream (section 8) and the webhooks (`om_event.<action>`, 9.1) report. Part three's actions
/// (sections 12–14) are here too, so that every writer and reader names them from one list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AuditAction {
    Published,
    Rescheduled,
    ExecuteNow,
    Started,
    Resumed,
    Completed,
    Failed,
    Cancelled,
    /// 13: the scheduler held the event while the other path of a site is down.
    Held,
    /// 12.2: every tunnel came back.
    Verified,
    /// 12.2: a tunnel came back short (`to`: `degraded`) or not at all (`failed`).
    VerificationFailed,
    ApprovalRequested,
    Approved,
    Rejected,
    ApprovalExpired,
    ApprovalCancelled,
    ApprovalFailed,
}

crate::string_forms!(AuditAction);

impl AuditAction {
    pub const ALL: [AuditAction; 17] = [
        AuditAction::Published,
        AuditAction::Rescheduled,
        AuditAction::ExecuteNow,
        AuditAction::Started,
        AuditAction::Resumed,
        AuditAction::Completed,
        AuditAction::Failed,
        AuditAction::Cancelled,
        AuditAction::Held,
        AuditAction::Verified,
        AuditAction::VerificationFailed,
        AuditAction::ApprovalRequested,
        AuditAction::Approved,
        AuditAction::Rejected,
        AuditAction::ApprovalExpired,
        AuditAction::ApprovalCancelled,
        AuditAction::ApprovalFailed,
    ];

    /// The webhook type that reports it: `om_event.<action>`.
    pub fn event_type(self) -> String {
        format!("om_event.{}", self.as_str())
    }

    /// Whether a pending event's reminders (9.1) are armed again for its execution time after
    /// this entry: it was published or moved (Execute Now leaves nothing to remind of).
    pub fn arms_reminders(self) -> bool {
        matches!(self, AuditAction::Published | AuditAction::Rescheduled)
    }
}
