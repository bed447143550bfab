//! Regions, VPN gateways, IPsec-VPN connections and tunnels.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use vpn_console_domain::api::{CurrentEvent, OmEventsCell, PreviousVerdict, Region};
use vpn_console_domain::impact::affected_resources;
use vpn_console_domain::verification::TunnelResult;
use vpn_console_domain::{Attachment, Connection, Gateway, GatewayId, OmEvent, RegionId, Tunnel};

use super::rows::{ConnectionRow, GatewayRow, TunnelRow};
use super::{int, parsed, placeholders, text, Store};
use crate::clock::from_millis;

/// A resource's previous execution: when it started, and which event it was.
type Previous = (Option<i64>, Option<String>);

/// A page of a list, already checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListQuery {
    pub search: String,
    pub page: u32,
    pub page_size: u32,
}

/// What a search looks in: the ID and the name, lowered like the search itself. The newline
/// keeps a search from matching across the two.
pub(super) fn search_key(id: &str, name: &str) -> String {
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

fn gateway_from_row(row: &AnyRow) -> sqlx::Result<Gateway> {
    GatewayRow::decode(row)?.into_gateway()
}

fn connection_from_row(row: &AnyRow) -> sqlx::Result<Connection> {
    ConnectionRow::decode(row)?.into_connection()
}

const GATEWAY_COLUMNS: &str = "id, name, status, spec, tunnel_mode, ipsec_address_1, \
    ipsec_address_2, ssl_address, gateway_address, ssl_clients, previous_executed_at, previous_event_id";
const CONNECTION_COLUMNS: &str =
    "id, name, tunnel_mode, attached_kind, attached_id, previous_executed_at, previous_event_id";
const TUNNEL_COLUMNS: &str = "id, connection_id, idx, gateway_ip, customer_gateway_id, \
    customer_gateway_ip, state, carries_traffic, bgp, routes_received, health_checked_at, \
    cgw_ike_version, cgw_startup_action";

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
        let (gateways, previous): (Vec<Gateway>, Vec<Previous>) = rows
            .iter()
            .map(|r| {
                let row = GatewayRow::decode(r)?;
                let previous = (row.previous_executed_at, row.previous_event_id.clone());
                Ok((row.into_gateway()?, previous))
            })
            .collect::<sqlx::Result<Vec<_>>>()?
            .into_iter()
            .unzip();
        let ids: Vec<String> = gateways.iter().map(|g| g.id.to_string()).collect();
        let current = self.current_events_for(&ids).await?;
        let verdicts = self.verdicts_of(&previous).await?;
        let items = gateways
            .into_iter()
            .zip(previous)
            .map(|(g, (previous, previous_id))| {
                let cell = OmEventsCell {
                    current: current.get(g.id.as_str()).map(current_event),
                    previous_executed_at: previous.map(from_millis),
                    previous_verdict: previous_id.and_then(|id| verdicts.get(&id).copied()),
                };
                (g, cell)
            })
            .collect();
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
        let (mut connections, previous): (Vec<Connection>, Vec<Previous>) = rows
            .iter()
            .map(|r| {
                let row = ConnectionRow::decode(r)?;
                let previous = (row.previous_executed_at, row.previous_event_id.clone());
                Ok((row.into_connection()?, previous))
            })
            .collect::<sqlx::Result<Vec<_>>>()?
            .into_iter()
            .unzip();
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
        let verdicts = self.verdicts_of(&previous).await?;

        let items = connections
            .into_iter()
            .zip(previous)
            .map(|(c, (previous, previous_id))| {
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
                    previous_executed_at: previous.map(from_millis),
                    previous_verdict: previous_id.and_then(|id| verdicts.get(&id).copied()),
                };
                (c, cell)
            })
            .collect();
        Ok((items, total))
    }

    /// The verdicts of a page's previous events, by event id, read in one query.
    async fn verdicts_of(
        &self,
        previous: &[Previous],
    ) -> sqlx::Result<HashMap<String, PreviousVerdict>> {
        let ids: Vec<&str> = previous
            .iter()
            .filter_map(|(_, id)| id.as_deref())
            .collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT id, verification FROM om_events WHERE verification IS NOT NULL AND id IN ({})",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in &ids {
            q = q.bind(*id);
        }
        let mut found = HashMap::new();
        for r in q.fetch_all(self.reader()).await? {
            let Some(v) =
                super::events::read_verification(crate::store::opt_text(&r, "verification")?)?
            else {
                continue;
            };
            let not_back = v
                .tunnels
                .iter()
                .filter(|t| t.result != TunnelResult::Ok)
                .count();
            found.insert(
                text(&r, "id")?,
                PreviousVerdict {
                    status: v.status,
                    tunnels_not_back: u32::try_from(not_back).unwrap_or(u32::MAX),
                },
            );
        }
        Ok(found)
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
            let row = TunnelRow::decode(row)?;
            by_connection
                .entry(row.connection_id.to_string())
                .or_default()
                .push(row.into_tunnel()?);
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
            let row = TunnelRow::decode(row)?;
            by_connection
                .entry(row.connection_id.to_string())
                .or_default()
                .push(row.into_tunnel()?);
        }
        for c in connections.iter_mut() {
            c.tunnels = by_connection.remove(c.id.as_str()).unwrap_or_default();
        }
        Ok((gateways, connections))
    }
}
