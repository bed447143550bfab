//! Times an event may start at, given periods it must not overlap.
//!
//! Every such period becomes an *open* interval of forbidden start times: an execution
//! `[t, t + d)` overlaps `[a, b)` exactly when `a - d < t < b`, so both ends are allowed.

use chrono::{DateTime, Duration, Utc};

use crate::impact::EVENT_DURATION_S;

/// Start times in `(start, end)` are forbidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Forbidden {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Forbidden {
    /// The start times whose execution would overlap `[from, until)`.
    pub fn overlapping(from: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        Forbidden {
            start: before(from, event_duration()),
            end: until,
        }
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start < t && t < self.end
    }
}

pub(crate) fn event_duration() -> Duration {
    Duration::seconds(i64::from(EVENT_DURATION_S))
}

// Saturating, never panicking: stored times may be anywhere in chrono's range (a freeze written
// before its years were bounded), and one such row must not crash every request of its account.
/// `t - d`, or the earliest instant chrono has.
pub(crate) fn before(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_sub_signed(d).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `t + d`, or the latest instant chrono has.
pub(crate) fn after(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_add_signed(d).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub(crate) fn allowed(t: DateTime<Utc>, forbidden: &[Forbidden]) -> bool {
    !forbidden.iter().any(|f| f.contains(t))
}

/// The latest allowed start in `[lo, hi]`.
pub(crate) fn latest_allowed(
    lo: DateTime<Utc>,
    hi: DateTime<Utc>,
    forbidden: &[Forbidden],
) -> Option<DateTime<Utc>> {
    if lo > hi {
        return None;
    }
    // When `hi` is forbidden, the answer is the start of some forbidden interval (or `lo`).
    std::iter::once(hi)
        .chain(forbidden.iter().map(|f| f.start))
        .chain(std::iter::once(lo))
        .filter(|t| lo <= *t && *t <= hi && allowed(*t, forbidden))
        .max()
}

/// The allowed start in `[lo, hi]` nearest to `wanted`; of two equally near, the earlier.
pub(crate) fn nearest_allowed(
    wanted: DateTime<Utc>,
    lo: DateTime<Utc>,
    hi: DateTime<Utc>,
    forbidden: &[Forbidden],
) -> Option<DateTime<Utc>> {
    if lo > hi {
        return None;
    }
    let clamped = wanted.clamp(lo, hi);
    // The nearest allowed point is `clamped` itself or an end of a forbidden interval.
    std::iter::once(clamped)
        .chain(forbidden.iter().flat_map(|f| [f.start, f.end]))
        .chain([lo, hi])
        .filter(|t| lo <= *t && *t <= hi && allowed(*t, forbidden))
        .min_by_key(|t| ((*t - wanted).abs(), *t))
}
