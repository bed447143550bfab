//! All regions at once (DESIGN.md section 16): which coming events are at risk and why, the
//! availability of each site over a month, and the CSV both exports are written in.
//!
//! Pure like the rest of the crate: the time now, the window's openings, and what sections
//! 12–14 know about an event (its hold, its pending approval, the verdict of its resource's
//! previous event) are inputs, so the server, `omctl` and the console get the same answers.
//!
//! Readings the section leaves open, and the answer chosen here:
//! - `no_redundant_path`: a connection's other tunnel counts as a path only when it is
//!   available *and* this same event does not hit it (two tunnels on the maintained address go
//!   down together).
//! - Availability: an event "interrupted a tunnel" when that tunnel's effect was
//!   `interruption` (a failover is its own effect, and keeps the site reachable). Planned
//!   seconds are the union over such executions of `[started, started + min(length,
//!   max_interruption_s))`; other seconds are the union of the tunnel-down spans outside every
//!   execution of the site. Both are cut to the month and to now, so a site is never down
//!   twice for the same second and planned + other never exceed the month.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{EventStatus, OmEvent};
use crate::ids::{CustomerGatewayId, EventId, TunnelId};
use crate::impact::{AffectedItem, Effect, Impact, EVENT_DURATION_S};
use crate::planning::MaintenanceWindow;
use crate::topology::{Connection, TunnelMode, TunnelState};

/// `days` of `GET /overview` and of the CSV exports.
pub const MAX_OVERVIEW_DAYS: u32 = 90;
pub const DEFAULT_OVERVIEW_DAYS: u32 = 30;

/// A pending event whose default time is closer than this is at risk: it cannot be moved
/// later, and little time is left to prepare.
pub const DEADLINE_RISK_HOURS: i64 = 48;

/// Why an event is at risk, in the order the list gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RiskReason {
    SingleTunnel,
    NoRedundantPath,
    #[serde(rename = "deadline_within_48h")]
    DeadlineWithin48h,
    Conflict,
    Held,
    AwaitingApproval,
    OutsideWindow,
    LastVerificationFailed,
}

crate::string_forms!(RiskReason);

impl RiskReason {
    pub const ALL: [RiskReason; 8] = [
        RiskReason::SingleTunnel,
        RiskReason::NoRedundantPath,
        RiskReason::DeadlineWithin48h,
        RiskReason::Conflict,
        RiskReason::Held,
        RiskReason::AwaitingApproval,
        RiskReason::OutsideWindow,
        RiskReason::LastVerificationFailed,
    ];
}

/// The verdict of an event's verification (12.2) and an event's hold (13), as their sections
/// define them.
pub use crate::hold::{Hold, HoldReason};
pub use crate::verification::VerificationStatus as Verdict;

/// One opening of the maintenance window, `[starts_at, ends_at)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Opening {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// The window's openings that overlap `[from, until)`, whole (an opening that began before
/// `from` is given from its start), earliest first.
pub fn window_openings<Tz: TimeZone>(
    window: &MaintenanceWindow,
    zone: &Tz,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<Opening> {
    let length = Duration::minutes(i64::from(window.duration_minutes()));
    let earliest = from.checked_sub_signed(length).unwrap_or(from);
    crate::planning::openings(window, zone, earliest, until)
        .into_iter()
        .map(|starts_at| Opening {
            starts_at,
            ends_at: starts_at + length,
        })
        .filter(|o| o.ends_at > from && o.starts_at < until)
        .collect()
}

/// The provider's planned duration of a maintenance, as the calendar feed gives it.
pub fn planned_duration() -> Duration {
    Duration::seconds(i64::from(EVENT_DURATION_S))
}

/// What the at-risk rules read about one current event.
#[derive(Debug, Clone, Copy)]
pub struct RiskInput<'a> {
    pub event: &'a OmEvent,
    /// Its impact, as the detail gives it.
    pub impact: &'a Impact,
    /// The connections of its affected tunnels, as they are now.
    pub connections: &'a [Connection],
    pub now: DateTime<Utc>,
    /// It conflicts with another current event (10.2).
    pub conflict: bool,
    /// It is held (13).
    pub held: bool,
    /// A change of it waits for approval (14).
    pub awaiting_approval: bool,
    /// `None` without a maintenance window; else the openings around its execution.
    pub window_openings: Option<&'a [Opening]>,
    /// The verdict of its resource's previous event (12).
    pub previous_verdict: Option<Verdict>,
}

/// Why the event is at risk, in [`RiskReason::ALL`]'s order; empty when it is not.
pub fn risk_reasons(input: &RiskInput<'_>) -> Vec<RiskReason> {
    let mut reasons = Vec::new();
    let interrupted: Vec<&AffectedItem> = input
        .impact
        .affected
        .iter()
        .filter(|i| matches!(i, AffectedItem::Tunnel { .. }) && i.effect() == Effect::Interruption)
        .collect();
    let hit: Vec<&TunnelId> = input
        .impact
        .affected
        .iter()
        .filter_map(|i| match i {
            AffectedItem::Tunnel { id, effect, .. } if *effect != Effect::None => Some(id),
            _ => None,
        })
        .collect();
    if interrupted.iter().any(|i| {
        matches!(
            i,
            AffectedItem::Tunnel {
                connection_tunnel_mode: TunnelMode::SingleTunnel,
                ..
            }
        )
    }) {
        reasons.push(RiskReason::SingleTunnel);
    }
    if interrupted
        .iter()
        .any(|i| !has_other_path(i, input.connections, &hit))
    {
        reasons.push(RiskReason::NoRedundantPath);
    }
    if input.event.status == EventStatus::Pending
        && input.event.default_execute_at - input.now < Duration::hours(DEADLINE_RISK_HOURS)
    {
        reasons.push(RiskReason::DeadlineWithin48h);
    }
    if input.conflict {
        reasons.push(RiskReason::Conflict);
    }
    if input.held {
        reasons.push(RiskReason::Held);
    }
    if input.awaiting_approval {
        reasons.push(RiskReason::AwaitingApproval);
    }
    if let Some(openings) = input.window_openings {
        let start = input.event.execute_at;
        let end = start + planned_duration();
        if !openings
            .iter()
            .any(|o| o.starts_at <= start && end <= o.ends_at)
        {
            reasons.push(RiskReason::OutsideWindow);
        }
    }
    if input.previous_verdict.is_some_and(Verdict::is_failure) {
        reasons.push(RiskReason::LastVerificationFailed);
    }
    reasons
}

/// Whether the connection of an interrupted tunnel keeps another available tunnel that this
/// event does not hit.
fn has_other_path(item: &AffectedItem, connections: &[Connection], hit: &[&TunnelId]) -> bool {
    let AffectedItem::Tunnel {
        id, connection_id, ..
    } = item
    else {
        return true;
    };
    connections
        .iter()
        .find(|c| &c.id == connection_id)
        .is_some_and(|c| {
            c.tunnels
                .iter()
                .any(|t| &t.id != id && t.state == TunnelState::Available && !hit.contains(&&t.id))
        })
}

// ---------------------------------------------------------------------------------------------
// Availability

/// A calendar month in UTC, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    first: NaiveDate,
}

/// `month` was not `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidMonth;

impl std::fmt::Display for InvalidMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("month must be YYYY-MM, such as 2026-11.")
    }
}

impl std::error::Error for InvalidMonth {}

impl Month {
    /// Exactly `YYYY-MM` (month 01 to 12); nothing else.
    pub fn parse(s: &str) -> Result<Month, InvalidMonth> {
        let b = s.as_bytes();
        if b.len() != 7
            || b[4] != b'-'
            || !b
                .iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit())
        {
            return Err(InvalidMonth);
        }
        let year: i32 = s[..4].parse().map_err(|_| InvalidMonth)?;
        let month: u32 = s[5..].parse().map_err(|_| InvalidMonth)?;
        NaiveDate::from_ymd_opt(year, month, 1)
            .map(|first| Month { first })
            .ok_or(InvalidMonth)
    }

    /// The month `t` falls in.
    pub fn of(t: DateTime<Utc>) -> Month {
        let d = t.date_naive();
        Month {
            first: NaiveDate::from_ymd_opt(d.year(), d.month(), 1).expect("day 1 exists"),
        }
    }

    pub fn starts_at(self) -> DateTime<Utc> {
        self.first.and_hms_opt(0, 0, 0).expect("midnight").and_utc()
    }

    pub fn ends_at(self) -> DateTime<Utc> {
        let next = self
            .first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX);
        next.and_hms_opt(0, 0, 0).expect("midnight").and_utc()
    }

    /// The whole month's minutes, also while it is still running.
    pub fn minutes(self) -> i64 {
        (self.ends_at() - self.starts_at()).num_minutes()
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.first.year(), self.first.month())
    }
}

/// One execution that interrupted a tunnel ending at the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteExecution {
    pub started_at: DateTime<Utc>,
    /// `None` while it still runs.
    pub finished_at: Option<DateTime<Utc>>,
    /// The interrupted tunnel's `max_interruption_s` (the largest, when it hit several there).
    pub max_interruption_s: u32,
}

/// A tunnel of the site down from `from` until `until` (`None`: still down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownSpan {
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

/// A site's seconds of the month: planned (O&M) and other downtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SiteDowntime {
    pub planned_s: i64,
    pub other_s: i64,
}

type Span = (DateTime<Utc>, DateTime<Utc>);

/// The site's planned and other seconds in `month`, counted up to `now`. `executions` are the
/// site's executions that interrupted one of its tunnels, `down` the spans of its tunnel-down
/// alerts; `all_executions` every execution that touched the site (other downtime inside any of
/// them is the maintenance's, not other).
pub fn site_downtime(
    month: Month,
    now: DateTime<Utc>,
    executions: &[SiteExecution],
    all_executions: &[Span],
    down: &[DownSpan],
) -> SiteDowntime {
    let lo = month.starts_at();
    let hi = month.ends_at().min(now).max(lo);
    let clip = |(a, b): Span| (a.max(lo), b.min(hi));
    let planned: Vec<Span> = executions
        .iter()
        .map(|e| {
            let end = e.finished_at.unwrap_or(now).max(e.started_at);
            let cap = e.started_at + Duration::seconds(i64::from(e.max_interruption_s));
            clip((e.started_at, end.min(cap)))
        })
        .collect();
    let mut maintained: Vec<Span> = all_executions.to_vec();
    maintained.extend(
        executions
            .iter()
            .map(|e| (e.started_at, e.finished_at.unwrap_or(now))),
    );
    let maintained = union(maintained.into_iter().map(clip).collect());
    let down: Vec<Span> = down
        .iter()
        .map(|d| clip((d.from, d.until.unwrap_or(now).max(d.from))))
        .collect();
    let other = subtract(&union(down), &maintained);
    SiteDowntime {
        planned_s: measure(&union(planned)),
        other_s: measure(&other),
    }
}

/// Sorted, disjoint, non-empty spans covering the same instants.
fn union(mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|(a, b)| a < b);
    spans.sort();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// `from` without `minus`; both as [`union`] leaves them.
fn subtract(from: &[Span], minus: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    for &(mut a, b) in from {
        for &(c, d) in minus {
            if d <= a || c >= b {
                continue;
            }
            if c > a {
                out.push((a, c));
            }
            a = a.max(d);
            if a >= b {
                break;
            }
        }
        if a < b {
            out.push((a, b));
        }
    }
    out
}

fn measure(spans: &[Span]) -> i64 {
    spans.iter().map(|(a, b)| (*b - *a).num_seconds()).sum()
}

/// One site's row of the availability report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteAvailability {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub customer_gateway_id: CustomerGatewayId,
    pub customer_gateway_ip: String,
    pub region: String,
    /// Minutes of O&M interruption, to the hundredth (rounded down).
    pub planned_minutes: f64,
    /// Other minutes a tunnel of the site was down, to the hundredth (rounded down).
    pub other_minutes: f64,
    /// 0 to 100: the month's share without any downtime.
    pub availability_pct: f64,
    /// 0 to 100: the same with the planned minutes not counted as down.
    pub availability_excluding_planned_pct: f64,
}

/// `GET /reports/availability`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvailabilityReport {
    /// `YYYY-MM`.
    pub month: String,
    pub minutes_in_month: i64,
    pub sites: Vec<SiteAvailability>,
}

/// The report row of a site from its downtime.
pub fn site_availability(
    month: Month,
    customer_gateway_id: CustomerGatewayId,
    customer_gateway_ip: String,
    region: String,
    downtime: SiteDowntime,
) -> SiteAvailability {
    let month_s = (month.minutes() * 60) as f64;
    let pct = |down_s: i64| (100.0 * (month_s - down_s as f64) / month_s).clamp(0.0, 100.0);
    let hundredths = |s: i64| (s as f64 / 60.0 * 100.0).floor() / 100.0;
    SiteAvailability {
        customer_gateway_id,
        customer_gateway_ip,
        region,
        planned_minutes: hundredths(downtime.planned_s),
        other_minutes: hundredths(downtime.other_s),
        availability_pct: round3(pct(downtime.planned_s + downtime.other_s)),
        availability_excluding_planned_pct: round3(pct(downtime.other_s)),
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

// ---------------------------------------------------------------------------------------------
// The shapes of GET /overview

/// One region's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionCounts {
    pub id: String,
    pub name: String,
    /// Pending events, the held and the awaiting approval among them.
    pub pending: u32,
    pub executing: u32,
    pub held: u32,
    pub awaiting_approval: u32,
    pub at_risk: u32,
}

/// An event as the timeline draws it: the event object and what the bar needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverviewEvent {
    #[serde(flatten)]
    pub event: OmEvent,
    /// The resource's name (the lane of an event that reaches no site).
    pub resource_name: String,
    pub max_interruption_s: u32,
    /// The provider's planned duration, not divided by the time scale.
    pub duration_s: u32,
    pub conflict: bool,
    pub hold: Option<Hold>,
    pub approval_id: Option<String>,
    pub verification_status: Option<Verdict>,
    /// The sites (customer gateways) whose tunnels it interrupts or fails over: its lanes.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub customer_gateway_ids: Vec<CustomerGatewayId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AtRisk {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub event_id: EventId,
    pub reasons: Vec<RiskReason>,
}

/// `GET /overview`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overview {
    pub days: u32,
    pub server_time: DateTime<Utc>,
    pub regions: Vec<RegionCounts>,
    pub events: Vec<OverviewEvent>,
    pub freeze_periods: Vec<crate::planning::FreezePeriod>,
    pub window_openings: Vec<Opening>,
    pub at_risk: Vec<AtRisk>,
}

/// Whether an execution `[execute_at, execute_at + duration)` overlaps `[from, until)`.
pub fn in_range(event: &OmEvent, from: DateTime<Utc>, until: DateTime<Utc>) -> bool {
    event.execute_at < until && from < event.execute_at + planned_duration()
}

/// The counts per region: every region listed (zeros included), in their order.
pub fn region_counts<'a>(
    regions: impl IntoIterator<Item = (String, String)>,
    events: impl IntoIterator<Item = (&'a OverviewEvent, bool)>,
) -> Vec<RegionCounts> {
    let mut by_region: BTreeMap<String, RegionCounts> = BTreeMap::new();
    let mut order = Vec::new();
    for (id, name) in regions {
        order.push(id.clone());
        by_region.insert(
            id.clone(),
            RegionCounts {
                id,
                name,
                pending: 0,
                executing: 0,
                held: 0,
                awaiting_approval: 0,
                at_risk: 0,
            },
        );
    }
    for (e, at_risk) in events {
        let Some(c) = by_region.get_mut(e.event.region.as_str()) else {
            continue;
        };
        match e.event.status {
            EventStatus::Pending => c.pending += 1,
            EventStatus::Executing => c.executing += 1,
            _ => {}
        }
        c.held += u32::from(e.hold.is_some());
        c.awaiting_approval += u32::from(e.approval_id.is_some());
        c.at_risk += u32::from(at_risk);
    }
    order
        .into_iter()
        .filter_map(|id| by_region.remove(&id))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180, for spreadsheets)

/// The header of the events CSV, exactly as DESIGN.md 16 lists it.
pub const EVENTS_CSV_HEADER: [&str; 15] = [
    "id",
    "region",
    "resource_kind",
    "resource_id",
    "resource_name",
    "gateway_ip",
    "gateway_ip_role",
    "reason",
    "status",
    "default_execute_at",
    "execute_at",
    "started_at",
    "finished_at",
    "max_interruption_s",
    "verification",
];

/// The header of the availability CSV: the site fields in the report's order.
pub const AVAILABILITY_CSV_HEADER: [&str; 7] = [
    "customer_gateway_id",
    "customer_gateway_ip",
    "region",
    "planned_minutes",
    "other_minutes",
    "availability_pct",
    "availability_excluding_planned_pct",
];

/// A CSV document being written: UTF-8 with a byte-order mark (without it Excel reads the
/// Chinese names as another code page), records ending in CRLF, a field quoted when it holds a
/// comma, a quote or a line break.
#[derive(Debug, Clone)]
pub struct Csv {
    out: String,
}

impl Default for Csv {
    fn default() -> Self {
        Csv::new()
    }
}

impl Csv {
    pub fn new() -> Self {
        Csv {
            out: String::from('\u{feff}'),
        }
    }

    pub fn record<S: AsRef<str>>(&mut self, fields: impl IntoIterator<Item = S>) -> &mut Self {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            let field = field.as_ref();
            if field.contains([',', '"', '\r', '\n']) {
                self.out.push('"');
                self.out.push_str(&field.replace('"', "\"\""));
                self.out.push('"');
            } else {
                self.out.push_str(field);
            }
        }
        self.out.push_str("\r\n");
        self
    }

    pub fn finish(self) -> String {
        self.out
    }
}

fn csv_time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_default()
}

/// One row of the events CSV, in [`EVENTS_CSV_HEADER`]'s order.
pub fn event_csv_record(
    event: &OmEvent,
    resource_name: &str,
    max_interruption_s: u32,
    verification: Option<Verdict>,
) -> [String; 15] {
    [
        event.id.to_string(),
        event.region.to_string(),
        event.resource.kind_str().to_owned(),
        event.resource.id_str().to_owned(),
        resource_name.to_owned(),
        event.gateway_ip.ip.to_string(),
        event.gateway_ip.role.as_str().to_owned(),
        event.reason.as_str().to_owned(),
        event.status.as_str().to_owned(),
        csv_time(Some(event.default_execute_at)),
        csv_time(Some(event.execute_at)),
        csv_time(event.started_at),
        csv_time(event.finished_at),
        max_interruption_s.to_string(),
        verification
            .map(|v| v.as_str().to_owned())
            .unwrap_or_default(),
    ]
}

/// One row of the availability CSV, in [`AVAILABILITY_CSV_HEADER`]'s order.
pub fn availability_csv_record(site: &SiteAvailability) -> [String; 7] {
    [
        site.customer_gateway_id.to_string(),
        site.customer_gateway_ip.clone(),
        site.region.clone(),
        site.planned_minutes.to_string(),
        site.other_minutes.to_string(),
        site.availability_pct.to_string(),
        site.availability_excluding_planned_pct.to_string(),
    ]
}
