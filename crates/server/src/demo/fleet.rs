//! Ordinary gateways and connections in bulk, from the seeded generator: the regions of the demo
//! and the benchmarks' big region.

use chrono::Duration;
use rand::Rng;
use vpn_console_domain::{EventStatus, GatewayIp, GatewayIpRole, Reason, ResourceRef, TunnelMode};

use super::builder::{address, Builder, TunnelSetup, DOWN, UP_IDLE, UP_TRAFFIC};
use super::gen::Gen;

impl Builder<'_> {
    /// `count` ordinary gateways with connections, some with events.
    pub(super) async fn fleet(&mut self, count: u32, name_prefix: &str) -> anyhow::Result<()> {
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
    pub(super) async fn wide_gateway(&mut self, connections: u32) -> anyhow::Result<()> {
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

    pub(super) async fn transit_router_connections(&mut self, count: u32) -> anyhow::Result<()> {
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
