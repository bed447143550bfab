//! What a valid execution request is (DESIGN.md section 5).
//!
//! The console calls [`validate`] with the server's time before it sends anything; the server
//! calls it again with its own clock, and its answer is the one that counts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{EventStatus, OmEvent};
use crate::instant::stored;
use crate::time::utc_text;

/// What the customer asks of a pending event (section 5): Execute Now or Specify Execution
/// Time. It travels inside [`ExecutionBody`](crate::planning::ExecutionBody), the one wire type
/// of every change, which reads it strictly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecutionRequest {
    /// Execute Now: the scheduler starts the event as soon as it sees it.
    Now,
    /// Specify Execution Time.
    At { execute_at: DateTime<Utc> },
}

/// An accepted request: when the event will run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecutionPlan {
    pub execute_at: DateTime<Utc>,
    pub execute_now: bool,
}

/// Stable, machine-readable refusals; the API returns them as `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ScheduleErrorCode {
    NotPending,
    AfterDefaultExecutionTime,
    InThePast,
    NonexistentLocalTime,
    AmbiguousLocalTime,
}

crate::string_forms!(ScheduleErrorCode);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleError {
    pub code: ScheduleErrorCode,
    pub message: String,
}

impl std::fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScheduleError {}

/// Accepts or refuses an execution request for `event` at server time `now`.
///
/// Every instant is compared as the database stores it (whole milliseconds, see
/// [`crate::instant::stored`]), so the time accepted is the time stored. Boundaries: a time
/// exactly at the default execution time is accepted, one millisecond later is not; a time
/// exactly `now` is accepted, one millisecond earlier is not. Execute Now runs at `now`, or at
/// the default time when that has already passed (the event is due either way, and the
/// execution time is never later than the default).
pub fn validate(
    event: &OmEvent,
    request: &ExecutionRequest,
    now: DateTime<Utc>,
) -> Result<ExecutionPlan, ScheduleError> {
    if event.status != EventStatus::Pending {
        return Err(ScheduleError {
            code: ScheduleErrorCode::NotPending,
            message: format!(
                "O&M event {} is {}; only a pending event can be executed or rescheduled.",
                event.id,
                event.status.as_str()
            ),
        });
    }
    let now = stored(now);
    let default_execute_at = stored(event.default_execute_at);
    match request {
        ExecutionRequest::Now => Ok(ExecutionPlan {
            execute_at: now.min(default_execute_at),
            execute_now: true,
        }),
        ExecutionRequest::At { execute_at } => {
            let execute_at = &stored(*execute_at);
            if *execute_at > default_execute_at {
                return Err(ScheduleError {
                    code: ScheduleErrorCode::AfterDefaultExecutionTime,
                    message: format!(
                        "The execution time must not be later than the default execution time, {}.",
                        utc_text(event.default_execute_at)
                    ),
                });
            }
            if *execute_at < now {
                return Err(ScheduleError {
                    code: ScheduleErrorCode::InThePast,
                    message: format!(
                        "The execution time {} is in the past; the time now is {}.",
                        utc_text(*execute_at),
                        utc_text(now)
                    ),
                });
            }
            Ok(ExecutionPlan {
                execute_at: *execute_at,
                execute_now: false,
            })
        }
    }
}
