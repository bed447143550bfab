//! The figure of the source page and one example of every rule of the contract's impact and
//! schedule sections, in the first region.

use chrono::Duration;
use vpn_console_domain::{EventStatus, GatewayIp, GatewayIpRole, Reason, ResourceRef, TunnelMode};

use super::builder::{address, day_at, Builder, DOWN, UP_IDLE, UP_TRAFFIC};

impl Builder<'_> {
    /// The figure of the source page and one example of every rule, in the first region.
    pub(super) async fn showcase(&mut self) -> anyhow::Result<()> {
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

        // An event executing now, a fifth of its way through (two minutes of ten at real time).
        let busy = self
            .gateway("lab-maintenance-running", TunnelMode::DualTunnel, true, 3)
            .await?;
        self.connection_on_gateway(&busy, "lab-link", &[UP_TRAFFIC, UP_IDLE])
            .await?;
        let started = now - Duration::milliseconds(self.execution.num_milliseconds() / 5);
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
}
