//! DESIGN.md 12 and 13 as tables: the result of each tunnel, the hint, the verdict, the data
//! plane's restore, and the hold of an event due to start.

use chrono::{DateTime, Duration, TimeZone, Utc};
use vpn_console_domain::hold::{
    decide_start, forced_start_at, hold, HoldReason, Partner, StartDecision,
};
use vpn_console_domain::verification::{
    deadline, hint, restored_health, still_rechecked, tunnel_result, verdict, verify,
    BaselineTunnel, Bgp, Hint, Ike, IkeVersion, StartupAction, TunnelHealth, TunnelResult,
    VerificationStatus,
};
use vpn_console_domain::{CustomerGatewayId, EventId};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 18, 0, 0).unwrap()
}

/// A health: `ike` up or down, BGP (None: no BGP) and the routes received.
fn h(ike: bool, bgp: Option<bool>, routes: Option<u32>) -> TunnelHealth {
    TunnelHealth {
        ike: if ike { Ike::Up } else { Ike::Down },
        bgp: bgp.map(|b| if b { Bgp::Established } else { Bgp::Down }),
        routes_received: routes,
        checked_at: t0(),
    }
}

#[test]
fn each_tunnel_is_judged_against_its_baseline() {
    use TunnelResult::*;
    let cases = [
        // (before, after, result, why)
        (
            h(false, None, None),
            h(false, None, None),
            Ok,
            "down before: nothing to come back",
        ),
        (
            h(false, Some(false), Some(0)),
            h(false, Some(false), Some(0)),
            Ok,
            "BGP tunnel down before",
        ),
        (
            h(true, None, None),
            h(true, None, None),
            Ok,
            "no BGP, IKE up again",
        ),
        (
            h(true, None, None),
            h(false, None, None),
            Down,
            "no BGP, IKE still down",
        ),
        (
            h(true, Some(true), Some(12)),
            h(true, Some(true), Some(12)),
            Ok,
            "routes as before",
        ),
        (
            h(true, Some(true), Some(12)),
            h(true, Some(true), Some(15)),
            Ok,
            "more routes than before",
        ),
        (
            h(true, Some(true), Some(12)),
            h(true, Some(true), Some(9)),
            RoutesMissing,
            "fewer routes",
        ),
        (
            h(true, Some(true), Some(12)),
            h(true, Some(false), Some(0)),
            BgpDown,
            "BGP not established",
        ),
        (
            h(true, Some(true), Some(12)),
            h(false, Some(false), Some(0)),
            Down,
            "IKE down wins over BGP",
        ),
        (
            h(true, Some(false), Some(0)),
            h(true, Some(false), Some(0)),
            Ok,
            "BGP was down before: not asked back",
        ),
        (
            h(true, Some(true), Some(0)),
            h(true, Some(true), Some(0)),
            Ok,
            "no routes before, none after",
        ),
    ];
    for (before, after, want, why) in cases {
        assert_eq!(tunnel_result(&before, &after), want, "{why}");
    }
}

#[test]
fn every_result_has_its_hint() {
    use IkeVersion::*;
    use StartupAction::*;
    use TunnelResult::*;
    let cases = [
        (Ok, Start, Ikev2, None),
        (Ok, Add, Ikev1, None),
        (Down, Add, Ikev2, Some(Hint::InitiateFromCustomerGateway)),
        (Down, Start, Ikev1, Some(Hint::InitiateFromCustomerGateway)),
        (Down, Add, Ikev1, Some(Hint::InitiateFromCustomerGateway)),
        (Down, Start, Ikev2, Some(Hint::CheckCustomerGateway)),
        (
            RoutesMissing,
            Start,
            Ikev2,
            Some(Hint::CheckBgpAdvertisements),
        ),
        (
            RoutesMissing,
            Add,
            Ikev1,
            Some(Hint::CheckBgpAdvertisements),
        ),
        (BgpDown, Start, Ikev2, Some(Hint::CheckBgpAdvertisements)),
    ];
    for (result, startup, version, want) in cases {
        assert_eq!(
            hint(result, startup, version),
            want,
            "{result:?} {startup:?} {version:?}"
        );
    }
}

/// Results, the verdict before, the time of the check, and the verdict it gives.
type VerdictCase = (
    &'static [TunnelResult],
    Option<VerificationStatus>,
    DateTime<Utc>,
    VerificationStatus,
);

/// The partners, and the hold they give: reason, partner and shared customer gateways.
type HoldCase = (
    Vec<Partner>,
    Option<(HoldReason, &'static str, Vec<&'static str>)>,
);

#[test]
fn every_verdict() {
    use TunnelResult::*;
    use VerificationStatus::*;
    let before = t0();
    let after = t0() + Duration::minutes(11);
    let dl = t0() + Duration::minutes(10);
    let cases: [VerdictCase; 14] = [
        (&[], None, before, Verified),
        (&[Ok, Ok], None, before, Verified),
        (&[Ok, Down], None, before, Pending),
        (&[RoutesMissing], None, before, Pending),
        (&[Ok, Down], None, after, Failed),
        (&[Ok, RoutesMissing], None, after, Degraded),
        (&[BgpDown, RoutesMissing], None, after, Degraded),
        (&[BgpDown, Down], None, after, Failed),
        (&[Ok, Down], Some(Pending), after, Failed),
        (&[Ok, Ok], Some(Failed), after, Verified),
        (&[Ok, Ok], Some(Degraded), before, Verified),
        // A verdict already given is not turned back to pending before the deadline.
        (&[Down], Some(Failed), before, Failed),
        (&[RoutesMissing], Some(Verified), before, Degraded),
        (&[Ok], Some(Pending), dl, Verified),
    ];
    for (results, previous, now, want) in cases {
        assert_eq!(
            verdict(results, previous, now, dl),
            want,
            "{results:?} {previous:?} {now}"
        );
    }
    // At the deadline exactly, the verdict is given.
    assert_eq!(verdict(&[Down], None, dl, dl), Failed);
}

#[test]
fn a_verdict_never_reads_verified_while_a_tunnel_that_was_up_is_down() {
    // Every combination of up to three tunnels, each before and after in every health shape.
    let shapes = [
        h(false, None, None),
        h(true, None, None),
        h(true, Some(true), Some(5)),
        h(true, Some(true), Some(2)),
        h(true, Some(false), Some(0)),
        h(false, Some(false), Some(0)),
    ];
    let dl = t0() + Duration::minutes(10);
    let previous = [
        None,
        Some(VerificationStatus::Pending),
        Some(VerificationStatus::Verified),
        Some(VerificationStatus::Failed),
    ];
    for a in &shapes {
        for b in &shapes {
            let results = [tunnel_result(a, b)];
            for p in previous {
                for now in [t0(), dl + Duration::seconds(1)] {
                    let v = verdict(&results, p, now, dl);
                    if a.is_up() && !b.is_up() {
                        assert_ne!(v, VerificationStatus::Verified, "{a:?} → {b:?}");
                    }
                    if v == VerificationStatus::Verified {
                        assert!(results.iter().all(|r| *r == TunnelResult::Ok));
                    }
                }
            }
        }
    }
}

#[test]
fn the_deadline_and_the_recheck_window_follow_the_time_scale_and_real_time() {
    assert_eq!(deadline(t0(), 1.0), t0() + Duration::minutes(10));
    assert_eq!(deadline(t0(), 60.0), t0() + Duration::seconds(10));
    assert!(still_rechecked(t0(), t0() + Duration::hours(23)));
    assert!(!still_rechecked(t0(), t0() + Duration::hours(24)));
}

#[test]
fn the_data_plane_brings_back_only_what_the_provider_starts() {
    let at = t0() + Duration::minutes(5);
    let cases = [
        // (before, startup, routes it comes back with, after)
        (
            h(true, None, None),
            StartupAction::Start,
            None,
            h(true, None, None),
        ),
        (
            h(true, None, None),
            StartupAction::Add,
            None,
            h(false, None, None),
        ),
        (
            h(true, Some(true), Some(8)),
            StartupAction::Start,
            None,
            h(true, Some(true), Some(8)),
        ),
        (
            h(true, Some(true), Some(8)),
            StartupAction::Start,
            Some(5),
            h(true, Some(true), Some(5)),
        ),
        (
            h(true, Some(true), Some(8)),
            StartupAction::Add,
            None,
            h(false, Some(false), Some(0)),
        ),
        (
            h(false, None, None),
            StartupAction::Start,
            None,
            h(false, None, None),
        ),
    ];
    for (before, startup, routes, want) in cases {
        let got = restored_health(&before, startup, routes, at);
        assert_eq!(
            got,
            TunnelHealth {
                checked_at: at,
                ..want
            },
            "{before:?} {startup:?}"
        );
    }
}

#[test]
fn a_verification_has_a_row_per_baseline_tunnel_with_its_hint() {
    let base = |t: &str, cgw: &str, startup, before| BaselineTunnel {
        tunnel_id: t.parse().unwrap(),
        connection_id: "vco-a".parse().unwrap(),
        customer_gateway_id: cgw.parse().unwrap(),
        startup_action: startup,
        ike_version: IkeVersion::Ikev2,
        before,
    };
    let baseline = [
        base("tun-a1", "cgw-x", StartupAction::Add, h(true, None, None)),
        base(
            "tun-a2",
            "cgw-y",
            StartupAction::Start,
            h(true, Some(true), Some(4)),
        ),
        base(
            "tun-gone",
            "cgw-y",
            StartupAction::Start,
            h(true, None, None),
        ),
    ];
    let now_of = |id: &vpn_console_domain::TunnelId| match id.as_str() {
        "tun-a1" => Some(h(false, None, None)),
        "tun-a2" => Some(h(true, Some(true), Some(3))),
        _ => None,
    };
    let dl = t0() + Duration::minutes(10);
    let v = verify(&baseline, now_of, None, t0(), dl);
    assert_eq!(v.status, VerificationStatus::Pending);
    let rows: Vec<_> = v.tunnels.iter().map(|r| (r.result, r.hint)).collect();
    assert_eq!(
        rows,
        [
            (TunnelResult::Down, Some(Hint::InitiateFromCustomerGateway)),
            (
                TunnelResult::RoutesMissing,
                Some(Hint::CheckBgpAdvertisements)
            ),
            (TunnelResult::Down, Some(Hint::CheckCustomerGateway)),
        ]
    );
    let late = verify(&baseline, now_of, Some(v.status), dl, dl);
    assert_eq!(late.status, VerificationStatus::Failed);
}

fn cgw(s: &str) -> CustomerGatewayId {
    s.parse().unwrap()
}

fn ev(s: &str) -> EventId {
    s.parse().unwrap()
}

fn partner(id: &str, reason: HoldReason, cgws: &[&str]) -> Partner {
    Partner {
        event_id: ev(id),
        reason,
        customer_gateway_ids: cgws.iter().map(|c| cgw(c)).collect(),
    }
}

#[test]
fn holds_name_the_first_reason_and_its_partner() {
    use HoldReason::*;
    let own = [cgw("cgw-site1"), cgw("cgw-site2")];
    let cases: Vec<HoldCase> = vec![
        (vec![], None),
        (
            vec![partner("om-b", PartnerExecuting, &["cgw-other"])],
            None,
        ),
        (
            vec![partner(
                "om-b",
                PartnerExecuting,
                &["cgw-site1", "cgw-other"],
            )],
            Some((PartnerExecuting, "om-b", vec!["cgw-site1"])),
        ),
        (
            vec![partner(
                "om-b",
                PartnerVerifying,
                &["cgw-site2", "cgw-site1"],
            )],
            Some((PartnerVerifying, "om-b", vec!["cgw-site1", "cgw-site2"])),
        ),
        (
            vec![partner("om-b", PartnerFailed, &["cgw-site2"])],
            Some((PartnerFailed, "om-b", vec!["cgw-site2"])),
        ),
        (
            vec![
                partner("om-a", PartnerFailed, &["cgw-site1"]),
                partner("om-c", PartnerVerifying, &["cgw-site2"]),
                partner("om-b", PartnerExecuting, &["cgw-site2"]),
            ],
            Some((PartnerExecuting, "om-b", vec!["cgw-site2"])),
        ),
        (
            vec![
                partner("om-z", PartnerVerifying, &["cgw-site1"]),
                partner("om-c", PartnerVerifying, &["cgw-site2"]),
            ],
            Some((PartnerVerifying, "om-c", vec!["cgw-site2"])),
        ),
    ];
    for (partners, want) in cases {
        let got = hold(&own, &partners, t0()).map(|h| {
            assert_eq!(h.since, t0());
            (
                h.reason,
                h.partner_event_id.to_string(),
                h.customer_gateway_ids
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>(),
            )
        });
        let want = want.map(|(r, p, c)| {
            (
                r,
                p.to_owned(),
                c.into_iter().map(str::to_owned).collect::<Vec<_>>(),
            )
        });
        assert_eq!(got, want, "{partners:?}");
    }
    // An event that interrupts no customer gateway is never held.
    assert_eq!(
        hold(
            &[],
            &[partner("om-b", PartnerExecuting, &["cgw-site1"])],
            t0()
        ),
        None
    );
}

#[test]
fn a_held_event_starts_when_cleared_overridden_or_after_the_ceiling() {
    let held = hold(
        &[cgw("cgw-s")],
        &[partner("om-b", HoldReason::PartnerExecuting, &["cgw-s"])],
        t0(),
    );
    let at = t0();
    let ceiling = forced_start_at(at, 1.0);
    assert_eq!(ceiling, at + Duration::hours(2));
    assert_eq!(forced_start_at(at, 3600.0), at + Duration::seconds(2));
    let cases = [
        (None, false, at, StartDecision::Start { forced: false }),
        (
            held.clone(),
            true,
            at,
            StartDecision::Start { forced: false },
        ),
        (
            held.clone(),
            false,
            ceiling - Duration::seconds(1),
            StartDecision::Hold(held.clone().unwrap()),
        ),
        (
            held.clone(),
            false,
            ceiling,
            StartDecision::Start { forced: true },
        ),
    ];
    for (h, override_hold, now, want) in cases {
        assert_eq!(
            decide_start(h, override_hold, at, now, 1.0),
            want,
            "{override_hold} {now}"
        );
    }
}

#[test]
fn the_new_names_read_and_write_as_the_contract_spells_them() {
    assert_eq!(HoldReason::PartnerVerifying.as_str(), "partner_verifying");
    assert_eq!(
        Hint::InitiateFromCustomerGateway.as_str(),
        "initiate_from_customer_gateway"
    );
    assert_eq!(TunnelResult::RoutesMissing.as_str(), "routes_missing");
    assert_eq!(
        VerificationStatus::parse("degraded"),
        Some(VerificationStatus::Degraded)
    );
    assert_eq!(StartupAction::parse("add"), Some(StartupAction::Add));
    assert_eq!(IkeVersion::parse("ikev1"), Some(IkeVersion::Ikev1));
    assert_eq!(
        serde_json::to_value(h(true, Some(true), Some(3))).unwrap(),
        serde_json::json!({"ike": "up", "bgp": "established", "routes_received": 3, "checked_at": "2026-12-01T18:00:00Z"})
    );
}
