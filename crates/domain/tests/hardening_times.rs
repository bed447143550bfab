//! Issue 14, item 3: the rules and the database agree on every instant. Request times are
//! parsed exactly as RFC 3339 in one place, and every comparison is made at the precision the
//! database stores (whole milliseconds, rounded down), so no time the rules accept can be
//! refused by the database's `execute_at <= default_execute_at`.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use vpn_console_domain::instant::{parse_rfc3339, stored};
use vpn_console_domain::planning::ExecutionBody;
use vpn_console_domain::{
    validate, EventStatus, ExecutionRequest, GatewayIp, GatewayIpRole, OmEvent, Reason,
    ResourceRef, ScheduleErrorCode,
};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn event(default: DateTime<Utc>) -> OmEvent {
    OmEvent {
        id: "om-bp1n9f3qzwb01vu5yzhe".parse().unwrap(),
        region: "cn-hangzhou".parse().unwrap(),
        resource: ResourceRef::VpnGateway {
            id: "vpn-bp12ewx03p8zz8d8vxot".parse().unwrap(),
        },
        gateway_ip: GatewayIp {
            role: GatewayIpRole::IpsecAddress1,
            ip: "47.96.0.198".parse().unwrap(),
        },
        reason: Reason::SystemUpgrade,
        status: EventStatus::Pending,
        default_execute_at: default,
        execute_at: default,
        started_at: None,
        finished_at: None,
        published_at: default - Duration::days(3),
        version: 1,
    }
}

#[test]
fn exactly_rfc_3339_is_accepted() {
    for (text, instant) in [
        ("2026-12-01T18:30:00Z", "2026-12-01T18:30:00Z"),
        ("2026-12-01T18:30:00.5Z", "2026-12-01T18:30:00.500Z"),
        ("2026-12-02T02:30:00+08:00", "2026-12-01T18:30:00Z"),
        ("2026-12-01T18:30:00-00:00", "2026-12-01T18:30:00Z"),
        // Finer than a millisecond: rounded down, as stored.
        ("2026-12-01T18:30:00.123456789Z", "2026-12-01T18:30:00.123Z"),
        ("2026-12-01T18:29:59.9999Z", "2026-12-01T18:29:59.999Z"),
        ("2026-12-01T18:30:00.0005Z", "2026-12-01T18:30:00Z"),
    ] {
        assert_eq!(parse_rfc3339(text), Ok(t(instant)), "{text}");
    }
}

#[test]
fn lenient_forms_are_refused() {
    for (why, text) in [
        ("lower-case t", "2026-12-01t18:30:00Z"),
        ("lower-case z", "2026-12-01T18:30:00z"),
        ("space for T", "2026-12-01 18:30:00Z"),
        ("leap second", "2026-12-01T18:29:60Z"),
        ("leap second with a fraction", "2026-12-01T18:29:60.500Z"),
        ("no offset", "2026-12-01T18:30:00"),
        ("no seconds", "2026-12-01T18:30Z"),
        ("offset without a colon", "2026-12-01T18:30:00+0800"),
        ("empty fraction", "2026-12-01T18:30:00.Z"),
        ("ten fraction digits", "2026-12-01T18:30:00.1234567890Z"),
        ("no such day", "2026-02-30T18:30:00Z"),
        ("hour 24", "2026-12-01T24:00:00Z"),
        ("minute 60", "2026-12-01T18:60:00Z"),
        ("trailing text", "2026-12-01T18:30:00Z "),
        ("leading text", " 2026-12-01T18:30:00Z"),
        ("a date only", "2026-12-01"),
        ("not ASCII", "２０２６-12-01T18:30:00Z"),
    ] {
        assert!(parse_rfc3339(text).is_err(), "{why}: {text} accepted");
        let body = format!(r#"{{"mode":"at","execute_at":"{text}"}}"#);
        assert!(
            serde_json::from_str::<ExecutionBody>(&body).is_err(),
            "{why}: {body} accepted"
        );
    }
    // The refusal names the value, cut short.
    let long = format!("2026-12-01T18:30:00Z{}", "9".repeat(10_000));
    let err = parse_rfc3339(&long).unwrap_err();
    assert!(err.len() < 120, "{err}");
}

#[test]
fn the_leap_second_of_the_report_is_refused_as_the_database_would() {
    let default = t("2026-12-01T18:30:00Z");
    let now = t("2026-12-01T10:00:00Z");
    // chrono's leap second: 18:29:59 plus 1.5 s of nanoseconds, "before" 18:30:00 to chrono,
    // 18:30:00.500 to the database.
    let leap = Utc.from_utc_datetime(
        &NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_milli_opt(18, 29, 59, 1_500)
            .unwrap(),
    );
    assert!(leap < default, "chrono orders it before the default");
    assert_eq!(stored(leap), t("2026-12-01T18:30:00.500Z"));
    let got = validate(
        &event(default),
        &ExecutionRequest::At { execute_at: leap },
        now,
    );
    assert_eq!(
        got.map_err(|e| e.code),
        Err(ScheduleErrorCode::AfterDefaultExecutionTime)
    );
}

#[test]
fn every_edge_is_decided_at_the_stored_precision() {
    let default = t("2026-12-01T18:30:00Z");
    let now = t("2026-12-01T10:00:00.000700Z");
    let ms = Duration::milliseconds(1);
    let us = Duration::microseconds(1);
    let rows = [
        ("the default itself", default, Ok(default)),
        (
            "under a millisecond after the default",
            default + us * 400,
            Ok(default),
        ),
        (
            "a millisecond after the default",
            default + ms,
            Err(ScheduleErrorCode::AfterDefaultExecutionTime),
        ),
        (
            "a millisecond before the default",
            default - ms,
            Ok(default - ms),
        ),
        (
            "now, to the millisecond",
            t("2026-12-01T10:00:00Z"),
            Ok(t("2026-12-01T10:00:00Z")),
        ),
        ("now exactly", now, Ok(t("2026-12-01T10:00:00Z"))),
        (
            "a millisecond before now",
            t("2026-12-01T09:59:59.999Z"),
            Err(ScheduleErrorCode::InThePast),
        ),
    ];
    for (why, at, expected) in rows {
        let got = validate(
            &event(default),
            &ExecutionRequest::At { execute_at: at },
            now,
        )
        .map(|plan| plan.execute_at)
        .map_err(|e| e.code);
        assert_eq!(got, expected, "{why}");
        if let Ok(plan_at) = got {
            assert_eq!(
                stored(plan_at),
                plan_at,
                "{why}: the plan is what is stored"
            );
            assert!(plan_at <= default, "{why}");
        }
    }
}

#[test]
fn execute_now_is_never_later_than_the_default() {
    let default = t("2026-12-01T18:30:00Z");
    for (why, now, expected) in [
        (
            "before the default",
            t("2026-12-01T10:00:00.123456Z"),
            t("2026-12-01T10:00:00.123Z"),
        ),
        ("at the default", default, default),
        (
            "just after the default",
            default + Duration::microseconds(1_500),
            default,
        ),
        (
            "an hour after the default",
            default + Duration::hours(1),
            default,
        ),
    ] {
        let plan = validate(&event(default), &ExecutionRequest::Now, now).unwrap();
        assert!(plan.execute_now, "{why}");
        assert_eq!(plan.execute_at, expected, "{why}");
        assert!(plan.execute_at <= stored(now), "{why}: due at once");
    }
}

#[test]
fn an_unknown_mode_is_not_echoed_whole() {
    let body = format!(r#"{{"mode":"{}"}}"#, "x".repeat(15_000));
    let err = serde_json::from_str::<ExecutionBody>(&body)
        .unwrap_err()
        .to_string();
    assert!(err.len() < 200, "{} bytes: {}", err.len(), &err[..200]);
    assert!(err.contains("xxxxxxxxxx"), "{err}");
}
