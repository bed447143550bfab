//! Demo data: a realistic set in which every row of DESIGN.md sections 3 and 4 can be seen, and
//! a generator for big regions (benchmarks).

use std::net::{IpAddr, Ipv4Addr};

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use vpn_console_domain::impact::EVENT_DURATION_S;
use vpn_console_domain::{
    Addresses, Attachment, Connection, ConnectionId, CustomerGateway, EventId, EventStatus,
    Gateway, GatewayIp, GatewayIpRole, Reason, RegionId, ResourceRef, Tunnel, TunnelMode,
    TunnelState,
};

use crate::clock::to_millis;
use crate::store::events::NewEvent;
use crate::store::{hash_password, NewConnection, NewGateway, Role, Store, Tx};

pub const DEMO_PASSWORD: &str = "demo-password";

pub const REGIONS: [(&str, &str); 7] = [
    ("cn-hangzhou", "China (Hangzhou)"),
    ("cn-shanghai", "China (Shanghai)"),
    ("cn-beijing", "China (Beijing)"),
    ("cn-shenzhen", "China (Shenzhen)"),
    ("ap-southeast-1", "Singapore"),
    ("eu-central-1", "Germany (Frankfurt)"),
    ("us-west-1", "US (Silicon Valley)"),
];

/// The demo users: (account, email, role).
pub const DEMO_USERS: [(&str, &str, Role); 3] = [
    ("acme", "alice@acme.example", Role::Operator),
    ("acme", "victor@acme.example", Role::Viewer),
    ("globex", "gina@globex.example", Role::Operator),
];

/// Builds identifiers, addresses and names from one seeded generator, so the demo is the same
/// on every machine.
struct Gen {
    rng: StdRng,
    next_ip: u32,
}

impl Gen {
    fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            next_ip: 0,
        }
    }

    fn suffix(&mut self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let tail: String = (0..17)
            .map(|_| ALPHABET[self.rng.gen_range(0..ALPHABET.len())] as char)
            .collect();
        format!("bp1{tail}")
    }

    fn id<T: std::str::FromStr>(&mut self, prefix: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        format!("{prefix}{}", self.suffix())
            .parse()
            .expect("generated ids are valid")
    }

    /// Public-looking provider addresses, never repeated.
    fn provider_ip(&mut self) -> IpAddr {
        self.next_ip += 1;
        let n = self.next_ip;
        IpAddr::V4(Ipv4Addr::new(
            47,
            96 + ((n >> 16) & 0x1f) as u8,
            (n >> 8) as u8,
            (n & 0xff) as u8,
        ))
    }

    fn customer_ip(&mut self) -> IpAddr {
        self.next_ip += 1;
        let n = self.next_ip;
        IpAddr::V4(Ipv4Addr::new(
            116,
            62 + ((n >> 16) & 0x1f) as u8,
            (n >> 8) as u8,
            (n & 0xff) as u8,
        ))
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }
}

struct Builder<'a> {
    store: &'a Store,
    tx: Tx,
    gen: Gen,
    now: DateTime<Utc>,
    account: String,
    region: RegionId,
    gateways: u32,
    /// Events to start after the data is in, as (id, when).
    to_start: Vec<(EventId, DateTime<Utc>)>,
}

/// How a demo tunnel starts out.
#[derive(Clone, Copy)]
struct TunnelSetup {
    available: bool,
    traffic: bool,
}

const UP_TRAFFIC: TunnelSetup = TunnelSetup {
    available: true,
    traffic: true,
};
const UP_IDLE: TunnelSetup = TunnelSetup {
    available: true,
    traffic: false,
};
const DOWN: TunnelSetup = TunnelSetup {
    available: false,
    traffic: false,
};

impl Builder<'_> {
    async fn gateway(
        &mut self,
        name: &str,
        mode: TunnelMode,
        ssl: bool,
        ssl_clients: u32,
    ) -> anyhow::Result<Gateway> {
        let addresses = match mode {
            TunnelMode::DualTunnel => Addresses::Dual {
                ipsec_address_1: Some(self.gen.provider_ip()),
                ipsec_address_2: Some(self.gen.provider_ip()),
                ssl_address: ssl.then(|| self.gen.provider_ip()),
            },
            TunnelMode::SingleTunnel => Addresses::Single {
                gateway_address: Some(self.gen.provider_ip()),
            },
        };
        let specs = ["5M", "10M", "20M", "50M", "100M", "200M"];
        let gateway = Gateway {
            id: self.gen.id("vpn-"),
            name: name.to_owned(),
            status: "active".to_owned(),
            spec: specs[self.gen.rng.gen_range(0..specs.len())].to_owned(),
            tunnel_mode: mode,
            addresses,
            ssl_clients: if ssl || mode == TunnelMode::SingleTunnel {
                ssl_clients
            } else {
                0
            },
        };
        self.store
            .insert_gateway(
                &mut self.tx,
                &NewGateway {
                    gateway: gateway.clone(),
                    account_id: self.account.clone(),
                    region_id: self.region.clone(),
                    previous_executed_at: None,
                },
            )
            .await?;
        self.gateways += 1;
        Ok(gateway)
    }

    /// A connection on a gateway; for a dual-tunnel gateway tunnel 1 uses IPsec Address 1 and
    /// tunnel 2 IPsec Address 2.
    async fn connection_on_gateway(
        &mut self,
        gateway: &Gateway,
        name: &str,
        tunnels: &[TunnelSetup],
    ) -> anyhow::Result<Connection> {
        let ips: Vec<IpAddr> = match &gateway.addresses {
            Addresses::Dual {
                ipsec_address_1,
                ipsec_address_2,
                ..
            } => {
                vec![
                    ipsec_address_1.expect("demo address"),
                    ipsec_address_2.expect("demo address"),
                ]
            }
            Addresses::Single { gateway_address } => vec![gateway_address.expect("demo address")],
        };
        let attached = Attachment::VpnGateway {
            id: gateway.id.clone(),
        };
        self.connection(attached, name, &ips, tunnels).await
    }

    async fn connection_on_transit_router(
        &mut self,
        name: &str,
        tunnels: &[TunnelSetup],
    ) -> anyhow::Result<Connection> {
        let attached = Attachment::TransitRouter {
            id: self.gen.id("tr-"),
        };
        let ips = vec![self.gen.provider_ip(), self.gen.provider_ip()];
        self.connection(attached, name, &ips, tunnels).await
    }

    async fn connection(
        &mut self,
        attached_to: Attachment,
        name: &str,
        ips: &[IpAddr],
        setups: &[TunnelSetup],
    ) -> anyhow::Result<Connection> {
        let mode = if setups.len() == 2 {
            TunnelMode::DualTunnel
        } else {
            TunnelMode::SingleTunnel
        };
        let cgw_ip = self.gen.customer_ip();
        let tunnels = setups
            .iter()
            .enumerate()
            .map(|(i, s)| Tunnel {
                id: self.gen.id("tun-"),
                index: i as u8 + 1,
                gateway_ip: ips[i.min(ips.len() - 1)],
                customer_gateway: CustomerGateway {
                    id: self.gen.id("cgw-"),
                    ip: cgw_ip,
                },
                state: if s.available {
                    TunnelState::Available
                } else {
                    TunnelState::Unavailable
                },
                carries_traffic: s.available && s.traffic,
            })
            .collect();
        let connection = Connection {
            id: self.gen.id::<ConnectionId>("vco-"),
            name: name.to_owned(),
            tunnel_mode: mode,
            attached_to,
            tunnels,
        };
        self.store
            .insert_connection(
                &mut self.tx,
                &NewConnection {
                    connection: connection.clone(),
                    account_id: self.account.clone(),
                    region_id: self.region.clone(),
                    previous_executed_at: None,
                },
            )
            .await?;
        Ok(connection)
    }

    #[allow(clippy::too_many_arguments)]
    async fn event(
        &mut self,
        resource: ResourceRef,
        gateway_ip: GatewayIp,
        reason: Reason,
        status: EventStatus,
        default_execute_at: DateTime<Utc>,
        execute_at: DateTime<Utc>,
    ) -> anyhow::Result<EventId> {
        let id: EventId = self.gen.id("om-");
        let published_at =
            (default_execute_at - Duration::days(7)).min(self.now - Duration::hours(1));
        let finished = matches!(status, EventStatus::Completed | EventStatus::Failed);
        let started_at = finished.then_some(execute_at);
        let finished_at =
            finished.then(|| execute_at + Duration::seconds(i64::from(EVENT_DURATION_S)));
        let new = NewEvent {
            id: id.clone(),
            account_id: self.account.clone(),
            region: self.region.clone(),
            resource: resource.clone(),
            gateway_ip,
            reason,
            status,
            default_execute_at,
            execute_at,
            published_at,
            started_at,
            finished_at: if status == EventStatus::Cancelled {
                Some(published_at + Duration::days(1))
            } else {
                finished_at
            },
        };
        self.store
            .insert_event(&mut self.tx, &new)
            .await
            .map_err(|_| anyhow::anyhow!("inserting demo event {id}"))?;
        if finished {
            let log = crate::store::events::log;
            log(
                &mut self.tx,
                id.as_str(),
                execute_at,
                "scheduler",
                "started",
                Some("pending"),
                Some("executing"),
            )
            .await?;
            log(
                &mut self.tx,
                id.as_str(),
                finished_at.expect("finished"),
                "scheduler",
                status.as_str(),
                Some("executing"),
                Some(status.as_str()),
            )
            .await?;
            let table = match resource {
                ResourceRef::VpnGateway { .. } => "gateways",
                ResourceRef::IpsecConnection { .. } => "connections",
            };
            sqlx::query(&format!(
                "UPDATE {table} SET previous_executed_at = $1 WHERE id = $2"
            ))
            .bind(to_millis(execute_at))
            .bind(resource.id_str())
            .execute(&mut *self.tx)
            .await?;
            if status == EventStatus::Completed {
                let n = self.gen.rng.gen_range(1..4);
                for _ in 0..n {
                    self.store
                        .insert_alert(
                            &mut self.tx,
                            &self.account,
                            self.region.as_str(),
                            execute_at,
                            resource.id_str(),
                            "tunnel_down",
                        )
                        .await?;
                }
            }
        } else if status == EventStatus::Cancelled {
            crate::store::events::log(
                &mut self.tx,
                id.as_str(),
                published_at + Duration::days(1),
                "provider",
                "cancelled",
                Some("pending"),
                Some("cancelled"),
            )
            .await?;
        }
        Ok(id)
    }

    fn reason(&mut self) -> Reason {
        Reason::ALL[self.gen.rng.gen_range(0..Reason::ALL.len())]
    }

    /// Default execution times fall on the provider's night maintenance window (UTC 18:00-22:00,
    /// 02:00-06:00 in China) 1 to 14 days out.
    fn future_default(&mut self) -> DateTime<Utc> {
        let day = self.now.date_naive() + Duration::days(self.gen.rng.gen_range(1..15));
        day.and_hms_opt(
            18 + self.gen.rng.gen_range(0..4),
            [0, 30][self.gen.rng.gen_range(0..2)],
            0,
        )
        .expect("valid time")
        .and_utc()
    }

    fn past_time(&mut self) -> DateTime<Utc> {
        let day = self.now.date_naive() - Duration::days(self.gen.rng.gen_range(1..30));
        day.and_hms_opt(18 + self.gen.rng.gen_range(0..4), 0, 0)
            .expect("valid time")
            .and_utc()
    }

    /// The figure of the source page and one example of every rule, in the first region.
    async fn showcase(&mut self) -> anyhow::Result<()> {
        let now = self.now;
        // Dual-tunnel gateway, event on IPsec Address 1: four tunnels, one of each case.
        let hq = self
            .gateway("hq-dual-tunnel", TunnelMode::DualTunnel, true, 12)
            .await?;
        self.connection_on_gateway(&hq, "branch-shanghai", &[UP_TRAFFIC, UP_IDLE])
            .await?;
        self.connection_on_gateway(&hq, "branch-beijing-idle", &[UP_IDLE, UP_TRAFFIC])
            .await?;
        self.connection_on_gateway(&hq, "branch-shenzhen-one-tunnel-up", &[UP_TRAFFIC, DOWN])
            .await?;
        self.connection_on_gateway(&hq, "branch-chengdu-tunnel-1-down", &[DOWN, UP_TRAFFIC])
            .await?;
        let ip = address(&hq, GatewayIpRole::IpsecAddress1);
        let default = day_at(now, 3, 18, 0);
        self.event(
            ResourceRef::VpnGateway { id: hq.id.clone() },
            ip,
            Reason::SystemUpgrade,
            EventStatus::Pending,
            default,
            default,
        )
        .await?;
        self.event(
            ResourceRef::VpnGateway { id: hq.id.clone() },
            address(&hq, GatewayIpRole::IpsecAddress2),
            Reason::IssueFix,
            EventStatus::Completed,
            now - Duration::days(12),
            now - Duration::days(12),
        )
        .await?;

        // Dual-tunnel gateway, event on the SSL address: only SSL clients.
        let ssl = self
            .gateway("remote-access-ssl", TunnelMode::DualTunnel, true, 25)
            .await?;
        self.connection_on_gateway(&ssl, "office-guangzhou", &[UP_TRAFFIC, UP_IDLE])
            .await?;
        let default = day_at(now, 5, 19, 0);
        self.event(
            ResourceRef::VpnGateway { id: ssl.id.clone() },
            address(&ssl, GatewayIpRole::SslAddress),
            Reason::HardwareUpgrade,
            EventStatus::Pending,
            default,
            default,
        )
        .await?;

        // Single-tunnel gateway: every connection and every SSL client.
        let single = self
            .gateway("retail-single-tunnel", TunnelMode::SingleTunnel, true, 8)
            .await?;
        self.connection_on_gateway(&single, "store-hangzhou-001", &[UP_TRAFFIC])
            .await?;
        self.connection_on_gateway(&single, "store-hangzhou-002", &[UP_TRAFFIC])
            .await?;
        let default = day_at(now, 2, 20, 0);
        let execute_at = default - Duration::hours(24);
        self.event(
            ResourceRef::VpnGateway {
                id: single.id.clone(),
            },
            address(&single, GatewayIpRole::GatewayAddress),
            Reason::SystemUpgrade,
            EventStatus::Pending,
            default,
            execute_at,
        )
        .await?;

        // A gateway with no connections and an event on IPsec Address 2: nothing affected.
        let empty = self
            .gateway("staging-no-connections", TunnelMode::DualTunnel, false, 0)
            .await?;
        let default = day_at(now, 9, 21, 0);
        self.event(
            ResourceRef::VpnGateway {
                id: empty.id.clone(),
            },
            address(&empty, GatewayIpRole::IpsecAddress2),
            Reason::IssueFix,
            EventStatus::Pending,
            default,
            default,
        )
        .await?;

        // Connections on a transit router: the event is the connection's own.
        let tr_dual = self
            .connection_on_transit_router("dc-transit-router-dual", &[UP_TRAFFIC, UP_IDLE])
            .await?;
        let default = day_at(now, 4, 18, 30);
        let ip = GatewayIp {
            role: GatewayIpRole::TunnelAddress,
            ip: tr_dual.tunnels[0].gateway_ip,
        };
        self.event(
            ResourceRef::IpsecConnection {
                id: tr_dual.id.clone(),
            },
            ip,
            Reason::SystemUpgrade,
            EventStatus::Pending,
            default,
            default,
        )
        .await?;
        let tr_single = self
            .connection_on_transit_router("dc-transit-router-single", &[UP_TRAFFIC])
            .await?;
        let default = day_at(now, 6, 18, 30);
        let ip = GatewayIp {
            role: GatewayIpRole::TunnelAddress,
            ip: tr_single.tunnels[0].gateway_ip,
        };
        self.event(
            ResourceRef::IpsecConnection {
                id: tr_single.id.clone(),
            },
            ip,
            Reason::HardwareUpgrade,
            EventStatus::Pending,
            default,
            default,
        )
        .await?;
        let default = now - Duration::days(20);
        self.event(
            ResourceRef::IpsecConnection {
                id: tr_single.id.clone(),
            },
            ip,
            Reason::SystemUpgrade,
            EventStatus::Cancelled,
            default,
            default,
        )
        .await?;

        // An event executing now (started two minutes ago).
        let busy = self
            .gateway("lab-maintenance-running", TunnelMode::DualTunnel, true, 3)
            .await?;
        self.connection_on_gateway(&busy, "lab-link", &[UP_TRAFFIC, UP_IDLE])
            .await?;
        let started = now - Duration::minutes(2);
        let id = self
            .event(
                ResourceRef::VpnGateway {
                    id: busy.id.clone(),
                },
                address(&busy, GatewayIpRole::IpsecAddress1),
                Reason::IssueFix,
                EventStatus::Pending,
                now + Duration::days(1),
                started,
            )
            .await?;
        self.to_start.push((id, started));
        Ok(())
    }

    /// `count` ordinary gateways with connections, some with events.
    async fn fleet(&mut self, count: u32, name_prefix: &str) -> anyhow::Result<()> {
        for i in 0..count {
            let dual = self.gen.chance(0.75);
            let mode = if dual {
                TunnelMode::DualTunnel
            } else {
                TunnelMode::SingleTunnel
            };
            let ssl = self.gen.chance(0.4);
            let clients = if ssl {
                self.gen.rng.gen_range(0..40)
            } else {
                0
            };
            let g = self
                .gateway(&format!("{name_prefix}-{i:05}"), mode, ssl, clients)
                .await?;
            let connections = self.gen.rng.gen_range(0..4);
            for c in 0..connections {
                let setups: Vec<TunnelSetup> = if dual {
                    let pick = |gen: &mut Gen| match gen.rng.gen_range(0..10) {
                        0 => DOWN,
                        1..=3 => UP_IDLE,
                        _ => UP_TRAFFIC,
                    };
                    vec![pick(&mut self.gen), pick(&mut self.gen)]
                } else {
                    vec![if self.gen.chance(0.9) {
                        UP_TRAFFIC
                    } else {
                        DOWN
                    }]
                };
                self.connection_on_gateway(&g, &format!("{name_prefix}-{i:05}-site-{c}"), &setups)
                    .await?;
            }
            let roles: Vec<GatewayIpRole> = match (mode, ssl) {
                (TunnelMode::SingleTunnel, _) => vec![GatewayIpRole::GatewayAddress],
                (TunnelMode::DualTunnel, true) => vec![
                    GatewayIpRole::IpsecAddress1,
                    GatewayIpRole::IpsecAddress2,
                    GatewayIpRole::SslAddress,
                ],
                (TunnelMode::DualTunnel, false) => {
                    vec![GatewayIpRole::IpsecAddress1, GatewayIpRole::IpsecAddress2]
                }
            };
            let resource = ResourceRef::VpnGateway { id: g.id.clone() };
            if self.gen.chance(0.3) {
                let role = roles[self.gen.rng.gen_range(0..roles.len())];
                let past = self.past_time();
                let reason = self.reason();
                self.event(
                    resource.clone(),
                    address(&g, role),
                    reason,
                    EventStatus::Completed,
                    past,
                    past,
                )
                .await?;
            }
            if self.gen.chance(0.35) {
                let role = roles[self.gen.rng.gen_range(0..roles.len())];
                let default = self.future_default();
                let execute_at = if self.gen.chance(0.2) {
                    default - Duration::hours(self.gen.rng.gen_range(1..24))
                } else {
                    default
                };
                let execute_at = execute_at.max(self.now + Duration::hours(1)).min(default);
                let reason = self.reason();
                self.event(
                    resource,
                    address(&g, role),
                    reason,
                    EventStatus::Pending,
                    default,
                    execute_at,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// One gateway with `connections` dual-tunnel connections and a pending event on IPsec
    /// Address 1, which every tunnel 1 is on: the widest O&M Events dialog (benchmarks).
    async fn wide_gateway(&mut self, connections: u32) -> anyhow::Result<()> {
        let g = self
            .gateway("bench-wide-gateway", TunnelMode::DualTunnel, false, 0)
            .await?;
        for c in 0..connections {
            let setups = [
                [UP_TRAFFIC, UP_IDLE],
                [UP_IDLE, UP_TRAFFIC],
                [DOWN, UP_TRAFFIC],
            ][c as usize % 3];
            self.connection_on_gateway(&g, &format!("bench-wide-site-{c:03}"), &setups)
                .await?;
        }
        let default = self.future_default();
        self.event(
            ResourceRef::VpnGateway { id: g.id.clone() },
            address(&g, GatewayIpRole::IpsecAddress1),
            Reason::SystemUpgrade,
            EventStatus::Pending,
            default,
            default,
        )
        .await?;
        Ok(())
    }

    async fn transit_router_connections(&mut self, count: u32) -> anyhow::Result<()> {
        for i in 0..count {
            let setups = if self.gen.chance(0.6) {
                vec![UP_TRAFFIC, UP_IDLE]
            } else {
                vec![UP_TRAFFIC]
            };
            let c = self
                .connection_on_transit_router(&format!("tr-link-{i:03}"), &setups)
                .await?;
            if self.gen.chance(0.4) {
                let t = c.tunnels[self.gen.rng.gen_range(0..c.tunnels.len())].gateway_ip;
                let default = self.future_default();
                let reason = self.reason();
                self.event(
                    ResourceRef::IpsecConnection { id: c.id.clone() },
                    GatewayIp {
                        role: GatewayIpRole::TunnelAddress,
                        ip: t,
                    },
                    reason,
                    EventStatus::Pending,
                    default,
                    default,
                )
                .await?;
            }
        }
        Ok(())
    }
}

/// `days` after `now`, at `hour:minute` UTC: the showcase's default execution times.
fn day_at(now: DateTime<Utc>, days: i64, hour: u32, minute: u32) -> DateTime<Utc> {
    (now.date_naive() + Duration::days(days))
        .and_hms_opt(hour, minute, 0)
        .expect("valid time")
        .and_utc()
}

fn address(g: &Gateway, role: GatewayIpRole) -> GatewayIp {
    let ip = match (&g.addresses, role) {
        (
            Addresses::Dual {
                ipsec_address_1, ..
            },
            GatewayIpRole::IpsecAddress1,
        ) => *ipsec_address_1,
        (
            Addresses::Dual {
                ipsec_address_2, ..
            },
            GatewayIpRole::IpsecAddress2,
        ) => *ipsec_address_2,
        (Addresses::Dual { ssl_address, .. }, GatewayIpRole::SslAddress) => *ssl_address,
        (Addresses::Single { gateway_address }, _) => *gateway_address,
        (
            Addresses::Dual {
                ipsec_address_1, ..
            },
            _,
        ) => *ipsec_address_1,
    };
    GatewayIp {
        role,
        ip: ip.expect("demo gateways have every address they use"),
    }
}

async fn builder<'a>(
    store: &'a Store,
    seed: u64,
    account: &str,
    region: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Builder<'a>> {
    Ok(Builder {
        store,
        tx: store.begin().await?,
        gen: Gen::new(seed),
        now,
        account: account.to_owned(),
        region: region.parse()?,
        gateways: 0,
        to_start: Vec::new(),
    })
}

async fn finish(b: Builder<'_>) -> anyhow::Result<u32> {
    let Builder {
        store,
        tx,
        to_start,
        gateways,
        ..
    } = b;
    store.commit(tx).await?;
    for (id, at) in to_start {
        store
            .start_event(
                &id,
                at,
                Duration::seconds(i64::from(EVENT_DURATION_S)),
                "demo",
            )
            .await?;
    }
    Ok(gateways)
}

/// Fills an empty database; returns false (and does nothing) when it holds data already.
pub async fn load(store: &Store, now: DateTime<Utc>) -> anyhow::Result<bool> {
    if !store.is_empty().await? {
        return Ok(false);
    }
    let mut tx = store.begin().await?;
    for (i, (id, name)) in REGIONS.iter().enumerate() {
        match store
            .insert_region(&mut tx, &id.parse()?, name, i as i64)
            .await
        {
            // Another replica started at the same moment and is loading the demo: leave it to it.
            Err(e) if crate::store::is_unique_violation(&e) => return Ok(false),
            other => other?,
        }
    }
    store.commit(tx).await?;
    store.create_account("acme", "Acme Corporation").await?;
    store.create_account("globex", "Globex Inc.").await?;
    let hash = hash_password(DEMO_PASSWORD)?;
    for (account, email, role) in DEMO_USERS {
        store.create_user(account, email, &hash, role).await?;
    }

    let mut b = builder(store, 1, "acme", "cn-hangzhou", now).await?;
    b.showcase().await?;
    b.fleet(60, "hz-gw").await?;
    b.transit_router_connections(12).await?;
    finish(b).await?;
    for (seed, region, prefix) in [
        (2, "cn-shanghai", "sh-gw"),
        (3, "ap-southeast-1", "sg-gw"),
        (4, "eu-central-1", "fra-gw"),
    ] {
        let mut b = builder(store, seed, "acme", region, now).await?;
        b.fleet(55, prefix).await?;
        b.transit_router_connections(6).await?;
        finish(b).await?;
    }
    for (seed, region, prefix) in [
        (5, "cn-hangzhou", "globex-hz"),
        (6, "cn-beijing", "globex-bj"),
    ] {
        let mut b = builder(store, seed, "globex", region, now).await?;
        b.fleet(25, prefix).await?;
        b.transit_router_connections(4).await?;
        finish(b).await?;
    }
    store.refresh_statistics().await?;
    Ok(true)
}

/// A big region for benchmarks: `gateways` gateways of `account` in `region` (created if new),
/// and one more, `bench-wide-gateway`, whose pending event affects 100 tunnels.
pub async fn generate_region(
    store: &Store,
    account: &str,
    region: &str,
    gateways: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<u32> {
    let region_id: RegionId = region.parse()?;
    anyhow::ensure!(
        store.account_exists(account).await?,
        "no account '{account}'"
    );
    if !store.region_exists(&region_id).await? {
        let mut tx = store.begin().await?;
        store
            .insert_region(&mut tx, &region_id, &format!("Benchmark ({region})"), 100)
            .await?;
        store.commit(tx).await?;
    }
    let mut done = 0;
    let mut batch = 0u64;
    while done < gateways {
        let n = (gateways - done).min(1000);
        let mut b = builder(store, 1000 + batch, account, region, now).await?;
        b.fleet(n, &format!("bench-{batch:03}")).await?;
        done += finish(b).await?;
        batch += 1;
    }
    let mut b = builder(store, 999, account, region, now).await?;
    b.wide_gateway(100).await?;
    done += finish(b).await?;
    store.refresh_statistics().await?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpn_console_domain::GatewayId;

    #[test]
    fn generated_ids_parse() {
        let mut g = Gen::new(7);
        let id: GatewayId = g.id("vpn-");
        assert!(id.as_str().starts_with("vpn-bp1"));
        assert_eq!(id.as_str().len(), 4 + 20);
    }

    #[tokio::test]
    async fn a_generated_region_has_a_gateway_whose_event_affects_100_tunnels() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/console.db", dir.path().display());
        let store = Store::connect(&url).await.unwrap();
        store.create_account("acme", "Acme").await.unwrap();
        let added = generate_region(&store, "acme", "bench-1", 3, Utc::now()).await;
        assert_eq!(added.unwrap(), 4);
        let query = crate::store::ListQuery {
            search: "bench-wide-gateway".to_owned(),
            page: 1,
            page_size: 20,
        };
        let region: RegionId = "bench-1".parse().unwrap();
        let (items, total) = store.list_gateways("acme", &region, &query).await.unwrap();
        assert_eq!(total, 1);
        let id = items[0]
            .1
            .current
            .as_ref()
            .expect("a pending event")
            .id
            .clone();
        let event = store.event("acme", &id).await.unwrap().unwrap();
        assert_eq!(event.gateway_ip.role, GatewayIpRole::IpsecAddress1);
        let (gateway, connections) = store.event_topology("acme", &event).await.unwrap();
        let impact =
            vpn_console_domain::impact::affected_resources(&event, gateway.as_ref(), &connections);
        assert_eq!(impact.affected.len(), 100);
    }
}
