//! Table tests of the O&M event rules (DESIGN.md sections 2-6), run natively and, through
//! wasm-bindgen-test, in a headless browser: the console runs the very same rules in wasm32.
//!
//! No clock is read here (there is none on wasm32): every time is built from fixed values.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::fmt::{Debug, Display};
use std::net::IpAddr;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use vpn_console_domain::api::{
    ConnectionItem, CurrentEvent, EventDetail, GatewayItem, OmEventsCell,
};
use vpn_console_domain::event::IllegalTransition;
use vpn_console_domain::ids::MAX_ID_LEN;
use vpn_console_domain::impact::{
    Recommendation, EVENT_DURATION_S, FAILOVER_INTERRUPTION_S, ONLY_TUNNEL_INTERRUPTION_S,
    SINGLE_TUNNEL_INTERRUPTION_S,
};
use vpn_console_domain::planning::ExecutionBody;
use vpn_console_domain::time::{format_offset, local_to_utc, resolve_local, LocalTime};
use vpn_console_domain::{
    affected_resources, validate, Addresses, AffectedItem, Attachment, Connection, ConnectionId,
    CustomerGateway, CustomerGatewayId, Effect, EventId, EventStatus, ExecutionPlan,
    ExecutionRequest, Gateway, GatewayId, GatewayIp, GatewayIpRole, IdError, Impact, OmEvent,
    Reason, RegionId, ResourceRef, ScheduleErrorCode, Summary, TransitRouterId, Tunnel, TunnelId,
    TunnelMode, TunnelState,
};

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

/// The dual-tunnel gateway most tables use, and its addresses.
const GW: &str = "vpn-dual01";
const A1: &str = "47.96.10.1";
const A2: &str = "47.96.10.2";
const SSL: &str = "47.96.10.3";
/// A single-tunnel gateway and its one address.
const SGW: &str = "vpn-single01";
const SADDR: &str = "47.96.20.1";
/// Another gateway and a transit router whose connections must be ignored by `GW`'s events.
const OTHER_GW: &str = "vpn-other01";
const TR: &str = "tr-hub01";
const TR1: &str = "10.10.0.1";
const TR2: &str = "10.10.0.2";
/// An address that no tunnel uses.
const UNUSED: &str = "203.0.113.9";

fn t(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn wall(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_opt(h, mi, 0)
        .unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn id<T>(s: &str) -> T
where
    T: FromStr,
    T::Err: Debug,
{
    s.parse().unwrap()
}

fn dual_gateway(gw: &str, ssl_clients: u32) -> Gateway {
    Gateway {
        id: id(gw),
        name: format!("{gw} name"),
        status: "active".into(),
        spec: "10M".into(),
        tunnel_mode: TunnelMode::DualTunnel,
        addresses: Addresses::Dual {
            ipsec_address_1: Some(ip(A1)),
            ipsec_address_2: Some(ip(A2)),
            ssl_address: Some(ip(SSL)),
        },
        ssl_clients,
    }
}

fn single_gateway(gw: &str, ssl_clients: u32) -> Gateway {
    Gateway {
        id: id(gw),
        name: format!("{gw} name"),
        status: "active".into(),
        spec: "5M".into(),
        tunnel_mode: TunnelMode::SingleTunnel,
        addresses: Addresses::Single {
            gateway_address: Some(ip(SADDR)),
        },
        ssl_clients,
    }
}

/// A tunnel's condition: available and carrying traffic, available and idle, or unavailable.
#[derive(Clone, Copy, Debug)]
enum St {
    Up,
    Idle,
    Down,
}

fn on_gateway(gw: &str) -> Attachment {
    Attachment::VpnGateway { id: id(gw) }
}

fn on_tr(tr: &str) -> Attachment {
    Attachment::TransitRouter { id: id(tr) }
}

/// Tunnel `index` of connection `vco-X` is `tun-X<index>`, its customer gateway `cgw-X<index>`.
fn tunnel(conn: &str, index: u8, gateway_ip: &str, st: St) -> Tunnel {
    let suffix = conn.strip_prefix("vco-").unwrap();
    Tunnel {
        id: id(&format!("tun-{suffix}{index}")),
        index,
        gateway_ip: ip(gateway_ip),
        customer_gateway: CustomerGateway {
            id: id(&format!("cgw-{suffix}{index}")),
            ip: ip(&format!("198.51.100.{index}")),
            ike_version: Default::default(),
            startup_action: Default::default(),
        },
        state: match st {
            St::Up | St::Idle => TunnelState::Available,
            St::Down => TunnelState::Unavailable,
        },
        carries_traffic: matches!(st, St::Up),
        health: None,
    }
}

fn dual_conn(conn: &str, attached_to: Attachment, t1: (&str, St), t2: (&str, St)) -> Connection {
    Connection {
        id: id(conn),
        name: format!("{conn} name"),
        tunnel_mode: TunnelMode::DualTunnel,
        attached_to,
        tunnels: vec![tunnel(conn, 1, t1.0, t1.1), tunnel(conn, 2, t2.0, t2.1)],
    }
}

fn single_conn(conn: &str, attached_to: Attachment, t1: (&str, St)) -> Connection {
    Connection {
        id: id(conn),
        name: format!("{conn} name"),
        tunnel_mode: TunnelMode::SingleTunnel,
        attached_to,
        tunnels: vec![tunnel(conn, 1, t1.0, t1.1)],
    }
}

const NOW: (i32, u32, u32, u32, u32, u32) = (2026, 11, 20, 10, 0, 0);
const DEFAULT: (i32, u32, u32, u32, u32, u32) = (2026, 12, 1, 18, 0, 0);

fn now() -> DateTime<Utc> {
    let (y, mo, d, h, mi, s) = NOW;
    t(y, mo, d, h, mi, s)
}

fn default_at() -> DateTime<Utc> {
    let (y, mo, d, h, mi, s) = DEFAULT;
    t(y, mo, d, h, mi, s)
}

fn om_event(resource: ResourceRef, role: GatewayIpRole, addr: &str) -> OmEvent {
    OmEvent {
        id: id("om-test0001"),
        region: id("cn-hangzhou"),
        resource,
        gateway_ip: GatewayIp { role, ip: ip(addr) },
        reason: Reason::SystemUpgrade,
        status: EventStatus::Pending,
        default_execute_at: default_at(),
        execute_at: default_at(),
        published_at: t(2026, 11, 1, 0, 0, 0),
        started_at: None,
        finished_at: None,
        version: 1,
    }
}

fn gateway_event(gw: &str, role: GatewayIpRole, addr: &str) -> OmEvent {
    om_event(ResourceRef::VpnGateway { id: id(gw) }, role, addr)
}

fn connection_event(conn: &str, addr: &str) -> OmEvent {
    om_event(
        ResourceRef::IpsecConnection { id: id(conn) },
        GatewayIpRole::TunnelAddress,
        addr,
    )
}

// ---------------------------------------------------------------------------------------------
// Reading an impact
// ---------------------------------------------------------------------------------------------

/// The affected tunnels, sorted by id.
fn tunnel_ids(impact: &Impact) -> Vec<String> {
    let mut ids: Vec<String> = impact
        .affected
        .iter()
        .filter_map(|item| match item {
            AffectedItem::Tunnel { id, .. } => Some(id.to_string()),
            AffectedItem::SslClients { .. } => None,
        })
        .collect();
    ids.sort();
    ids
}

/// `(tunnel id, effect, max_interruption_s, recommendation)` of each affected tunnel, by id.
fn tunnel_impacts(impact: &Impact) -> Vec<(String, Effect, u32, Recommendation)> {
    let mut rows: Vec<_> = impact
        .affected
        .iter()
        .filter_map(|item| match item {
            AffectedItem::Tunnel {
                id,
                effect,
                max_interruption_s,
                recommendation_key,
                recommendation,
                ..
            } => {
                assert_eq!(recommendation, recommendation_key.text(), "text of {id}");
                Some((
                    id.to_string(),
                    *effect,
                    *max_interruption_s,
                    *recommendation_key,
                ))
            }
            AffectedItem::SslClients { .. } => None,
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

/// `(gateway id, count, effect, max_interruption_s)` of each SSL-clients item.
fn ssl_items(impact: &Impact) -> Vec<(String, u32, Effect, u32)> {
    impact
        .affected
        .iter()
        .filter_map(|item| match item {
            AffectedItem::SslClients {
                gateway_id,
                count,
                effect,
                max_interruption_s,
                recommendation,
                recommendation_key,
            } => {
                assert_eq!(*recommendation_key, Recommendation::WarnSslUsers);
                assert_eq!(recommendation, Recommendation::WarnSslUsers.text());
                Some((gateway_id.to_string(), *count, *effect, *max_interruption_s))
            }
            AffectedItem::Tunnel { .. } => None,
        })
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// Section 3: which resources an event affects
// ---------------------------------------------------------------------------------------------

/// `GW` (5 SSL clients) with connections on both addresses, one with its tunnel 1 on address 2,
/// single-tunnel connections, and connections of another gateway and of a transit router that
/// use the very same IPs (they must be ignored all the same).
fn dual_fixture() -> (Gateway, Vec<Connection>) {
    let gateway = dual_gateway(GW, 5);
    let connections = vec![
        dual_conn("vco-a", on_gateway(GW), (A1, St::Up), (A2, St::Up)),
        dual_conn("vco-b", on_gateway(GW), (A2, St::Up), (A1, St::Up)),
        single_conn("vco-c", on_gateway(GW), (A1, St::Up)),
        single_conn("vco-d", on_gateway(GW), (A2, St::Up)),
        dual_conn("vco-x", on_gateway(OTHER_GW), (A1, St::Up), (A2, St::Up)),
        dual_conn("vco-y", on_tr(TR), (A1, St::Up), (A2, St::Up)),
    ];
    (gateway, connections)
}

#[test]
fn section3_dual_tunnel_gateway_table() {
    let (gateway, connections) = dual_fixture();
    // (role, address of the event, affected tunnels, SSL items as (gateway, clients))
    type Row = (
        GatewayIpRole,
        &'static str,
        Vec<&'static str>,
        Vec<(&'static str, u32)>,
    );
    let rows: Vec<Row> = vec![
        (GatewayIpRole::SslAddress, SSL, vec![], vec![(GW, 5)]),
        (
            GatewayIpRole::IpsecAddress1,
            A1,
            vec!["tun-a1", "tun-b2", "tun-c1"],
            vec![],
        ),
        (
            GatewayIpRole::IpsecAddress2,
            A2,
            vec!["tun-a2", "tun-b1", "tun-d1"],
            vec![],
        ),
    ];
    for (role, addr, tunnels, ssl) in rows {
        let event = gateway_event(GW, role, addr);
        let impact = affected_resources(&event, Some(&gateway), &connections);
        assert_eq!(
            tunnel_ids(&impact),
            strings(&tunnels),
            "tunnels for {role:?}"
        );
        let expected_ssl: Vec<(String, u32, Effect, u32)> = ssl
            .iter()
            .map(|(g, n)| (g.to_string(), *n, Effect::Disconnect, EVENT_DURATION_S))
            .collect();
        assert_eq!(ssl_items(&impact), expected_ssl, "SSL clients for {role:?}");
        assert_eq!(
            impact.affected.len(),
            tunnels.len() + ssl.len(),
            "nothing else is affected for {role:?}"
        );
    }
}

#[test]
fn section3_ipsec_event_locates_tunnels_by_gateway_ip_and_customer_gateway() {
    let (gateway, connections) = dual_fixture();
    let event = gateway_event(GW, GatewayIpRole::IpsecAddress1, A1);
    let impact = affected_resources(&event, Some(&gateway), &connections);
    assert_eq!(impact.affected.len(), 3);
    for item in &impact.affected {
        let AffectedItem::Tunnel {
            id,
            connection_id,
            connection_name,
            connection_tunnel_mode,
            index,
            gateway_ip,
            customer_gateway,
            state,
            carries_traffic,
            ..
        } = item
        else {
            panic!("only tunnels expected, got {item:?}");
        };
        let conn = connections
            .iter()
            .find(|c| &c.id == connection_id)
            .expect("the item names its connection");
        let tun = conn
            .tunnels
            .iter()
            .find(|t| &t.id == id)
            .expect("the tunnel belongs to that connection");
        assert_eq!(*gateway_ip, ip(A1));
        assert_eq!(tun.gateway_ip, ip(A1));
        assert_eq!(customer_gateway, &tun.customer_gateway);
        assert_eq!(connection_name, &conn.name);
        assert_eq!(*connection_tunnel_mode, conn.tunnel_mode);
        assert_eq!(*index, tun.index);
        assert_eq!(*state, tun.state);
        assert_eq!(*carries_traffic, tun.carries_traffic);
    }
}

#[test]
fn section3_single_tunnel_gateway_affects_every_connection_and_ssl_clients() {
    let gateway = single_gateway(SGW, 7);
    let connections = vec![
        single_conn("vco-s", on_gateway(SGW), (SADDR, St::Up)),
        single_conn("vco-t", on_gateway(SGW), (SADDR, St::Down)),
        // A tunnel whose recorded IP is not the gateway's address is on the gateway all the same.
        single_conn("vco-u", on_gateway(SGW), (UNUSED, St::Idle)),
        single_conn("vco-z", on_gateway(OTHER_GW), (SADDR, St::Up)),
        single_conn("vco-w", on_tr(TR), (SADDR, St::Up)),
    ];
    let event = gateway_event(SGW, GatewayIpRole::GatewayAddress, SADDR);
    let impact = affected_resources(&event, Some(&gateway), &connections);
    assert_eq!(
        tunnel_ids(&impact),
        strings(&["tun-s1", "tun-t1", "tun-u1"])
    );
    assert_eq!(
        ssl_items(&impact),
        vec![(SGW.to_string(), 7, Effect::Disconnect, EVENT_DURATION_S)]
    );
    assert_eq!(impact.affected.len(), 4);
}

#[test]
fn section3_single_tunnel_gateway_without_the_gateway_record_follows_the_role() {
    // The server may preview without the gateway row: the gateway_address role marks it
    // single-tunnel, so every connection on it is affected (no SSL count is known: none listed).
    let connections = vec![
        single_conn("vco-s", on_gateway(SGW), (SADDR, St::Up)),
        single_conn("vco-t", on_gateway(SGW), (UNUSED, St::Up)),
    ];
    let event = gateway_event(SGW, GatewayIpRole::GatewayAddress, SADDR);
    let impact = affected_resources(&event, None, &connections);
    assert_eq!(tunnel_ids(&impact), strings(&["tun-s1", "tun-t1"]));
    assert!(ssl_items(&impact).is_empty());
}

#[test]
fn section3_transit_router_connection_event_table() {
    let connections = vec![
        dual_conn("vco-tr", on_tr(TR), (TR1, St::Up), (TR2, St::Up)),
        // Another connection on the same router and addresses: not the maintained resource.
        dual_conn("vco-tq", on_tr(TR), (TR1, St::Up), (TR2, St::Up)),
        single_conn("vco-ts", on_tr(TR), (TR1, St::Up)),
        dual_conn("vco-tt", on_tr(TR), (TR1, St::Up), (TR1, St::Up)),
    ];
    // (maintained connection, address, affected tunnels)
    let rows: Vec<(&str, &str, Vec<&str>)> = vec![
        ("vco-tr", TR1, vec!["tun-tr1"]),
        ("vco-tr", TR2, vec!["tun-tr2"]),
        ("vco-tq", TR2, vec!["tun-tq2"]),
        ("vco-ts", TR1, vec!["tun-ts1"]),
        ("vco-ts", TR2, vec![]),
        ("vco-tt", TR1, vec!["tun-tt1", "tun-tt2"]),
        ("vco-tr", UNUSED, vec![]),
        // An event for a connection that is not in the list affects nothing.
        ("vco-absent", TR1, vec![]),
    ];
    for (conn, addr, expected) in rows {
        let event = connection_event(conn, addr);
        let impact = affected_resources(&event, None, &connections);
        assert_eq!(tunnel_ids(&impact), strings(&expected), "{conn} at {addr}");
        assert!(ssl_items(&impact).is_empty(), "{conn}: no SSL clients");
        // A transit-router event ignores any gateway it is given.
        let with_gateway = affected_resources(&event, Some(&dual_gateway(GW, 9)), &connections);
        assert_eq!(with_gateway, impact, "{conn} at {addr} with a gateway");
    }
}

#[test]
fn section3_connections_of_other_gateways_and_routers_are_ignored() {
    let (gateway, mut connections) = dual_fixture();
    let event = gateway_event(GW, GatewayIpRole::IpsecAddress1, A1);
    let with_extra = affected_resources(&event, Some(&gateway), &connections);
    connections.retain(|c| c.attached_to == on_gateway(GW));
    let only_own = affected_resources(&event, Some(&gateway), &connections);
    assert_eq!(with_extra, only_own);
    assert!(tunnel_ids(&with_extra)
        .iter()
        .all(|t| !t.starts_with("tun-x") && !t.starts_with("tun-y")));
}

// ---------------------------------------------------------------------------------------------
// Section 4: impact of each affected item
// ---------------------------------------------------------------------------------------------

#[test]
fn section4_constants_are_the_source_numbers() {
    assert_eq!(FAILOVER_INTERRUPTION_S, 60, "less than 1 minute");
    assert_eq!(ONLY_TUNNEL_INTERRUPTION_S, 600, "no more than 10 minutes");
    assert_eq!(SINGLE_TUNNEL_INTERRUPTION_S, 300, "no more than 5 minutes");
    assert_eq!(
        EVENT_DURATION_S, 600,
        "an event holds its address for the worst case, 10 minutes"
    );
}

struct Row {
    name: &'static str,
    event: OmEvent,
    connection: Connection,
    expect: Vec<(&'static str, Effect, u32, Recommendation)>,
}

fn a1_event() -> OmEvent {
    gateway_event(GW, GatewayIpRole::IpsecAddress1, A1)
}

#[test]
fn section4_tunnel_impact_table() {
    use Recommendation::*;
    let g = || on_gateway(GW);
    let rows = vec![
        Row {
            name: "both available, maintained carries traffic: failover < 1 min",
            event: a1_event(),
            connection: dual_conn("vco-a", g(), (A1, St::Up), (A2, St::Up)),
            expect: vec![("tun-a1", Effect::Failover, 60, AutoFailover)],
        },
        Row {
            name: "both available, other idle: failover < 1 min",
            event: a1_event(),
            connection: dual_conn("vco-a", g(), (A1, St::Up), (A2, St::Idle)),
            expect: vec![("tun-a1", Effect::Failover, 60, AutoFailover)],
        },
        Row {
            name: "both available, maintained carries no traffic: failover, 0 s",
            event: a1_event(),
            connection: dual_conn("vco-a", g(), (A1, St::Idle), (A2, St::Up)),
            expect: vec![("tun-a1", Effect::Failover, 0, AutoFailover)],
        },
        Row {
            name: "maintained tunnel is tunnel 2: same rule",
            event: a1_event(),
            connection: dual_conn("vco-b", g(), (A2, St::Up), (A1, St::Up)),
            expect: vec![("tun-b2", Effect::Failover, 60, AutoFailover)],
        },
        Row {
            name: "only the maintained tunnel available: interruption 10 min",
            event: a1_event(),
            connection: dual_conn("vco-a", g(), (A1, St::Up), (A2, St::Down)),
            expect: vec![(
                "tun-a1",
                Effect::Interruption,
                600,
                KeepBothTunnelsAvailable,
            )],
        },
        Row {
            name: "only the maintained tunnel available, idle: still interruption 10 min",
            event: a1_event(),
            connection: dual_conn("vco-a", g(), (A1, St::Idle), (A2, St::Down)),
            expect: vec![(
                "tun-a1",
                Effect::Interruption,
                600,
                KeepBothTunnelsAvailable,
            )],
        },
        Row {
            name: "maintained tunnel unavailable: none",
            event: a1_event(),
            connection: dual_conn("vco-a", g(), (A1, St::Down), (A2, St::Up)),
            expect: vec![("tun-a1", Effect::None, 0, RestoreOtherTunnel)],
        },
        Row {
            name: "single-tunnel connection on a VPN gateway: interruption 5 min",
            event: a1_event(),
            connection: single_conn("vco-c", g(), (A1, St::Up)),
            expect: vec![("tun-c1", Effect::Interruption, 300, UpgradeToDualTunnel)],
        },
        Row {
            name: "single-tunnel connection, idle: always interruption 5 min",
            event: a1_event(),
            connection: single_conn("vco-c", g(), (A1, St::Idle)),
            expect: vec![("tun-c1", Effect::Interruption, 300, UpgradeToDualTunnel)],
        },
        Row {
            name: "single-tunnel connection on a single-tunnel gateway",
            event: gateway_event(SGW, GatewayIpRole::GatewayAddress, SADDR),
            connection: single_conn("vco-s", on_gateway(SGW), (SADDR, St::Up)),
            expect: vec![("tun-s1", Effect::Interruption, 300, UpgradeToDualTunnel)],
        },
        Row {
            name: "single-tunnel connection on a transit router: interruption 5 min",
            event: connection_event("vco-ts", TR1),
            connection: single_conn("vco-ts", on_tr(TR), (TR1, St::Up)),
            expect: vec![("tun-ts1", Effect::Interruption, 300, RedundantConnections)],
        },
        Row {
            name: "dual-tunnel connection on a transit router, both available: failover",
            event: connection_event("vco-tr", TR2),
            connection: dual_conn("vco-tr", on_tr(TR), (TR1, St::Up), (TR2, St::Up)),
            expect: vec![("tun-tr2", Effect::Failover, 60, AutoFailover)],
        },
        Row {
            name: "dual-tunnel connection on a transit router, only maintained available",
            event: connection_event("vco-tr", TR2),
            connection: dual_conn("vco-tr", on_tr(TR), (TR1, St::Down), (TR2, St::Idle)),
            expect: vec![(
                "tun-tr2",
                Effect::Interruption,
                600,
                KeepBothTunnelsAvailable,
            )],
        },
        Row {
            name: "dual-tunnel connection on a transit router, maintained unavailable",
            event: connection_event("vco-tr", TR2),
            connection: dual_conn("vco-tr", on_tr(TR), (TR1, St::Up), (TR2, St::Down)),
            expect: vec![("tun-tr2", Effect::None, 0, RestoreOtherTunnel)],
        },
        // ---- the open cases of impact.rs ----
        Row {
            name: "open: both tunnels unavailable: none, 0 s",
            event: a1_event(),
            connection: dual_conn("vco-a", g(), (A1, St::Down), (A2, St::Down)),
            expect: vec![("tun-a1", Effect::None, 0, RestoreOtherTunnel)],
        },
        Row {
            name: "open: both tunnels on the maintained address: interruption 10 min each",
            event: a1_event(),
            connection: dual_conn("vco-e", g(), (A1, St::Up), (A1, St::Idle)),
            expect: vec![
                (
                    "tun-e1",
                    Effect::Interruption,
                    600,
                    KeepBothTunnelsAvailable,
                ),
                (
                    "tun-e2",
                    Effect::Interruption,
                    600,
                    KeepBothTunnelsAvailable,
                ),
            ],
        },
        Row {
            name: "open: both on the maintained address, one unavailable",
            event: a1_event(),
            connection: dual_conn("vco-e", g(), (A1, St::Up), (A1, St::Down)),
            expect: vec![
                (
                    "tun-e1",
                    Effect::Interruption,
                    600,
                    KeepBothTunnelsAvailable,
                ),
                ("tun-e2", Effect::None, 0, RestoreOtherTunnel),
            ],
        },
        Row {
            name: "open: dual-tunnel connection whose other tunnel is missing",
            event: a1_event(),
            connection: Connection {
                tunnels: vec![tunnel("vco-m", 1, A1, St::Up)],
                ..dual_conn("vco-m", g(), (A1, St::Up), (A2, St::Up))
            },
            expect: vec![(
                "tun-m1",
                Effect::Interruption,
                600,
                KeepBothTunnelsAvailable,
            )],
        },
        Row {
            name: "open: single-tunnel connection whose tunnel is unavailable: still 5 min",
            event: a1_event(),
            connection: single_conn("vco-c", g(), (A1, St::Down)),
            expect: vec![("tun-c1", Effect::Interruption, 300, UpgradeToDualTunnel)],
        },
        Row {
            name: "open: single-tunnel transit-router connection, tunnel unavailable",
            event: connection_event("vco-ts", TR1),
            connection: single_conn("vco-ts", on_tr(TR), (TR1, St::Down)),
            expect: vec![("tun-ts1", Effect::Interruption, 300, RedundantConnections)],
        },
    ];
    for row in rows {
        let gateway = match &row.event.resource {
            ResourceRef::VpnGateway { id } if id.as_str() == SGW => Some(single_gateway(SGW, 0)),
            ResourceRef::VpnGateway { .. } => Some(dual_gateway(GW, 0)),
            ResourceRef::IpsecConnection { .. } => None,
        };
        let impact = affected_resources(
            &row.event,
            gateway.as_ref(),
            std::slice::from_ref(&row.connection),
        );
        let expected: Vec<_> = row
            .expect
            .iter()
            .map(|(id, e, s, r)| (id.to_string(), *e, *s, *r))
            .collect();
        assert_eq!(tunnel_impacts(&impact), expected, "{}", row.name);
        assert!(ssl_items(&impact).is_empty(), "{}", row.name);
    }
}

#[test]
fn section4_ssl_clients_are_disconnected_for_the_event_duration() {
    // (gateway, event, clients)
    let rows = vec![
        (
            dual_gateway(GW, 12),
            gateway_event(GW, GatewayIpRole::SslAddress, SSL),
            12,
        ),
        (
            single_gateway(SGW, 3),
            gateway_event(SGW, GatewayIpRole::GatewayAddress, SADDR),
            3,
        ),
        (
            dual_gateway(GW, 1),
            gateway_event(GW, GatewayIpRole::SslAddress, SSL),
            1,
        ),
    ];
    for (gateway, event, clients) in rows {
        let impact = affected_resources(&event, Some(&gateway), &[]);
        assert_eq!(
            ssl_items(&impact),
            vec![(
                gateway.id.to_string(),
                clients,
                Effect::Disconnect,
                EVENT_DURATION_S
            )],
            "{}",
            gateway.id
        );
        assert_eq!(impact.summary.ssl_clients, clients);
        assert_eq!(impact.summary.max_interruption_s, EVENT_DURATION_S);
        assert_eq!(impact.summary.tunnels, 0);
        assert_eq!(impact.summary.connections, 0);
    }
}

#[test]
fn section4_ipsec_address_events_do_not_touch_ssl_clients() {
    let (gateway, connections) = dual_fixture();
    for (role, addr) in [
        (GatewayIpRole::IpsecAddress1, A1),
        (GatewayIpRole::IpsecAddress2, A2),
    ] {
        let impact =
            affected_resources(&gateway_event(GW, role, addr), Some(&gateway), &connections);
        assert!(ssl_items(&impact).is_empty());
        assert_eq!(impact.summary.ssl_clients, 0);
    }
}

// ---------------------------------------------------------------------------------------------
// The open cases that are not about one tunnel
// ---------------------------------------------------------------------------------------------

#[test]
fn open_case_gateway_with_no_connections() {
    let rows = vec![
        (
            dual_gateway(GW, 4),
            gateway_event(GW, GatewayIpRole::IpsecAddress1, A1),
            Summary::default(),
        ),
        (
            dual_gateway(GW, 4),
            gateway_event(GW, GatewayIpRole::IpsecAddress2, A2),
            Summary::default(),
        ),
        (
            single_gateway(SGW, 0),
            gateway_event(SGW, GatewayIpRole::GatewayAddress, SADDR),
            Summary::default(),
        ),
        // SSL clients still count on a single-tunnel gateway.
        (
            single_gateway(SGW, 4),
            gateway_event(SGW, GatewayIpRole::GatewayAddress, SADDR),
            Summary {
                max_interruption_s: EVENT_DURATION_S,
                ssl_clients: 4,
                ..Summary::default()
            },
        ),
    ];
    for (gateway, event, summary) in rows {
        let impact = affected_resources(&event, Some(&gateway), &[]);
        assert!(tunnel_ids(&impact).is_empty());
        assert_eq!(
            impact.summary, summary,
            "{} {:?}",
            gateway.id, event.gateway_ip
        );
        if summary.ssl_clients == 0 {
            assert!(impact.affected.is_empty(), "{}", gateway.id);
        }
    }
}

#[test]
fn open_case_address_that_no_tunnel_uses() {
    let gateway = dual_gateway(GW, 5);
    // Every tunnel of GW is on address 1; the event maintains address 2, or an unknown address.
    let connections = vec![
        dual_conn("vco-a", on_gateway(GW), (A1, St::Up), (A1, St::Up)),
        single_conn("vco-c", on_gateway(GW), (A1, St::Up)),
        // The unknown address is used, but by another gateway's connection.
        single_conn("vco-x", on_gateway(OTHER_GW), (UNUSED, St::Up)),
    ];
    for (role, addr) in [
        (GatewayIpRole::IpsecAddress2, A2),
        (GatewayIpRole::IpsecAddress1, UNUSED),
    ] {
        let impact =
            affected_resources(&gateway_event(GW, role, addr), Some(&gateway), &connections);
        assert!(impact.affected.is_empty(), "{role:?} {addr}");
        assert_eq!(impact.summary, Summary::default(), "{role:?} {addr}");
    }
}

#[test]
fn open_case_ssl_event_with_no_clients() {
    let gateway = dual_gateway(GW, 0);
    let (_, connections) = dual_fixture();
    let impact = affected_resources(
        &gateway_event(GW, GatewayIpRole::SslAddress, SSL),
        Some(&gateway),
        &connections,
    );
    assert!(tunnel_ids(&impact).is_empty());
    assert_eq!(impact.summary, Summary::default());
    // The preview may still list the (empty) SSL clients, but nobody is disconnected.
    for (gw, count, effect, secs) in ssl_items(&impact) {
        assert_eq!(gw, GW);
        assert_eq!(count, 0);
        assert_eq!(effect, Effect::Disconnect);
        assert_eq!(secs, 0);
    }
}

// ---------------------------------------------------------------------------------------------
// The summary
// ---------------------------------------------------------------------------------------------

#[test]
fn summary_of_a_mixed_dual_gateway_event() {
    let gateway = dual_gateway(GW, 9);
    let g = || on_gateway(GW);
    let connections = vec![
        dual_conn("vco-f", g(), (A1, St::Up), (A2, St::Up)), // failover 60
        dual_conn("vco-g", g(), (A1, St::Idle), (A2, St::Up)), // failover 0
        dual_conn("vco-h", g(), (A1, St::Up), (A2, St::Down)), // interruption 600
        dual_conn("vco-i", g(), (A1, St::Down), (A2, St::Up)), // none 0
        dual_conn("vco-j", g(), (A1, St::Up), (A1, St::Up)), // 2 × interruption 600
        single_conn("vco-k", g(), (A1, St::Up)),             // interruption 300
        single_conn("vco-l", g(), (A2, St::Up)),             // not affected
        dual_conn("vco-x", on_gateway(OTHER_GW), (A1, St::Up), (A2, St::Down)), // ignored
    ];
    let impact = affected_resources(
        &gateway_event(GW, GatewayIpRole::IpsecAddress1, A1),
        Some(&gateway),
        &connections,
    );
    assert_eq!(
        impact.summary,
        Summary {
            max_interruption_s: 600,
            tunnels: 7,
            connections: 6,
            ssl_clients: 0,
            tunnels_failover: 2,
            tunnels_interrupted: 4,
            tunnels_unaffected: 1,
        }
    );
}

#[test]
fn summary_table() {
    let g = || on_gateway(GW);
    // (name, event, gateway, connections, expected summary)
    let rows: Vec<(&str, OmEvent, Gateway, Vec<Connection>, Summary)> = vec![
        (
            "only failovers: worst is 60 s",
            a1_event(),
            dual_gateway(GW, 3),
            vec![
                dual_conn("vco-a", g(), (A1, St::Up), (A2, St::Up)),
                dual_conn("vco-b", g(), (A2, St::Up), (A1, St::Idle)),
            ],
            Summary {
                max_interruption_s: 60,
                tunnels: 2,
                connections: 2,
                tunnels_failover: 2,
                ..Summary::default()
            },
        ),
        (
            "only idle failovers and unavailable tunnels: worst is 0 s",
            a1_event(),
            dual_gateway(GW, 3),
            vec![
                dual_conn("vco-a", g(), (A1, St::Idle), (A2, St::Up)),
                dual_conn("vco-b", g(), (A1, St::Down), (A2, St::Down)),
            ],
            Summary {
                tunnels: 2,
                connections: 2,
                tunnels_failover: 1,
                tunnels_unaffected: 1,
                ..Summary::default()
            },
        ),
        (
            "single-tunnel gateway: tunnels and SSL clients together",
            gateway_event(SGW, GatewayIpRole::GatewayAddress, SADDR),
            single_gateway(SGW, 25),
            vec![
                single_conn("vco-s", on_gateway(SGW), (SADDR, St::Up)),
                single_conn("vco-t", on_gateway(SGW), (SADDR, St::Down)),
            ],
            Summary {
                max_interruption_s: EVENT_DURATION_S.max(300),
                tunnels: 2,
                connections: 2,
                ssl_clients: 25,
                tunnels_interrupted: 2,
                ..Summary::default()
            },
        ),
        (
            "single-tunnel gateway without SSL clients: worst is 5 min",
            gateway_event(SGW, GatewayIpRole::GatewayAddress, SADDR),
            single_gateway(SGW, 0),
            vec![single_conn("vco-s", on_gateway(SGW), (SADDR, St::Idle))],
            Summary {
                max_interruption_s: 300,
                tunnels: 1,
                connections: 1,
                tunnels_interrupted: 1,
                ..Summary::default()
            },
        ),
        (
            "two tunnels of one connection count as one connection",
            a1_event(),
            dual_gateway(GW, 0),
            vec![dual_conn("vco-e", g(), (A1, St::Up), (A1, St::Down))],
            Summary {
                max_interruption_s: 600,
                tunnels: 2,
                connections: 1,
                tunnels_interrupted: 1,
                tunnels_unaffected: 1,
                ..Summary::default()
            },
        ),
    ];
    for (name, event, gateway, connections, summary) in rows {
        let impact = affected_resources(&event, Some(&gateway), &connections);
        assert_eq!(impact.summary, summary, "{name}");
        // The summary agrees with the items it sums up.
        let s = &impact.summary;
        assert_eq!(
            s.max_interruption_s,
            impact
                .affected
                .iter()
                .map(AffectedItem::max_interruption_s)
                .max()
                .unwrap_or(0),
            "{name}"
        );
        assert_eq!(
            s.tunnels,
            s.tunnels_failover + s.tunnels_interrupted + s.tunnels_unaffected,
            "{name}"
        );
    }
}

#[test]
fn effect_names_and_item_accessors() {
    let rows = [
        (Effect::Failover, "failover"),
        (Effect::Interruption, "interruption"),
        (Effect::None, "none"),
        (Effect::Disconnect, "disconnect"),
    ];
    for (effect, name) in rows {
        assert_eq!(effect.as_str(), name);
        assert_eq!(serde_json::to_value(effect).unwrap(), json!(name));
    }
    let impact = affected_resources(
        &gateway_event(SGW, GatewayIpRole::GatewayAddress, SADDR),
        Some(&single_gateway(SGW, 2)),
        &[single_conn("vco-s", on_gateway(SGW), (SADDR, St::Up))],
    );
    let pairs: Vec<(Effect, u32)> = impact
        .affected
        .iter()
        .map(|i| (i.effect(), i.max_interruption_s()))
        .collect();
    assert!(pairs.contains(&(Effect::Interruption, 300)));
    assert!(pairs.contains(&(Effect::Disconnect, EVENT_DURATION_S)));
}

// ---------------------------------------------------------------------------------------------
// Section 5: validate
// ---------------------------------------------------------------------------------------------

fn pending_event() -> OmEvent {
    a1_event()
}

fn at(execute_at: DateTime<Utc>) -> ExecutionRequest {
    ExecutionRequest::At { execute_at }
}

#[test]
fn validate_refuses_every_status_but_pending() {
    for status in EventStatus::ALL {
        if status == EventStatus::Pending {
            continue;
        }
        let event = OmEvent {
            status,
            ..pending_event()
        };
        for request in [ExecutionRequest::Now, at(now()), at(default_at())] {
            let err = validate(&event, &request, now()).unwrap_err();
            assert_eq!(
                err.code,
                ScheduleErrorCode::NotPending,
                "{status:?} {request:?}"
            );
            assert!(
                err.to_string().contains(status.as_str()),
                "the message names the status: {err}"
            );
        }
    }
}

#[test]
fn validate_boundaries_table() {
    let one = Duration::seconds(1);
    // (name, request, expected)
    let rows: Vec<(
        &str,
        ExecutionRequest,
        Result<ExecutionPlan, ScheduleErrorCode>,
    )> = vec![
        (
            "exactly the default execution time",
            at(default_at()),
            Ok(ExecutionPlan {
                execute_at: default_at(),
                execute_now: false,
            }),
        ),
        (
            "one second after the default",
            at(default_at() + one),
            Err(ScheduleErrorCode::AfterDefaultExecutionTime),
        ),
        (
            "a day after the default",
            at(default_at() + Duration::days(1)),
            Err(ScheduleErrorCode::AfterDefaultExecutionTime),
        ),
        (
            "exactly now",
            at(now()),
            Ok(ExecutionPlan {
                execute_at: now(),
                execute_now: false,
            }),
        ),
        (
            "one second before now",
            at(now() - one),
            Err(ScheduleErrorCode::InThePast),
        ),
        (
            "a year ago",
            at(now() - Duration::days(365)),
            Err(ScheduleErrorCode::InThePast),
        ),
        (
            "between now and the default",
            at(t(2026, 11, 25, 3, 30, 0)),
            Ok(ExecutionPlan {
                execute_at: t(2026, 11, 25, 3, 30, 0),
                execute_now: false,
            }),
        ),
        (
            "execute now",
            ExecutionRequest::Now,
            Ok(ExecutionPlan {
                execute_at: now(),
                execute_now: true,
            }),
        ),
    ];
    for (name, request, expected) in rows {
        let got = validate(&pending_event(), &request, now()).map_err(|e| e.code);
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn validate_a_rescheduled_event_may_move_again_up_to_the_default() {
    let event = OmEvent {
        execute_at: now() + Duration::hours(1),
        version: 2,
        ..pending_event()
    };
    assert!(event.is_rescheduled());
    assert!(!pending_event().is_rescheduled());
    assert_eq!(
        validate(&event, &at(default_at()), now()).map(|p| p.execute_at),
        Ok(default_at())
    );
    assert_eq!(
        validate(&event, &at(now() + Duration::minutes(5)), now()).map(|p| p.execute_at),
        Ok(now() + Duration::minutes(5))
    );
}

#[test]
fn validate_when_the_default_has_passed_only_now_is_accepted() {
    let event = OmEvent {
        default_execute_at: now() - Duration::minutes(1),
        execute_at: now() - Duration::minutes(1),
        ..pending_event()
    };
    assert!(validate(&event, &at(now()), now()).is_err());
    assert!(validate(&event, &at(event.default_execute_at), now()).is_err());
    // It runs at once, recorded at its default time: an execution time is never later.
    assert_eq!(
        validate(&event, &ExecutionRequest::Now, now()),
        Ok(ExecutionPlan {
            execute_at: event.default_execute_at,
            execute_now: true
        })
    );
}

#[test]
fn validate_messages_show_the_times() {
    let err = validate(
        &pending_event(),
        &at(default_at() + Duration::seconds(1)),
        now(),
    )
    .unwrap_err();
    assert!(err.message.contains("2026-12-01 18:00:00 UTC"), "{err}");
    let err = validate(&pending_event(), &at(now() - Duration::seconds(1)), now()).unwrap_err();
    assert!(err.message.contains("2026-11-20 09:59:59 UTC"), "{err}");
    assert!(err.message.contains("2026-11-20 10:00:00 UTC"), "{err}");
}

#[test]
fn schedule_error_codes_serialize_as_their_names() {
    let rows = [
        (ScheduleErrorCode::NotPending, "not_pending"),
        (
            ScheduleErrorCode::AfterDefaultExecutionTime,
            "after_default_execution_time",
        ),
        (ScheduleErrorCode::InThePast, "in_the_past"),
        (
            ScheduleErrorCode::NonexistentLocalTime,
            "nonexistent_local_time",
        ),
        (
            ScheduleErrorCode::AmbiguousLocalTime,
            "ambiguous_local_time",
        ),
    ];
    for (code, name) in rows {
        assert_eq!(code.as_str(), name);
        assert_eq!(serde_json::to_value(code).unwrap(), json!(name));
    }
}

// ---------------------------------------------------------------------------------------------
// The lifecycle
// ---------------------------------------------------------------------------------------------

#[test]
fn lifecycle_transition_matrix() {
    use EventStatus::*;
    let legal = [
        (Pending, Executing),
        (Pending, Cancelled),
        (Executing, Completed),
        (Executing, Failed),
    ];
    let mut checked = 0;
    for from in EventStatus::ALL {
        for to in EventStatus::ALL {
            checked += 1;
            let got = from.transition(to);
            if legal.contains(&(from, to)) {
                assert_eq!(got, Ok(to), "{from:?} -> {to:?} is legal");
            } else {
                let err = got.unwrap_err();
                assert_eq!(err, IllegalTransition { from, to }, "{from:?} -> {to:?}");
                let text = err.to_string();
                assert!(
                    text.contains(from.as_str()) && text.contains(to.as_str()),
                    "{text}"
                );
            }
        }
    }
    assert_eq!(checked, 25);
}

#[test]
fn lifecycle_current_and_final() {
    use EventStatus::*;
    let rows = [
        (Pending, true),
        (Executing, true),
        (Completed, false),
        (Failed, false),
        (Cancelled, false),
    ];
    for (status, current) in rows {
        assert_eq!(status.is_current(), current, "{status:?}");
        assert_eq!(status.is_final(), !current, "{status:?}");
        // A final status has no way out.
        if !current {
            for to in EventStatus::ALL {
                assert!(status.transition(to).is_err(), "{status:?} -> {to:?}");
            }
        }
    }
}

#[test]
fn enum_names_agree_with_their_json() {
    for status in EventStatus::ALL {
        assert_eq!(
            serde_json::to_value(status).unwrap(),
            json!(status.as_str())
        );
        assert_eq!(EventStatus::parse(status.as_str()), Some(status));
    }
    assert_eq!(EventStatus::parse("Pending"), None);
    for role in GatewayIpRole::ALL {
        assert_eq!(serde_json::to_value(role).unwrap(), json!(role.as_str()));
        assert_eq!(GatewayIpRole::parse(role.as_str()), Some(role));
        assert_eq!(
            serde_json::from_value::<GatewayIpRole>(json!(role.as_str())).unwrap(),
            role
        );
    }
    let role_names: Vec<&str> = GatewayIpRole::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        role_names,
        [
            "ipsec_address_1",
            "ipsec_address_2",
            "ssl_address",
            "gateway_address",
            "tunnel_address"
        ]
    );
    for reason in Reason::ALL {
        assert_eq!(
            serde_json::to_value(reason).unwrap(),
            json!(reason.as_str())
        );
        assert_eq!(Reason::parse(reason.as_str()), Some(reason));
    }
    let reason_names: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        reason_names,
        ["system_upgrade", "hardware_upgrade", "issue_fix"]
    );
    for mode in [TunnelMode::DualTunnel, TunnelMode::SingleTunnel] {
        assert_eq!(serde_json::to_value(mode).unwrap(), json!(mode.as_str()));
        assert_eq!(TunnelMode::parse(mode.as_str()), Some(mode));
    }
    for state in [TunnelState::Available, TunnelState::Unavailable] {
        assert_eq!(serde_json::to_value(state).unwrap(), json!(state.as_str()));
        assert_eq!(TunnelState::parse(state.as_str()), Some(state));
    }
}

// ---------------------------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------------------------

fn check_id_kind<T>(prefix: &str, kind: &str, other_prefix: &str)
where
    T: FromStr<Err = IdError> + Display + Debug + PartialEq + Serialize + DeserializeOwned,
{
    let good = [
        format!("{prefix}bp1abc123"),
        format!("{prefix}0"),
        format!("{prefix}z"),
        format!("{prefix}{}", "a".repeat(MAX_ID_LEN - prefix.len())),
    ];
    for s in &good {
        let parsed: T = s.parse().unwrap_or_else(|e| panic!("{s} refused: {e}"));
        assert_eq!(parsed.to_string(), *s);
        let j = serde_json::to_value(&parsed).unwrap();
        assert_eq!(j, json!(s));
        assert_eq!(serde_json::from_value::<T>(j).unwrap(), parsed);
    }
    let bad = [
        ("wrong prefix", format!("{other_prefix}abc123")),
        (
            "prefix without hyphen",
            format!("{}abc", prefix.trim_end_matches('-')),
        ),
        ("uppercase prefix", format!("{}abc", prefix.to_uppercase())),
        ("empty suffix", prefix.to_string()),
        ("empty", String::new()),
        ("uppercase suffix", format!("{prefix}ABC123")),
        ("mixed case suffix", format!("{prefix}abC")),
        (
            "too long",
            format!("{prefix}{}", "a".repeat(MAX_ID_LEN - prefix.len() + 1)),
        ),
        ("non-ASCII", format!("{prefix}caf\u{e9}")),
        ("non-ASCII digit", format!("{prefix}\u{661}\u{662}")),
        ("hyphen in suffix", format!("{prefix}ab-cd")),
        ("underscore", format!("{prefix}ab_cd")),
        ("leading space", format!(" {prefix}abc")),
        ("trailing space", format!("{prefix}abc ")),
        ("newline", format!("{prefix}abc\n")),
    ];
    for (why, s) in &bad {
        let err = T::from_str(s).expect_err(&format!("{why}: {s:?} accepted"));
        assert_eq!(err.kind, kind, "{why}");
        assert_eq!(err.input, *s, "{why}");
        let text = err.to_string();
        assert!(text.contains(kind), "{why}: '{text}' names the kind");
        assert!(
            serde_json::from_value::<T>(json!(s)).is_err(),
            "{why}: JSON {s:?} accepted"
        );
    }
    // The message never echoes a huge input back.
    let huge = format!("{prefix}{}", "q".repeat(10_000));
    let text = T::from_str(&huge).unwrap_err().to_string();
    assert!(text.len() < 400, "{} characters", text.len());
    assert!(text.contains(kind));
}

#[test]
fn identifiers_of_every_kind() {
    check_id_kind::<GatewayId>("vpn-", "VPN gateway ID", "vco-");
    check_id_kind::<ConnectionId>("vco-", "IPsec-VPN connection ID", "vpn-");
    check_id_kind::<TunnelId>("tun-", "tunnel ID", "cgw-");
    check_id_kind::<CustomerGatewayId>("cgw-", "customer gateway ID", "tun-");
    check_id_kind::<TransitRouterId>("tr-", "transit router ID", "om-");
    check_id_kind::<EventId>("om-", "O&M event ID", "tr-");
    assert_eq!(GatewayId::PREFIX, "vpn-");
    assert_eq!(ConnectionId::PREFIX, "vco-");
    assert_eq!(TunnelId::PREFIX, "tun-");
    assert_eq!(CustomerGatewayId::PREFIX, "cgw-");
    assert_eq!(TransitRouterId::PREFIX, "tr-");
    assert_eq!(EventId::PREFIX, "om-");
    assert_eq!(id::<GatewayId>("vpn-abc").as_str(), "vpn-abc");
    assert_eq!(String::from(id::<EventId>("om-1")), "om-1");
}

#[test]
fn region_ids() {
    let good = [
        "cn-hangzhou",
        "ap-southeast-1",
        "us-east-1",
        "eu-central-1",
        "a-b",
        "cn-hangzhou-finance-1",
    ];
    for s in good {
        let r: RegionId = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(r.as_str(), s);
        assert_eq!(r.to_string(), s);
        assert_eq!(serde_json::to_value(&r).unwrap(), json!(s));
    }
    let max = format!("a-{}", "b".repeat(30));
    assert_eq!(max.len(), 32);
    assert!(max.parse::<RegionId>().is_ok());
    let bad = [
        ("empty", String::new()),
        ("no hyphen", "cnhangzhou".to_string()),
        ("uppercase", "CN-hangzhou".to_string()),
        ("underscore", "cn_hangzhou".to_string()),
        ("double hyphen", "cn--hangzhou".to_string()),
        ("leading hyphen", "-cn".to_string()),
        ("trailing hyphen", "cn-".to_string()),
        ("space", "cn-hangzhou ".to_string()),
        ("non-ASCII", "cn-h\u{e1}ngzhou".to_string()),
        ("too long", format!("a-{}", "b".repeat(31))),
    ];
    for (why, s) in bad {
        let err = s
            .parse::<RegionId>()
            .expect_err(&format!("{why}: {s:?} accepted"));
        assert_eq!(err.kind, "region ID");
        assert!(err.to_string().contains("region ID"), "{err}");
        assert!(
            serde_json::from_value::<RegionId>(json!(s)).is_err(),
            "{why}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The execution request body
// ---------------------------------------------------------------------------------------------

#[test]
fn execution_request_accepted_bodies() {
    let rows = [
        (r#"{"mode":"now"}"#, ExecutionRequest::Now),
        (
            r#"{"mode":"at","execute_at":"2026-12-01T18:00:00Z"}"#,
            at(t(2026, 12, 1, 18, 0, 0)),
        ),
        (
            r#"{"execute_at":"2026-12-01T18:00:00Z","mode":"at"}"#,
            at(t(2026, 12, 1, 18, 0, 0)),
        ),
    ];
    for (body, expected) in rows {
        let got: ExecutionBody =
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{body}: {e}"));
        assert_eq!(got.request(), expected, "{body}");
    }
    let parsed = DateTime::parse_from_rfc3339("2026-12-01T18:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(parsed, t(2026, 12, 1, 18, 0, 0));
}

#[test]
fn execution_request_refused_bodies() {
    let rows = [
        ("unknown mode", r#"{"mode":"later"}"#),
        ("mode in capitals", r#"{"mode":"NOW"}"#),
        ("no mode", r#"{"execute_at":"2026-12-01T18:00:00Z"}"#),
        ("empty object", r#"{}"#),
        ("missing execute_at", r#"{"mode":"at"}"#),
        ("execute_at is null", r#"{"mode":"at","execute_at":null}"#),
        ("extra field on now", r#"{"mode":"now","force":true}"#),
        ("a list of events", r#"{"mode":"now","events":[]}"#),
        (
            "extra field on at",
            r#"{"mode":"at","execute_at":"2026-12-01T18:00:00Z","x":1}"#,
        ),
        (
            "execute_at with mode now",
            r#"{"mode":"now","execute_at":"2026-12-01T18:00:00Z"}"#,
        ),
        (
            "execute_at not a time",
            r#"{"mode":"at","execute_at":"tomorrow"}"#,
        ),
        (
            "execute_at a number",
            r#"{"mode":"at","execute_at":1796148000}"#,
        ),
        ("mode not a string", r#"{"mode":1}"#),
        ("not an object", r#""now""#),
    ];
    for (why, body) in rows {
        assert!(
            serde_json::from_str::<ExecutionBody>(body).is_err(),
            "{why}: {body} accepted"
        );
    }
    let err = serde_json::from_str::<ExecutionBody>(r#"{"mode":"later"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("later"), "{err}");
}

#[test]
fn execution_request_serialization_round_trips() {
    let rows = [
        (ExecutionRequest::Now, json!({"mode": "now"})),
        (
            at(t(2026, 12, 1, 18, 0, 0)),
            json!({"mode": "at", "execute_at": "2026-12-01T18:00:00Z"}),
        ),
    ];
    for (request, expected) in rows {
        let body = ExecutionBody::new(request.clone(), false);
        let value = serde_json::to_value(&body).unwrap();
        assert_eq!(value, expected);
        let text = serde_json::to_string(&body).unwrap();
        assert_eq!(
            serde_json::from_str::<ExecutionBody>(&text)
                .unwrap()
                .request(),
            request
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Local times and DST
// ---------------------------------------------------------------------------------------------

/// America/New_York in 2026: EST (−5 h) until 2026-03-08T07:00Z, EDT (−4 h) until
/// 2026-11-01T06:00Z, EST again after.
fn new_york(at: DateTime<Utc>) -> i32 {
    if at < t(2026, 3, 8, 7, 0, 0) || at >= t(2026, 11, 1, 6, 0, 0) {
        -5 * 3600
    } else {
        -4 * 3600
    }
}

/// Europe/Berlin in 2026: CET (+1 h) until 2026-03-29T01:00Z, CEST (+2 h) until
/// 2026-10-25T01:00Z, CET again after.
fn berlin(at: DateTime<Utc>) -> i32 {
    if at < t(2026, 3, 29, 1, 0, 0) || at >= t(2026, 10, 25, 1, 0, 0) {
        3600
    } else {
        2 * 3600
    }
}

fn shanghai(_: DateTime<Utc>) -> i32 {
    8 * 3600
}

#[test]
fn resolve_local_new_york() {
    let rows = [
        (
            wall(2026, 1, 15, 9, 0),
            LocalTime::Unique(t(2026, 1, 15, 14, 0, 0)),
        ),
        (
            wall(2026, 6, 15, 12, 0),
            LocalTime::Unique(t(2026, 6, 15, 16, 0, 0)),
        ),
        (
            wall(2026, 12, 1, 13, 0),
            LocalTime::Unique(t(2026, 12, 1, 18, 0, 0)),
        ),
        // Spring forward: 02:00-02:59 does not exist.
        (
            wall(2026, 3, 8, 1, 59),
            LocalTime::Unique(t(2026, 3, 8, 6, 59, 0)),
        ),
        (wall(2026, 3, 8, 2, 0), LocalTime::Nonexistent),
        (wall(2026, 3, 8, 2, 30), LocalTime::Nonexistent),
        (wall(2026, 3, 8, 2, 59), LocalTime::Nonexistent),
        (
            wall(2026, 3, 8, 3, 0),
            LocalTime::Unique(t(2026, 3, 8, 7, 0, 0)),
        ),
        // Fall back: 01:00-01:59 happens twice.
        (
            wall(2026, 11, 1, 0, 59),
            LocalTime::Unique(t(2026, 11, 1, 4, 59, 0)),
        ),
        (
            wall(2026, 11, 1, 1, 0),
            LocalTime::Ambiguous {
                earlier: t(2026, 11, 1, 5, 0, 0),
                later: t(2026, 11, 1, 6, 0, 0),
            },
        ),
        (
            wall(2026, 11, 1, 1, 30),
            LocalTime::Ambiguous {
                earlier: t(2026, 11, 1, 5, 30, 0),
                later: t(2026, 11, 1, 6, 30, 0),
            },
        ),
        (
            wall(2026, 11, 1, 2, 0),
            LocalTime::Unique(t(2026, 11, 1, 7, 0, 0)),
        ),
        // The day before and after each transition is ordinary.
        (
            wall(2026, 3, 7, 2, 30),
            LocalTime::Unique(t(2026, 3, 7, 7, 30, 0)),
        ),
        (
            wall(2026, 3, 9, 2, 30),
            LocalTime::Unique(t(2026, 3, 9, 6, 30, 0)),
        ),
        (
            wall(2026, 10, 31, 1, 30),
            LocalTime::Unique(t(2026, 10, 31, 5, 30, 0)),
        ),
        (
            wall(2026, 11, 2, 1, 30),
            LocalTime::Unique(t(2026, 11, 2, 6, 30, 0)),
        ),
    ];
    for (w, expected) in rows {
        assert_eq!(resolve_local(w, new_york), expected, "{w}");
    }
}

#[test]
fn resolve_local_berlin() {
    let rows = [
        (
            wall(2026, 2, 1, 12, 0),
            LocalTime::Unique(t(2026, 2, 1, 11, 0, 0)),
        ),
        (
            wall(2026, 7, 1, 12, 0),
            LocalTime::Unique(t(2026, 7, 1, 10, 0, 0)),
        ),
        (
            wall(2026, 3, 29, 1, 59),
            LocalTime::Unique(t(2026, 3, 29, 0, 59, 0)),
        ),
        (wall(2026, 3, 29, 2, 30), LocalTime::Nonexistent),
        (
            wall(2026, 3, 29, 3, 0),
            LocalTime::Unique(t(2026, 3, 29, 1, 0, 0)),
        ),
        (
            wall(2026, 10, 25, 2, 30),
            LocalTime::Ambiguous {
                earlier: t(2026, 10, 25, 0, 30, 0),
                later: t(2026, 10, 25, 1, 30, 0),
            },
        ),
        (
            wall(2026, 10, 25, 3, 0),
            LocalTime::Unique(t(2026, 10, 25, 2, 0, 0)),
        ),
    ];
    for (w, expected) in rows {
        assert_eq!(resolve_local(w, berlin), expected, "{w}");
    }
}

#[test]
fn local_to_utc_refuses_dst_gaps_and_overlaps() {
    assert_eq!(
        local_to_utc(wall(2026, 6, 15, 12, 0), new_york),
        Ok(t(2026, 6, 15, 16, 0, 0))
    );
    let err = local_to_utc(wall(2026, 3, 8, 2, 30), new_york).unwrap_err();
    assert_eq!(err.code, ScheduleErrorCode::NonexistentLocalTime);
    assert!(err.message.contains("2026-03-08 02:30"), "{err}");
    let err = local_to_utc(wall(2026, 11, 1, 1, 30), new_york).unwrap_err();
    assert_eq!(err.code, ScheduleErrorCode::AmbiguousLocalTime);
    assert!(err.message.contains("2026-11-01 01:30"), "{err}");
    assert!(err.message.contains("2026-11-01 05:30:00 UTC"), "{err}");
    assert!(err.message.contains("2026-11-01 06:30:00 UTC"), "{err}");
    let err = local_to_utc(wall(2026, 3, 29, 2, 30), berlin).unwrap_err();
    assert_eq!(err.code, ScheduleErrorCode::NonexistentLocalTime);
    let err = local_to_utc(wall(2026, 10, 25, 2, 30), berlin).unwrap_err();
    assert_eq!(err.code, ScheduleErrorCode::AmbiguousLocalTime);
}

#[test]
fn fixed_offset_zone_is_always_unique() {
    let walls = [
        wall(2026, 1, 1, 0, 0),
        wall(2026, 3, 8, 2, 30),
        wall(2026, 3, 29, 2, 30),
        wall(2026, 11, 1, 1, 30),
        wall(2026, 10, 25, 2, 30),
        wall(2026, 12, 31, 23, 59),
    ];
    for w in walls {
        let expected = Utc.from_utc_datetime(&w) - Duration::hours(8);
        assert_eq!(
            resolve_local(w, shanghai),
            LocalTime::Unique(expected),
            "{w}"
        );
        assert_eq!(local_to_utc(w, shanghai), Ok(expected), "{w}");
        // UTC itself and a half-hour zone too.
        assert_eq!(
            local_to_utc(w, |_| 0),
            Ok(Utc.from_utc_datetime(&w)),
            "{w} UTC"
        );
        assert_eq!(
            local_to_utc(w, |_| 5 * 3600 + 1800),
            Ok(Utc.from_utc_datetime(&w) - Duration::minutes(330)),
            "{w} +05:30"
        );
    }
}

#[test]
fn local_times_at_the_ends_of_the_calendar_do_not_panic() {
    // The domain never panics on a value of its input types: the extreme wall times are either
    // resolved (UTC) or refused, but answered.
    assert_eq!(
        local_to_utc(NaiveDateTime::MIN, |_| 0),
        Ok(NaiveDateTime::MIN.and_utc())
    );
    assert_eq!(
        local_to_utc(NaiveDateTime::MAX, |_| 0),
        Ok(NaiveDateTime::MAX.and_utc())
    );
    let _ = local_to_utc(NaiveDateTime::MIN, |_| 8 * 3600);
    let _ = resolve_local(NaiveDateTime::MAX, |_| -5 * 3600);
}

#[test]
fn offsets_format_with_sign_hours_and_minutes() {
    let rows = [
        (8 * 3600, "+08:00"),
        (0, "+00:00"),
        (-5 * 3600, "-05:00"),
        (5 * 3600 + 1800, "+05:30"),
        (-(3 * 3600 + 1800), "-03:30"),
        (14 * 3600, "+14:00"),
    ];
    for (offset, text) in rows {
        assert_eq!(format_offset(offset), text, "{offset}");
    }
}

// ---------------------------------------------------------------------------------------------
// The API's JSON shapes (DESIGN.md section 6)
// ---------------------------------------------------------------------------------------------

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

fn has_keys(v: &Value, wanted: &[&str]) {
    let got = keys(v);
    for w in wanted {
        assert!(got.iter().any(|k| k == w), "{w} missing from {v}");
    }
}

fn current_cell() -> OmEventsCell {
    OmEventsCell {
        current: Some(CurrentEvent {
            id: id("om-test0001"),
            default_execute_at: default_at(),
            execute_at: t(2026, 11, 25, 3, 30, 0),
            status: EventStatus::Pending,
            conflict: false,
        }),
        previous_executed_at: Some(t(2026, 5, 4, 2, 0, 0)),
        previous_verdict: None,
    }
}

#[test]
fn json_dual_tunnel_gateway_item() {
    let mut gateway = dual_gateway(GW, 5);
    gateway.addresses = Addresses::Dual {
        ipsec_address_1: Some(ip(A1)),
        ipsec_address_2: Some(ip(A2)),
        ssl_address: None,
    };
    let item = GatewayItem {
        gateway,
        om_events: current_cell(),
    };
    let v = serde_json::to_value(&item).unwrap();
    has_keys(
        &v,
        &[
            "id",
            "name",
            "status",
            "tunnel_mode",
            "addresses",
            "ssl_clients",
            "om_events",
        ],
    );
    assert_eq!(v["id"], json!(GW));
    assert_eq!(v["tunnel_mode"], json!("dual_tunnel"));
    assert_eq!(v["status"], json!("active"));
    assert_eq!(v["ssl_clients"], json!(5));
    assert_eq!(
        v["addresses"],
        json!({"ipsec_address_1": A1, "ipsec_address_2": A2, "ssl_address": null})
    );
    assert_eq!(
        v["om_events"],
        json!({
            "current": {
                "id": "om-test0001",
                "default_execute_at": "2026-12-01T18:00:00Z",
                "execute_at": "2026-11-25T03:30:00Z",
                "status": "pending",
                // DESIGN.md 10.2: the lists mark a conflicting row.
                "conflict": false,
            },
            "previous_executed_at": "2026-05-04T02:00:00Z",
            "previous_verdict": null,
        })
    );
    let back: GatewayItem = serde_json::from_value(v).unwrap();
    assert_eq!(back, item);
}

#[test]
fn json_single_tunnel_gateway_item() {
    let item = GatewayItem {
        gateway: single_gateway(SGW, 2),
        om_events: OmEventsCell::default(),
    };
    let v = serde_json::to_value(&item).unwrap();
    assert_eq!(v["tunnel_mode"], json!("single_tunnel"));
    assert_eq!(v["addresses"], json!({ "gateway_address": SADDR }));
    assert_eq!(keys(&v["addresses"]), ["gateway_address"]);
    assert_eq!(v["ssl_clients"], json!(2));
    assert_eq!(
        v["om_events"],
        json!({"current": null, "previous_executed_at": null, "previous_verdict": null})
    );
    let absent = Addresses::Single {
        gateway_address: None,
    };
    assert_eq!(
        serde_json::to_value(&absent).unwrap(),
        json!({ "gateway_address": null })
    );
}

#[test]
fn json_single_tunnel_gateway_item_round_trips() {
    let item = GatewayItem {
        gateway: single_gateway(SGW, 2),
        om_events: OmEventsCell::default(),
    };
    let text = serde_json::to_string(&item).unwrap();
    let back: GatewayItem = serde_json::from_str(&text).unwrap();
    assert_eq!(back.gateway.addresses, item.gateway.addresses, "{text}");
    let addresses: Addresses = serde_json::from_value(json!({ "gateway_address": SADDR })).unwrap();
    assert_eq!(
        addresses,
        Addresses::Single {
            gateway_address: Some(ip(SADDR))
        }
    );
}

#[test]
fn json_connection_items() {
    let rows = [
        (
            dual_conn("vco-a", on_gateway(GW), (A1, St::Up), (A2, St::Down)),
            json!({"kind": "vpn_gateway", "id": GW}),
        ),
        (
            single_conn("vco-ts", on_tr(TR), (TR1, St::Idle)),
            json!({"kind": "transit_router", "id": TR}),
        ),
    ];
    for (connection, attached_to) in rows {
        let item = ConnectionItem {
            connection: connection.clone(),
            om_events: current_cell(),
        };
        let v = serde_json::to_value(&item).unwrap();
        has_keys(
            &v,
            &[
                "id",
                "name",
                "tunnel_mode",
                "attached_to",
                "tunnels",
                "om_events",
            ],
        );
        assert_eq!(v["id"], json!(connection.id.as_str()));
        assert_eq!(v["tunnel_mode"], json!(connection.tunnel_mode.as_str()));
        assert_eq!(v["attached_to"], attached_to);
        assert_eq!(v["om_events"]["current"]["status"], json!("pending"));
        let tunnels = v["tunnels"].as_array().unwrap();
        assert_eq!(tunnels.len(), connection.tunnels.len());
        for (j, tun) in tunnels.iter().zip(&connection.tunnels) {
            has_keys(
                j,
                &[
                    "id",
                    "index",
                    "gateway_ip",
                    "customer_gateway",
                    "state",
                    "carries_traffic",
                ],
            );
            assert_eq!(j["id"], json!(tun.id.as_str()));
            assert_eq!(j["index"], json!(tun.index));
            assert_eq!(j["gateway_ip"], json!(tun.gateway_ip.to_string()));
            assert_eq!(
                j["customer_gateway"],
                json!({"id": tun.customer_gateway.id.as_str(), "ip": tun.customer_gateway.ip.to_string(),
                    "ike_version": "ikev2", "startup_action": "start"})
            );
            assert_eq!(j["state"], json!(tun.state.as_str()));
            assert_eq!(j["carries_traffic"], json!(tun.carries_traffic));
        }
        let back: ConnectionItem = serde_json::from_value(v).unwrap();
        assert_eq!(back, item);
    }
    let dual = serde_json::to_value(dual_conn(
        "vco-a",
        on_gateway(GW),
        (A1, St::Up),
        (A2, St::Down),
    ))
    .unwrap();
    assert_eq!(dual["tunnels"][0]["state"], json!("available"));
    assert_eq!(dual["tunnels"][0]["carries_traffic"], json!(true));
    assert_eq!(dual["tunnels"][1]["state"], json!("unavailable"));
    assert_eq!(dual["tunnels"][1]["carries_traffic"], json!(false));
}

#[test]
fn json_event() {
    let rows = [
        (GatewayIpRole::IpsecAddress1, "ipsec_address_1"),
        (GatewayIpRole::IpsecAddress2, "ipsec_address_2"),
        (GatewayIpRole::SslAddress, "ssl_address"),
        (GatewayIpRole::GatewayAddress, "gateway_address"),
    ];
    for (role, name) in rows {
        let event = gateway_event(GW, role, A1);
        let v = serde_json::to_value(&event).unwrap();
        has_keys(
            &v,
            &[
                "id",
                "region",
                "resource",
                "gateway_ip",
                "reason",
                "status",
                "default_execute_at",
                "execute_at",
                "started_at",
                "finished_at",
                "version",
            ],
        );
        assert_eq!(v["gateway_ip"], json!({"role": name, "ip": A1}));
        assert_eq!(v["resource"], json!({"kind": "vpn_gateway", "id": GW}));
        assert_eq!(v["region"], json!("cn-hangzhou"));
        assert_eq!(v["reason"], json!("system_upgrade"));
        assert_eq!(v["status"], json!("pending"));
        assert_eq!(v["default_execute_at"], json!("2026-12-01T18:00:00Z"));
        assert_eq!(v["execute_at"], json!("2026-12-01T18:00:00Z"));
        assert_eq!(v["started_at"], Value::Null);
        assert_eq!(v["finished_at"], Value::Null);
        assert_eq!(v["version"], json!(1));
        assert_eq!(serde_json::from_value::<OmEvent>(v).unwrap(), event);
    }
    let event = connection_event("vco-tr", TR1);
    let v = serde_json::to_value(&event).unwrap();
    assert_eq!(
        v["resource"],
        json!({"kind": "ipsec_connection", "id": "vco-tr"})
    );
    assert_eq!(v["gateway_ip"]["role"], json!("tunnel_address"));
    assert_eq!(event.resource.kind_str(), "ipsec_connection");
    assert_eq!(event.resource.id_str(), "vco-tr");
}

#[test]
fn json_event_detail_affected_items() {
    let gateway = single_gateway(SGW, 6);
    let event = gateway_event(SGW, GatewayIpRole::GatewayAddress, SADDR);
    let connections = vec![single_conn("vco-s", on_gateway(SGW), (SADDR, St::Up))];
    let impact = affected_resources(&event, Some(&gateway), &connections);
    let detail = EventDetail {
        event,
        affected: impact.affected,
        summary: impact.summary,
        server_time: now(),
        advice: Vec::new(),
        conflicts: Vec::new(),
        freeze: None,
        window_fit: None,
        verification: None,
        hold: None,
    };
    let v = serde_json::to_value(&detail).unwrap();
    has_keys(&v, &["event", "affected", "summary", "server_time"]);
    assert_eq!(v["server_time"], json!("2026-11-20T10:00:00Z"));
    let affected = v["affected"].as_array().unwrap();
    assert_eq!(affected.len(), 2);
    let tunnel = affected.iter().find(|i| i["kind"] == "tunnel").unwrap();
    has_keys(
        tunnel,
        &[
            "kind",
            "id",
            "connection_id",
            "gateway_ip",
            "customer_gateway",
            "state",
            "effect",
            "max_interruption_s",
            "recommendation",
        ],
    );
    assert_eq!(tunnel["id"], json!("tun-s1"));
    assert_eq!(tunnel["connection_id"], json!("vco-s"));
    assert_eq!(tunnel["gateway_ip"], json!(SADDR));
    assert_eq!(
        tunnel["customer_gateway"],
        json!({"id": "cgw-s1", "ip": "198.51.100.1", "ike_version": "ikev2", "startup_action": "start"})
    );
    assert_eq!(tunnel["state"], json!("available"));
    assert_eq!(tunnel["effect"], json!("interruption"));
    assert_eq!(tunnel["max_interruption_s"], json!(300));
    assert_eq!(
        tunnel["recommendation"],
        json!(Recommendation::UpgradeToDualTunnel.text())
    );
    let ssl = affected
        .iter()
        .find(|i| i["kind"] == "ssl_clients")
        .unwrap();
    has_keys(
        ssl,
        &["kind", "gateway_id", "count", "effect", "recommendation"],
    );
    assert_eq!(ssl["gateway_id"], json!(SGW));
    assert_eq!(ssl["count"], json!(6));
    assert_eq!(ssl["effect"], json!("disconnect"));
    has_keys(
        &v["summary"],
        &[
            "max_interruption_s",
            "tunnels",
            "connections",
            "ssl_clients",
        ],
    );
    assert_eq!(v["summary"]["max_interruption_s"], json!(EVENT_DURATION_S));
    assert_eq!(v["summary"]["tunnels"], json!(1));
    assert_eq!(v["summary"]["connections"], json!(1));
    assert_eq!(v["summary"]["ssl_clients"], json!(6));
    let back: EventDetail = serde_json::from_value(v).unwrap();
    assert_eq!(back, detail);
}

#[test]
fn json_effect_strings_of_every_tunnel_case() {
    let gateway = dual_gateway(GW, 0);
    let g = || on_gateway(GW);
    let connections = vec![
        dual_conn("vco-f", g(), (A1, St::Up), (A2, St::Up)),
        dual_conn("vco-h", g(), (A1, St::Up), (A2, St::Down)),
        dual_conn("vco-i", g(), (A1, St::Down), (A2, St::Up)),
    ];
    let impact = affected_resources(&a1_event(), Some(&gateway), &connections);
    let v = serde_json::to_value(&impact.affected).unwrap();
    let effects: Vec<(&str, &str)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_str().unwrap(), i["effect"].as_str().unwrap()))
        .collect();
    assert_eq!(
        effects,
        [
            ("tun-f1", "failover"),
            ("tun-h1", "interruption"),
            ("tun-i1", "none")
        ]
    );
    let ssl = affected_resources(
        &gateway_event(GW, GatewayIpRole::SslAddress, SSL),
        Some(&dual_gateway(GW, 3)),
        &[],
    );
    let v = serde_json::to_value(&ssl.affected).unwrap();
    assert_eq!(v[0]["kind"], json!("ssl_clients"));
    assert_eq!(v[0]["effect"], json!("disconnect"));
}
