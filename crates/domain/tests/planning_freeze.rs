//! Freeze periods (DESIGN.md 10.3): their validation and the flag on an event whose default
//! time is in one. The tables also run in headless Chromium (wasm-bindgen-test).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "planning_support.rs"]
mod support;

use chrono::{DateTime, Utc};

use support::*;
use vpn_console_domain::planning::freeze::freeze_at;
use vpn_console_domain::planning::{
    freeze_flag, validate_freeze_period, FreezePeriodSpec, PlannedEvent, PlanningContext,
};

fn now() -> DateTime<Utc> {
    t(2026, 12, 1, 8, 0)
}

/// om-a on vpn-a, default Wednesday 9 December 12:00 UTC; om-b on vpn-b at `b_at`, same site.
fn pair(b_at: DateTime<Utc>) -> (PlannedEvent, PlannedEvent) {
    let (a, b, _) = redundant_site(t(2026, 12, 9, 12, 0), b_at);
    (a, b)
}

#[test]
fn a_time_is_in_a_freeze_when_its_execution_overlaps_it() {
    let freezes = [freeze(
        "frz-1",
        t(2026, 12, 9, 12, 0),
        t(2026, 12, 9, 14, 0),
    )];
    for (at, inside) in [
        (t(2026, 12, 9, 11, 50), false),
        (t(2026, 12, 9, 11, 51), true),
        (t(2026, 12, 9, 13, 59), true),
        (t(2026, 12, 9, 14, 0), false),
    ] {
        assert_eq!(freeze_at(at, &freezes).is_some(), inside, "{at}");
    }
}

#[test]
fn freeze_period_validation() {
    let existing = [freeze("frz-1", t(2026, 12, 20, 0, 0), t(2027, 1, 3, 0, 0))];
    let s = |from, until, reason: &str| FreezePeriodSpec {
        starts_at: from,
        ends_at: until,
        reason: reason.into(),
    };
    let cases = [
        (
            s(t(2026, 12, 5, 0, 0), t(2026, 12, 4, 0, 0), "x"),
            Some(("freeze_period_reversed", "ends_at")),
        ),
        (
            s(t(2026, 12, 5, 0, 0), t(2026, 12, 5, 0, 0), "x"),
            Some(("freeze_period_reversed", "ends_at")),
        ),
        (
            s(t(2026, 12, 19, 0, 0), t(2026, 12, 20, 0, 1), "x"),
            Some(("freeze_periods_overlap", "starts_at")),
        ),
        (
            s(t(2027, 1, 2, 0, 0), t(2027, 1, 9, 0, 0), "x"),
            Some(("freeze_periods_overlap", "starts_at")),
        ),
        (
            s(t(2026, 12, 19, 0, 0), t(2026, 12, 20, 0, 0), "  "),
            Some(("invalid_reason", "reason")),
        ),
        (
            s(
                t(2026, 12, 19, 0, 0),
                t(2026, 12, 20, 0, 0),
                &"x".repeat(201),
            ),
            Some(("invalid_reason", "reason")),
        ),
        (
            s(
                t(2026, 12, 19, 0, 0),
                t(2026, 12, 20, 0, 0),
                "touching is fine",
            ),
            None,
        ),
        (
            s(t(2027, 1, 3, 0, 0), t(2027, 1, 4, 0, 0), "so is after"),
            None,
        ),
    ];
    for (spec, expected) in cases {
        let got = validate_freeze_period(&spec, &existing).err();
        let got = got
            .as_ref()
            .map(|e| (e.code.as_str(), e.field.as_deref().unwrap()));
        assert_eq!(got, expected, "{spec:?}");
    }
    let err = validate_freeze_period(
        &s(t(2026, 12, 25, 0, 0), t(2026, 12, 26, 0, 0), "x"),
        &existing,
    )
    .unwrap_err();
    assert!(err.message.contains("frz-1"), "{}", err.message);
}

#[test]
fn an_event_whose_default_is_in_a_freeze_is_flagged() {
    let (a, _) = pair(t(2026, 12, 20, 0, 0));
    let freezes = [freeze(
        "frz-1",
        t(2026, 12, 9, 11, 55),
        t(2026, 12, 10, 0, 0),
    )];
    let ctx = PlanningContext {
        now: now(),
        freezes: &freezes,
        others: &[],
    };
    let flag = freeze_flag(&a, &ctx).expect("flagged");
    assert_eq!(flag.freeze_period_id, "frz-1");
    assert_eq!(flag.latest_allowed_at, Some(t(2026, 12, 9, 11, 45)));
    // A freeze that starts too soon leaves no time before it.
    let ctx = PlanningContext {
        now: t(2026, 12, 9, 11, 50),
        ..ctx
    };
    assert_eq!(freeze_flag(&a, &ctx).unwrap().latest_allowed_at, None);
    // Ending right at the default: the event runs after it, nothing to flag.
    let freezes = [freeze("frz-2", t(2026, 12, 9, 0, 0), t(2026, 12, 9, 12, 0))];
    assert_eq!(
        freeze_flag(
            &a,
            &PlanningContext {
                now: now(),
                freezes: &freezes,
                others: &[]
            }
        ),
        None
    );
}

/// DESIGN.md 17: years 2000 to 2100, at most 366 days, at most 100 per account.
#[test]
fn freeze_periods_are_bounded() {
    let s = |from, until| FreezePeriodSpec {
        starts_at: from,
        ends_at: until,
        reason: "x".into(),
    };
    let cases = [
        (
            s(t(1999, 12, 31, 0, 0), t(2000, 1, 2, 0, 0)),
            Some("starts_at"),
        ),
        (
            s(t(2100, 12, 1, 0, 0), t(2101, 1, 2, 0, 0)),
            Some("ends_at"),
        ),
        (s(t(2100, 12, 1, 0, 0), t(2100, 12, 31, 0, 0)), None),
        (s(t(2027, 1, 1, 0, 0), t(2028, 1, 2, 0, 0)), None),
        (s(t(2027, 1, 1, 0, 0), t(2028, 1, 2, 0, 1)), Some("ends_at")),
    ];
    for (spec, expected) in cases {
        let got = validate_freeze_period(&spec, &[]).err();
        let got = got
            .as_ref()
            .map(|e| (e.code.as_str(), e.field.as_deref().unwrap()));
        assert_eq!(
            got,
            expected.map(|f| ("invalid_freeze_period", f)),
            "{spec:?}"
        );
    }
    let hundred: Vec<_> = (0..100)
        .map(|i| {
            let from = t(2030, 1, 1, 0, 0) + chrono::Duration::days(i);
            freeze(&format!("frz-{i}"), from, from + chrono::Duration::hours(1))
        })
        .collect();
    let err =
        validate_freeze_period(&s(t(2040, 1, 1, 0, 0), t(2040, 1, 2, 0, 0)), &hundred).unwrap_err();
    assert_eq!(err.code.as_str(), "too_many_freeze_periods");
    assert!(
        validate_freeze_period(&s(t(2040, 1, 1, 0, 0), t(2040, 1, 2, 0, 0)), &hundred[1..]).is_ok()
    );
}

/// Freeze times go through the strict parser of DESIGN.md 5 (issue 25: chrono's lenient one
/// took year -262143, and the arithmetic on it then panicked).
#[test]
fn freeze_times_are_read_strictly() {
    let body = |from: &str, until: &str| {
        serde_json::from_str::<FreezePeriodSpec>(&format!(
            r#"{{"starts_at":"{from}","ends_at":"{until}","reason":"x"}}"#
        ))
    };
    assert!(body("2027-01-01T00:00:00Z", "2027-01-02T00:00:00+08:00").is_ok());
    for (from, until) in [
        ("-262143-01-01T00:00:00Z", "-262143-01-02T00:00:00Z"),
        ("2027-01-01t00:00:00Z", "2027-01-02T00:00:00Z"),
        ("2027-01-01T00:00:00Z", "2027-01-02 00:00:00Z"),
        ("2027-01-01T00:00:00Z", "2027-01-01T23:59:60Z"),
    ] {
        assert!(body(from, until).is_err(), "{from} {until} accepted");
    }
}

/// A freeze stored before the bounds existed, at chrono's very limits, must not make the rules
/// panic (it crashed every later request of its account).
#[test]
fn freezes_at_the_limits_of_time_do_not_panic() {
    let (a, b) = pair(t(2026, 12, 9, 12, 0));
    let freezes = [
        freeze(
            "frz-min",
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MIN_UTC + mins(60 * 24),
        ),
        freeze(
            "frz-max",
            DateTime::<Utc>::MAX_UTC - mins(60 * 24),
            DateTime::<Utc>::MAX_UTC,
        ),
    ];
    let others = [b];
    let ctx = PlanningContext {
        now: now(),
        freezes: &freezes,
        others: &others,
    };
    assert_eq!(freeze_at(t(2026, 12, 9, 12, 0), &freezes), None);
    assert_eq!(freeze_flag(&a, &ctx), None);
    assert!(
        vpn_console_domain::planning::nearest_conflict_free(&a, t(2026, 12, 9, 12, 0), &ctx)
            .is_some()
    );
    let (flagged, _) = pair(DateTime::<Utc>::MAX_UTC);
    let _ = freeze_flag(&flagged, &ctx);
}
