//! Advice and what-if (DESIGN.md 10.1): each action's figures are the impact rules run on the
//! topology after it.
//! The tables also run in headless Chromium (wasm-bindgen-test); the properties natively.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "planning_support.rs"]
mod support;

use serde_json::json;

use support::*;
use vpn_console_domain::impact::{
    affected_resources, FAILOVER_INTERRUPTION_S, ONLY_TUNNEL_INTERRUPTION_S,
    SINGLE_TUNNEL_INTERRUPTION_S,
};
use vpn_console_domain::planning::{
    advice, impact_after, what_if, Advice, AdviceKind, PlanningContext, TunnelChange,
};
use vpn_console_domain::{
    Connection, Effect, Gateway, GatewayIpRole, OmEvent, ResourceRef, TunnelState,
};

fn ctx() -> PlanningContext<'static> {
    PlanningContext {
        now: t(2026, 12, 1, 8, 0),
        freezes: &[],
        others: &[],
    }
}

fn at() -> chrono::DateTime<chrono::Utc> {
    t(2026, 12, 10, 12, 0)
}

/// kind, tunnel acted on, before, after.
type Row<'a> = (AdviceKind, Option<&'a str>, u32, u32);

fn kinds(found: &[Advice]) -> Vec<Row<'_>> {
    found
        .iter()
        .map(|a| {
            (
                a.kind,
                a.tunnel_id.as_ref().map(|t| t.as_str()),
                a.max_interruption_s_before,
                a.max_interruption_s_after,
            )
        })
        .collect()
}

fn on_a(_conns: &[Connection]) -> (OmEvent, Gateway) {
    (gw_event("om-a", "vpn-a", A1, at()), dual_gateway("vpn-a"))
}

#[test]
fn one_connection_table() {
    use AdviceKind::*;
    let g = || on_gw("vpn-a");
    let cases: Vec<(&str, Connection, Vec<Row>)> = vec![
        (
            "only the maintained tunnel is up",
            dual_conn("vco-x", g(), "cgw-1", (A1, St::Up), (A2, St::Down)),
            vec![(
                BringOtherTunnelUp,
                Some("tun-x2"),
                ONLY_TUNNEL_INTERRUPTION_S,
                FAILOVER_INTERRUPTION_S,
            )],
        ),
        (
            "both up, traffic on the maintained one",
            dual_conn("vco-x", g(), "cgw-1", (A1, St::Up), (A2, St::Idle)),
            vec![(MoveTrafficFirst, Some("tun-x2"), FAILOVER_INTERRUPTION_S, 0)],
        ),
        (
            "both up, traffic on the other",
            dual_conn("vco-x", g(), "cgw-1", (A1, St::Idle), (A2, St::Up)),
            vec![],
        ),
        (
            "maintained tunnel down",
            dual_conn("vco-x", g(), "cgw-1", (A1, St::Down), (A2, St::Up)),
            vec![],
        ),
        (
            "both down",
            dual_conn("vco-x", g(), "cgw-1", (A1, St::Down), (A2, St::Down)),
            vec![],
        ),
        (
            "single tunnel on a dual-tunnel gateway",
            single_conn("vco-x", g(), "cgw-1", (A1, St::Up)),
            vec![(
                UpgradeToDualTunnel,
                None,
                SINGLE_TUNNEL_INTERRUPTION_S,
                FAILOVER_INTERRUPTION_S,
            )],
        ),
        (
            "single tunnel, down already: the new tunnel is not maintained",
            single_conn("vco-x", g(), "cgw-1", (A1, St::Down)),
            vec![(UpgradeToDualTunnel, None, SINGLE_TUNNEL_INTERRUPTION_S, 0)],
        ),
    ];
    for (name, conn, expected) in cases {
        let conns = vec![conn];
        let (ev, gw) = on_a(&conns);
        let found = advice(&ev, Some(&gw), &conns, &ctx());
        assert_eq!(kinds(&found), expected, "{name}");
        for a in &found {
            assert_eq!(a.connection_id.as_ref().unwrap().as_str(), "vco-x");
        }
    }
}

#[test]
fn single_tunnel_gateway_and_transit_router() {
    let conns = vec![single_conn(
        "vco-s",
        on_gw("vpn-s"),
        "cgw-1",
        (SADDR, St::Up),
    )];
    let gw = single_gateway("vpn-s", 4);
    let ev = event(
        "om-s",
        ResourceRef::VpnGateway { id: id("vpn-s") },
        GatewayIpRole::GatewayAddress,
        SADDR,
        at(),
    );
    let found = advice(&ev, Some(&gw), &conns, &ctx());
    assert_eq!(
        kinds(&found),
        vec![(AdviceKind::UpgradeToDualTunnel, None, 300, 60)]
    );
    // The impact after the upgrade: the connection fails over, the gateway is dual-tunnel.
    let later = impact_after(&ev, Some(&gw), &conns, &found[0]);
    assert_eq!(later.summary.tunnels_failover, 1);

    let conns = vec![single_conn(
        "vco-t",
        on_tr("tr-hub"),
        "cgw-1",
        (TR1, St::Up),
    )];
    let ev = event(
        "om-t",
        ResourceRef::IpsecConnection { id: id("vco-t") },
        GatewayIpRole::TunnelAddress,
        TR1,
        at(),
    );
    let found = advice(&ev, None, &conns, &ctx());
    assert_eq!(
        kinds(&found),
        vec![(AdviceKind::AddRedundantConnection, None, 300, 60)]
    );
    // A dual-tunnel transit-router connection with its other tunnel down: bring it up.
    let conns = vec![dual_conn(
        "vco-t",
        on_tr("tr-hub"),
        "cgw-1",
        (TR1, St::Up),
        (TR2, St::Down),
    )];
    let found = advice(&ev, None, &conns, &ctx());
    assert_eq!(
        kinds(&found),
        vec![(AdviceKind::BringOtherTunnelUp, Some("tun-t2"), 600, 60)]
    );
    assert_eq!(found[0].tunnel_index, Some(2));
}

#[test]
fn best_first_and_the_json_shape() {
    let g = || on_gw("vpn-a");
    let conns = vec![
        dual_conn("vco-m", g(), "cgw-1", (A1, St::Up), (A2, St::Idle)),
        single_conn("vco-s", g(), "cgw-2", (A1, St::Up)),
        dual_conn("vco-b", g(), "cgw-3", (A1, St::Up), (A2, St::Down)),
    ];
    let (ev, gw) = on_a(&conns);
    let found = advice(&ev, Some(&gw), &conns, &ctx());
    let order: Vec<AdviceKind> = found.iter().map(|a| a.kind).collect();
    assert_eq!(
        order,
        [
            AdviceKind::BringOtherTunnelUp,
            AdviceKind::UpgradeToDualTunnel,
            AdviceKind::MoveTrafficFirst
        ]
    );
    assert_eq!(
        serde_json::to_value(&found[0]).unwrap(),
        json!({"kind": "bring_other_tunnel_up", "tunnel_id": "tun-b2", "tunnel_index": 2, "connection_id": "vco-b",
               "max_interruption_s_before": 600, "max_interruption_s_after": 60, "execute_at": null})
    );
}

#[test]
fn moving_out_of_a_conflict_when_both_paths_would_go_down() {
    // cgw-site is reached by a single-tunnel connection on each of two gateways.
    let (ga, gb) = (dual_gateway("vpn-a"), dual_gateway("vpn-b"));
    let conns = vec![
        single_conn("vco-a", on_gw("vpn-a"), "cgw-site", (A1, St::Up)),
        single_conn("vco-b", on_gw("vpn-b"), "cgw-site", (A1, St::Up)),
    ];
    let ev = gw_event("om-a", "vpn-a", A1, at());
    let other = planned(
        gw_event("om-b", "vpn-b", A1, at() + mins(5)),
        Some(&gb),
        &conns,
    );
    let others = [other];
    let c = PlanningContext {
        others: &others,
        ..ctx()
    };
    let found = advice(&ev, Some(&ga), &conns, &c);
    let moved = found
        .iter()
        .find(|a| a.kind == AdviceKind::MoveEarlierOutOfConflict)
        .expect("advised");
    assert_eq!(
        (
            moved.max_interruption_s_before,
            moved.max_interruption_s_after
        ),
        (600, 300)
    );
    assert_eq!(moved.execute_at, Some(at() - mins(5)));
    assert_eq!(found[0].kind, AdviceKind::MoveEarlierOutOfConflict);

    // With dual-tunnel connections each site keeps a path: the conflict costs nothing more.
    let (a, b, conns) = redundant_site(at(), at() + mins(5));
    let others = [b];
    let c = PlanningContext {
        others: &others,
        ..ctx()
    };
    let found = advice(&a.event, Some(&ga), &conns, &c);
    assert!(
        found
            .iter()
            .all(|x| x.kind != AdviceKind::MoveEarlierOutOfConflict),
        "{found:?}"
    );
}

#[test]
fn what_if_recomputes_the_preview() {
    let conns = vec![dual_conn(
        "vco-x",
        on_gw("vpn-a"),
        "cgw-1",
        (A1, St::Up),
        (A2, St::Down),
    )];
    let (ev, gw) = on_a(&conns);
    let base = affected_resources(&ev, Some(&gw), &conns);
    assert_eq!(base.summary.max_interruption_s, 600);
    let up = |s| TunnelChange {
        tunnel_id: id("tun-x2"),
        state: Some(s),
        carries_traffic: None,
    };
    let flipped = what_if(&ev, Some(&gw), &conns, &[up(TunnelState::Available)]);
    assert_eq!(flipped.summary.max_interruption_s, 60);
    assert_eq!(flipped.affected[0].effect(), Effect::Failover);
    let moved = what_if(
        &ev,
        Some(&gw),
        &conns,
        &[
            up(TunnelState::Available),
            TunnelChange {
                tunnel_id: id("tun-x1"),
                state: None,
                carries_traffic: Some(false),
            },
            TunnelChange {
                tunnel_id: id("tun-x2"),
                state: None,
                carries_traffic: Some(true),
            },
        ],
    );
    assert_eq!(moved.summary.max_interruption_s, 0);
    // The maintained tunnel down: nothing to interrupt, and it carries no traffic any more.
    let down = what_if(
        &ev,
        Some(&gw),
        &conns,
        &[TunnelChange {
            tunnel_id: id("tun-x1"),
            state: Some(TunnelState::Unavailable),
            carries_traffic: None,
        }],
    );
    assert_eq!(down.affected[0].effect(), Effect::None);
    assert!(matches!(
        &down.affected[0],
        vpn_console_domain::AffectedItem::Tunnel {
            carries_traffic: false,
            ..
        }
    ));
    // Nothing changed in the input.
    assert_eq!(affected_resources(&ev, Some(&gw), &conns), base);
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn st(n: u8) -> St {
        [St::Up, St::Idle, St::Down][n as usize % 3]
    }

    proptest! {
        #[test]
        fn advice_never_raises_the_worst_interruption(
            shapes in proptest::collection::vec((0u8..3, 0u8..3, 0u8..3, any::<bool>()), 1..4),
            single_gw in any::<bool>(),
        ) {
            let (gw, addr, role) = if single_gw {
                (single_gateway("vpn-a", 2), SADDR, GatewayIpRole::GatewayAddress)
            } else {
                (dual_gateway("vpn-a"), A1, GatewayIpRole::IpsecAddress1)
            };
            let other = if single_gw { SADDR } else { A2 };
            let conns: Vec<Connection> = shapes.iter().enumerate().map(|(i, (kind, s1, s2, _))| {
                let name = format!("vco-p{i}");
                let cgw = format!("cgw-p{i}");
                match kind {
                    0 => single_conn(&name, on_gw("vpn-a"), &cgw, (addr, st(*s1))),
                    _ => dual_conn(&name, on_gw("vpn-a"), &cgw, (addr, st(*s1)), (other, st(*s2))),
                }
            }).collect();
            let ev = event("om-a", ResourceRef::VpnGateway { id: id("vpn-a") }, role, addr, at());
            let now = affected_resources(&ev, Some(&gw), &conns);
            let found = advice(&ev, Some(&gw), &conns, &ctx());
            for a in &found {
                prop_assert!(a.max_interruption_s_after < a.max_interruption_s_before, "{a:?}");
                let later = impact_after(&ev, Some(&gw), &conns, a);
                prop_assert!(later.summary.max_interruption_s <= now.summary.max_interruption_s, "{a:?}");
            }
            for pair in found.windows(2) {
                let drop = |a: &Advice| a.max_interruption_s_before - a.max_interruption_s_after;
                prop_assert!(drop(&pair[0]) >= drop(&pair[1]));
            }
        }
    }
}

#[test]
fn no_change_is_no_difference() {
    let mut conns = vec![dual_conn(
        "vco-x",
        on_gw("vpn-a"),
        "cgw-1",
        (A1, St::Up),
        (A2, St::Up),
    )];
    // Data as stored may say a down tunnel carries traffic; the what-if leaves it as it is.
    conns[0].tunnels[0].state = TunnelState::Unavailable;
    let (ev, gw) = on_a(&conns);
    assert_eq!(
        what_if(&ev, Some(&gw), &conns, &[]),
        affected_resources(&ev, Some(&gw), &conns)
    );
}
