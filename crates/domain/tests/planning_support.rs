//! Builders shared by the planning tests (`#[path]`-included by each `planning_*` file; compiled
//! on its own it holds no tests).
#![allow(dead_code)]

use std::net::IpAddr;
use std::str::FromStr;

use chrono::{DateTime, Duration, TimeZone, Utc};

use vpn_console_domain::impact::affected_resources;
use vpn_console_domain::planning::{FreezePeriod, PlannedEvent};
use vpn_console_domain::{
    Addresses, Attachment, Connection, CustomerGateway, EventStatus, Gateway, GatewayIp,
    GatewayIpRole, OmEvent, Reason, ResourceRef, Tunnel, TunnelMode, TunnelState,
};

pub const A1: &str = "47.96.10.1";
pub const A2: &str = "47.96.10.2";
pub const SSL: &str = "47.96.10.3";
pub const SADDR: &str = "47.96.20.1";
pub const TR1: &str = "10.10.0.1";
pub const TR2: &str = "10.10.0.2";

pub fn t(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

pub fn mins(m: i64) -> Duration {
    Duration::minutes(m)
}

pub fn id<T: FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub fn dual_gateway(gw: &str) -> Gateway {
    Gateway {
        id: id(gw),
        name: gw.into(),
        status: "active".into(),
        spec: "10M".into(),
        tunnel_mode: TunnelMode::DualTunnel,
        addresses: Addresses::Dual {
            ipsec_address_1: Some(ip(A1)),
            ipsec_address_2: Some(ip(A2)),
            ssl_address: Some(ip(SSL)),
        },
        ssl_clients: 0,
    }
}

pub fn single_gateway(gw: &str, ssl_clients: u32) -> Gateway {
    Gateway {
        id: id(gw),
        name: gw.into(),
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum St {
    Up,
    Idle,
    Down,
}

pub fn on_gw(gw: &str) -> Attachment {
    Attachment::VpnGateway { id: id(gw) }
}

pub fn on_tr(tr: &str) -> Attachment {
    Attachment::TransitRouter { id: id(tr) }
}

/// Tunnel `index` of `vco-X` is `tun-X<index>` and ends at customer gateway `cgw`.
pub fn tunnel(conn: &str, index: u8, gateway_ip: &str, cgw: &str, st: St) -> Tunnel {
    let suffix = conn.strip_prefix("vco-").unwrap();
    Tunnel {
        id: id(&format!("tun-{suffix}{index}")),
        index,
        gateway_ip: ip(gateway_ip),
        customer_gateway: CustomerGateway {
            id: id(cgw),
            ip: ip("198.51.100.7"),
            ike_version: Default::default(),
            startup_action: Default::default(),
        },
        state: if st == St::Down {
            TunnelState::Unavailable
        } else {
            TunnelState::Available
        },
        carries_traffic: st == St::Up,
        health: None,
    }
}

pub fn dual_conn(
    conn: &str,
    at: Attachment,
    cgw: &str,
    t1: (&str, St),
    t2: (&str, St),
) -> Connection {
    Connection {
        id: id(conn),
        name: conn.into(),
        tunnel_mode: TunnelMode::DualTunnel,
        attached_to: at,
        tunnels: vec![
            tunnel(conn, 1, t1.0, cgw, t1.1),
            tunnel(conn, 2, t2.0, cgw, t2.1),
        ],
    }
}

pub fn single_conn(conn: &str, at: Attachment, cgw: &str, t1: (&str, St)) -> Connection {
    Connection {
        id: id(conn),
        name: conn.into(),
        tunnel_mode: TunnelMode::SingleTunnel,
        attached_to: at,
        tunnels: vec![tunnel(conn, 1, t1.0, cgw, t1.1)],
    }
}

/// A pending event published long ago, at its default time.
pub fn event(
    om: &str,
    resource: ResourceRef,
    role: GatewayIpRole,
    addr: &str,
    default: DateTime<Utc>,
) -> OmEvent {
    OmEvent {
        id: id(om),
        region: id("cn-hangzhou"),
        resource,
        gateway_ip: GatewayIp { role, ip: ip(addr) },
        reason: Reason::SystemUpgrade,
        status: EventStatus::Pending,
        default_execute_at: default,
        execute_at: default,
        published_at: t(2026, 1, 1, 0, 0),
        started_at: None,
        finished_at: None,
        version: 3,
    }
}

pub fn gw_event(om: &str, gw: &str, addr: &str, default: DateTime<Utc>) -> OmEvent {
    let role = if addr == A2 {
        GatewayIpRole::IpsecAddress2
    } else {
        GatewayIpRole::IpsecAddress1
    };
    event(
        om,
        ResourceRef::VpnGateway { id: id(gw) },
        role,
        addr,
        default,
    )
}

/// An event with the impact the rules give it on `gateway` and `connections`.
pub fn planned(ev: OmEvent, gateway: Option<&Gateway>, connections: &[Connection]) -> PlannedEvent {
    let impact = affected_resources(&ev, gateway, connections);
    PlannedEvent::new(ev, &impact)
}

pub fn freeze(fid: &str, from: DateTime<Utc>, until: DateTime<Utc>) -> FreezePeriod {
    FreezePeriod {
        id: fid.into(),
        starts_at: from,
        ends_at: until,
        reason: "year-end sales".into(),
    }
}

/// The redundant site of the demo: `cgw-site` reached through `vpn-a` and `vpn-b`, with a
/// dual-tunnel connection on each (both tunnels up); events on IPsec Address 1 of each gateway.
pub fn redundant_site(
    at_a: DateTime<Utc>,
    at_b: DateTime<Utc>,
) -> (PlannedEvent, PlannedEvent, Vec<Connection>) {
    let ga = dual_gateway("vpn-a");
    let gb = dual_gateway("vpn-b");
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
            (A1, St::Up),
            (A2, St::Idle),
        ),
    ];
    let a = planned(gw_event("om-a", "vpn-a", A1, at_a), Some(&ga), &conns);
    let b = planned(gw_event("om-b", "vpn-b", A1, at_b), Some(&gb), &conns);
    (a, b, conns)
}
