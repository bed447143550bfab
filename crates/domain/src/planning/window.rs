//! The maintenance window (DESIGN.md 10.3) and the placement of events in it.
//!
//! The crate knows no time-zone database (chrono-tz is too big for the console's wasm): every
//! function here is generic over [`chrono::TimeZone`]. The server passes `chrono_tz::Tz`, the
//! console its own zone type; turning the name into a zone is the caller's, through the
//! closure given to [`MaintenanceWindow::parse`], so that the refusal still comes from here.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Timelike, Utc,
    Weekday,
};
use serde::{Deserialize, Serialize};

use crate::ids::CustomerGatewayId;
use crate::impact::EVENT_DURATION_S;

use super::conflict::{conflict_periods, PlannedEvent};
use super::freeze::freeze_periods;
use super::timeline::allowed;
use super::{PlanningContext, PlanningError, PlanningErrorCode};

/// An event is placed no earlier than this many minutes from now.
pub const PLACEMENT_LEAD_MINUTES: i64 = 10;
pub const MIN_WINDOW_MINUTES: i64 = 60;
pub const MAX_WINDOW_MINUTES: i64 = 1440;

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

/// The body of `PUT /maintenance-window` and its answer. Loosely typed on purpose (strings, a
/// signed number) so that every mistake reaches [`MaintenanceWindow::parse`] and gets a code
/// naming the field, instead of a generic decoding error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaintenanceWindowSpec {
    /// An IANA zone name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// `["mon", …]`.
    pub days: Vec<String>,
    /// `"HH:MM"`, local time in `time_zone`.
    pub start: String,
    /// 60 to 1440.
    pub duration_minutes: i64,
}

/// A valid maintenance window (the zone itself is kept by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceWindow {
    time_zone: String,
    days: BTreeSet<u32>,
    start: NaiveTime,
    duration_minutes: u32,
}

impl MaintenanceWindow {
    /// Checks every field; `zone` turns the zone name into the caller's zone type, `None` for an
    /// unknown name. Codes: `unknown_time_zone`, `invalid_days`, `invalid_start`,
    /// `duration_out_of_range`, `window_shorter_than_event`, each with `field` set.
    pub fn parse<Z>(
        spec: &MaintenanceWindowSpec,
        zone: impl FnOnce(&str) -> Option<Z>,
    ) -> Result<(Self, Z), PlanningError> {
        Self::parse_for_event(spec, zone, EVENT_DURATION_S)
    }

    /// [`Self::parse`] for events lasting `event_duration_s` (the window must hold one whole).
    pub fn parse_for_event<Z>(
        spec: &MaintenanceWindowSpec,
        zone: impl FnOnce(&str) -> Option<Z>,
        event_duration_s: u32,
    ) -> Result<(Self, Z), PlanningError> {
        let err = |code, field: &str, message: String| PlanningError::field(code, field, message);
        let shown: String = spec.time_zone.chars().take(64).collect();
        let Some(z) = zone(&spec.time_zone) else {
            return Err(err(
                PlanningErrorCode::UnknownTimeZone,
                "time_zone",
                format!(
                    "time_zone '{shown}' is not a known IANA time zone, such as Europe/Berlin."
                ),
            ));
        };
        if spec.days.is_empty() {
            return Err(err(
                PlanningErrorCode::InvalidDays,
                "days",
                "days must name at least one day: mon, tue, wed, thu, fri, sat, sun.".to_owned(),
            ));
        }
        let mut days = BTreeSet::new();
        for day in &spec.days {
            let shown: String = day.chars().take(16).collect();
            let Some((_, weekday)) = DAYS.iter().find(|(name, _)| name == day) else {
                return Err(err(
                    PlanningErrorCode::InvalidDays,
                    "days",
                    format!("days: '{shown}' is not a day; use mon, tue, wed, thu, fri, sat, sun."),
                ));
            };
            if !days.insert(weekday.num_days_from_monday()) {
                return Err(err(
                    PlanningErrorCode::InvalidDays,
                    "days",
                    format!("days lists '{shown}' twice."),
                ));
            }
        }
        let Some(start) = parse_hh_mm(&spec.start) else {
            let shown: String = spec.start.chars().take(16).collect();
            return Err(err(
                PlanningErrorCode::InvalidStart,
                "start",
                format!("start must be a time of day written HH:MM, from 00:00 to 23:59, not '{shown}'."),
            ));
        };
        let minutes = spec.duration_minutes;
        if !(MIN_WINDOW_MINUTES..=MAX_WINDOW_MINUTES).contains(&minutes) {
            return Err(err(
                PlanningErrorCode::DurationOutOfRange,
                "duration_minutes",
                format!("duration_minutes must be from {MIN_WINDOW_MINUTES} to {MAX_WINDOW_MINUTES}, not {minutes}."),
            ));
        }
        if minutes * 60 < i64::from(event_duration_s) {
            return Err(err(
                PlanningErrorCode::WindowShorterThanEvent,
                "duration_minutes",
                format!(
                    "A window of {minutes} minutes is shorter than an O&M event ({} minutes).",
                    event_duration_s.div_ceil(60)
                ),
            ));
        }
        let window = MaintenanceWindow {
            time_zone: spec.time_zone.clone(),
            days,
            start,
            duration_minutes: minutes as u32,
        };
        Ok((window, z))
    }

    pub fn time_zone(&self) -> &str {
        &self.time_zone
    }

    pub fn days(&self) -> Vec<Weekday> {
        DAYS.iter()
            .map(|(_, d)| *d)
            .filter(|d| self.days.contains(&d.num_days_from_monday()))
            .collect()
    }

    pub fn start(&self) -> NaiveTime {
        self.start
    }

    pub fn duration_minutes(&self) -> u32 {
        self.duration_minutes
    }

    /// The wire form, days in week order.
    pub fn to_spec(&self) -> MaintenanceWindowSpec {
        MaintenanceWindowSpec {
            time_zone: self.time_zone.clone(),
            days: DAYS
                .iter()
                .filter(|(_, d)| self.days.contains(&d.num_days_from_monday()))
                .map(|(name, _)| (*name).to_owned())
                .collect(),
            start: format!("{:02}:{:02}", self.start.hour(), self.start.minute()),
            duration_minutes: i64::from(self.duration_minutes),
        }
    }

    /// The window's opening on local date `date`, or `None` on a day it does not open. In a DST
    /// gap the opening moves to the first valid minute after it; in a repeated hour the first
    /// occurrence counts.
    pub fn opening_on<Tz: TimeZone>(&self, zone: &Tz, date: NaiveDate) -> Option<DateTime<Utc>> {
        if !self.days.contains(&date.weekday().num_days_from_monday()) {
            return None;
        }
        let wall = date.and_time(self.start);
        // A gap is at most a few hours; a day's worth of minutes bounds the search.
        (0..=24 * 60).find_map(|m| {
            match zone.from_local_datetime(&wall.checked_add_signed(Duration::minutes(m))?) {
                LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
                LocalResult::Ambiguous(a, b) => {
                    Some(a.with_timezone(&Utc).min(b.with_timezone(&Utc)))
                }
                LocalResult::None => None,
            }
        })
    }
}

fn parse_hh_mm(s: &str) -> Option<NaiveTime> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' || ![0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit()) {
        return None;
    }
    let num = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    NaiveTime::from_hms_opt(num(0), num(3), 0)
}

/// The openings in `[from, until]`, earliest first (the settings page's preview).
pub fn openings<Tz: TimeZone>(
    window: &MaintenanceWindow,
    zone: &Tz,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut found: Vec<_> = openings_back(window, zone, from, until).collect();
    found.reverse();
    found
}

/// The openings in `[from, until]`, latest first.
fn openings_back<'a, Tz: TimeZone>(
    window: &'a MaintenanceWindow,
    zone: &'a Tz,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> impl Iterator<Item = DateTime<Utc>> + 'a {
    // A day either side: a gap can push an opening past midnight into the next local date.
    // Saturating at chrono's limits, which only a bad stored time reaches.
    let last = zone.from_utc_datetime(&until.naive_utc()).date_naive();
    let last = last.succ_opt().unwrap_or(last);
    let first = zone.from_utc_datetime(&from.naive_utc()).date_naive();
    let first = first.pred_opt().unwrap_or(first);
    let mut date = Some(last);
    std::iter::from_fn(move || {
        let d = date.filter(|d| *d >= first)?;
        date = d.pred_opt();
        Some(d)
    })
    .filter_map(move |d| window.opening_on(zone, d))
    .filter(move |t| from <= *t && *t <= until)
}

/// Where placement puts an event: `window_fit: false` means no opening fitted and it stays at
/// its default time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Placement {
    pub execute_at: DateTime<Utc>,
    pub window_fit: bool,
}

/// Places a pending event whose time no person chose (the caller leaves the others alone): the
/// latest opening no later than its default time, no earlier than `ctx.now` +
/// [`PLACEMENT_LEAD_MINUTES`], not in a freeze and without a conflict with `ctx.others` (when
/// the latest would conflict, the next earlier one that does not).
pub fn place<Tz: TimeZone>(
    event: &PlannedEvent,
    window: &MaintenanceWindow,
    zone: &Tz,
    ctx: &PlanningContext<'_>,
) -> Placement {
    let mut forbidden = conflict_periods(event, ctx.others);
    forbidden.extend(freeze_periods(ctx.freezes));
    let lo = ctx.now + Duration::minutes(PLACEMENT_LEAD_MINUTES);
    let hi = event.event.default_execute_at;
    match openings_back(window, zone, lo, hi).find(|t| allowed(*t, &forbidden)) {
        Some(execute_at) => Placement {
            execute_at,
            window_fit: true,
        },
        None => Placement {
            execute_at: hi,
            window_fit: false,
        },
    }
}

/// Places `events` one after the other, in the order given (when the window changes): each is
/// placed as [`place`] would, seeing `ctx.others` (the events that keep their time; any of
/// `events` among them are ignored) and the events placed before it at their new times.
/// Indexed by customer gateway, so ten thousand events take one pass, not a pass each.
pub fn place_all<Tz: TimeZone>(
    events: &[PlannedEvent],
    window: &MaintenanceWindow,
    zone: &Tz,
    ctx: &PlanningContext<'_>,
) -> Vec<Placement> {
    let moving: BTreeSet<_> = events.iter().map(|e| &e.event.id).collect();
    let mut seen: Vec<PlannedEvent> = Vec::new();
    let mut by_gateway = BTreeMap::new();
    for other in ctx.others.iter().filter(|o| !moving.contains(&o.event.id)) {
        index(&mut seen, &mut by_gateway, other.clone());
    }
    let mut placements = Vec::with_capacity(events.len());
    for event in events {
        let near: BTreeSet<usize> = event
            .customer_gateway_ids()
            .into_iter()
            .filter_map(|cgw| by_gateway.get(cgw))
            .flatten()
            .copied()
            .collect();
        let nearby: Vec<PlannedEvent> = near.into_iter().map(|i| seen[i].clone()).collect();
        let local = PlanningContext {
            others: &nearby,
            ..*ctx
        };
        let placement = place(event, window, zone, &local);
        placements.push(placement);
        index(&mut seen, &mut by_gateway, event.at(placement.execute_at));
    }
    placements
}

/// Adds `event` to `seen` and to the index of events by customer gateway.
fn index(
    seen: &mut Vec<PlannedEvent>,
    by_gateway: &mut BTreeMap<CustomerGatewayId, Vec<usize>>,
    event: PlannedEvent,
) {
    for cgw in event.customer_gateway_ids() {
        by_gateway.entry(cgw.clone()).or_default().push(seen.len());
    }
    seen.push(event);
}

/// One event the window moves (or would move: the settings page's preview), and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowMove {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub event_id: crate::EventId,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// `false`: no opening fitted and the event stays at its default; `null` with no window.
    pub window_fit: Option<bool>,
}
