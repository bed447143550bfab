//! The JSON shapes of the HTTP API (DESIGN.md section 6), shared so the console and the server
//! cannot drift apart.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{EventStatus, OmEvent};
use crate::ids::{EventId, RegionId};
use crate::impact::{AffectedItem, Summary};
use crate::planning::{Advice, Conflict, FreezeFlag};
use crate::schedule::ScheduleErrorCode;
use crate::topology::{Connection, Gateway};

pub const API_PREFIX: &str = "/api/v1";
pub const MAX_PAGE_SIZE: u32 = 100;
pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_HISTORY_DAYS: u32 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: RegionId,
    pub name: String,
}

/// `{code, message}`: every error answer of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

impl ApiError {
    /// The scheduling rule a refused change broke, when the code names one (the server sends
    /// `ScheduleErrorCode::as_str`).
    pub fn schedule_code(&self) -> Option<ScheduleErrorCode> {
        use ScheduleErrorCode::*;
        [
            NotPending,
            AfterDefaultExecutionTime,
            InThePast,
            NonexistentLocalTime,
            AmbiguousLocalTime,
        ]
        .into_iter()
        .find(|c| c.as_str() == self.code)
    }
}

/// What a user may do in their account: a viewer looks, an operator also executes and
/// reschedules events. Sent as `"viewer"` / `"operator"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    Viewer,
    Operator,
}

crate::string_forms!(Role);

impl Role {
    /// Whether the role may change events (execute now, reschedule).
    pub fn can_change(self) -> bool {
        self == Role::Operator
    }
}

/// The current event of a resource as the list pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurrentEvent {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: EventId,
    pub default_execute_at: DateTime<Utc>,
    pub execute_at: DateTime<Utc>,
    pub status: EventStatus,
    /// The event conflicts with another current event (DESIGN.md 10.2): the row is marked.
    #[serde(default)]
    pub conflict: bool,
}

/// The O&M Events column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OmEventsCell {
    pub current: Option<CurrentEvent>,
    pub previous_executed_at: Option<DateTime<Utc>>,
    /// The previous event's verdict (DESIGN.md 12.2), null when it has none.
    #[serde(default)]
    pub previous_verdict: Option<PreviousVerdict>,
}

/// The verdict of a resource's previous event as the O&M Events column shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviousVerdict {
    pub status: crate::verification::VerificationStatus,
    /// Tunnels whose result is not `ok`.
    pub tunnels_not_back: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GatewayItem {
    #[serde(flatten)]
    pub gateway: Gateway,
    pub om_events: OmEventsCell,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionItem {
    #[serde(flatten)]
    pub connection: Connection,
    pub om_events: OmEventsCell,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
    pub server_time: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventDetail {
    pub event: OmEvent,
    pub affected: Vec<AffectedItem>,
    pub summary: Summary,
    pub server_time: DateTime<Utc>,
    /// The actions that would lower this event's impact, best first (DESIGN.md 10.1).
    #[serde(default)]
    pub advice: Vec<Advice>,
    /// The current events this one conflicts with at its time (10.2).
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    /// Set when the default time falls into a freeze period, with the latest allowed time
    /// before it (10.3).
    #[serde(default)]
    pub freeze: Option<FreezeFlag>,
    /// `false` when the maintenance window placed the event and no opening fitted, so it stays
    /// at its default; `null` when the window has not placed it (10.3).
    #[serde(default)]
    pub window_fit: Option<bool>,
    /// Did it come back? Null before completion and for events that failed or were
    /// cancelled (DESIGN.md 12.2).
    #[serde(default)]
    pub verification: Option<crate::verification::Verification>,
    /// Why a pending event waits although its time has come (13); null when not held.
    #[serde(default)]
    pub hold: Option<crate::hold::Hold>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: crate::event::AuditAction,
    pub from: Option<String>,
    pub to: Option<String>,
    /// `token:<name>` when the change came through an API token (DESIGN.md 17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// For the maintenance window's moves: the person whose change of the window (or of a
    /// freeze period) moved the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// For a change applied after approval (14.2): the approvers' emails. The console does
    /// not show them, so its build skips reading them: the decoder would cost its first load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", serde(skip_deserializing))]
    pub approved_by: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct History {
    pub items: Vec<OmEvent>,
    pub days: u32,
    pub server_time: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertDay {
    pub date: NaiveDate,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertTrend {
    pub days: Vec<AlertDay>,
    pub server_time: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub email: String,
    pub account: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// One message of `GET /stream` (DESIGN.md section 8): an event of the caller's account changed.
/// `action` is the audit log's action; `event` is the event as it stands once the change is
/// committed (later changes may already show in it); `at` is when the change happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventChange {
    pub action: String,
    pub event: OmEvent,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_and_write_as_lowercase_words() {
        for (role, text) in [(Role::Viewer, "viewer"), (Role::Operator, "operator")] {
            assert_eq!(role.as_str(), text);
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{text}\""));
            assert_eq!(
                serde_json::from_str::<Role>(&format!("\"{text}\"")).unwrap(),
                role
            );
        }
        assert!(serde_json::from_str::<Role>("\"admin\"").is_err());
        assert!(Role::Operator.can_change() && !Role::Viewer.can_change());
    }

    #[test]
    fn a_refusal_names_its_schedule_rule() {
        let refusal = |code: &str| ApiError {
            code: code.into(),
            message: String::new(),
        };
        assert_eq!(
            refusal("in_the_past").schedule_code(),
            Some(ScheduleErrorCode::InThePast)
        );
        assert_eq!(
            refusal("after_default_execution_time").schedule_code(),
            Some(ScheduleErrorCode::AfterDefaultExecutionTime)
        );
        assert_eq!(refusal("forbidden").schedule_code(), None);
    }
}

/// One entry of the account audit log (DESIGN.md 17), as `GET /audit-log` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// The user's email, or for an operator command the operating-system user who ran it.
    pub actor: String,
    /// `session`, `token:<name>` or `cli`.
    pub via: String,
    /// `session.created`, `webhook.deleted`, `freeze_period.created`, …
    pub action: String,
    /// What the action was on: a webhook's, freeze period's or token's id or name, a user's email.
    pub target: Option<String>,
    pub detail: Option<String>,
}

/// `GET /audit-log`'s answer, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: u64,
}
