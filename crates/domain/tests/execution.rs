//! Table tests of what an execution does to the network (tunnels down, failover, SSL clients)
//! and how finishing it restores everything, run natively and in a headless browser.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use vpn_console_domain::execution::{finish, start, Snapshot, TunnelChange};
use vpn_console_domain::{
    Addresses, Attachment, Connection, CustomerGateway, EventStatus, Gateway, GatewayIp,
    GatewayIpRole, OmEvent, Reason, ResourceRef, Tunnel, TunnelMode, TunnelState,
};

const GW: &str = "vpn-dual01";
const A1: &str = "47.96.10.1";
const A2: &str = "47.96.10.2";
const SSL: &str = "47.96.10.3";
const SGW: &str = "vpn-single01";
const SADDR: &str = "47.96.20.1";

/// A tunnel's condition: available and carrying traffic, available and idle, or unavailable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum St {
    Up,
    Idle,
    Down,
}
use St::*;

fn st(state: TunnelState, carries_traffic: bool) -> St {
    match (state, carries_traffic) {
        (TunnelState::Available, true) => Up,
        (TunnelState::Available, false) => Idle,
        (TunnelState::Unavailable, _) => Down,
    }
}

fn gateway(id: &str, ssl_clients: u32) -> Gateway {
    let single = id == SGW;
    Gateway {
        id: id.parse().unwrap(),
        name: id.into(),
        status: "active".into(),
        spec: "10M".into(),
        tunnel_mode: if single {
            TunnelMode::SingleTunnel
        } else {
            TunnelMode::DualTunnel
        },
        addresses: if single {
            Addresses::Single {
                gateway_address: Some(SADDR.parse().unwrap()),
            }
        } else {
            Addresses::Dual {
                ipsec_address_1: Some(A1.parse().unwrap()),
                ipsec_address_2: Some(A2.parse().unwrap()),
                ssl_address: Some(SSL.parse().unwrap()),
            }
        },
        ssl_clients,
    }
}

/// Connection `vco-X` on `gw` with tunnels `tun-X1`, `tun-X2`, … on the given addresses.
fn connection(conn: &str, gw: &str, tunnels: &[(&str, St)]) -> Connection {
    let suffix = conn.strip_prefix("vco-").unwrap();
    Connection {
        id: conn.parse().unwrap(),
        name: conn.into(),
        tunnel_mode: if tunnels.len() == 2 {
            TunnelMode::DualTunnel
        } else {
            TunnelMode::SingleTunnel
        },
        attached_to: Attachment::VpnGateway {
            id: gw.parse().unwrap(),
        },
        tunnels: tunnels
            .iter()
            .enumerate()
            .map(|(i, (addr, s))| Tunnel {
                id: format!("tun-{suffix}{}", i + 1).parse().unwrap(),
                index: i as u8 + 1,
                gateway_ip: addr.parse().unwrap(),
                customer_gateway: CustomerGateway {
                    id: format!("cgw-{suffix}{}", i + 1).parse().unwrap(),
                    ip: format!("198.51.100.{}", i + 1).parse().unwrap(),
                    ike_version: Default::default(),
                    startup_action: Default::default(),
                },
                state: if *s == Down {
                    TunnelState::Unavailable
                } else {
                    TunnelState::Available
                },
                carries_traffic: *s == Up,
                health: None,
            })
            .collect(),
    }
}

fn event(gw: &str, role: GatewayIpRole, addr: &str) -> OmEvent {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 18, 0, 0).unwrap();
    OmEvent {
        id: "om-test0001".parse().unwrap(),
        region: "cn-hangzhou".parse().unwrap(),
        resource: ResourceRef::VpnGateway {
            id: gw.parse().unwrap(),
        },
        gateway_ip: GatewayIp {
            role,
            ip: addr.parse().unwrap(),
        },
        reason: Reason::SystemUpgrade,
        status: EventStatus::Pending,
        default_execute_at: at,
        execute_at: at,
        published_at: at,
        started_at: None,
        finished_at: None,
        version: 1,
    }
}

/// Every tunnel's condition, by id.
type Network = BTreeMap<String, St>;

fn network(connections: &[Connection]) -> Network {
    connections
        .iter()
        .flat_map(|c| &c.tunnels)
        .map(|t| (t.id.to_string(), st(t.state, t.carries_traffic)))
        .collect()
}

fn apply(mut net: Network, changes: &[TunnelChange]) -> Network {
    for c in changes {
        net.insert(c.id.to_string(), st(c.state, c.carries_traffic));
    }
    net
}

fn ids(v: &[impl ToString]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

#[test]
fn starting_marks_maintained_tunnels_down_and_fails_traffic_over() {
    // (tunnels of vco-a on A1/A2, event address) → vco-a's tunnels after the start, alerts
    #[allow(clippy::type_complexity)]
    let table: &[((St, St), &str, (St, St), &[&str])] = &[
        // The maintained tunnel carries traffic and the other is up: traffic moves over.
        ((Up, Idle), A1, (Down, Up), &["tun-a1"]),
        // The maintained tunnel is idle: it goes down, the other keeps carrying.
        ((Idle, Up), A1, (Down, Up), &["tun-a1"]),
        // The other tunnel is down: nothing to fail over to, both end down.
        ((Up, Down), A1, (Down, Down), &["tun-a1"]),
        // Already down: no alert, nothing else changes.
        ((Down, Up), A1, (Down, Up), &[]),
        // The event on address 2 touches tunnel 2 only.
        ((Up, Idle), A2, (Up, Down), &["tun-a2"]),
        // The SSL address touches no tunnel.
        ((Up, Idle), SSL, (Up, Idle), &[]),
    ];
    for &((t1, t2), addr, (after1, after2), alerts) in table {
        let connections = vec![connection("vco-a", GW, &[(A1, t1), (A2, t2)])];
        let role = match addr {
            A1 => GatewayIpRole::IpsecAddress1,
            A2 => GatewayIpRole::IpsecAddress2,
            _ => GatewayIpRole::SslAddress,
        };
        let gw = gateway(GW, 0);
        let started = start(&event(GW, role, addr), Some(&gw), &connections);
        let after = apply(network(&connections), &started.tunnels);
        let case = format!("{t1:?}/{t2:?} on {addr}");
        assert_eq!(after["tun-a1"], after1, "tunnel 1, {case}");
        assert_eq!(after["tun-a2"], after2, "tunnel 2, {case}");
        assert_eq!(ids(&started.alerts), alerts, "alerts, {case}");
        // Each tunnel is written once.
        let written = ids(&started.tunnels.iter().map(|t| &t.id).collect::<Vec<_>>());
        let mut unique = written.clone();
        unique.dedup();
        assert_eq!(written, unique, "{case}");
    }
}

#[test]
fn finishing_restores_exactly_what_was_there_before() {
    let states = [Up, Idle, Down];
    for t1 in states {
        for t2 in states {
            for (role, addr) in [
                (GatewayIpRole::IpsecAddress1, A1),
                (GatewayIpRole::IpsecAddress2, A2),
            ] {
                let connections = vec![
                    connection("vco-a", GW, &[(A1, t1), (A2, t2)]),
                    connection("vco-b", GW, &[(A2, t2), (A1, t1)]),
                    connection("vco-c", GW, &[(A1, t1)]),
                ];
                let gw = gateway(GW, 4);
                let before = network(&connections);
                let started = start(&event(GW, role, addr), Some(&gw), &connections);
                let during = apply(before.clone(), &started.tunnels);
                let finished = finish(&started.snapshot);
                assert_eq!(
                    apply(during, &finished.tunnels),
                    before,
                    "{t1:?}/{t2:?} on {addr}"
                );
                // The single-tunnel vco-c uses address 1 only.
                let affected: &[&str] = if addr == A1 {
                    &["vco-a", "vco-b", "vco-c"]
                } else {
                    &["vco-a", "vco-b"]
                };
                assert_eq!(ids(&finished.connections), affected);
                assert_eq!(
                    finished.ssl_clients, None,
                    "IPsec addresses keep SSL clients"
                );
            }
        }
    }
}

#[test]
fn ssl_clients_are_disconnected_and_given_back() {
    // (gateway, role, address, clients) → disconnected at the start, restored count
    let table = [
        (GW, GatewayIpRole::SslAddress, SSL, 7, Some(7)),
        (GW, GatewayIpRole::IpsecAddress1, A1, 7, None),
        (SGW, GatewayIpRole::GatewayAddress, SADDR, 3, Some(3)),
    ];
    for (gw, role, addr, clients, restored) in table {
        let connections = vec![connection("vco-s", gw, &[(addr, Up)])];
        let g = gateway(gw, clients);
        let started = start(&event(gw, role, addr), Some(&g), &connections);
        assert_eq!(
            started
                .ssl_clients_disconnected
                .as_ref()
                .map(|g| g.as_str()),
            restored.map(|_| gw),
            "{gw} {addr}"
        );
        let finished = finish(&started.snapshot);
        assert_eq!(
            finished.ssl_clients.map(|(g, n)| (g.to_string(), n)),
            restored.map(|n| (gw.to_string(), n)),
            "{gw} {addr}"
        );
    }
}

#[test]
fn the_stored_snapshot_form_is_stable() {
    // Snapshots written by earlier versions (a tunnel recorded twice, states as strings) still
    // read, and the earliest record of a tunnel is the one restored.
    let stored = r#"{"impact":{"affected":[],"summary":{"max_interruption_s":0,"tunnels":0,
        "connections":0,"ssl_clients":0,"tunnels_failover":0,"tunnels_interrupted":0,
        "tunnels_unaffected":0}},
        "tunnels":[{"id":"tun-a1","state":"available","carries_traffic":true},
                   {"id":"tun-a2","state":"available","carries_traffic":false},
                   {"id":"tun-a1","state":"unavailable","carries_traffic":false}],
        "ssl_clients":["vpn-dual01",5]}"#;
    let snapshot: Snapshot = serde_json::from_str(stored).unwrap();
    let finished = finish(&snapshot);
    let restored = apply(Network::new(), &finished.tunnels);
    assert_eq!(restored["tun-a1"], Up);
    assert_eq!(restored["tun-a2"], Idle);
    assert_eq!(finished.tunnels.len(), 2);
    assert_eq!(
        finished.ssl_clients.map(|(g, n)| (g.to_string(), n)),
        Some((GW.to_string(), 5))
    );
    // And what is written now reads back the same.
    let again: Snapshot = serde_json::from_str(&serde_json::to_string(&snapshot).unwrap()).unwrap();
    assert_eq!(again, snapshot);
}
