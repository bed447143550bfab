//! Conflicts between events on redundant paths (DESIGN.md 10.2) and the decision on one
//! execution request with conflicts and freeze periods (10.2, 10.3).
//! The tables also run in headless Chromium (wasm-bindgen-test); the properties natively.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "planning_support.rs"]
mod support;

use chrono::{DateTime, Utc};

use support::*;
use vpn_console_domain::planning::{
    check_execution, conflict_between, conflicts, conflicts_among, conflicts_at, decide,
    nearest_conflict_free, Decision, PlannedEvent, PlanningContext, PlanningErrorCode,
};
use vpn_console_domain::{EventStatus, ExecutionRequest, ScheduleErrorCode};

const NOW: (i32, u32, u32, u32, u32) = (2026, 12, 1, 8, 0);

fn now() -> DateTime<Utc> {
    let (y, mo, d, h, mi) = NOW;
    t(y, mo, d, h, mi)
}

fn noon() -> DateTime<Utc> {
    t(2026, 12, 10, 12, 0)
}

fn ctx<'a>(
    others: &'a [PlannedEvent],
    freezes: &'a [vpn_console_domain::planning::FreezePeriod],
) -> PlanningContext<'a> {
    PlanningContext {
        now: now(),
        freezes,
        others,
    }
}

#[test]
fn overlap_table() {
    // (minutes between the two starts, conflict?) with executions of 10 minutes, half-open.
    for (gap, expected) in [
        (0, true),
        (5, true),
        (9, true),
        (10, false),
        (-9, true),
        (-10, false),
        (60, false),
    ] {
        let (a, b, _) = redundant_site(noon(), noon() + mins(gap));
        let found = conflict_between(&a, &b);
        assert_eq!(found.is_some(), expected, "gap {gap} min");
        if expected {
            assert_eq!(found.unwrap(), vec![id("cgw-site")]);
        }
    }
}

#[test]
fn only_tunnels_that_are_hit_and_only_current_events_conflict() {
    let ga = dual_gateway("vpn-a");
    let gb = dual_gateway("vpn-b");
    // vco-b's maintained tunnel is down already: effect none, so vpn-b's event hits nothing.
    let conns = vec![
        dual_conn(
            "vco-a",
            on_gw("vpn-a"),
            "cgw-site",
            (A1, St::Up),
            (A2, St::Idle),
        ),
        dual_conn(
            "vco-b",
            on_gw("vpn-b"),
            "cgw-site",
            (A1, St::Down),
            (A2, St::Up),
        ),
    ];
    let a = planned(gw_event("om-a", "vpn-a", A1, noon()), Some(&ga), &conns);
    let b = planned(gw_event("om-b", "vpn-b", A1, noon()), Some(&gb), &conns);
    assert!(b.hits.is_empty());
    assert_eq!(conflict_between(&a, &b), None);

    // Different customer gateways: no conflict even at the same time.
    let conns = vec![
        dual_conn(
            "vco-a",
            on_gw("vpn-a"),
            "cgw-one",
            (A1, St::Up),
            (A2, St::Idle),
        ),
        dual_conn(
            "vco-b",
            on_gw("vpn-b"),
            "cgw-two",
            (A1, St::Up),
            (A2, St::Idle),
        ),
    ];
    let a = planned(gw_event("om-a", "vpn-a", A1, noon()), Some(&ga), &conns);
    let b = planned(gw_event("om-b", "vpn-b", A1, noon()), Some(&gb), &conns);
    assert_eq!(conflict_between(&a, &b), None);

    // A completed or cancelled event does not run again.
    let (a, mut b, _) = redundant_site(noon(), noon());
    for status in [
        EventStatus::Completed,
        EventStatus::Cancelled,
        EventStatus::Failed,
    ] {
        b.event.status = status;
        assert_eq!(conflict_between(&a, &b), None, "{status:?}");
    }
    b.event.status = EventStatus::Executing;
    assert!(conflict_between(&a, &b).is_some());
    // An event never conflicts with itself.
    assert_eq!(conflict_between(&a, &a), None);
}

#[test]
fn the_detail_lists_conflicts_earliest_first_and_a_move_is_checked_at_its_new_time() {
    let (a, b, conns) = redundant_site(noon(), noon() + mins(5));
    let gc = dual_gateway("vpn-c");
    let mut conns = conns;
    conns.push(dual_conn(
        "vco-c",
        on_gw("vpn-c"),
        "cgw-site",
        (A1, St::Up),
        (A2, St::Up),
    ));
    let c = planned(
        gw_event("om-c", "vpn-c", A1, noon() - mins(3)),
        Some(&gc),
        &conns,
    );
    let others = [b.clone(), c.clone(), a.clone()];
    let found = conflicts(&a, &others);
    let ids: Vec<&str> = found.iter().map(|c| c.event_id.as_str()).collect();
    assert_eq!(ids, ["om-c", "om-b"]);
    assert_eq!(found[1].execute_at, noon() + mins(5));
    assert_eq!(found[1].resource.id_str(), "vpn-b");
    let json = serde_json::to_value(&found[1]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"event_id": "om-b", "resource": {"kind": "vpn_gateway", "id": "vpn-b"},
            "execute_at": "2026-12-10T12:05:00Z", "customer_gateway_ids": ["cgw-site"]})
    );
    assert!(conflicts_at(&a, noon() - mins(60), &others).is_empty());
    assert_eq!(conflicts_among(&others).len(), 3);
}

#[test]
fn nearest_conflict_free_time_table() {
    // om-b runs 12:00-12:10; om-a's default is 12:30. Forbidden starts for om-a: (11:50, 12:10).
    let (a, b, _) = redundant_site(noon() + mins(30), noon());
    let others = [b];
    let none = [];
    let c = ctx(&others, &none);
    for (wanted, expected) in [
        (noon() + mins(2), noon() + mins(10)), // 8 min to 12:10, 12 min back to 11:50
        (noon() - mins(2), noon() - mins(10)),
        (noon() + mins(20), noon() + mins(20)), // free already
        (noon() - mins(12), noon() - mins(12)),
        (noon() + mins(45), noon() + mins(30)), // clamped to the default
        (now() - mins(45), now()),              // clamped to now
    ] {
        assert_eq!(
            nearest_conflict_free(&a, wanted, &c),
            Some(expected),
            "{wanted}"
        );
    }
    // Equally near both ends (12:00 is 10 min from each): the earlier.
    assert_eq!(
        nearest_conflict_free(&a, noon(), &c),
        Some(noon() - mins(10))
    );
    // Between 11:50 and 12:10 it also avoids a freeze from 11:30 to 11:55 (starts up to 11:20).
    let freezes = [freeze("frz-1", noon() - mins(30), noon() - mins(5))];
    let c = ctx(&others, &freezes);
    assert_eq!(
        nearest_conflict_free(&a, noon() - mins(2), &c),
        Some(noon() + mins(10))
    );
    // The default is in the conflict and now is right before it: nothing fits.
    let (a, b, _) = redundant_site(noon() + mins(5), noon());
    let others = [b];
    let c = PlanningContext {
        now: noon() - mins(5),
        freezes: &none,
        others: &others,
    };
    assert_eq!(nearest_conflict_free(&a, noon(), &c), None);
}

#[test]
fn a_reschedule_into_a_conflict_is_refused_unless_allowed() {
    let (a, b, _) = redundant_site(noon() + mins(30), noon());
    let others = [b];
    let none = [];
    let c = ctx(&others, &none);
    let into = ExecutionRequest::At {
        execute_at: noon() + mins(4),
    };
    let err = check_execution(&a, &into, false, &c).unwrap_err();
    assert_eq!(err.code, PlanningErrorCode::CreatesConflict);
    assert_eq!(err.code.as_str(), "creates_conflict");
    assert_eq!(err.suggested_at, Some(noon() + mins(10)));
    assert!(
        err.message.contains("om-b") && err.message.contains("cgw-site"),
        "{}",
        err.message
    );
    let plan = check_execution(&a, &into, true, &c).unwrap();
    assert_eq!(plan.execute_at, noon() + mins(4));
    // The section-5 rules come first and keep their codes.
    let late = ExecutionRequest::At {
        execute_at: noon() + mins(31),
    };
    let err = check_execution(&a, &late, false, &c).unwrap_err();
    assert_eq!(
        err.code,
        PlanningErrorCode::Schedule(ScheduleErrorCode::AfterDefaultExecutionTime)
    );
    assert_eq!(err.code.as_str(), "after_default_execution_time");
}

#[test]
fn a_time_in_a_freeze_is_refused_with_the_nearest_allowed_time() {
    let (a, _, _) = redundant_site(noon() + mins(120), noon());
    let freezes = [freeze("frz-1", noon(), noon() + mins(60))];
    let c = ctx(&[], &freezes);
    // 11:55 would run until 12:05, into the freeze; 11:50 is the latest start before it.
    for (wanted, suggested) in [
        (noon() - mins(5), noon() - mins(10)),
        (noon() + mins(10), noon() - mins(10)),
        (noon() + mins(40), noon() + mins(60)),
    ] {
        let err = check_execution(&a, &ExecutionRequest::At { execute_at: wanted }, false, &c)
            .unwrap_err();
        assert_eq!(err.code.as_str(), "in_freeze_period", "{wanted}");
        assert_eq!(err.field.as_deref(), Some("execute_at"));
        assert_eq!(err.suggested_at, Some(suggested), "{wanted}");
    }
    assert!(check_execution(
        &a,
        &ExecutionRequest::At {
            execute_at: noon() - mins(10)
        },
        false,
        &c
    )
    .is_ok());
    assert!(check_execution(
        &a,
        &ExecutionRequest::At {
            execute_at: noon() + mins(60)
        },
        false,
        &c
    )
    .is_ok());
    // Execute Now inside a freeze is refused too.
    let freezes = [freeze("frz-now", now() - mins(60), now() + mins(60))];
    let c = ctx(&[], &freezes);
    let err = check_execution(&a, &ExecutionRequest::Now, false, &c).unwrap_err();
    assert_eq!(err.code, PlanningErrorCode::InFreezePeriod);
    assert_eq!(err.suggested_at, Some(now() + mins(60)));
}

#[test]
fn decide_maps_each_answer_to_its_status() {
    let (a, b, _) = redundant_site(noon() + mins(30), noon());
    let others = [b];
    let none = [];
    let c = ctx(&others, &none);
    let ok = ExecutionRequest::At {
        execute_at: noon() + mins(20),
    };
    assert_eq!(decide(None, 3, &ok, false, &c), Decision::NotFound);
    assert_eq!(
        decide(Some(&a), 2, &ok, false, &c),
        Decision::VersionMismatch { current: 3 }
    );
    assert_eq!(decide(Some(&a), 3, &ok, false, &c).status(), 200);
    let bad = ExecutionRequest::At { execute_at: noon() };
    assert_eq!(decide(Some(&a), 3, &bad, false, &c).status(), 422);
    assert_eq!(decide(None, 3, &ok, false, &c).status(), 404);
    assert_eq!(decide(Some(&a), 9, &ok, false, &c).status(), 412);
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn conflict_is_symmetric(gap in -30i64..30, st_a in 0u8..3, st_b in 0u8..3, same_site in any::<bool>(), done in any::<bool>()) {
            let st = |n| [St::Up, St::Idle, St::Down][n as usize];
            let ga = dual_gateway("vpn-a");
            let gb = dual_gateway("vpn-b");
            let site_b = if same_site { "cgw-site" } else { "cgw-other" };
            let conns = vec![
                dual_conn("vco-a", on_gw("vpn-a"), "cgw-site", (A1, st(st_a)), (A2, St::Idle)),
                dual_conn("vco-b", on_gw("vpn-b"), site_b, (A1, st(st_b)), (A2, St::Down)),
            ];
            let a = planned(gw_event("om-a", "vpn-a", A1, noon()), Some(&ga), &conns);
            let mut b = planned(gw_event("om-b", "vpn-b", A1, noon() + mins(gap)), Some(&gb), &conns);
            if done { b.event.status = EventStatus::Completed; }
            prop_assert_eq!(conflict_between(&a, &b), conflict_between(&b, &a));
        // The detail's list agrees with the pairwise rule.
        let listed = conflicts(&a, std::slice::from_ref(&b)).pop().map(|c| c.customer_gateway_ids);
        prop_assert_eq!(listed, conflict_between(&a, &b));
            prop_assert_eq!(conflicts(&a, std::slice::from_ref(&b)).len(), conflicts(&b, std::slice::from_ref(&a)).len());
        }

        #[test]
        fn the_nearest_conflict_free_time_is_free_and_in_range(wanted in -120i64..120, b_at in -60i64..60, default in 0i64..90) {
            let (a, b, _) = redundant_site(noon() + mins(default), noon() + mins(b_at));
            let others = [b];
            let c = PlanningContext { now: noon() - mins(30), freezes: &[], others: &others };
            if let Some(got) = nearest_conflict_free(&a, noon() + mins(wanted), &c) {
                prop_assert!(conflicts_at(&a, got, &others).is_empty());
                prop_assert!(got <= a.event.default_execute_at && got >= c.now);
                let asked = ExecutionRequest::At { execute_at: got };
                prop_assert!(check_execution(&a, &asked, false, &c).is_ok());
            }
        }
    }
}
