//! Bulk execution (DESIGN.md 10.4): request validation, each item decided as a single request,
//! and the bulk dialog's combined impact.
//! The tables also run in headless Chromium (wasm-bindgen-test); the properties natively.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "planning_support.rs"]
mod support;

use chrono::{DateTime, Utc};
use serde_json::json;

use support::*;
use vpn_console_domain::impact::affected_resources;
use vpn_console_domain::planning::decision::apply;
use vpn_console_domain::planning::{
    check_bulk_time, combined_impact, decide_bulk, validate_bulk, BulkExecutionRequest, BulkItem,
    BulkItemResult, Decision, PlannedEvent, PlanningContext, MAX_BULK_EVENTS,
};
use vpn_console_domain::{ExecutionRequest, OmEvent};

fn now() -> DateTime<Utc> {
    t(2026, 12, 1, 8, 0)
}

fn noon() -> DateTime<Utc> {
    t(2026, 12, 10, 12, 0)
}

fn items(ids: &[&str]) -> Vec<BulkItem> {
    ids.iter()
        .map(|id| BulkItem {
            id: id.to_string(),
            version: 3,
        })
        .collect()
}

fn at(t: DateTime<Utc>) -> ExecutionRequest {
    ExecutionRequest::At { execute_at: t }
}

#[test]
fn request_validation() {
    let many: Vec<String> = (0..=MAX_BULK_EVENTS).map(|i| format!("om-n{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    // (ids, the refusal's code and field)
    type Case<'a> = (Vec<&'a str>, Option<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        (vec![], Some(("no_events", "events"))),
        (many.clone(), Some(("too_many_events", "events"))),
        (many[..MAX_BULK_EVENTS].to_vec(), None),
        (
            vec!["om-a", "om-b", "om-a"],
            Some(("duplicate_event_id", "events[2].id")),
        ),
        (vec!["om-a"], None),
    ];
    for (ids, expected) in cases {
        let req = BulkExecutionRequest::new(ExecutionRequest::Now, false, items(&ids));
        let got = validate_bulk(&req).err();
        assert_eq!(
            got.as_ref()
                .map(|e| (e.code.as_str(), e.field.as_deref().unwrap())),
            expected,
            "{} ids",
            ids.len()
        );
    }
}

#[test]
fn the_wire_form() {
    let body = json!({"mode": "at", "execute_at": "2026-12-10T12:00:00Z", "events": [{"id": "om-a", "version": 3}]});
    let req: BulkExecutionRequest = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(req.request(), at(noon()));
    assert!(!req.allow_conflict());
    assert_eq!(req.events(), items(&["om-a"]).as_slice());
    let mut with_flag = body.clone();
    with_flag["allow_conflict"] = json!(true);
    assert_eq!(
        serde_json::to_value(
            serde_json::from_value::<BulkExecutionRequest>(with_flag.clone()).unwrap()
        )
        .unwrap(),
        with_flag
    );
    for bad in [
        json!({"mode": "now", "execute_at": "2026-12-10T12:00:00Z", "events": []}),
        json!({"mode": "at", "events": []}),
        json!({"mode": "later", "events": []}),
        json!({"mode": "now", "events": [], "force": true}),
        json!({"mode": "now", "events": [{"id": "om-a", "version": 1, "x": 1}]}),
    ] {
        assert!(
            serde_json::from_value::<BulkExecutionRequest>(bad.clone()).is_err(),
            "{bad}"
        );
    }
    let now_req = BulkExecutionRequest::new(ExecutionRequest::Now, false, items(&["om-a"]));
    assert_eq!(
        serde_json::to_value(&now_req).unwrap(),
        json!({"mode": "now", "events": [{"id": "om-a", "version": 3}]}),
        "the change is written as the single body writes it, with the events beside it"
    );
}

#[test]
fn each_item_gets_its_own_answer() {
    let (a, b, _) = redundant_site(noon() + mins(60), noon() + mins(30));
    let mut stale = b.clone();
    stale.event.version = 7;
    let early = PlannedEvent {
        event: OmEvent {
            default_execute_at: noon() - mins(60),
            ..a.event.clone()
        },
        ..a.clone()
    };
    let early = PlannedEvent {
        event: OmEvent {
            id: id("om-early"),
            execute_at: noon() - mins(60),
            ..early.event
        },
        ..early
    };
    let all = [a.clone(), stale.clone(), early.clone()];
    let lookup = |id: &str| all.iter().find(|e| e.event.id.as_str() == id);
    let ctx = PlanningContext {
        now: now(),
        freezes: &[],
        others: &[],
    };
    let req = BulkExecutionRequest::new(
        at(noon()),
        false,
        items(&["om-a", "om-nope", "om-b", "om-early", "not-an-id"]),
    );
    let results = decide_bulk(&req, lookup, &ctx).unwrap();
    let statuses: Vec<u16> = results.iter().map(|r| r.decision.status()).collect();
    assert_eq!(statuses, [200, 404, 412, 422, 404]);
    let row = BulkItemResult::new(&results[2], None);
    assert_eq!(
        serde_json::to_value(&row).unwrap()["error"]["code"],
        "stale"
    );
    let row = BulkItemResult::new(&results[3], Some(early.event.clone()));
    assert_eq!(
        row.error.as_ref().unwrap().code,
        "after_default_execution_time"
    );
    assert_eq!(row.event, None);
    let Decision::Accepted(plan) = &results[0].decision else {
        panic!()
    };
    let row = BulkItemResult::new(&results[0], Some(apply(&a.event, plan)));
    assert_eq!(row.event.as_ref().unwrap().execute_at, noon());
    // A refused request as a whole decides nothing.
    let req = BulkExecutionRequest::new(at(noon()), false, items(&["om-a", "om-a"]));
    assert_eq!(
        decide_bulk(&req, lookup, &ctx).unwrap_err().code.as_str(),
        "duplicate_event_id"
    );
}

#[test]
fn moving_both_paths_to_one_time_refuses_the_second() {
    let (a, b, _) = redundant_site(noon() + mins(60), noon() + mins(30));
    let all = [a.clone(), b.clone()];
    let lookup = |id: &str| all.iter().find(|e| e.event.id.as_str() == id);
    let ctx = PlanningContext {
        now: now(),
        freezes: &[],
        others: &all,
    };
    let req = BulkExecutionRequest::new(at(noon()), false, items(&["om-a", "om-b"]));
    let results = decide_bulk(&req, lookup, &ctx).unwrap();
    assert_eq!(results[0].decision.status(), 200);
    let Decision::Refused(e) = &results[1].decision else {
        panic!("{:?}", results[1])
    };
    assert_eq!(e.code.as_str(), "creates_conflict");
    let req = BulkExecutionRequest::new(at(noon()), true, items(&["om-a", "om-b"]));
    assert!(decide_bulk(&req, lookup, &ctx)
        .unwrap()
        .iter()
        .all(|r| r.decision.status() == 200));
}

#[test]
fn combined_impact_and_the_latest_allowed_time() {
    let (ga, gb) = (dual_gateway("vpn-a"), dual_gateway("vpn-b"));
    let mut gs = single_gateway("vpn-s", 7);
    gs.ssl_clients = 7;
    let conns = vec![
        dual_conn(
            "vco-a",
            on_gw("vpn-a"),
            "cgw-site",
            (A1, St::Up),
            (A2, St::Down),
        ),
        dual_conn(
            "vco-b",
            on_gw("vpn-b"),
            "cgw-site",
            (A1, St::Up),
            (A2, St::Idle),
        ),
        single_conn("vco-s", on_gw("vpn-s"), "cgw-s", (SADDR, St::Up)),
    ];
    let ea = gw_event("om-a", "vpn-a", A1, noon() + mins(60));
    let eb = gw_event("om-b", "vpn-b", A1, noon() + mins(30));
    let es = event(
        "om-s",
        vpn_console_domain::ResourceRef::VpnGateway { id: id("vpn-s") },
        vpn_console_domain::GatewayIpRole::GatewayAddress,
        SADDR,
        noon() + mins(90),
    );
    let ia = affected_resources(&ea, Some(&ga), &conns);
    let ib = affected_resources(&eb, Some(&gb), &conns);
    let is = affected_resources(&es, Some(&gs), &conns);
    let selected = [(&ea, &ia), (&eb, &ib), (&es, &is), (&eb, &ib)];
    let own_times = combined_impact(&selected[..3], None);
    assert_eq!(
        (
            own_times.events,
            own_times.tunnels,
            own_times.connections,
            own_times.ssl_clients
        ),
        (3, 3, 3, 7)
    );
    assert_eq!(own_times.max_interruption_s, 600);
    assert!(own_times.conflicts.is_empty());
    assert_eq!(own_times.latest_allowed_at, Some(noon() + mins(30)));
    // The same tunnels twice count once; all at one time, om-a and om-b conflict at cgw-site.
    let together = combined_impact(&selected, Some(noon()));
    assert_eq!((together.tunnels, together.ssl_clients), (3, 7));
    assert_eq!(
        serde_json::to_value(&together.conflicts[0]).unwrap(),
        json!({"event_ids": ["om-a", "om-b"], "customer_gateway_ids": ["cgw-site"]})
    );

    // The browser's check: not after the earliest default, which the refusal names.
    let events = [&ea, &eb, &es];
    assert!(check_bulk_time(&at(noon() + mins(30)), events, now()).is_ok());
    let err = check_bulk_time(&at(noon() + mins(31)), events, now()).unwrap_err();
    assert_eq!(err.code.as_str(), "after_default_execution_time");
    assert!(err.message.contains("2026-12-10 12:30"), "{}", err.message);
    assert_eq!(
        check_bulk_time(&at(now() - mins(1)), events, now())
            .unwrap_err()
            .code
            .as_str(),
        "in_the_past"
    );
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use vpn_console_domain::planning::decide;

    proptest! {
        #[test]
        fn bulk_answers_equal_single_answers(
            picks in proptest::collection::vec((0usize..6, 2i64..5), 1..8),
            wanted in -30i64..120, now_mode in any::<bool>(), allow in any::<bool>(),
        ) {
            // Three redundant sites, two events each, defaults spread over two hours.
            let mut pool = Vec::new();
            for (i, site) in ["x", "y", "z"].iter().enumerate() {
                let (mut a, mut b, _) = redundant_site(noon() + mins(40 * i as i64), noon() + mins(25 + 40 * i as i64));
                a.event.id = id(&format!("om-{site}a"));
                b.event.id = id(&format!("om-{site}b"));
                pool.push(a);
                pool.push(b);
            }
            let mut ids = Vec::new();
            let mut list = Vec::new();
            for (pick, version) in picks {
                let eid = pool[pick].event.id.to_string();
                if !ids.contains(&eid) {
                    ids.push(eid.clone());
                    list.push(BulkItem { id: eid, version });
                }
            }
            let request = if now_mode { ExecutionRequest::Now } else { at(noon() + mins(wanted)) };
            let ctx = PlanningContext { now: noon() - mins(10), freezes: &[], others: &pool };
            let req = BulkExecutionRequest::new(request.clone(), allow, list.clone());
            let bulk = decide_bulk(&req, |id| pool.iter().find(|e| e.event.id.as_str() == id), &ctx).unwrap();
            // The same items sent one by one, each seeing what the ones before it changed.
            let mut state = pool.clone();
            for (item, got) in list.iter().zip(&bulk) {
                let found = state.iter().find(|e| e.event.id.as_str() == item.id).cloned();
                let c = PlanningContext { others: &state, ..ctx };
                let single = decide(found.as_ref(), item.version, &request, allow, &c);
                prop_assert_eq!(&got.decision, &single);
                if let (Decision::Accepted(plan), Some(found)) = (&single, found) {
                    let slot = state.iter_mut().find(|e| e.event.id == found.event.id).unwrap();
                    *slot = found.at(plan.execute_at);
                }
            }
        }
    }
}

/// A bulk request of 100 events among ten thousand current events of the account (native: the
/// browser has no `Instant`).
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn a_hundred_items_among_ten_thousand_events() {
    let mut pool = Vec::new();
    for site in 0..5000 {
        let (mut a, mut b, _) =
            redundant_site(noon() + mins(site % 300), noon() + mins(site % 300 + 3));
        for (e, side) in [(&mut a, "a"), (&mut b, "b")] {
            e.event.id = id(&format!("om-{side}{site}"));
            for hit in &mut e.hits {
                hit.customer_gateway.id = id(&format!("cgw-site{site}"));
            }
        }
        pool.push(a);
        pool.push(b);
    }
    let by_id: std::collections::HashMap<&str, &PlannedEvent> =
        pool.iter().map(|e| (e.event.id.as_str(), e)).collect();
    let list: Vec<BulkItem> = (0..50)
        .flat_map(|s| {
            ["a", "b"].map(|side| BulkItem {
                id: format!("om-{side}{s}"),
                version: 3,
            })
        })
        .collect();
    let req = BulkExecutionRequest::new(at(noon() - mins(30)), false, list);
    let ctx = PlanningContext {
        now: now(),
        freezes: &[],
        others: &pool,
    };
    let started = std::time::Instant::now();
    let results = decide_bulk(&req, |id| by_id.get(id).copied(), &ctx).unwrap();
    eprintln!("decided {} items in {:?}", results.len(), started.elapsed());
    // Of each site's pair moved to one time, the first is accepted and the second conflicts.
    for pair in results.chunks(2) {
        assert_eq!(
            (pair[0].decision.status(), pair[1].decision.status()),
            (200, 422)
        );
    }
}
