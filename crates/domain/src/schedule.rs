//! What a valid execution request is (DESIGN.md section 5).
//!
//! The console calls [`validate`] with the server's time before it sends anything; the server
//! calls it again with its own clock, and its answer is the one that counts.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDateTime, TimeZone, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{EventStatus, OmEvent};
use crate::instant::stored;

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

// Written field by field rather than with chrono's format strings: those are interpreted at run
// time, and their machinery was a measurable part of the console's wasm, which uses these rules.
fn utc_text(t: DateTime<Utc>) -> String {
    format!("{}:{:02} UTC", wall_text(t.naive_utc()), t.second())
}

/// `2026-03-08 02:30`.
fn wall_text(t: NaiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

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

/// What a wall-clock time in the viewer's time zone means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTime {
    Unique(DateTime<Utc>),
    /// The clocks went back: the wall time happened twice.
    Ambiguous {
        earlier: DateTime<Utc>,
        later: DateTime<Utc>,
    },
    /// The clocks went forward: the wall time never happened.
    Nonexistent,
}

/// Resolves a wall-clock time given the zone's UTC offset (in seconds east of UTC) at any
/// instant. The browser passes its own zone; tests pass a table. Offsets are probed a day either
/// side, which covers every real transition.
pub fn resolve_local(wall: NaiveDateTime, offset_at: impl Fn(DateTime<Utc>) -> i32) -> LocalTime {
    let as_utc = Utc.from_utc_datetime(&wall);
    // Saturating at the ends of the calendar, where there is no day before or after to probe.
    let day = Duration::days(1);
    let mut offsets = [
        offset_at(as_utc.checked_sub_signed(day).unwrap_or(as_utc)),
        offset_at(as_utc),
        offset_at(as_utc.checked_add_signed(day).unwrap_or(as_utc)),
    ];
    offsets.sort_unstable();
    let mut instants: Vec<DateTime<Utc>> = Vec::new();
    for (i, off) in offsets.iter().enumerate() {
        if i > 0 && offsets[i - 1] == *off {
            continue;
        }
        let Some(candidate) = as_utc.checked_sub_signed(Duration::seconds(i64::from(*off))) else {
            continue;
        };
        if offset_at(candidate) == *off && !instants.contains(&candidate) {
            instants.push(candidate);
        }
    }
    instants.sort_unstable();
    match instants.as_slice() {
        [] => LocalTime::Nonexistent,
        [one] => LocalTime::Unique(*one),
        [earlier, .., later] => LocalTime::Ambiguous {
            earlier: *earlier,
            later: *later,
        },
    }
}

/// Turns a local wall time into a UTC instant, refusing times that DST makes ambiguous or
/// nonexistent instead of guessing.
pub fn local_to_utc(
    wall: NaiveDateTime,
    offset_at: impl Fn(DateTime<Utc>) -> i32,
) -> Result<DateTime<Utc>, ScheduleError> {
    match resolve_local(wall, offset_at) {
        LocalTime::Unique(t) => Ok(t),
        LocalTime::Nonexistent => Err(ScheduleError {
            code: ScheduleErrorCode::NonexistentLocalTime,
            message: format!(
                "{} does not exist in your time zone (the clocks skip it for daylight saving time). Choose another time.",
                wall_text(wall)
            ),
        }),
        LocalTime::Ambiguous { earlier, later } => Err(ScheduleError {
            code: ScheduleErrorCode::AmbiguousLocalTime,
            message: format!(
                "{} happens twice in your time zone (at {} and at {}) because the clocks go back. Choose another time or enter it in UTC.",
                wall_text(wall),
                utc_text(earlier),
                utc_text(later)
            ),
        }),
    }
}

/// Formats an offset such as `+08:00` or `-05:30`.
pub fn format_offset(offset_s: i32) -> String {
    FixedOffset::east_opt(offset_s)
        .map(|o| o.to_string())
        .unwrap_or_else(|| "+00:00".to_owned())
}
