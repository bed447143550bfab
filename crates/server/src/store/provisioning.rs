//! Adding regions, VPN gateways, IPsec-VPN connections and their tunnels (the demo data, the
//! operator commands and the benchmarks' generated regions).

use std::net::IpAddr;

use vpn_console_domain::{Addresses, Connection, Gateway, RegionId, Tunnel};

use super::topology::search_key;
use super::{Store, Tx};

pub struct NewGateway {
    pub gateway: Gateway,
    pub account_id: String,
    pub region_id: RegionId,
    pub previous_executed_at: Option<i64>,
}

pub struct NewTunnel {
    pub tunnel: Tunnel,
}

pub struct NewConnection {
    pub connection: Connection,
    pub account_id: String,
    pub region_id: RegionId,
    pub previous_executed_at: Option<i64>,
}

fn ip_text(ip: Option<IpAddr>) -> Option<String> {
    ip.map(|i| i.to_string())
}

impl Store {
    pub async fn insert_region(
        &self,
        tx: &mut Tx,
        id: &RegionId,
        name: &str,
        position: i64,
    ) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO regions (id, name, position) VALUES ($1, $2, $3)")
            .bind(id.as_str())
            .bind(name)
            .bind(position)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub async fn insert_gateway(&self, tx: &mut Tx, new: &NewGateway) -> sqlx::Result<()> {
        let g = &new.gateway;
        let (a1, a2, ssl, single) = match &g.addresses {
            Addresses::Dual {
                ipsec_address_1,
                ipsec_address_2,
                ssl_address,
            } => (*ipsec_address_1, *ipsec_address_2, *ssl_address, None),
            Addresses::Single { gateway_address } => (None, None, None, *gateway_address),
        };
        sqlx::query(
            "INSERT INTO gateways (id, account_id, region_id, name, status, spec, tunnel_mode, \
             ipsec_address_1, ipsec_address_2, ssl_address, gateway_address, ssl_clients, previous_executed_at, search_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(g.id.as_str())
        .bind(new.account_id.as_str())
        .bind(new.region_id.as_str())
        .bind(g.name.as_str())
        .bind(g.status.as_str())
        .bind(g.spec.as_str())
        .bind(g.tunnel_mode.as_str())
        .bind(ip_text(a1))
        .bind(ip_text(a2))
        .bind(ip_text(ssl))
        .bind(ip_text(single))
        .bind(i64::from(g.ssl_clients))
        .bind(new.previous_executed_at)
        .bind(search_key(g.id.as_str(), &g.name))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub async fn insert_connection(&self, tx: &mut Tx, new: &NewConnection) -> sqlx::Result<()> {
        let c = &new.connection;
        sqlx::query(
            "INSERT INTO connections (id, account_id, region_id, name, tunnel_mode, attached_kind, attached_id, previous_executed_at, search_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(c.id.as_str())
        .bind(new.account_id.as_str())
        .bind(new.region_id.as_str())
        .bind(c.name.as_str())
        .bind(c.tunnel_mode.as_str())
        .bind(c.attached_to.kind().as_str())
        .bind(c.attached_to.id_str())
        .bind(new.previous_executed_at)
        .bind(search_key(c.id.as_str(), &c.name))
        .execute(&mut **tx)
        .await?;
        for t in &c.tunnels {
            sqlx::query(
                "INSERT INTO tunnels (id, connection_id, idx, gateway_ip, customer_gateway_id, customer_gateway_ip, state, carries_traffic, \
                 bgp, routes_received, health_checked_at, cgw_ike_version, cgw_startup_action) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(t.id.as_str())
            .bind(c.id.as_str())
            .bind(i64::from(t.index))
            .bind(t.gateway_ip.to_string())
            .bind(t.customer_gateway.id.as_str())
            .bind(t.customer_gateway.ip.to_string())
            .bind(t.state.as_str())
            .bind(i64::from(t.carries_traffic))
            .bind(t.health.as_ref().and_then(|h| h.bgp).map(|b| b.as_str()))
            .bind(t.health.as_ref().and_then(|h| h.routes_received).map(i64::from))
            .bind(t.health.as_ref().map(|h| crate::clock::to_millis(h.checked_at)))
            .bind(t.customer_gateway.ike_version.as_str())
            .bind(t.customer_gateway.startup_action.as_str())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}
