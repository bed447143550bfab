//! All regions at once (DESIGN.md 16): the at-risk rules, the availability arithmetic and the
//! CSV, as tables of cases; the availability's bound as a property.
//! Native only: proptest needs a clock and the file system.
#![cfg(not(target_arch = "wasm32"))]

#[path = "planning_support.rs"]
mod support;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use support::*;
use vpn_console_domain::impact::affected_resources;
use vpn_console_domain::overview::{
    event_csv_record, risk_reasons, site_availability, site_downtime, window_openings, Csv,
    DownSpan, Month, Opening, RiskInput, RiskReason, SiteDowntime, SiteExecution, Verdict,
    EVENTS_CSV_HEADER,
};
use vpn_console_domain::planning::{MaintenanceWindow, MaintenanceWindowSpec};
use vpn_console_domain::{Connection, EventStatus, Gateway, OmEvent, ResourceRef};

fn now() -> DateTime<Utc> {
    t(2026, 3, 2, 12, 0)
}

struct Case {
    name: &'static str,
    gateway: Option<Gateway>,
    connections: Vec<Connection>,
    event: OmEvent,
    conflict: bool,
    held: bool,
    awaiting_approval: bool,
    window: Option<Vec<Opening>>,
    previous: Option<Verdict>,
    want: Vec<RiskReason>,
}

fn base(name: &'static str, connections: Vec<Connection>, event: OmEvent) -> Case {
    Case {
        name,
        gateway: Some(dual_gateway("vpn-a")),
        connections,
        event,
        conflict: false,
        held: false,
        awaiting_approval: false,
        window: None,
        previous: None,
        want: Vec::new(),
    }
}

fn far() -> DateTime<Utc> {
    now() + Duration::days(10)
}

fn opening(from: DateTime<Utc>, hours: i64) -> Opening {
    Opening {
        starts_at: from,
        ends_at: from + Duration::hours(hours),
    }
}

#[test]
fn each_reason_is_given_when_and_only_when_its_rule_says_so() {
    use RiskReason::*;
    let both_up = || {
        vec![dual_conn(
            "vco-a",
            on_gw("vpn-a"),
            "cgw-1",
            (A1, St::Up),
            (A2, St::Idle),
        )]
    };
    let other_down = || {
        vec![dual_conn(
            "vco-a",
            on_gw("vpn-a"),
            "cgw-1",
            (A1, St::Up),
            (A2, St::Down),
        )]
    };
    let ev = || gw_event("om-a", "vpn-a", A1, far());
    let mut cases = vec![
        base("both tunnels up: a failover, no reason", both_up(), ev()),
        Case {
            want: vec![NoRedundantPath],
            ..base(
                "the other tunnel down: no redundant path",
                other_down(),
                ev(),
            )
        },
        Case {
            want: vec![NoRedundantPath],
            ..base(
                "both tunnels on the maintained address: neither is a path",
                vec![dual_conn(
                    "vco-a",
                    on_gw("vpn-a"),
                    "cgw-1",
                    (A1, St::Up),
                    (A1, St::Idle),
                )],
                ev(),
            )
        },
        Case {
            want: vec![],
            ..base(
                "the maintained tunnel already down: nothing interrupted",
                vec![dual_conn(
                    "vco-a",
                    on_gw("vpn-a"),
                    "cgw-1",
                    (A1, St::Down),
                    (A2, St::Up),
                )],
                ev(),
            )
        },
        Case {
            gateway: Some(single_gateway("vpn-a", 0)),
            want: vec![SingleTunnel, NoRedundantPath],
            ..base(
                "a single-tunnel connection: both reasons",
                vec![single_conn(
                    "vco-s",
                    on_gw("vpn-a"),
                    "cgw-1",
                    (SADDR, St::Up),
                )],
                event(
                    "om-a",
                    ResourceRef::VpnGateway { id: id("vpn-a") },
                    vpn_console_domain::GatewayIpRole::GatewayAddress,
                    SADDR,
                    far(),
                ),
            )
        },
        Case {
            want: vec![DeadlineWithin48h],
            ..base(
                "default 47 h away",
                both_up(),
                gw_event("om-a", "vpn-a", A1, now() + Duration::hours(47)),
            )
        },
        base(
            "default exactly 48 h away",
            both_up(),
            gw_event("om-a", "vpn-a", A1, now() + Duration::hours(48)),
        ),
        Case {
            want: vec![],
            ..base(
                "executing with its default near: no deadline left",
                both_up(),
                OmEvent {
                    status: EventStatus::Executing,
                    ..gw_event("om-a", "vpn-a", A1, now() + Duration::hours(1))
                },
            )
        },
        Case {
            conflict: true,
            want: vec![Conflict],
            ..base("a conflict", both_up(), ev())
        },
        Case {
            held: true,
            want: vec![Held],
            ..base("held", both_up(), ev())
        },
        Case {
            awaiting_approval: true,
            want: vec![AwaitingApproval],
            ..base("awaiting approval", both_up(), ev())
        },
        Case {
            window: Some(vec![opening(far() - Duration::hours(1), 2)]),
            ..base("inside one opening", both_up(), ev())
        },
        Case {
            window: Some(vec![
                opening(far(), 0), /* empty */
                opening(far() - Duration::hours(1), 1),
            ]),
            want: vec![OutsideWindow],
            ..base("ending after the opening ends", both_up(), ev())
        },
        Case {
            window: Some(vec![]),
            want: vec![OutsideWindow],
            ..base("a window with no opening near", both_up(), ev())
        },
        Case {
            window: None,
            ..base("no window at all", both_up(), ev())
        },
        Case {
            previous: Some(Verdict::Degraded),
            want: vec![LastVerificationFailed],
            ..base("previous degraded", both_up(), ev())
        },
        Case {
            previous: Some(Verdict::Failed),
            want: vec![LastVerificationFailed],
            ..base("previous failed", both_up(), ev())
        },
        Case {
            previous: Some(Verdict::Verified),
            ..base("previous verified", both_up(), ev())
        },
        Case {
            previous: Some(Verdict::Pending),
            ..base("previous still verifying", both_up(), ev())
        },
    ];
    // Every reason at once, in the list's order.
    let mut all = base(
        "everything",
        vec![single_conn(
            "vco-s",
            on_gw("vpn-a"),
            "cgw-1",
            (SADDR, St::Up),
        )],
        event(
            "om-a",
            ResourceRef::VpnGateway { id: id("vpn-a") },
            vpn_console_domain::GatewayIpRole::GatewayAddress,
            SADDR,
            now() + Duration::hours(3),
        ),
    );
    all.gateway = Some(single_gateway("vpn-a", 0));
    all.conflict = true;
    all.held = true;
    all.awaiting_approval = true;
    all.window = Some(vec![]);
    all.previous = Some(Verdict::Failed);
    all.want = RiskReason::ALL.to_vec();
    cases.push(all);

    for case in cases {
        let impact = affected_resources(&case.event, case.gateway.as_ref(), &case.connections);
        let got = risk_reasons(&RiskInput {
            event: &case.event,
            impact: &impact,
            connections: &case.connections,
            now: now(),
            conflict: case.conflict,
            held: case.held,
            awaiting_approval: case.awaiting_approval,
            window_openings: case.window.as_deref(),
            previous_verdict: case.previous,
        });
        assert_eq!(got, case.want, "{}", case.name);
    }
}

#[test]
fn reasons_read_and_write_as_the_contract_spells_them() {
    let names: Vec<&str> = RiskReason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        names,
        [
            "single_tunnel",
            "no_redundant_path",
            "deadline_within_48h",
            "conflict",
            "held",
            "awaiting_approval",
            "outside_window",
            "last_verification_failed"
        ]
    );
    assert_eq!(
        serde_json::to_string(&RiskReason::DeadlineWithin48h).unwrap(),
        "\"deadline_within_48h\""
    );
}

#[test]
fn window_openings_are_whole_and_overlap_the_range() {
    let spec = MaintenanceWindowSpec {
        time_zone: "UTC".into(),
        days: vec!["mon".into(), "wed".into()],
        start: "22:00".into(),
        duration_minutes: 240,
    };
    let (window, _) = MaintenanceWindow::parse(&spec, |_| Some(Utc)).unwrap();
    // 2026-03-02 is a Monday: the range starts inside Monday's opening, which began before
    // the range and is given whole.
    let from = t(2026, 3, 2, 23, 0);
    let until = t(2026, 3, 4, 22, 0);
    let got = window_openings(&window, &Utc, from, until);
    assert_eq!(
        got,
        vec![opening(t(2026, 3, 2, 22, 0), 4)],
        "Wednesday's opening starts at the range's end, so it does not overlap it"
    );
    let got = window_openings(&window, &Utc, from, until + Duration::minutes(1));
    assert_eq!(got.len(), 2);
    // An opening that ended exactly when the range starts does not overlap it.
    let got = window_openings(&window, &Utc, t(2026, 3, 3, 2, 0), t(2026, 3, 4, 0, 0));
    assert_eq!(got, vec![]);
}

#[test]
fn months_parse_strictly() {
    for (text, minutes) in [
        ("2026-02", 28 * 1440),
        ("2028-02", 29 * 1440),
        ("2026-12", 31 * 1440),
        ("2026-04", 30 * 1440),
    ] {
        let m = Month::parse(text).unwrap();
        assert_eq!(m.minutes(), minutes, "{text}");
        assert_eq!(m.to_string(), text);
    }
    assert_eq!(
        Month::parse("2026-12").unwrap().ends_at(),
        t(2027, 1, 1, 0, 0)
    );
    for bad in [
        "",
        "2026",
        "2026-13",
        "2026-00",
        "2026-1",
        "26-01",
        "2026/01",
        "2026-01-01",
        "+026-01",
        "2026-0a",
        "２０２６-01",
    ] {
        assert!(Month::parse(bad).is_err(), "{bad:?}");
    }
}

fn exec(start: DateTime<Utc>, minutes: i64, max_s: u32) -> SiteExecution {
    SiteExecution {
        started_at: start,
        finished_at: Some(start + Duration::minutes(minutes)),
        max_interruption_s: max_s,
    }
}

fn down(from: DateTime<Utc>, minutes: Option<i64>) -> DownSpan {
    DownSpan {
        from,
        until: minutes.map(|m| from + Duration::minutes(m)),
    }
}

/// (name, executions, alerts, now, planned seconds, other seconds)
type DowntimeCase = (
    &'static str,
    Vec<SiteExecution>,
    Vec<DownSpan>,
    DateTime<Utc>,
    i64,
    i64,
);

#[test]
fn planned_and_other_minutes_follow_the_section() {
    let march = Month::parse("2026-03").unwrap();
    let later = t(2026, 5, 1, 0, 0);
    let d = t(2026, 3, 10, 10, 0);
    let cases: Vec<DowntimeCase> = vec![
        ("nothing", vec![], vec![], later, 0, 0),
        (
            "an execution longer than the interruption counts the interruption",
            vec![exec(d, 10, 300)],
            vec![],
            later,
            300,
            0,
        ),
        (
            "one shorter than the interruption counts its length",
            vec![exec(d, 2, 600)],
            vec![],
            later,
            120,
            0,
        ),
        (
            "two overlapping executions count the union",
            vec![exec(d, 10, 600), exec(d + Duration::minutes(5), 10, 600)],
            vec![],
            later,
            900,
            0,
        ),
        (
            "an alert inside the execution is the maintenance's",
            vec![exec(d, 10, 300)],
            vec![down(d, Some(10))],
            later,
            300,
            0,
        ),
        (
            "the part of an alert after the execution is other downtime",
            vec![exec(d, 10, 300)],
            vec![down(d, Some(25))],
            later,
            300,
            15 * 60,
        ),
        (
            "an alert outside every execution",
            vec![],
            vec![down(d, Some(30)), down(d + Duration::minutes(20), Some(30))],
            later,
            0,
            50 * 60,
        ),
        (
            "an alert still open counts until now",
            vec![],
            vec![down(d, None)],
            d + Duration::hours(2),
            0,
            2 * 3600,
        ),
        (
            "and is cut at the month's end",
            vec![],
            vec![down(t(2026, 3, 31, 23, 0), None)],
            later,
            0,
            3600,
        ),
        (
            "an alert begun the month before counts from the month's start",
            vec![],
            vec![down(t(2026, 2, 28, 23, 0), Some(120))],
            later,
            0,
            3600,
        ),
        (
            "an execution of another month counts nothing",
            vec![exec(t(2026, 4, 2, 0, 0), 10, 600)],
            vec![],
            later,
            0,
            0,
        ),
        (
            "an execution still running counts until now",
            vec![SiteExecution {
                started_at: d,
                finished_at: None,
                max_interruption_s: 600,
            }],
            vec![],
            d + Duration::minutes(4),
            240,
            0,
        ),
    ];
    for (name, executions, downs, now, planned, other) in cases {
        let got = site_downtime(march, now, &executions, &[], &downs);
        assert_eq!(
            got,
            SiteDowntime {
                planned_s: planned,
                other_s: other
            },
            "{name}"
        );
    }
    // A failover execution interrupts nothing but its alerts are the maintenance's too.
    let got = site_downtime(
        march,
        later,
        &[],
        &[(d, d + Duration::minutes(10))],
        &[down(d, Some(10))],
    );
    assert_eq!(got, SiteDowntime::default());
}

#[test]
fn availability_is_a_share_of_the_whole_month() {
    let march = Month::parse("2026-03").unwrap(); // 44,640 minutes
    let row = site_availability(
        march,
        id("cgw-1"),
        "198.51.100.7".into(),
        "cn-hangzhou".into(),
        SiteDowntime {
            planned_s: 600,
            other_s: 44_640 * 6, // a tenth of the month
        },
    );
    assert_eq!(row.planned_minutes, 10.0);
    assert_eq!(row.other_minutes, 4464.0);
    assert_eq!(row.availability_excluding_planned_pct, 90.0);
    assert_eq!(row.availability_pct, 89.978);
    let quiet = site_availability(
        march,
        id("cgw-1"),
        String::new(),
        String::new(),
        SiteDowntime::default(),
    );
    assert_eq!(quiet.availability_pct, 100.0);
    // Fractions of a minute are rounded down, so the parts never add up past the month.
    let row = site_availability(
        march,
        id("cgw-1"),
        String::new(),
        String::new(),
        SiteDowntime {
            planned_s: 1,
            other_s: 44_640 * 60 - 1,
        },
    );
    assert!(row.planned_minutes + row.other_minutes <= 44_640.0);
    assert_eq!(row.availability_pct, 0.0);
}

fn arb_time() -> impl Strategy<Value = DateTime<Utc>> {
    // Late February to early April 2026: spans cross both ends of March.
    (0i64..(45 * 86_400)).prop_map(|s| t(2026, 2, 20, 0, 0) + Duration::seconds(s))
}

proptest! {
    #[test]
    fn planned_plus_other_never_exceed_the_month(
        executions in proptest::collection::vec((arb_time(), 0i64..20_000, 0u32..2_000, any::<bool>()), 0..12),
        downs in proptest::collection::vec((arb_time(), proptest::option::of(0i64..3_000_000)), 0..12),
        failovers in proptest::collection::vec((arb_time(), 0i64..20_000), 0..4),
        now in arb_time(),
    ) {
        let march = Month::parse("2026-03").unwrap();
        let executions: Vec<SiteExecution> = executions
            .into_iter()
            .map(|(s, len, max, done)| SiteExecution {
                started_at: s,
                finished_at: done.then(|| s + Duration::seconds(len)),
                max_interruption_s: max,
            })
            .collect();
        let downs: Vec<DownSpan> = downs
            .into_iter()
            .map(|(f, len)| DownSpan { from: f, until: len.map(|l| f + Duration::seconds(l)) })
            .collect();
        let failovers: Vec<(DateTime<Utc>, DateTime<Utc>)> = failovers
            .into_iter()
            .map(|(s, len)| (s, s + Duration::seconds(len)))
            .collect();
        let got = site_downtime(march, now, &executions, &failovers, &downs);
        prop_assert!(got.planned_s >= 0 && got.other_s >= 0);
        prop_assert!(got.planned_s + got.other_s <= march.minutes() * 60, "{got:?}");
        // Nothing after now is counted.
        let elapsed = (now.min(march.ends_at()) - march.starts_at()).num_seconds().max(0);
        prop_assert!(got.planned_s + got.other_s <= elapsed);
        let row = site_availability(march, id("cgw-1"), String::new(), String::new(), got);
        prop_assert!((0.0..=100.0).contains(&row.availability_pct));
        prop_assert!((0.0..=100.0).contains(&row.availability_excluding_planned_pct));
        prop_assert!(row.availability_pct <= row.availability_excluding_planned_pct);
        prop_assert!(row.planned_minutes + row.other_minutes <= march.minutes() as f64);
    }
}

#[test]
fn the_csv_has_a_bom_crlf_and_quotes_only_what_needs_it() {
    let mut csv = Csv::new();
    csv.record(["plain", "a,b", "say \"hi\"", "two\nlines", "杭州,总部", ""]);
    csv.record(["x"]);
    assert_eq!(
        csv.finish(),
        "\u{feff}plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"杭州,总部\",\r\nx\r\n"
    );
    assert_eq!(EVENTS_CSV_HEADER.join(","), "id,region,resource_kind,resource_id,resource_name,gateway_ip,gateway_ip_role,reason,status,default_execute_at,execute_at,started_at,finished_at,max_interruption_s,verification");
}

#[test]
fn an_event_row_gives_times_in_utc_and_empty_fields_for_nulls() {
    let ev = gw_event("om-a", "vpn-a", A1, t(2026, 3, 4, 18, 0));
    let row = event_csv_record(&ev, "hq, \"main\"", 600, None);
    assert_eq!(row[0], "om-a");
    assert_eq!(row[2], "vpn_gateway");
    assert_eq!(row[4], "hq, \"main\"");
    assert_eq!(row[6], "ipsec_address_1");
    assert_eq!(row[9], "2026-03-04T18:00:00Z");
    assert_eq!(row[11], "");
    assert_eq!(row[13], "600");
    assert_eq!(row[14], "");
    let row = event_csv_record(&ev, "x", 0, Some(Verdict::Degraded));
    assert_eq!(row[14], "degraded");
}
