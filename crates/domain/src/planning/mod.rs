//! Planning ahead (DESIGN.md section 10): advice and what-if, conflicts between redundant paths,
//! the maintenance window and freeze periods, bulk execution.
//!
//! Like the rest of the crate these are pure functions: the time now, the account's freeze
//! periods and the other current events are parameters ([`PlanningContext`]), so the console
//! (with the server's time) and the server (with its own clock) get the same answers.
//!
//! One reading applies throughout: an event holds its address for
//! [`EVENT_DURATION_S`](crate::impact::EVENT_DURATION_S), so "a time" for an event is the whole
//! execution `[t, t + duration)`. A time is in a freeze when that execution overlaps the freeze,
//! not only when it starts inside it: a freeze is a period in which nothing may be down.

pub mod advice;
pub mod bulk;
pub mod conflict;
pub mod decision;
pub mod freeze;
mod timeline;
pub mod whatif;
pub mod window;
pub mod zone;

use std::fmt;

use chrono::{DateTime, Utc};

use crate::schedule::{ScheduleError, ScheduleErrorCode};

pub use advice::{advice, impact_after, Advice, AdviceKind};
#[cfg(feature = "openapi")]
pub use bulk::BulkExecutionBody;
pub use bulk::{
    check_bulk_time, combined_impact, decide_bulk, latest_allowed_at, validate_bulk,
    BulkExecutionRequest, BulkExecutionResponse, BulkItem, BulkItemResult, BulkResult,
    CombinedImpact, MAX_BULK_EVENTS,
};
pub use conflict::{
    conflict_between, conflicts, conflicts_among, conflicts_at, nearest_conflict_free, Conflict,
};
pub use conflict::{ConflictPair, PlannedEvent};
pub use decision::{apply, check_execution, decide, Decision, ExecutionBody, ExecutionMode};
pub use freeze::{
    freeze_at, freeze_flag, validate_freeze_period, FreezeFlag, FreezePeriod, FreezePeriodSpec,
    MAX_FREEZE_DAYS, MAX_FREEZE_PERIODS, MAX_REASON_CHARS,
};
pub use whatif::{what_if, with_changes, TunnelChange};
pub use window::{
    openings, place, place_all, MaintenanceWindow, MaintenanceWindowSpec, Placement, WindowMove,
    PLACEMENT_LEAD_MINUTES,
};
pub use zone::OffsetZone;

/// What the planning rules consult besides the event itself.
#[derive(Debug, Clone, Copy)]
pub struct PlanningContext<'a> {
    /// The caller's clock: the server's own, or in the browser the server's time.
    pub now: DateTime<Utc>,
    /// The account's freeze periods.
    pub freezes: &'a [FreezePeriod],
    /// The account's other current events (pending or executing); the event itself may be
    /// among them and is skipped.
    pub others: &'a [PlannedEvent],
}

/// Stable, machine-readable refusals of the planning rules; the API returns [`Self::as_str`]
/// as `code`. The execution-time rules of section 5 keep their own codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanningErrorCode {
    /// A rule of section 5 (not pending, after the default, in the past, …).
    Schedule(ScheduleErrorCode),
    CreatesConflict,
    InFreezePeriod,
    UnknownTimeZone,
    InvalidDays,
    InvalidStart,
    DurationOutOfRange,
    WindowShorterThanEvent,
    FreezePeriodReversed,
    FreezePeriodsOverlap,
    InvalidFreezePeriod,
    TooManyFreezePeriods,
    InvalidReason,
    NoEvents,
    TooManyEvents,
    DuplicateEventId,
}

impl PlanningErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanningErrorCode::Schedule(code) => code.as_str(),
            PlanningErrorCode::CreatesConflict => "creates_conflict",
            PlanningErrorCode::InFreezePeriod => "in_freeze_period",
            PlanningErrorCode::UnknownTimeZone => "unknown_time_zone",
            PlanningErrorCode::InvalidDays => "invalid_days",
            PlanningErrorCode::InvalidStart => "invalid_start",
            PlanningErrorCode::DurationOutOfRange => "duration_out_of_range",
            PlanningErrorCode::WindowShorterThanEvent => "window_shorter_than_event",
            PlanningErrorCode::FreezePeriodReversed => "freeze_period_reversed",
            PlanningErrorCode::FreezePeriodsOverlap => "freeze_periods_overlap",
            PlanningErrorCode::InvalidFreezePeriod => "invalid_freeze_period",
            PlanningErrorCode::TooManyFreezePeriods => "too_many_freeze_periods",
            PlanningErrorCode::InvalidReason => "invalid_reason",
            PlanningErrorCode::NoEvents => "no_events",
            PlanningErrorCode::TooManyEvents => "too_many_events",
            PlanningErrorCode::DuplicateEventId => "duplicate_event_id",
        }
    }
}

impl fmt::Display for PlanningErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal: the code, the request field it is about (`days`, `events[3].id`, …), a message
/// for people, and for time refusals the nearest time that would be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanningError {
    pub code: PlanningErrorCode,
    pub field: Option<String>,
    pub message: String,
    /// `creates_conflict` and `in_freeze_period`: the nearest allowed time, when there is one.
    pub suggested_at: Option<DateTime<Utc>>,
}

impl PlanningError {
    pub(crate) fn field(code: PlanningErrorCode, field: &str, message: String) -> Self {
        PlanningError {
            code,
            field: Some(field.to_owned()),
            message,
            suggested_at: None,
        }
    }
}

impl From<ScheduleError> for PlanningError {
    fn from(e: ScheduleError) -> Self {
        PlanningError {
            code: PlanningErrorCode::Schedule(e.code),
            field: None,
            message: e.message,
            suggested_at: None,
        }
    }
}

impl fmt::Display for PlanningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PlanningError {}
