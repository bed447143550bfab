//! The rules of VPN gateway O&M events, shared by the console and the server.
//!
//! Nothing here reads a clock or does I/O: the current time is always a parameter, so the
//! browser (with the server's time) and the server (with its own clock) get the same answers.

pub mod api;
pub mod approval;
pub mod event;
pub mod execution;
pub mod hold;
pub mod ids;
pub mod impact;
pub mod instant;
pub mod names;
pub mod notifications;
pub mod overview;
pub mod planning;
pub mod schedule;
pub mod time;
pub mod topology;
pub mod verification;

pub use event::{
    AuditAction, EventStatus, GatewayIp, GatewayIpRole, OmEvent, Reason, ResourceKind, ResourceRef,
};
pub use ids::{
    ConnectionId, CustomerGatewayId, EventId, GatewayId, IdError, RegionId, TransitRouterId,
    TunnelId,
};
pub use impact::{affected_resources, AffectedItem, Effect, Impact, Summary};
pub use schedule::{validate, ExecutionPlan, ExecutionRequest, ScheduleError, ScheduleErrorCode};
pub use topology::{
    Addresses, Attachment, AttachmentKind, Connection, CustomerGateway, Gateway, Tunnel,
    TunnelMode, TunnelState,
};
