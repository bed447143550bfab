//! The builder every part of the demo uses: a gateway, a connection, an event, written into one
//! transaction, and the seeded choices of times and reasons.

use std::net::IpAddr;
use vpn_console_domain::verification::{Ike, TunnelHealth};

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use vpn_console_domain::impact::EVENT_DURATION_S;
use vpn_console_domain::{
    Addresses, Attachment, AuditAction, Connection, ConnectionId, CustomerGateway, EventId,
    EventStatus, Gateway, GatewayIp, GatewayIpRole, Reason, RegionId, ResourceRef, Tunnel,
    TunnelMode, TunnelState,
};

use super::gen::Gen;
use crate::clock::to_millis;
use crate::store::events::{
    audit_time, record_change, Change, NewEvent, PROVIDER_ACTOR, SCHEDULER_ACTOR,
};
use crate::store::{NewConnection, NewGateway, Store, Tx};

pub(super) struct Builder<'a> {
    pub(super) store: &'a Store,
    pub(super) tx: &'a mut Tx,
    pub(super) gen: Gen,
    pub(super) now: DateTime<Utc>,
    pub(super) account: String,
    pub(super) region: RegionId,
    pub(super) gateways: u32,
    /// How long an execution lasts on the server that loads the demo (the scheduler's
    /// duration, after the time scale), for the event shown running.
    pub(super) execution: Duration,
    /// Events to start after the data is in, as (id, when).
    pub(super) to_start: Vec<(EventId, DateTime<Utc>)>,
}

/// How a demo tunnel starts out.
#[derive(Clone, Copy)]
pub(super) struct TunnelSetup {
    available: bool,
    traffic: bool,
}

pub(super) const UP_TRAFFIC: TunnelSetup = TunnelSetup {
    available: true,
    traffic: true,
};
pub(super) const UP_IDLE: TunnelSetup = TunnelSetup {
    available: true,
    traffic: false,
};
pub(super) const DOWN: TunnelSetup = TunnelSetup {
    available: false,
    traffic: false,
};

impl Builder<'_> {
    pub(super) async fn gateway(
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
                self.tx,
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
    pub(super) async fn connection_on_gateway(
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

    pub(super) async fn connection_on_transit_router(
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

    pub(super) async fn connection(
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
        let now = self.now;
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
                    ike_version: Default::default(),
                    startup_action: Default::default(),
                },
                state: if s.available {
                    TunnelState::Available
                } else {
                    TunnelState::Unavailable
                },
                carries_traffic: s.available && s.traffic,
                health: Some(seen_at(s.available, now)),
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
                self.tx,
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
    pub(super) async fn event(
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
        let event = self
            .store
            .insert_event(self.tx, &new)
            .await
            .with_context(|| format!("inserting demo event {id}"))?;
        let account = self.account.clone();
        let change = |at, actor, action, from: &str, to: &str| Change {
            account: &account,
            event: &event,
            at,
            actor,
            action,
            from: Some(from.to_owned()),
            to: Some(to.to_owned()),
            via: None,
            on_behalf_of: None,
            approved_by: &[],
        };
        if finished {
            record_change(
                self.tx,
                &change(
                    execute_at,
                    SCHEDULER_ACTOR,
                    AuditAction::Started,
                    "pending",
                    "executing",
                ),
            )
            .await?;
            let finished_action = match status {
                EventStatus::Failed => AuditAction::Failed,
                _ => AuditAction::Completed,
            };
            record_change(
                self.tx,
                &change(
                    finished_at.expect("finished"),
                    SCHEDULER_ACTOR,
                    finished_action,
                    "executing",
                    status.as_str(),
                ),
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
            .execute(&mut **self.tx)
            .await?;
            if status == EventStatus::Completed {
                let n = self.gen.rng.gen_range(1..4);
                for _ in 0..n {
                    self.store
                        .insert_alert(
                            self.tx,
                            &self.account,
                            self.region.as_str(),
                            execute_at,
                            resource.id_str(),
                            "tunnel_down",
                        )
                        .await?;
                }
            }
        } else if status == EventStatus::Pending && execute_at != default_execute_at {
            // A time earlier than the default is a person's choice: the log says whose, so
            // that the maintenance window leaves it where it is, as it would a real one.
            let operator = super::DEMO_USERS
                .iter()
                .find(|(a, _, role)| {
                    *a == account && *role == vpn_console_domain::api::Role::Operator
                })
                .map_or(PROVIDER_ACTOR, |(_, email, _)| *email);
            record_change(
                self.tx,
                &change(
                    published_at + Duration::minutes(1),
                    operator,
                    AuditAction::Rescheduled,
                    &audit_time(default_execute_at),
                    &audit_time(execute_at),
                ),
            )
            .await?;
        } else if status == EventStatus::Cancelled {
            record_change(
                self.tx,
                &change(
                    published_at + Duration::days(1),
                    PROVIDER_ACTOR,
                    AuditAction::Cancelled,
                    "pending",
                    "cancelled",
                ),
            )
            .await?;
        }
        Ok(id)
    }

    pub(super) fn reason(&mut self) -> Reason {
        Reason::ALL[self.gen.rng.gen_range(0..Reason::ALL.len())]
    }

    /// Default execution times fall on the provider's night maintenance window (UTC 18:00-22:00,
    /// 02:00-06:00 in China) 1 to 14 days out.
    pub(super) fn future_default(&mut self) -> DateTime<Utc> {
        let day = self.now.date_naive() + Duration::days(self.gen.rng.gen_range(1..15));
        day.and_hms_opt(
            18 + self.gen.rng.gen_range(0..4),
            [0, 30][self.gen.rng.gen_range(0..2)],
            0,
        )
        .expect("valid time")
        .and_utc()
    }

    pub(super) fn past_time(&mut self) -> DateTime<Utc> {
        let day = self.now.date_naive() - Duration::days(self.gen.rng.gen_range(1..30));
        day.and_hms_opt(18 + self.gen.rng.gen_range(0..4), 0, 0)
            .expect("valid time")
            .and_utc()
    }
}

/// `days` after `now`, at `hour:minute` UTC: the showcase's default execution times.
pub(super) fn day_at(now: DateTime<Utc>, days: i64, hour: u32, minute: u32) -> DateTime<Utc> {
    (now.date_naive() + Duration::days(days))
        .and_hms_opt(hour, minute, 0)
        .expect("valid time")
        .and_utc()
}

pub(super) fn address(g: &Gateway, role: GatewayIpRole) -> GatewayIp {
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

/// The health the provider's monitoring saw at `now` of a tunnel without BGP.
pub(super) fn seen_at(available: bool, now: DateTime<Utc>) -> TunnelHealth {
    TunnelHealth {
        ike: if available { Ike::Up } else { Ike::Down },
        bgp: None,
        routes_received: None,
        checked_at: now,
    }
}
