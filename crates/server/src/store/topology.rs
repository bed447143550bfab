//! Regions, VPN gateways, IPsec-VPN connections and tunnels.

use std::collections::HashMap;
use std::net::IpAddr;

use sqlx::any::AnyRow;
use vpn_console_domain::api::{CurrentEvent, OmEventsCell, Region};
use vpn_console_domain::impact::affected_resources;
use vpn_console_domain::{
    Addresses, Attachment, Connection, CustomerGateway, Gateway, GatewayId, OmEvent, RegionId,
    Tunnel, TunnelMode, TunnelState,
};

use super::{int, opt_int, opt_parsed, parsed, placeholders, text, Store, Tx};
use crate::clock::from_millis;

/// A page of a list, already checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListQuery {
    pub search: String,
    pub page: u32,
    pub page_size: u32,
}

/// What a search looks in: the ID and the name, lowered like the search itself. The newline
/// keeps a search from matching across the two.
fn search_key(id: &str, name: &str) -> String {
    format!("{id}\n{name}").to_lowercase()
}

impl ListQuery {
    fn like_pattern(&self) -> String {
        let mut p = String::from("%");
        for c in self.search.to_lowercase().chars() {
            if matches!(c, '%' | '_' | '\\') {
                p.push('\\');
            }
            p.push(c);
        }
        p.push('%');
        p
    }

    fn offset(&self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.page_size)
    }
}

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

fn gateway_from_row(row: &AnyRow) -> sqlx::Result<Gateway> {
    let tunnel_mode = TunnelMode::parse(&text(row, "tunnel_mode")?)
        .ok_or_else(|| super::corrupt("tunnel_mode", "?", "unknown"))?;
    let addresses = match tunnel_mode {
        TunnelMode::DualTunnel => Addresses::Dual {
            ipsec_address_1: opt_parsed(row, "ipsec_address_1")?,
            ipsec_address_2: opt_parsed(row, "ipsec_address_2")?,
            ssl_address: opt_parsed(row, "ssl_address")?,
        },
        TunnelMode::SingleTunnel => Addresses::Single {
            gateway_address: opt_parsed(row, "gateway_address")?,
        },
    };
    Ok(Gateway {
        id: parsed(row, "id")?,
        name: text(row, "name")?,
        status: text(row, "status")?,
        spec: text(row, "spec")?,
        tunnel_mode,
        addresses,
        ssl_clients: int(row, "ssl_clients")?.clamp(0, i64::from(u32::MAX)) as u32,
    })
}

fn tunnel_from_row(row: &AnyRow) -> sqlx::Result<Tunnel> {
    Ok(Tunnel {
        id: parsed(row, "id")?,
        index: int(row, "idx")?.clamp(1, 2) as u8,
        gateway_ip: parsed(row, "gateway_ip")?,
        customer_gateway: CustomerGateway {
            id: parsed(row, "customer_gateway_id")?,
            ip: parsed(row, "customer_gateway_ip")?,
        },
        state: TunnelState::parse(&text(row, "state")?)
            .ok_or_else(|| super::corrupt("state", "?", "unknown"))?,
        carries_traffic: int(row, "carries_traffic")? != 0,
    })
}

fn connection_from_row(row: &AnyRow) -> sqlx::Result<Connection> {
    let attached_to = match text(row, "attached_kind")?.as_str() {
        "vpn_gateway" => Attachment::VpnGateway {
            id: parsed(row, "attached_id")?,
        },
        _ => Attachment::TransitRouter {
            id: parsed(row, "attached_id")?,
        },
    };
    Ok(Connection {
        id: parsed(row, "id")?,
        name: text(row, "name")?,
        tunnel_mode: TunnelMode::parse(&text(row, "tunnel_mode")?)
            .ok_or_else(|| super::corrupt("tunnel_mode", "?", "unknown"))?,
        attached_to,
        tunnels: Vec::new(),
    })
}

const GATEWAY_COLUMNS: &str = "id, name, status, spec, tunnel_mode, ipsec_address_1, \
    ipsec_address_2, ssl_address, gateway_address, ssl_clients, previous_executed_at";
const CONNECTION_COLUMNS: &str =
    "id, name, tunnel_mode, attached_kind, attached_id, previous_executed_at";
const TUNNEL_COLUMNS: &str = "id, connection_id, idx, gateway_ip, customer_gateway_id, \
    customer_gateway_ip, state, carries_traffic";

impl Store {
    pub async fn regions(&self) -> sqlx::Result<Vec<Region>> {
        let rows = sqlx::query("SELECT id, name FROM regions ORDER BY position, id")
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Region {
                    id: parsed(r, "id")?,
                    name: text(r, "name")?,
                })
            })
            .collect()
    }

    pub async fn region_exists(&self, region: &RegionId) -> sqlx::Result<bool> {
        let known = self
            .known_regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(region.as_str());
        if known {
            return Ok(true);
        }
        let row = sqlx::query("SELECT COUNT(*) AS n FROM regions WHERE id = $1")
            .bind(region.as_str())
            .fetch_one(self.reader())
            .await?;
        let exists = int(&row, "n")? > 0;
        if exists {
            self.known_regions
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(region.as_str().to_owned());
        }
        Ok(exists)
    }

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

    /// One page of `table` (gateways or connections) of an account in a region, in ID order,
    /// and how many match. Both queries read only the region index (which holds the search
    /// key); the page's rows are fetched by ID after the offset, so a deep page does not read
    /// every row before it.
    async fn page_rows(
        &self,
        table: &str,
        columns: &str,
        account: &str,
        region: &RegionId,
        query: &ListQuery,
    ) -> sqlx::Result<(Vec<AnyRow>, u64)> {
        let searching = !query.search.is_empty();
        let filter = if searching {
            "account_id = $1 AND region_id = $2 AND search_key LIKE $3 ESCAPE '\\'"
        } else {
            "account_id = $1 AND region_id = $2 AND $3 = ''"
        };
        let pattern = if searching {
            query.like_pattern()
        } else {
            String::new()
        };
        let total = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table} WHERE {filter}"))
            .bind(account)
            .bind(region.as_str())
            .bind(pattern.as_str())
            .fetch_one(self.reader())
            .await?;
        let rows = sqlx::query(&format!(
            "SELECT {columns} FROM {table} WHERE id IN \
             (SELECT id FROM {table} WHERE {filter} ORDER BY id LIMIT $4 OFFSET $5) \
             ORDER BY id"
        ))
        .bind(account)
        .bind(region.as_str())
        .bind(pattern.as_str())
        .bind(i64::from(query.page_size))
        .bind(query.offset())
        .fetch_all(self.reader())
        .await?;
        Ok((rows, int(&total, "n")?.max(0) as u64))
    }

    /// One page of an account's gateways in a region, with their O&M Events column.
    pub async fn list_gateways(
        &self,
        account: &str,
        region: &RegionId,
        query: &ListQuery,
    ) -> sqlx::Result<(Vec<(Gateway, OmEventsCell)>, u64)> {
        let (rows, total) = self
            .page_rows("gateways", GATEWAY_COLUMNS, account, region, query)
            .await?;
        let gateways: Vec<Gateway> = rows
            .iter()
            .map(gateway_from_row)
            .collect::<sqlx::Result<_>>()?;
        let ids: Vec<String> = gateways.iter().map(|g| g.id.to_string()).collect();
        let current = self.current_events_for(&ids).await?;
        let items = gateways
            .into_iter()
            .zip(rows.iter())
            .map(|(g, row)| {
                let cell = OmEventsCell {
                    current: current.get(g.id.as_str()).map(current_event),
                    previous_executed_at: opt_int(row, "previous_executed_at")?.map(from_millis),
                };
                Ok((g, cell))
            })
            .collect::<sqlx::Result<_>>()?;
        Ok((items, total))
    }

    /// One page of an account's IPsec-VPN connections in a region. A connection on a transit
    /// router shows its own event; one on a VPN gateway shows the gateway's current event when
    /// that event affects the connection.
    pub async fn list_connections(
        &self,
        account: &str,
        region: &RegionId,
        query: &ListQuery,
    ) -> sqlx::Result<(Vec<(Connection, OmEventsCell)>, u64)> {
        let (rows, total) = self
            .page_rows("connections", CONNECTION_COLUMNS, account, region, query)
            .await?;
        let mut connections: Vec<Connection> = rows
            .iter()
            .map(connection_from_row)
            .collect::<sqlx::Result<_>>()?;
        self.attach_tunnels(&mut connections).await?;

        let gateway_ids: Vec<String> = connections
            .iter()
            .filter_map(|c| match &c.attached_to {
                Attachment::VpnGateway { id } => Some(id.to_string()),
                Attachment::TransitRouter { .. } => None,
            })
            .collect();
        let gateways = self.gateways_by_id(account, &gateway_ids).await?;
        let mut resource_ids: Vec<String> = connections.iter().map(|c| c.id.to_string()).collect();
        resource_ids.extend(gateway_ids);
        let current = self.current_events_for(&resource_ids).await?;

        let items = connections
            .into_iter()
            .zip(rows.iter())
            .map(|(c, row)| {
                let own = current.get(c.id.as_str());
                let via_gateway = match &c.attached_to {
                    Attachment::VpnGateway { id } => current.get(id.as_str()).filter(|e| {
                        affected_resources(e, gateways.get(id.as_str()), std::slice::from_ref(&c))
                            .summary
                            .connections
                            > 0
                    }),
                    Attachment::TransitRouter { .. } => None,
                };
                let cell = OmEventsCell {
                    current: own.or(via_gateway).map(current_event),
                    previous_executed_at: opt_int(row, "previous_executed_at")?.map(from_millis),
                };
                Ok((c, cell))
            })
            .collect::<sqlx::Result<_>>()?;
        Ok((items, total))
    }

    async fn attach_tunnels(&self, connections: &mut [Connection]) -> sqlx::Result<()> {
        if connections.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT {TUNNEL_COLUMNS} FROM tunnels WHERE connection_id IN ({}) ORDER BY connection_id, idx",
            placeholders(1, connections.len())
        );
        let mut q = sqlx::query(&sql);
        for c in connections.iter() {
            q = q.bind(c.id.as_str());
        }
        let rows = q.fetch_all(self.reader()).await?;
        let mut by_connection: HashMap<String, Vec<Tunnel>> = HashMap::new();
        for row in &rows {
            by_connection
                .entry(text(row, "connection_id")?)
                .or_default()
                .push(tunnel_from_row(row)?);
        }
        for c in connections.iter_mut() {
            c.tunnels = by_connection.remove(c.id.as_str()).unwrap_or_default();
        }
        Ok(())
    }

    async fn gateways_by_id(
        &self,
        account: &str,
        ids: &[String],
    ) -> sqlx::Result<HashMap<String, Gateway>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT {GATEWAY_COLUMNS} FROM gateways WHERE account_id = $1 AND id IN ({})",
            placeholders(2, ids.len())
        );
        let mut q = sqlx::query(&sql).bind(account);
        for id in ids {
            q = q.bind(id.as_str());
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| gateway_from_row(r).map(|g| (g.id.to_string(), g)))
            .collect()
    }

    /// The maintained gateway (if the event is on one) and the connections the event could hit.
    pub async fn event_topology(
        &self,
        account: &str,
        event: &OmEvent,
    ) -> sqlx::Result<(Option<Gateway>, Vec<Connection>)> {
        use vpn_console_domain::ResourceRef;
        let (gateway, rows) = match &event.resource {
            ResourceRef::VpnGateway { id } => {
                let gateway = self
                    .gateways_by_id(account, &[id.to_string()])
                    .await?
                    .remove(id.as_str());
                let rows = sqlx::query(&format!(
                    "SELECT {CONNECTION_COLUMNS} FROM connections WHERE account_id = $1 AND attached_id = $2 ORDER BY id"
                ))
                .bind(account)
                .bind(id.as_str())
                .fetch_all(self.reader())
                .await?;
                (gateway, rows)
            }
            ResourceRef::IpsecConnection { id } => {
                let rows = sqlx::query(&format!(
                    "SELECT {CONNECTION_COLUMNS} FROM connections WHERE account_id = $1 AND id = $2"
                ))
                .bind(account)
                .bind(id.as_str())
                .fetch_all(self.reader())
                .await?;
                (None, rows)
            }
        };
        let mut connections: Vec<Connection> = rows
            .iter()
            .map(connection_from_row)
            .collect::<sqlx::Result<_>>()?;
        self.attach_tunnels(&mut connections).await?;
        Ok((gateway, connections))
    }

    /// The account and region owning a gateway or connection, if it exists.
    pub async fn resource_owner(
        &self,
        resource_id: &str,
    ) -> sqlx::Result<Option<(String, RegionId)>> {
        for table in ["gateways", "connections"] {
            let row = sqlx::query(&format!(
                "SELECT account_id, region_id FROM {table} WHERE id = $1"
            ))
            .bind(resource_id)
            .fetch_optional(self.reader())
            .await?;
            if let Some(row) = row {
                return Ok(Some((
                    text(&row, "account_id")?,
                    parsed(&row, "region_id")?,
                )));
            }
        }
        Ok(None)
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
        let (kind, attached) = match &c.attached_to {
            Attachment::VpnGateway { id } => ("vpn_gateway", id.to_string()),
            Attachment::TransitRouter { id } => ("transit_router", id.to_string()),
        };
        sqlx::query(
            "INSERT INTO connections (id, account_id, region_id, name, tunnel_mode, attached_kind, attached_id, previous_executed_at, search_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(c.id.as_str())
        .bind(new.account_id.as_str())
        .bind(new.region_id.as_str())
        .bind(c.name.as_str())
        .bind(c.tunnel_mode.as_str())
        .bind(kind)
        .bind(attached)
        .bind(new.previous_executed_at)
        .bind(search_key(c.id.as_str(), &c.name))
        .execute(&mut **tx)
        .await?;
        for t in &c.tunnels {
            sqlx::query(
                "INSERT INTO tunnels (id, connection_id, idx, gateway_ip, customer_gateway_id, customer_gateway_ip, state, carries_traffic) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(t.id.as_str())
            .bind(c.id.as_str())
            .bind(i64::from(t.index))
            .bind(t.gateway_ip.to_string())
            .bind(t.customer_gateway.id.as_str())
            .bind(t.customer_gateway.ip.to_string())
            .bind(t.state.as_str())
            .bind(i64::from(t.carries_traffic))
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Gateways of a region (for the operator command that publishes events).
    pub async fn gateway(&self, id: &GatewayId) -> sqlx::Result<Option<Gateway>> {
        let row = sqlx::query(&format!(
            "SELECT {GATEWAY_COLUMNS} FROM gateways WHERE id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(gateway_from_row).transpose()
    }

    pub async fn connection(&self, id: &str) -> sqlx::Result<Option<Connection>> {
        let row = sqlx::query(&format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut c = vec![connection_from_row(&row)?];
        self.attach_tunnels(&mut c).await?;
        Ok(c.pop())
    }
}

fn current_event(e: &OmEvent) -> CurrentEvent {
    CurrentEvent {
        id: e.id.clone(),
        default_execute_at: e.default_execute_at,
        execute_at: e.execute_at,
        status: e.status,
        conflict: false,
    }
}

impl Store {
    /// Every gateway and connection (with tunnels) of an account, for the planning rules that
    /// look at all its current events at once (DESIGN.md 10.3): a few queries instead of two
    /// per event.
    pub(crate) async fn account_topology(
        &self,
        account: &str,
    ) -> sqlx::Result<(HashMap<String, Gateway>, Vec<Connection>)> {
        let rows = sqlx::query(&format!(
            "SELECT {GATEWAY_COLUMNS} FROM gateways WHERE account_id = $1"
        ))
        .bind(account)
        .fetch_all(self.reader())
        .await?;
        let gateways = rows
            .iter()
            .map(|r| gateway_from_row(r).map(|g| (g.id.to_string(), g)))
            .collect::<sqlx::Result<_>>()?;
        let rows = sqlx::query(&format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections WHERE account_id = $1 ORDER BY id"
        ))
        .bind(account)
        .fetch_all(self.reader())
        .await?;
        let mut connections: Vec<Connection> = rows
            .iter()
            .map(connection_from_row)
            .collect::<sqlx::Result<_>>()?;
        let rows = sqlx::query(&format!(
            "SELECT t.{} FROM tunnels t JOIN connections c ON c.id = t.connection_id \
             WHERE c.account_id = $1 ORDER BY t.connection_id, t.idx",
            TUNNEL_COLUMNS.replace(", ", ", t.")
        ))
        .bind(account)
        .fetch_all(self.reader())
        .await?;
        let mut by_connection: HashMap<String, Vec<Tunnel>> = HashMap::new();
        for row in &rows {
            by_connection
                .entry(text(row, "connection_id")?)
                .or_default()
                .push(tunnel_from_row(row)?);
        }
        for c in connections.iter_mut() {
            c.tunnels = by_connection.remove(c.id.as_str()).unwrap_or_default();
        }
        Ok((gateways, connections))
    }
}
