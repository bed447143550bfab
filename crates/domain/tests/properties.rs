//! Property tests of the O&M event rules over random topologies, requests and wall times.
//! Native only: proptest needs a clock and the file system.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::net::IpAddr;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use proptest::prelude::*;

use vpn_console_domain::impact::{
    Recommendation, EVENT_DURATION_S, FAILOVER_INTERRUPTION_S, ONLY_TUNNEL_INTERRUPTION_S,
    SINGLE_TUNNEL_INTERRUPTION_S,
};
use vpn_console_domain::time::{local_to_utc, resolve_local, LocalTime};
use vpn_console_domain::{
    affected_resources, validate, Addresses, AffectedItem, Attachment, Connection, ConnectionId,
    CustomerGateway, Effect, EventStatus, ExecutionPlan, ExecutionRequest, Gateway, GatewayId,
    GatewayIp, GatewayIpRole, Impact, OmEvent, Reason, ResourceRef, ScheduleErrorCode, Tunnel,
    TunnelMode, TunnelState,
};

const GW: &str = "vpn-gw01";
const OTHER_GW: &str = "vpn-other01";
const TR: &str = "tr-hub01";
const A1: &str = "47.96.10.1";
const A2: &str = "47.96.10.2";
const SSL: &str = "47.96.10.3";
const SADDR: &str = "47.96.20.1";
const TR1: &str = "10.10.0.1";
const TR2: &str = "10.10.0.2";
const UNRELATED: &str = "203.0.113.9";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn t(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Random topologies
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct GatewaySpec {
    dual: bool,
    has_ssl: bool,
    ssl_clients: u32,
}

#[derive(Debug, Clone)]
struct TunnelSpec {
    /// Index (modulo its length) into the address pool: the gateway's addresses, then an
    /// unrelated one.
    ip_pick: usize,
    available: bool,
    traffic: bool,
}

#[derive(Debug, Clone)]
struct ConnSpec {
    dual: bool,
    /// 0..=5: on the gateway under test; 6: on another gateway; 7: on a transit router.
    attach: u8,
    tunnels: Vec<TunnelSpec>,
}

/// The event's role and IP: the natural one for the gateway (k-th of its addresses) or any
/// role with any address of the pool.
#[derive(Debug, Clone)]
enum EventSpec {
    Natural(usize),
    Wild { role: usize, ip_pick: usize },
}

fn gateway_spec() -> impl Strategy<Value = GatewaySpec> {
    (any::<bool>(), any::<bool>(), 0u32..50).prop_map(|(dual, has_ssl, ssl_clients)| GatewaySpec {
        dual,
        has_ssl,
        ssl_clients,
    })
}

fn tunnel_spec() -> impl Strategy<Value = TunnelSpec> {
    (0usize..8, any::<bool>(), any::<bool>()).prop_map(|(ip_pick, available, traffic)| TunnelSpec {
        ip_pick,
        available,
        traffic,
    })
}

fn conn_spec() -> impl Strategy<Value = ConnSpec> {
    (
        any::<bool>(),
        0u8..8,
        prop::collection::vec(tunnel_spec(), 1..=2),
    )
        .prop_map(|(dual, attach, tunnels)| ConnSpec {
            dual,
            attach,
            tunnels,
        })
}

fn conn_specs() -> impl Strategy<Value = Vec<ConnSpec>> {
    prop::collection::vec(conn_spec(), 0..8)
}

fn event_spec() -> impl Strategy<Value = EventSpec> {
    prop_oneof![
        4 => (0usize..3).prop_map(EventSpec::Natural),
        1 => (0usize..5, 0usize..8).prop_map(|(role, ip_pick)| EventSpec::Wild { role, ip_pick }),
    ]
}

fn build_gateway(spec: &GatewaySpec) -> Gateway {
    Gateway {
        id: GW.parse().unwrap(),
        name: "gw".into(),
        status: "active".into(),
        spec: "10M".into(),
        tunnel_mode: if spec.dual {
            TunnelMode::DualTunnel
        } else {
            TunnelMode::SingleTunnel
        },
        addresses: if spec.dual {
            Addresses::Dual {
                ipsec_address_1: Some(ip(A1)),
                ipsec_address_2: Some(ip(A2)),
                ssl_address: spec.has_ssl.then(|| ip(SSL)),
            }
        } else {
            Addresses::Single {
                gateway_address: Some(ip(SADDR)),
            }
        },
        ssl_clients: spec.ssl_clients,
    }
}

/// The gateway's addresses, then an unrelated one.
fn pool(gateway: &Gateway) -> Vec<IpAddr> {
    let mut out = match &gateway.addresses {
        Addresses::Dual {
            ipsec_address_1,
            ipsec_address_2,
            ssl_address,
        } => vec![*ipsec_address_1, *ipsec_address_2, *ssl_address],
        Addresses::Single { gateway_address } => vec![*gateway_address],
    }
    .into_iter()
    .flatten()
    .collect::<Vec<_>>();
    out.push(ip(UNRELATED));
    out
}

fn build_connection(
    i: usize,
    spec: &ConnSpec,
    attached_to: Attachment,
    pool: &[IpAddr],
) -> Connection {
    Connection {
        id: format!("vco-c{i}").parse().unwrap(),
        name: format!("connection {i}"),
        tunnel_mode: if spec.dual {
            TunnelMode::DualTunnel
        } else {
            TunnelMode::SingleTunnel
        },
        attached_to,
        tunnels: spec
            .tunnels
            .iter()
            .enumerate()
            .map(|(j, ts)| Tunnel {
                id: format!("tun-c{i}t{j}").parse().unwrap(),
                index: j as u8 + 1,
                gateway_ip: pool[ts.ip_pick % pool.len()],
                customer_gateway: CustomerGateway {
                    id: format!("cgw-c{i}t{j}").parse().unwrap(),
                    ip: format!("198.51.100.{}", i * 2 + j + 1).parse().unwrap(),
                    ike_version: Default::default(),
                    startup_action: Default::default(),
                },
                state: if ts.available {
                    TunnelState::Available
                } else {
                    TunnelState::Unavailable
                },
                carries_traffic: ts.traffic,
                health: None,
            })
            .collect(),
    }
}

fn build_connections(specs: &[ConnSpec], pool: &[IpAddr]) -> Vec<Connection> {
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let attached_to = match spec.attach {
                0..=5 => Attachment::VpnGateway {
                    id: GW.parse().unwrap(),
                },
                6 => Attachment::VpnGateway {
                    id: OTHER_GW.parse().unwrap(),
                },
                _ => Attachment::TransitRouter {
                    id: TR.parse().unwrap(),
                },
            };
            build_connection(i, spec, attached_to, pool)
        })
        .collect()
}

fn event(resource: ResourceRef, role: GatewayIpRole, at: IpAddr) -> OmEvent {
    OmEvent {
        id: "om-prop0001".parse().unwrap(),
        region: "cn-hangzhou".parse().unwrap(),
        resource,
        gateway_ip: GatewayIp { role, ip: at },
        reason: Reason::IssueFix,
        status: EventStatus::Pending,
        default_execute_at: t(2026, 12, 1, 18, 0, 0),
        execute_at: t(2026, 12, 1, 18, 0, 0),
        published_at: t(2026, 11, 1, 0, 0, 0),
        started_at: None,
        finished_at: None,
        version: 1,
    }
}

fn gateway_event(gateway: &Gateway, spec: &EventSpec) -> OmEvent {
    let (role, at) = match (spec, &gateway.addresses) {
        (EventSpec::Natural(k), Addresses::Dual { .. }) => match k % 3 {
            0 => (GatewayIpRole::IpsecAddress1, ip(A1)),
            1 => (GatewayIpRole::IpsecAddress2, ip(A2)),
            _ => (GatewayIpRole::SslAddress, ip(SSL)),
        },
        (EventSpec::Natural(_), Addresses::Single { .. }) => {
            (GatewayIpRole::GatewayAddress, ip(SADDR))
        }
        (EventSpec::Wild { role, ip_pick }, _) => {
            let p = pool(gateway);
            (GatewayIpRole::ALL[*role % 5], p[ip_pick % p.len()])
        }
    };
    event(
        ResourceRef::VpnGateway {
            id: gateway.id.clone(),
        },
        role,
        at,
    )
}

fn on_gateway(c: &Connection, gw: &GatewayId) -> bool {
    matches!(&c.attached_to, Attachment::VpnGateway { id } if id == gw)
}

// ---------------------------------------------------------------------------------------------
// Reading an impact
// ---------------------------------------------------------------------------------------------

fn affected_tunnel_ids(impact: &Impact) -> Vec<String> {
    let mut ids: Vec<String> = impact
        .affected
        .iter()
        .filter_map(|i| match i {
            AffectedItem::Tunnel { id, .. } => Some(id.to_string()),
            AffectedItem::SslClients { .. } => None,
        })
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn ssl_counts(impact: &Impact) -> Vec<u32> {
    impact
        .affected
        .iter()
        .filter_map(|i| match i {
            AffectedItem::SslClients { count, .. } => Some(*count),
            AffectedItem::Tunnel { .. } => None,
        })
        .collect()
}

/// Every invariant of an impact that holds whatever the event and topology.
fn check_impact(impact: &Impact) -> Result<(), TestCaseError> {
    let s = &impact.summary;
    let max = impact
        .affected
        .iter()
        .map(AffectedItem::max_interruption_s)
        .max()
        .unwrap_or(0);
    prop_assert_eq!(s.max_interruption_s, max);
    let tunnels: Vec<&AffectedItem> = impact
        .affected
        .iter()
        .filter(|i| matches!(i, AffectedItem::Tunnel { .. }))
        .collect();
    prop_assert_eq!(s.tunnels as usize, tunnels.len());
    let connections: BTreeSet<ConnectionId> = impact
        .affected
        .iter()
        .filter_map(|i| match i {
            AffectedItem::Tunnel { connection_id, .. } => Some(connection_id.clone()),
            AffectedItem::SslClients { .. } => None,
        })
        .collect();
    prop_assert_eq!(s.connections as usize, connections.len());
    prop_assert_eq!(s.ssl_clients, ssl_counts(impact).iter().sum::<u32>());
    let count = |e: Effect| tunnels.iter().filter(|i| i.effect() == e).count() as u32;
    prop_assert_eq!(s.tunnels_failover, count(Effect::Failover));
    prop_assert_eq!(s.tunnels_interrupted, count(Effect::Interruption));
    prop_assert_eq!(s.tunnels_unaffected, count(Effect::None));
    prop_assert_eq!(
        s.tunnels,
        s.tunnels_failover + s.tunnels_interrupted + s.tunnels_unaffected
    );

    for item in &impact.affected {
        match item {
            AffectedItem::Tunnel {
                connection_tunnel_mode,
                effect,
                max_interruption_s,
                recommendation,
                recommendation_key,
                ..
            } => {
                let allowed = [
                    (Effect::Failover, 0, Recommendation::AutoFailover),
                    (
                        Effect::Failover,
                        FAILOVER_INTERRUPTION_S,
                        Recommendation::AutoFailover,
                    ),
                    (
                        Effect::Interruption,
                        ONLY_TUNNEL_INTERRUPTION_S,
                        Recommendation::KeepBothTunnelsAvailable,
                    ),
                    (
                        Effect::Interruption,
                        SINGLE_TUNNEL_INTERRUPTION_S,
                        Recommendation::UpgradeToDualTunnel,
                    ),
                    (
                        Effect::Interruption,
                        SINGLE_TUNNEL_INTERRUPTION_S,
                        Recommendation::RedundantConnections,
                    ),
                    (Effect::None, 0, Recommendation::RestoreOtherTunnel),
                ];
                let triple = (*effect, *max_interruption_s, *recommendation_key);
                prop_assert!(allowed.contains(&triple), "tunnel impact {:?}", triple);
                prop_assert_eq!(
                    *connection_tunnel_mode == TunnelMode::SingleTunnel,
                    *max_interruption_s == SINGLE_TUNNEL_INTERRUPTION_S
                        && *effect == Effect::Interruption
                );
                prop_assert_eq!(recommendation.as_str(), recommendation_key.text());
            }
            AffectedItem::SslClients {
                count,
                effect,
                max_interruption_s,
                recommendation,
                recommendation_key,
                ..
            } => {
                prop_assert_eq!(*effect, Effect::Disconnect);
                let expected = if *count > 0 { EVENT_DURATION_S } else { 0 };
                prop_assert_eq!(*max_interruption_s, expected);
                prop_assert_eq!(*recommendation_key, Recommendation::WarnSslUsers);
                prop_assert_eq!(recommendation.as_str(), recommendation_key.text());
            }
        }
    }
    Ok(())
}

/// Section 4 and the open cases of impact.rs, from the tunnel's point of view: what the
/// maintained tunnel `tun` of `conn` must get when `maintained` tells the tunnels the event hits.
fn expected_tunnel_impact(
    conn: &Connection,
    tun: &Tunnel,
    maintained: &dyn Fn(&Tunnel) -> bool,
) -> (Effect, u32) {
    if conn.tunnel_mode == TunnelMode::SingleTunnel {
        return (Effect::Interruption, 300);
    }
    if tun.state == TunnelState::Unavailable {
        return (Effect::None, 0);
    }
    let fallback = conn
        .tunnels
        .iter()
        .any(|o| o.id != tun.id && o.state == TunnelState::Available && !maintained(o));
    match (fallback, tun.carries_traffic) {
        (true, true) => (Effect::Failover, 60),
        (true, false) => (Effect::Failover, 0),
        (false, _) => (Effect::Interruption, 600),
    }
}

/// Checks each tunnel item against the section 4 model.
fn check_tunnel_items(
    impact: &Impact,
    connections: &[Connection],
    maintained: &dyn Fn(&Tunnel) -> bool,
) -> Result<(), TestCaseError> {
    for item in &impact.affected {
        if let AffectedItem::Tunnel {
            id,
            connection_id,
            effect,
            max_interruption_s,
            gateway_ip,
            customer_gateway,
            ..
        } = item
        {
            let conn = connections.iter().find(|c| &c.id == connection_id).unwrap();
            let tun = conn.tunnels.iter().find(|t| &t.id == id).unwrap();
            prop_assert_eq!(*gateway_ip, tun.gateway_ip);
            prop_assert_eq!(customer_gateway, &tun.customer_gateway);
            prop_assert_eq!(
                (*effect, *max_interruption_s),
                expected_tunnel_impact(conn, tun, maintained),
                "tunnel {}",
                id
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any gateway event on any topology: no panic, a consistent summary, only allowed pairs,
    /// and each tunnel's impact as section 4 says.
    #[test]
    fn gateway_events_never_panic_and_are_consistent(
        gspec in gateway_spec(),
        cspecs in conn_specs(),
        espec in event_spec(),
        pass_gateway in prop::bool::weighted(0.8),
    ) {
        let gateway = build_gateway(&gspec);
        let connections = build_connections(&cspecs, &pool(&gateway));
        let event = gateway_event(&gateway, &espec);
        let given = pass_gateway.then_some(&gateway);
        let impact = affected_resources(&event, given, &connections);
        check_impact(&impact)?;
        let single = match given {
            Some(g) => g.tunnel_mode == TunnelMode::SingleTunnel,
            None => event.gateway_ip.role == GatewayIpRole::GatewayAddress,
        };
        let event_ip = event.gateway_ip.ip;
        let maintained = move |t: &Tunnel| single || t.gateway_ip == event_ip;
        check_tunnel_items(&impact, &connections, &maintained)?;
        // Only the gateway's own connections are ever affected.
        for item in &impact.affected {
            match item {
                AffectedItem::Tunnel { connection_id, .. } => {
                    let conn = connections.iter().find(|c| &c.id == connection_id).unwrap();
                    prop_assert!(on_gateway(conn, &gateway.id));
                }
                AffectedItem::SslClients { gateway_id, .. } => {
                    prop_assert_eq!(gateway_id, &gateway.id);
                }
            }
        }
        // At most one SSL item.
        prop_assert!(ssl_counts(&impact).len() <= 1);
    }

    /// Dual-tunnel gateway, IPsec Address 1 or 2: exactly the tunnels of its connections on
    /// that IP, and no SSL clients.
    #[test]
    fn dual_gateway_ipsec_event_hits_exactly_the_tunnels_on_its_ip(
        mut gspec in gateway_spec(),
        cspecs in conn_specs(),
        second in any::<bool>(),
        ip_pick in 0usize..8,
    ) {
        gspec.dual = true;
        let gateway = build_gateway(&gspec);
        let p = pool(&gateway);
        let connections = build_connections(&cspecs, &p);
        let role = if second { GatewayIpRole::IpsecAddress2 } else { GatewayIpRole::IpsecAddress1 };
        let at = p[ip_pick % p.len()];
        let ev = event(ResourceRef::VpnGateway { id: gateway.id.clone() }, role, at);
        let impact = affected_resources(&ev, Some(&gateway), &connections);
        let expected: Vec<String> = connections
            .iter()
            .filter(|c| on_gateway(c, &gateway.id))
            .flat_map(|c| c.tunnels.iter())
            .filter(|t| t.gateway_ip == at)
            .map(|t| t.id.to_string())
            .collect();
        prop_assert_eq!(affected_tunnel_ids(&impact), sorted(expected));
        prop_assert!(ssl_counts(&impact).is_empty());
        prop_assert_eq!(impact.summary.ssl_clients, 0);
        check_impact(&impact)?;
    }

    /// Single-tunnel gateway: every tunnel of its connections, and its SSL clients.
    #[test]
    fn single_gateway_event_hits_every_tunnel_of_its_connections(
        mut gspec in gateway_spec(),
        cspecs in conn_specs(),
    ) {
        gspec.dual = false;
        let gateway = build_gateway(&gspec);
        let connections = build_connections(&cspecs, &pool(&gateway));
        let ev = gateway_event(&gateway, &EventSpec::Natural(0));
        let impact = affected_resources(&ev, Some(&gateway), &connections);
        let expected: Vec<String> = connections
            .iter()
            .filter(|c| on_gateway(c, &gateway.id))
            .flat_map(|c| c.tunnels.iter())
            .map(|t| t.id.to_string())
            .collect();
        prop_assert_eq!(affected_tunnel_ids(&impact), sorted(expected));
        prop_assert_eq!(impact.summary.ssl_clients, gspec.ssl_clients);
        if gspec.ssl_clients > 0 {
            prop_assert_eq!(ssl_counts(&impact), vec![gspec.ssl_clients]);
        }
        check_impact(&impact)?;
    }

    /// Dual-tunnel gateway, SSL address: no tunnel at all, and all of its SSL clients.
    #[test]
    fn dual_gateway_ssl_event_hits_no_tunnel(
        mut gspec in gateway_spec(),
        cspecs in conn_specs(),
    ) {
        gspec.dual = true;
        gspec.has_ssl = true;
        let gateway = build_gateway(&gspec);
        let connections = build_connections(&cspecs, &pool(&gateway));
        let ev = gateway_event(&gateway, &EventSpec::Natural(2));
        prop_assert_eq!(ev.gateway_ip.role, GatewayIpRole::SslAddress);
        let impact = affected_resources(&ev, Some(&gateway), &connections);
        prop_assert!(affected_tunnel_ids(&impact).is_empty());
        prop_assert_eq!(impact.summary.tunnels, 0);
        prop_assert_eq!(impact.summary.connections, 0);
        prop_assert_eq!(impact.summary.ssl_clients, gspec.ssl_clients);
        let expected_max = if gspec.ssl_clients > 0 { EVENT_DURATION_S } else { 0 };
        prop_assert_eq!(impact.summary.max_interruption_s, expected_max);
        check_impact(&impact)?;
    }

    /// A transit-router connection event: that connection's tunnels on that address, nothing
    /// else, and no SSL clients.
    #[test]
    fn transit_router_event_hits_that_connections_tunnels_on_its_ip(
        cspecs in prop::collection::vec(conn_spec(), 0..6),
        target in 0usize..8,
        ip_pick in 0usize..3,
        gspec in prop::option::of(gateway_spec()),
    ) {
        let p = vec![ip(TR1), ip(TR2), ip(UNRELATED)];
        let connections: Vec<Connection> = cspecs
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let attached_to = Attachment::TransitRouter { id: TR.parse().unwrap() };
                build_connection(i, s, attached_to, &p)
            })
            .collect();
        // `target` may name no connection of the list.
        let conn_id: ConnectionId = format!("vco-c{target}").parse().unwrap();
        let at = p[ip_pick];
        let ev = event(
            ResourceRef::IpsecConnection { id: conn_id.clone() },
            GatewayIpRole::TunnelAddress,
            at,
        );
        let gateway = gspec.as_ref().map(build_gateway);
        let impact = affected_resources(&ev, gateway.as_ref(), &connections);
        let expected: Vec<String> = connections
            .iter()
            .filter(|c| c.id == conn_id)
            .flat_map(|c| c.tunnels.iter())
            .filter(|t| t.gateway_ip == at)
            .map(|t| t.id.to_string())
            .collect();
        prop_assert_eq!(affected_tunnel_ids(&impact), sorted(expected));
        prop_assert!(ssl_counts(&impact).is_empty());
        check_impact(&impact)?;
        check_tunnel_items(&impact, &connections, &|t: &Tunnel| t.gateway_ip == at)?;
    }
}

// ---------------------------------------------------------------------------------------------
// validate
// ---------------------------------------------------------------------------------------------

fn base() -> DateTime<Utc> {
    t(2026, 11, 20, 10, 0, 0)
}

/// `(status index, default offset, now offset, requested offset)`, in seconds from `base`, the
/// requested time often right at or next to a boundary.
fn schedule_case() -> impl Strategy<Value = (usize, i64, i64, i64)> {
    (0usize..5, -200_000i64..2_000_000, -200_000i64..200_000).prop_flat_map(|(s, d, n)| {
        let req = prop_oneof![
            Just(d),
            Just(d - 1),
            Just(d + 1),
            Just(n),
            Just(n - 1),
            Just(n + 1),
            -3_000_000i64..3_000_000,
        ];
        (Just(s), Just(d), Just(n), req)
    })
}

fn event_with(status: EventStatus, default_at: DateTime<Utc>) -> OmEvent {
    OmEvent {
        status,
        default_execute_at: default_at,
        execute_at: default_at,
        ..event(
            ResourceRef::VpnGateway {
                id: GW.parse().unwrap(),
            },
            GatewayIpRole::IpsecAddress1,
            ip(A1),
        )
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn validate_at_accepts_exactly_the_window(case in schedule_case()) {
        let (s, d, n, r) = case;
        let status = EventStatus::ALL[s];
        let default_at = base() + Duration::seconds(d);
        let now = base() + Duration::seconds(n);
        let requested = base() + Duration::seconds(r);
        let ev = event_with(status, default_at);
        let got = validate(&ev, &ExecutionRequest::At { execute_at: requested }, now);
        if status != EventStatus::Pending {
            prop_assert_eq!(got.unwrap_err().code, ScheduleErrorCode::NotPending);
            return Ok(());
        }
        let after_default = requested > default_at;
        let in_the_past = requested < now;
        match got {
            Ok(plan) => {
                prop_assert!(!after_default && !in_the_past);
                prop_assert!(plan.execute_at <= default_at);
                prop_assert!(plan.execute_at >= now);
                prop_assert_eq!(plan, ExecutionPlan { execute_at: requested, execute_now: false });
            }
            Err(e) => {
                prop_assert!(after_default || in_the_past, "refused {:?} inside the window", e);
                let allowed: Vec<ScheduleErrorCode> = [
                    (after_default, ScheduleErrorCode::AfterDefaultExecutionTime),
                    (in_the_past, ScheduleErrorCode::InThePast),
                ]
                .into_iter()
                .filter_map(|(violated, code)| violated.then_some(code))
                .collect();
                prop_assert!(allowed.contains(&e.code), "{:?} not in {:?}", e.code, allowed);
                prop_assert!(!e.message.is_empty());
            }
        }
    }

    #[test]
    fn validate_now_is_accepted_iff_pending(case in schedule_case()) {
        let (s, d, n, _) = case;
        let status = EventStatus::ALL[s];
        let now = base() + Duration::seconds(n);
        let default_at = base() + Duration::seconds(d);
        let ev = event_with(status, default_at);
        let got = validate(&ev, &ExecutionRequest::Now, now);
        if status == EventStatus::Pending {
            // Never later than the default, which the database also insists on.
            let execute_at = now.min(default_at);
            prop_assert_eq!(got, Ok(ExecutionPlan { execute_at, execute_now: true }));
        } else {
            prop_assert_eq!(got.unwrap_err().code, ScheduleErrorCode::NotPending);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Local wall times
// ---------------------------------------------------------------------------------------------

/// America/New_York in 2026.
fn new_york(at: DateTime<Utc>) -> i32 {
    if at < t(2026, 3, 8, 7, 0, 0) || at >= t(2026, 11, 1, 6, 0, 0) {
        -5 * 3600
    } else {
        -4 * 3600
    }
}

/// Minutes from 2026-01-01 00:00 to 2026-03-08 02:00, where New York's clocks skip an hour.
const SPRING_GAP: i64 = 66 * 1440 + 120;
/// Minutes from 2026-01-01 00:00 to 2026-11-01 01:00, where New York's clocks repeat an hour.
const AUTUMN_OVERLAP: i64 = 304 * 1440 + 60;

fn wall_of(minutes: i64) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        + Duration::minutes(minutes)
}

fn local_of(at: DateTime<Utc>, offset_at: impl Fn(DateTime<Utc>) -> i32) -> NaiveDateTime {
    at.naive_utc() + Duration::seconds(i64::from(offset_at(at)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Every wall time of 2026 in New York: unique outside the transitions and mapping back to
    /// itself, nonexistent exactly in the spring gap, ambiguous exactly in the autumn overlap.
    #[test]
    fn new_york_wall_times(minutes in prop_oneof![
        0i64..525_600,
        // Around the spring gap (2026-03-08 02:00 local) and the autumn overlap (2026-11-01 01:00).
        (SPRING_GAP - 180)..(SPRING_GAP + 180),
        (AUTUMN_OVERLAP - 180)..(AUTUMN_OVERLAP + 180),
    ]) {
        let w = wall_of(minutes);
        let gap = wall_of(SPRING_GAP)..wall_of(SPRING_GAP + 60);
        let overlap = wall_of(AUTUMN_OVERLAP)..wall_of(AUTUMN_OVERLAP + 60);
        prop_assert_eq!(gap.start, NaiveDate::from_ymd_opt(2026, 3, 8).unwrap().and_hms_opt(2, 0, 0).unwrap());
        prop_assert_eq!(overlap.start, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap().and_hms_opt(1, 0, 0).unwrap());
        match resolve_local(w, new_york) {
            LocalTime::Unique(u) => {
                prop_assert!(!gap.contains(&w) && !overlap.contains(&w), "{} unique", w);
                prop_assert_eq!(local_of(u, new_york), w);
                prop_assert_eq!(local_to_utc(w, new_york), Ok(u));
            }
            LocalTime::Nonexistent => {
                prop_assert!(gap.contains(&w), "{} nonexistent", w);
                prop_assert_eq!(
                    local_to_utc(w, new_york).unwrap_err().code,
                    ScheduleErrorCode::NonexistentLocalTime
                );
            }
            LocalTime::Ambiguous { earlier, later } => {
                prop_assert!(overlap.contains(&w), "{} ambiguous", w);
                prop_assert_eq!(later - earlier, Duration::hours(1));
                prop_assert_eq!(local_of(earlier, new_york), w);
                prop_assert_eq!(local_of(later, new_york), w);
                prop_assert_eq!(
                    local_to_utc(w, new_york).unwrap_err().code,
                    ScheduleErrorCode::AmbiguousLocalTime
                );
            }
        }
    }

    /// A zone without DST always has exactly one answer.
    #[test]
    fn fixed_offset_wall_times_are_unique(
        minutes in 0i64..525_600,
        quarter_hours in -48i32..=56,
    ) {
        let w = wall_of(minutes);
        let offset = quarter_hours * 900;
        let expected = Utc.from_utc_datetime(&w) - Duration::seconds(i64::from(offset));
        prop_assert_eq!(resolve_local(w, |_| offset), LocalTime::Unique(expected));
    }
}

// ---------------------------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn gateway_ids_accept_lowercase_and_digits(suffix in "[a-z0-9]{1,60}") {
        let s = format!("vpn-{suffix}");
        let parsed: GatewayId = s.parse().unwrap();
        prop_assert_eq!(parsed.as_str(), s.as_str());
    }

    #[test]
    fn gateway_ids_refuse_any_other_character(
        head in "[a-z0-9]{0,10}",
        bad in "[^a-z0-9]",
        tail in "[a-z0-9]{0,10}",
    ) {
        let s = format!("vpn-{head}{bad}{tail}");
        let err = s.parse::<GatewayId>().unwrap_err();
        prop_assert_eq!(err.kind, "VPN gateway ID");
        prop_assert!(err.to_string().contains("VPN gateway ID"));
    }

    #[test]
    fn id_parsing_never_panics(s in "\\PC{0,80}") {
        let _ = s.parse::<GatewayId>();
        let _ = s.parse::<vpn_console_domain::RegionId>();
        let _ = s.parse::<ConnectionId>();
    }
}
