//! The maintenance window, its placement rule and freeze periods (DESIGN.md 10.3), with real
//! IANA zones from chrono-tz (a dev-dependency: the crate itself is generic over the zone).
//! Native only: chrono-tz is a native dev-dependency, and proptest needs a file system.
#![cfg(not(target_arch = "wasm32"))]

#[path = "planning_support.rs"]
mod support;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use serde_json::json;

use support::*;
use vpn_console_domain::planning::freeze::freeze_at;
use vpn_console_domain::planning::{
    conflicts, openings, place, place_all, FreezePeriod, MaintenanceWindow, MaintenanceWindowSpec,
    PlannedEvent, PlanningContext, PlanningErrorCode,
};

fn spec(zone: &str, days: &[&str], start: &str, minutes: i64) -> MaintenanceWindowSpec {
    MaintenanceWindowSpec {
        time_zone: zone.into(),
        days: days.iter().map(|d| d.to_string()).collect(),
        start: start.into(),
        duration_minutes: minutes,
    }
}

fn tz(name: &str) -> Option<Tz> {
    name.parse().ok()
}

fn window(zone: &str, days: &[&str], start: &str) -> (MaintenanceWindow, Tz) {
    MaintenanceWindow::parse(&spec(zone, days, start, 120), tz).unwrap()
}

const ALL: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

#[test]
fn window_validation_names_the_field() {
    use PlanningErrorCode::*;
    let cases = [
        (
            spec("Mars/Olympus", &ALL, "02:00", 120),
            UnknownTimeZone,
            "time_zone",
        ),
        (
            spec("Europe/Berlin", &[], "02:00", 120),
            InvalidDays,
            "days",
        ),
        (
            spec("Europe/Berlin", &["monday"], "02:00", 120),
            InvalidDays,
            "days",
        ),
        (
            spec("Europe/Berlin", &["mon", "mon"], "02:00", 120),
            InvalidDays,
            "days",
        ),
        (
            spec("Europe/Berlin", &ALL, "25:00", 120),
            InvalidStart,
            "start",
        ),
        (
            spec("Europe/Berlin", &ALL, "12:60", 120),
            InvalidStart,
            "start",
        ),
        (
            spec("Europe/Berlin", &ALL, "9:00", 120),
            InvalidStart,
            "start",
        ),
        (
            spec("Europe/Berlin", &ALL, "09:00:00", 120),
            InvalidStart,
            "start",
        ),
        (
            spec("Europe/Berlin", &ALL, "ab:cd", 120),
            InvalidStart,
            "start",
        ),
        (
            spec("Europe/Berlin", &ALL, "02:00", 59),
            DurationOutOfRange,
            "duration_minutes",
        ),
        (
            spec("Europe/Berlin", &ALL, "02:00", 1441),
            DurationOutOfRange,
            "duration_minutes",
        ),
        (
            spec("Europe/Berlin", &ALL, "02:00", -60),
            DurationOutOfRange,
            "duration_minutes",
        ),
    ];
    for (s, code, field) in cases {
        let err = MaintenanceWindow::parse(&s, tz).unwrap_err();
        assert_eq!(
            (err.code, err.field.as_deref()),
            (code, Some(field)),
            "{s:?}"
        );
        assert!(err.message.contains(field), "{}", err.message);
    }
    assert_eq!(UnknownTimeZone.as_str(), "unknown_time_zone");
    assert_eq!(InvalidStart.as_str(), "invalid_start");
    // A window must hold a whole event (with events of two hours, an hour is too short).
    let err =
        MaintenanceWindow::parse_for_event(&spec("UTC", &ALL, "02:00", 60), tz, 7200).unwrap_err();
    assert_eq!(err.code.as_str(), "window_shorter_than_event");
    for (start, minutes) in [("00:00", 60), ("23:59", 1440)] {
        let (w, _) =
            MaintenanceWindow::parse(&spec("Asia/Shanghai", &["sun", "mon"], start, minutes), tz)
                .unwrap();
        assert_eq!(
            w.to_spec(),
            spec("Asia/Shanghai", &["mon", "sun"], start, minutes)
        );
    }
    // The wire form refuses stray fields.
    let stray = json!({"time_zone": "UTC", "days": ["mon"], "start": "02:00", "duration_minutes": 60, "end": "03:00"});
    assert!(serde_json::from_value::<MaintenanceWindowSpec>(stray).is_err());
}

#[test]
fn openings_across_daylight_saving_time() {
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let cases = [
        // New York springs forward at 02:00 on 8 March 2026: 02:30 does not exist, 03:00 EDT is first.
        (
            "America/New_York",
            "02:30",
            date(2026, 3, 8),
            t(2026, 3, 8, 7, 0),
        ),
        (
            "America/New_York",
            "02:30",
            date(2026, 3, 7),
            t(2026, 3, 7, 7, 30),
        ),
        // It falls back at 02:00 on 1 November: 01:30 happens twice, the first (EDT) counts.
        (
            "America/New_York",
            "01:30",
            date(2026, 11, 1),
            t(2026, 11, 1, 5, 30),
        ),
        (
            "Europe/Berlin",
            "02:30",
            date(2026, 3, 29),
            t(2026, 3, 29, 1, 0),
        ),
        (
            "Europe/Berlin",
            "02:30",
            date(2026, 10, 25),
            t(2026, 10, 25, 0, 30),
        ),
        (
            "Asia/Shanghai",
            "02:30",
            date(2026, 10, 25),
            t(2026, 10, 24, 18, 30),
        ),
    ];
    for (zone, start, d, expected) in cases {
        let (w, z) = window(zone, &ALL, start);
        assert_eq!(w.opening_on(&z, d), Some(expected), "{zone} {start} {d}");
    }
    let (w, z) = window("Europe/Berlin", &["sat"], "02:00");
    assert_eq!(w.opening_on(&z, date(2026, 12, 4)), None); // a Friday
    let week = openings(&w, &z, t(2026, 12, 1, 0, 0), t(2026, 12, 20, 0, 0));
    assert_eq!(
        week,
        [
            t(2026, 12, 5, 1, 0),
            t(2026, 12, 12, 1, 0),
            t(2026, 12, 19, 1, 0)
        ]
    );
}

fn now() -> DateTime<Utc> {
    t(2026, 12, 1, 8, 0)
}

/// om-a on vpn-a, default Wednesday 9 December 12:00 UTC; om-b on vpn-b at `b_at`, same site.
fn pair(b_at: DateTime<Utc>) -> (PlannedEvent, PlannedEvent) {
    let (a, b, _) = redundant_site(t(2026, 12, 9, 12, 0), b_at);
    (a, b)
}

#[test]
fn placement_table() {
    // Berlin 02:00 is 01:00 UTC in December.
    let (daily, z) = window("Europe/Berlin", &ALL, "02:00");
    let (a, b) = pair(t(2026, 12, 20, 0, 0));
    let far = [b.clone()];
    let near = [b.at(t(2026, 12, 8, 1, 5))];
    let freezes = [freeze("frz-1", t(2026, 12, 9, 0, 0), t(2026, 12, 9, 6, 0))];
    let ctx = |others, freezes, now| PlanningContext {
        now,
        freezes,
        others,
    };
    let cases: Vec<(&str, PlanningContext, DateTime<Utc>, bool)> = vec![
        (
            "latest opening before the default",
            ctx(&far, &[], now()),
            t(2026, 12, 9, 1, 0),
            true,
        ),
        (
            "not in a freeze",
            ctx(&far, &freezes, now()),
            t(2026, 12, 8, 1, 0),
            true,
        ),
        (
            "freeze, then a conflict the next day",
            ctx(&near, &freezes, now()),
            t(2026, 12, 7, 1, 0),
            true,
        ),
        (
            "exactly ten minutes ahead",
            ctx(&far, &freezes, t(2026, 12, 8, 0, 50)),
            t(2026, 12, 8, 1, 0),
            true,
        ),
        (
            "nine minutes ahead is too soon",
            ctx(&far, &freezes, t(2026, 12, 8, 0, 51)),
            t(2026, 12, 9, 12, 0),
            false,
        ),
        (
            "now after the default",
            ctx(&far, &[], t(2026, 12, 10, 0, 0)),
            t(2026, 12, 9, 12, 0),
            false,
        ),
    ];
    for (name, c, at, fit) in cases {
        let p = place(&a, &daily, &z, &c);
        assert_eq!((p.execute_at, p.window_fit), (at, fit), "{name}");
    }
    let (saturdays, z) = window("Europe/Berlin", &["sat"], "02:00");
    let p = place(&a, &saturdays, &z, &ctx(&far, &[], now()));
    assert_eq!(p.execute_at, t(2026, 12, 5, 1, 0));
    assert_eq!(
        serde_json::to_value(p).unwrap(),
        json!({"execute_at": "2026-12-05T01:00:00Z", "window_fit": true})
    );
}

#[test]
fn placing_many_events_never_makes_them_conflict() {
    let (daily, z) = window("UTC", &ALL, "03:00");
    let (a, b) = pair(t(2026, 12, 9, 12, 0));
    // Both would take 9 December 03:00; placed in order, om-b takes the day before.
    let events = [a.clone(), b.clone()];
    let ctx = PlanningContext {
        now: now(),
        freezes: &[],
        others: &events,
    };
    let placed = place_all(&events, &daily, &z, &ctx);
    assert_eq!(placed[0].execute_at, t(2026, 12, 9, 3, 0));
    assert_eq!(placed[1].execute_at, t(2026, 12, 8, 3, 0));
    let moved = [a.at(placed[0].execute_at), b.at(placed[1].execute_at)];
    assert!(conflicts(&moved[0], &moved).is_empty());
}

/// The browser's way: a zone known only by its offsets gives the same openings as the IANA data.
#[test]
fn an_offset_zone_places_like_the_zone_database() {
    use chrono::Offset;
    use vpn_console_domain::planning::OffsetZone;
    for name in [
        "America/New_York",
        "Europe/Berlin",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
    ] {
        for start in ["00:30", "01:30", "02:00", "02:30", "23:30"] {
            let (w, z) = window(name, &ALL, start);
            let offsets = OffsetZone::new(move |t| {
                z.offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc()
            });
            let (from, until) = (t(2026, 1, 1, 0, 0), t(2027, 1, 1, 0, 0));
            assert_eq!(
                openings(&w, &offsets, from, until),
                openings(&w, &z, from, until),
                "{name} {start}"
            );
        }
    }
}

const ZONES: [&str; 5] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
];

proptest! {
    #[test]
    fn placement_is_never_late_nor_frozen_nor_too_soon(
        zone in 0usize..ZONES.len(), mask in 1u8..128, hour in 0u32..24, minute in 0u32..60,
        default_h in 0i64..(24 * 40), now_h in 0i64..(24 * 40),
        freeze_list in proptest::collection::vec((0i64..(24 * 40), 1i64..72), 0..4),
        b_at in proptest::option::of(0i64..(24 * 40)),
    ) {
        let days: Vec<&str> = ALL.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, d)| *d).collect();
        let (w, z) = MaintenanceWindow::parse(&spec(ZONES[zone], &days, &format!("{hour:02}:{minute:02}"), 90), tz).unwrap();
        let base = t(2026, 10, 1, 0, 0);
        let h = Duration::hours;
        let freezes: Vec<FreezePeriod> = freeze_list.iter().enumerate()
            .map(|(i, (from, len))| freeze(&format!("frz-{i}"), base + h(*from), base + h(from + len)))
            .collect();
        let (a, b) = pair(base + h(default_h));
        let others: Vec<PlannedEvent> = b_at.map(|x| b.at(base + h(x))).into_iter().collect();
        let ctx = PlanningContext { now: base + h(now_h), freezes: &freezes, others: &others };
        let p = place(&a, &w, &z, &ctx);
        if p.window_fit {
            prop_assert!(p.execute_at <= a.event.default_execute_at);
            prop_assert!(p.execute_at >= ctx.now + Duration::minutes(10));
            prop_assert!(freeze_at(p.execute_at, &freezes).is_none());
            prop_assert!(conflicts(&a.at(p.execute_at), &others).is_empty());
            prop_assert!(openings(&w, &z, p.execute_at, p.execute_at).len() == 1);
        } else {
            prop_assert_eq!(p.execute_at, a.event.default_execute_at);
        }
        // Placing several in one pass equals placing them one after the other.
        let events = [a.clone(), b.at(base + h(default_h))];
        let alone = PlanningContext { others: &[], ..ctx };
        let together = place_all(&events, &w, &z, &alone);
        prop_assert_eq!(together[0], place(&a, &w, &z, &alone));
        let first = [a.at(together[0].execute_at)];
        prop_assert_eq!(together[1], place(&events[1], &w, &z, &PlanningContext { others: &first, ..alone }));
    }
}

/// Ten thousand events on five thousand redundant sites, all wanting the same opening: placed
/// in one pass, no two of them conflict and each is in a window opening.
#[test]
fn placing_ten_thousand_events_when_the_window_changes() {
    let (daily, z) = window("Europe/Berlin", &ALL, "02:00");
    let mut events = Vec::new();
    for site in 0..5000 {
        let (mut a, mut b, _) = redundant_site(t(2026, 12, 20, 12, 0), t(2026, 12, 20, 12, 0));
        for (e, side) in [(&mut a, "a"), (&mut b, "b")] {
            e.event.id = id(&format!("om-{side}{site}"));
            for hit in &mut e.hits {
                hit.customer_gateway.id = id(&format!("cgw-site{site}"));
            }
        }
        events.push(a);
        events.push(b);
    }
    let ctx = PlanningContext {
        now: now(),
        freezes: &[],
        others: &events,
    };
    let started = std::time::Instant::now();
    let placed = place_all(&events, &daily, &z, &ctx);
    eprintln!("placed {} events in {:?}", placed.len(), started.elapsed());
    assert!(placed.iter().all(|p| p.window_fit));
    for pair in placed.chunks(2) {
        assert_eq!(pair[0].execute_at, t(2026, 12, 20, 1, 0));
        assert_eq!(pair[1].execute_at, t(2026, 12, 19, 1, 0));
    }
}
