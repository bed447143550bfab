//! The rules of VPN gateway O&M events, shared by the console and the server.
//!
//! Nothing here reads a clock or does I/O: the current time is always a parameter, so the
//! browser (with the server's time) and the server (with its own clock) get the same answers.

pub mod api;
pub mod event;
pub mod ids;
pub mod impact;
pub mod notifications;
pub mod schedule;
pub mod topology;

pub use event::{EventStatus, GatewayIp, GatewayIpRole, OmEvent, Reason, ResourceRef};
pub use ids::{
    ConnectionId, CustomerGatewayId, EventId, GatewayId, IdError, RegionId, TransitRouterId,
    TunnelId,
};
pub use impact::{affected_resources, AffectedItem, Effect, Impact, Summary};
pub use schedule::{validate, ExecutionPlan, ExecutionRequest, ScheduleError, ScheduleErrorCode};
pub use topology::{
    Addresses, Attachment, Connection, CustomerGateway, Gateway, Tunnel, TunnelMode, TunnelState,
};
