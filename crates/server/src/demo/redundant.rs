//! A redundant site (DESIGN.md 10.2): one customer gateway reached through two VPN gateways,
//! a single-tunnel connection on each, so that either gateway alone keeps the site connected;
//! and a pair of events, one on each gateway at the same time, that take both paths at once.

use vpn_console_domain::{
    Attachment, Connection, ConnectionId, CustomerGateway, EventStatus, Gateway, GatewayIpRole,
    Reason, ResourceRef, Tunnel, TunnelMode, TunnelState,
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
            ike_version: Default::default(),
            startup_action: Default::default(),
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
        Ok(())
    }

    /// A single-tunnel connection of `gateway` on its IPsec Address 1, ending at `site`.
    async fn site_connection(
        &mut self,
        gateway: &Gateway,
        name: &str,
        site: &CustomerGateway,
        traffic: bool,
    ) -> anyhow::Result<()> {
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
                health: None,
            })
            .collect();
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
        Ok(())
    }
}
