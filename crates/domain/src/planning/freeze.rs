//! Freeze periods (DESIGN.md 10.3): spans in which no event may run.
//!
//! A time is in a freeze when the execution started then would overlap the freeze (see the
//! module note of [`super`]), so the latest time allowed before a freeze starting at `s` is
//! `s - duration`, and a freeze's end is allowed.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

use super::conflict::{conflict_periods, PlannedEvent};
use super::timeline::{latest_allowed, Forbidden};
use super::{PlanningContext, PlanningError, PlanningErrorCode};
use crate::time::utc_text;

/// Longest reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// Most freeze periods an account may hold (DESIGN.md 17): the planning checks look at every
/// one of them, under the process-wide write lock.
pub const MAX_FREEZE_PERIODS: usize = 100;

/// Longest freeze period, in days (DESIGN.md 17).
pub const MAX_FREEZE_DAYS: i64 = 366;

/// Years a freeze period may start and end in (DESIGN.md 17): far enough from chrono's limits
/// that no arithmetic on them overflows.
const FREEZE_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A stored freeze period: `{id, starts_at, ends_at, reason}`; the span is `[starts_at, ends_at)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FreezePeriod {
    pub id: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
}

/// The body of `POST /freeze-periods`; the server assigns the id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FreezePeriodSpec {
    #[serde(deserialize_with = "crate::instant::deserialize_strict")]
    pub starts_at: DateTime<Utc>,
    #[serde(deserialize_with = "crate::instant::deserialize_strict")]
    pub ends_at: DateTime<Utc>,
    pub reason: String,
}

impl FreezePeriodSpec {
    pub fn with_id(self, id: String) -> FreezePeriod {
        FreezePeriod {
            id,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            reason: self.reason,
        }
    }
}

/// Accepts a new freeze period next to the account's `existing` ones, or names the field that
/// is wrong: a time outside the years 2000–2100, `ends_at` not after `starts_at`, a period
/// longer than [`MAX_FREEZE_DAYS`], an empty or too long `reason`, an overlap with an existing
/// period (freeze periods never overlap, so each time is in at most one), or one period more
/// than [`MAX_FREEZE_PERIODS`].
pub fn validate_freeze_period(
    spec: &FreezePeriodSpec,
    existing: &[FreezePeriod],
) -> Result<(), PlanningError> {
    for (field, t) in [("starts_at", spec.starts_at), ("ends_at", spec.ends_at)] {
        if !FREEZE_YEARS.contains(&t.year()) {
            return Err(PlanningError::field(
                PlanningErrorCode::InvalidFreezePeriod,
                field,
                format!(
                    "{field} must be in the years {} to {}.",
                    FREEZE_YEARS.start(),
                    FREEZE_YEARS.end()
                ),
            ));
        }
    }
    if spec.ends_at <= spec.starts_at {
        return Err(PlanningError::field(
            PlanningErrorCode::FreezePeriodReversed,
            "ends_at",
            format!(
                "ends_at ({}) must be later than starts_at ({}).",
                utc_text(spec.ends_at),
                utc_text(spec.starts_at)
            ),
        ));
    }
    if spec.ends_at - spec.starts_at > chrono::Duration::days(MAX_FREEZE_DAYS) {
        return Err(PlanningError::field(
            PlanningErrorCode::InvalidFreezePeriod,
            "ends_at",
            format!("A freeze period lasts at most {MAX_FREEZE_DAYS} days."),
        ));
    }
    let chars = spec.reason.trim().chars().count();
    if chars == 0 || chars > MAX_REASON_CHARS {
        return Err(PlanningError::field(
            PlanningErrorCode::InvalidReason,
            "reason",
            format!("reason must have 1 to {MAX_REASON_CHARS} characters."),
        ));
    }
    if let Some(other) = existing
        .iter()
        .find(|f| spec.starts_at < f.ends_at && f.starts_at < spec.ends_at)
    {
        return Err(PlanningError::field(
            PlanningErrorCode::FreezePeriodsOverlap,
            "starts_at",
            format!(
                "The freeze period overlaps freeze period {} ({} to {}).",
                other.id,
                utc_text(other.starts_at),
                utc_text(other.ends_at)
            ),
        ));
    }
    if existing.len() >= MAX_FREEZE_PERIODS {
        return Err(PlanningError {
            code: PlanningErrorCode::TooManyFreezePeriods,
            field: None,
            message: format!(
                "An account has at most {MAX_FREEZE_PERIODS} freeze periods; remove one first."
            ),
            suggested_at: None,
        });
    }
    Ok(())
}

/// The start times that would run into a freeze.
pub(crate) fn freeze_periods(freezes: &[FreezePeriod]) -> impl Iterator<Item = Forbidden> + '_ {
    freezes
        .iter()
        .map(|f| Forbidden::overlapping(f.starts_at, f.ends_at))
}

/// The freeze an execution starting at `t` would run into, if any.
pub fn freeze_at(t: DateTime<Utc>, freezes: &[FreezePeriod]) -> Option<&FreezePeriod> {
    freezes
        .iter()
        .find(|f| Forbidden::overlapping(f.starts_at, f.ends_at).contains(t))
}

/// The event detail's flag for an event whose default time is in a freeze.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FreezeFlag {
    pub freeze_period_id: String,
    /// The latest time before that freeze at which the event may run (not in the past, in no
    /// freeze, without a conflict); `null` when the freeze starts too soon for any.
    pub latest_allowed_at: Option<DateTime<Utc>>,
}

/// Flags `event` when its default time is in a freeze, with the latest allowed time before it.
pub fn freeze_flag(event: &PlannedEvent, ctx: &PlanningContext<'_>) -> Option<FreezeFlag> {
    let freeze = freeze_at(event.event.default_execute_at, ctx.freezes)?;
    let mut forbidden = conflict_periods(event, ctx.others);
    forbidden.extend(freeze_periods(ctx.freezes));
    let before = super::timeline::before(freeze.starts_at, super::timeline::event_duration());
    Some(FreezeFlag {
        freeze_period_id: freeze.id.clone(),
        latest_allowed_at: latest_allowed(ctx.now, before, &forbidden),
    })
}
