//! A redundant site (DESIGN.md 10.2): one customer gateway reached through two VPN gateways,
//! a single-tunnel connection on each, so that either gateway alone keeps the site connected;
//! and a pair of events, one on each gateway at the same time, that take both paths at once.
//! Its device only answers IKE (`startup_action: add`, DESIGN.md 12.1), so a tunnel restored
//! after maintenance stays down until the customer starts it. A second redundant site starts
//! IKE from the provider's side, and one of its paths runs BGP and comes back short of routes.

use vpn_console_domain::verification::{IkeVersion, StartupAction};
use vpn_console_domain::{
    Attachment, Connection, ConnectionId, CustomerGateway, EventStatus, Gateway, GatewayIpRole,
    Reason, ResourceRef, Tunnel, TunnelId, TunnelMode, TunnelState,
};

use super::builder::{address, day_at, Builder};
use crate::store::NewConnection;

impl Builder<'_> {
    /// `factory-suzhou` is reached through `site-primary-gw` and `site-backup-gw`; both
    /// gateways have an event on IPsec Address 1 at the same time, so the site would lose both
    /// paths together.
    pub(super) async fn redundant_site(&mut self) -> anyhow::Result<()> {
        let site = CustomerGateway {
            id: self.gen.id("cgw-"),
            ip: self.gen.customer_ip(),
            ike_version: IkeVersion::Ikev2,
            startup_action: StartupAction::Add,
        };
        let default = day_at(self.now, 7, 18, 0);
        for (name, traffic) in [("site-primary-gw", true), ("site-backup-gw", false)] {
            let gateway = self.gateway(name, TunnelMode::DualTunnel, false, 0).await?;
            let via = format!("factory-suzhou-via-{}", &name[5..name.len() - 3]);
            self.site_connection(&gateway, &via, &site, traffic).await?;
            self.event(
                ResourceRef::VpnGateway {
                    id: gateway.id.clone(),
                },
                address(&gateway, GatewayIpRole::IpsecAddress1),
                Reason::SystemUpgrade,
                EventStatus::Pending,
                default,
                default,
            )
            .await?;
        }
        self.second_redundant_site().await
    }

    /// `warehouse-ningbo` is reached through `site2-primary-gw` (with BGP: 24 routes, of which
    /// it advertises only 20 after its next restart, so executing that event gives `degraded`
    /// / `routes_missing`) and `site2-backup-gw`; their events are an hour apart, and its
    /// device lets the provider's side start IKE (`start`).
    async fn second_redundant_site(&mut self) -> anyhow::Result<()> {
        let site = CustomerGateway {
            id: self.gen.id("cgw-"),
            ip: self.gen.customer_ip(),
            ike_version: IkeVersion::Ikev2,
            startup_action: StartupAction::Start,
        };
        for (name, traffic, hour, bgp) in [
            ("site2-primary-gw", true, 18, Some((24, 20))),
            ("site2-backup-gw", false, 19, None),
        ] {
            let gateway = self.gateway(name, TunnelMode::DualTunnel, false, 0).await?;
            let via = format!("warehouse-ningbo-via-{}", &name[6..name.len() - 3]);
            let tunnel = self.site_connection(&gateway, &via, &site, traffic).await?;
            if let Some((routes, after_restart)) = bgp {
                self.store
                    .set_bgp(self.tx, &tunnel, routes, Some(after_restart))
                    .await?;
            }
            let default = day_at(self.now, 8, hour, 0);
            self.event(
                ResourceRef::VpnGateway {
                    id: gateway.id.clone(),
                },
                address(&gateway, GatewayIpRole::IpsecAddress1),
                Reason::SystemUpgrade,
                EventStatus::Pending,
                default,
                default,
            )
            .await?;
        }
        Ok(())
    }

    /// A single-tunnel connection of `gateway` on its IPsec Address 1, ending at `site`.
    async fn site_connection(
        &mut self,
        gateway: &Gateway,
        name: &str,
        site: &CustomerGateway,
        traffic: bool,
    ) -> anyhow::Result<TunnelId> {
        let ips = [address(gateway, GatewayIpRole::IpsecAddress1).ip];
        let tunnels = ips
            .iter()
            .enumerate()
            .map(|(i, ip)| Tunnel {
                id: self.gen.id("tun-"),
                index: i as u8 + 1,
                gateway_ip: *ip,
                customer_gateway: site.clone(),
                state: TunnelState::Available,
                carries_traffic: traffic,
                health: Some(super::builder::seen_at(true, self.now)),
            })
            .collect::<Vec<_>>();
        let first = tunnels[0].id.clone();
        let connection = Connection {
            id: self.gen.id::<ConnectionId>("vco-"),
            name: name.to_owned(),
            tunnel_mode: TunnelMode::SingleTunnel,
            attached_to: Attachment::VpnGateway {
                id: gateway.id.clone(),
            },
            tunnels,
        };
        self.store
            .insert_connection(
                self.tx,
                &NewConnection {
                    connection,
                    account_id: self.account.clone(),
                    region_id: self.region.clone(),
                    previous_executed_at: None,
                },
            )
            .await?;
        Ok(first)
    }
}
