//! What the views across regions read (DESIGN.md 16): the account's events with their impact
//! from one read of its topology, what sections 12–14 know about them, the sites, their
//! executions and their tunnel-down alerts.
//!
//! The rules are the domain's (`vpn_console_domain::overview`); this only loads.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use vpn_console_domain::execution::Snapshot;
use vpn_console_domain::impact::{affected_resources, Impact};
use vpn_console_domain::overview::{Hold, Verdict};
use vpn_console_domain::{Attachment, Connection, EventId, Gateway, OmEvent, ResourceRef};

use super::events::{event_from_row, EVENT_COLUMNS};
use super::{int, opt_int, opt_text, text, Store};
use crate::clock::{from_millis, to_millis};

/// The account's gateways and connections, read once, with the impact of any of its events
/// worked out from them the way [`Store::event_impact`] does for one.
pub struct AccountTopology {
    pub gateways: HashMap<String, Gateway>,
    pub connections: Vec<Connection>,
    by_id: HashMap<String, usize>,
    attached: HashMap<String, Vec<usize>>,
}

impl AccountTopology {
    fn new(gateways: HashMap<String, Gateway>, connections: Vec<Connection>) -> Self {
        let mut by_id = HashMap::new();
        let mut attached: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in connections.iter().enumerate() {
            by_id.insert(c.id.to_string(), i);
            if let Attachment::VpnGateway { id } = &c.attached_to {
                attached.entry(id.to_string()).or_default().push(i);
            }
        }
        AccountTopology {
            gateways,
            connections,
            by_id,
            attached,
        }
    }

    /// The connections an event on `resource` can reach, as they are now.
    pub fn connections_of(&self, resource: &ResourceRef) -> Vec<Connection> {
        let idx: Vec<usize> = match resource {
            ResourceRef::VpnGateway { id } => {
                self.attached.get(id.as_str()).cloned().unwrap_or_default()
            }
            ResourceRef::IpsecConnection { id } => {
                self.by_id.get(id.as_str()).copied().into_iter().collect()
            }
        };
        idx.into_iter()
            .map(|i| self.connections[i].clone())
            .collect()
    }

    /// The resource's name; empty when it no longer exists.
    pub fn resource_name(&self, resource: &ResourceRef) -> String {
        match resource {
            ResourceRef::VpnGateway { id } => {
                self.gateways.get(id.as_str()).map(|g| g.name.clone())
            }
            ResourceRef::IpsecConnection { id } => self
                .by_id
                .get(id.as_str())
                .map(|i| self.connections[*i].name.clone()),
        }
        .unwrap_or_default()
    }

    /// The impact as every answer gives it: the one recorded at the start when there is one,
    /// else computed from the topology as it is now.
    pub fn impact(&self, event: &OmEvent, recorded: Option<Impact>) -> Impact {
        recorded.unwrap_or_else(|| {
            let gateway = match &event.resource {
                ResourceRef::VpnGateway { id } => self.gateways.get(id.as_str()),
                ResourceRef::IpsecConnection { .. } => None,
            };
            affected_resources(event, gateway, &self.connections_of(&event.resource))
        })
    }
}

/// An event with the impact recorded at its start, when it has one.
pub struct EventWithRecord {
    pub event: OmEvent,
    pub recorded: Option<Impact>,
}

fn event_with_record(row: &AnyRow) -> sqlx::Result<EventWithRecord> {
    let event = event_from_row(row)?;
    let recorded = match opt_text(row, "execution_snapshot")? {
        // Pending and cancelled events never use a snapshot, as `Store::recorded_impact`.
        Some(raw)
            if !matches!(
                event.status,
                vpn_console_domain::EventStatus::Pending
                    | vpn_console_domain::EventStatus::Cancelled
            ) =>
        {
            let snapshot: Snapshot = serde_json::from_str(&raw)
                .map_err(|e| super::corrupt("execution_snapshot", &raw, e))?;
            Some(snapshot.impact)
        }
        _ => None,
    };
    Ok(EventWithRecord { event, recorded })
}

/// What sections 12–14 know about one event.
#[derive(Debug, Clone, Default)]
pub struct EventMarks {
    /// Its hold (13), `None` when not held.
    pub hold: Option<Hold>,
    /// Its pending approval request (14).
    pub approval_id: Option<String>,
    /// Its own verification verdict (12), `None` before completion or without one.
    pub verification_status: Option<Verdict>,
}

/// What sections 12–14 know about the events asked for, and the verdict of each resource's
/// previous event (for `last_verification_failed`).
#[derive(Debug, Clone, Default)]
pub struct PartThreeMarks {
    pub events: HashMap<EventId, EventMarks>,
    /// By resource id.
    pub previous_verdicts: HashMap<String, Verdict>,
}

impl PartThreeMarks {
    pub fn of(&self, id: &EventId) -> EventMarks {
        self.events.get(id).cloned().unwrap_or_default()
    }
}

/// One site (customer gateway) of the account.
pub struct Site {
    pub customer_gateway_id: String,
    pub customer_gateway_ip: String,
    pub region: String,
}

/// A tunnel-down alert of a site: `[at, cleared_at)`, `cleared_at` `None` while still down.
pub struct SiteAlert {
    pub customer_gateway_id: String,
    pub at: DateTime<Utc>,
    pub cleared_at: Option<DateTime<Utc>>,
}

impl Store {
    /// The account's topology, read once.
    pub async fn account_topology_index(&self, account: &str) -> sqlx::Result<AccountTopology> {
        let (gateways, connections) = self.account_topology(account).await?;
        Ok(AccountTopology::new(gateways, connections))
    }

    /// The account's current (pending or executing) events, earliest execution first.
    pub async fn current_events_with_record(
        &self,
        account: &str,
    ) -> sqlx::Result<Vec<EventWithRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS}, execution_snapshot FROM om_events WHERE account_id = $1 \
             AND status IN ('pending', 'executing') ORDER BY execute_at, id"
        ))
        .bind(account)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(event_with_record).collect()
    }

    /// The events `GET /regions/{r}/om-events` lists for `since` (every region with `None`),
    /// newest first: the same filter as [`Store::history`], without its cap of a page.
    pub async fn history_for_export(
        &self,
        account: &str,
        region: Option<&str>,
        since: DateTime<Utc>,
    ) -> sqlx::Result<Vec<EventWithRecord>> {
        let region_filter = if region.is_some() {
            "AND region_id = $3"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {EVENT_COLUMNS}, execution_snapshot FROM om_events WHERE account_id = $1 \
             AND (published_at >= $2 OR execute_at >= $2 OR finished_at >= $2) {region_filter} \
             ORDER BY COALESCE(started_at, execute_at) DESC, id DESC"
        );
        let mut q = sqlx::query(&sql).bind(account).bind(to_millis(since));
        if let Some(r) = region {
            q = q.bind(r);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter().map(event_with_record).collect()
    }

    /// Holds (13), approvals (14) and verification verdicts (12) of these events, and the
    /// verdicts of their resources' previous events: the one place the views across regions
    /// read them from.
    pub async fn part_three_marks(
        &self,
        account: &str,
        events: &[&OmEvent],
    ) -> sqlx::Result<PartThreeMarks> {
        let mut marks = PartThreeMarks::default();
        if events.is_empty() {
            return Ok(marks);
        }
        // Each event's own hold and verdict.
        let sql = format!(
            "SELECT id, hold, verification_status FROM om_events WHERE account_id = $1 \
             AND id IN ({})",
            super::placeholders(2, events.len())
        );
        let mut q = sqlx::query(&sql).bind(account);
        for e in events {
            q = q.bind(e.id.as_str());
        }
        for r in q.fetch_all(self.reader()).await? {
            let id: EventId = text(&r, "id")?
                .parse()
                .map_err(|e| super::corrupt("id", "om_events.id", e))?;
            let hold = match opt_text(&r, "hold")? {
                Some(raw) => Some(
                    serde_json::from_str::<Hold>(&raw)
                        .map_err(|e| super::corrupt("hold", &raw, e))?,
                ),
                None => None,
            };
            let verification_status = opt_text(&r, "verification_status")?
                .map(|v| {
                    v.parse::<Verdict>()
                        .map_err(|e| super::corrupt("verification_status", &v, e))
                })
                .transpose()?;
            marks.events.insert(
                id,
                EventMarks {
                    hold,
                    approval_id: None,
                    verification_status,
                },
            );
        }
        // Their pending approval requests (14).
        let sql = format!(
            "SELECT e.event_id, r.id FROM approval_events e \
             JOIN approval_requests r ON r.id = e.approval_id \
             WHERE r.account_id = $1 AND r.status = 'pending' AND e.event_id IN ({})",
            super::placeholders(2, events.len())
        );
        let mut q = sqlx::query(&sql).bind(account);
        for e in events {
            q = q.bind(e.id.as_str());
        }
        for r in q.fetch_all(self.reader()).await? {
            let id: EventId = text(&r, "event_id")?
                .parse()
                .map_err(|e| super::corrupt("event_id", "approval_events.event_id", e))?;
            marks.events.entry(id).or_default().approval_id = Some(text(&r, "id")?);
        }
        // The verdict of each resource's previous event (the one the list's cell shows).
        let previous = sqlx::query(
            "SELECT g.id AS resource_id, e.verification_status FROM gateways g \
             JOIN om_events e ON e.id = g.previous_event_id WHERE g.account_id = $1 \
             AND e.verification_status IS NOT NULL \
             UNION ALL SELECT c.id AS resource_id, e.verification_status FROM connections c \
             JOIN om_events e ON e.id = c.previous_event_id WHERE c.account_id = $1 \
             AND e.verification_status IS NOT NULL",
        )
        .bind(account)
        .fetch_all(self.reader())
        .await?;
        for r in &previous {
            let v = text(r, "verification_status")?;
            let verdict = v
                .parse::<Verdict>()
                .map_err(|e| super::corrupt("verification_status", &v, e))?;
            marks
                .previous_verdicts
                .insert(text(r, "resource_id")?, verdict);
        }
        Ok(marks)
    }

    /// Every site of the account with its address and region (of its first connection).
    pub async fn sites(&self, account: &str) -> sqlx::Result<Vec<Site>> {
        let rows = sqlx::query(
            "SELECT t.customer_gateway_id, t.customer_gateway_ip, c.region_id FROM tunnels t \
             JOIN connections c ON c.id = t.connection_id WHERE c.account_id = $1 \
             ORDER BY t.customer_gateway_id, c.region_id, c.id",
        )
        .bind(account)
        .fetch_all(self.reader())
        .await?;
        let mut sites: Vec<Site> = Vec::new();
        for r in &rows {
            let id = text(r, "customer_gateway_id")?;
            if sites.last().is_some_and(|s| s.customer_gateway_id == id) {
                continue;
            }
            sites.push(Site {
                customer_gateway_id: id,
                customer_gateway_ip: text(r, "customer_gateway_ip")?,
                region: text(r, "region_id")?,
            });
        }
        Ok(sites)
    }

    /// The account's events whose execution overlaps `[from, until)`, with their recorded
    /// impact.
    pub async fn executions_between(
        &self,
        account: &str,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> sqlx::Result<Vec<EventWithRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS}, execution_snapshot FROM om_events WHERE account_id = $1 \
             AND started_at IS NOT NULL AND started_at < $3 \
             AND (finished_at IS NULL OR finished_at > $2) ORDER BY started_at, id"
        ))
        .bind(account)
        .bind(to_millis(from))
        .bind(to_millis(until))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(event_with_record).collect()
    }

    /// The account's tunnel-down alerts that overlap `[from, until)`, by site.
    pub async fn site_alerts(
        &self,
        account: &str,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> sqlx::Result<Vec<SiteAlert>> {
        let rows = sqlx::query(
            "SELECT t.customer_gateway_id, a.at, a.cleared_at FROM alerts a \
             JOIN tunnels t ON t.id = a.resource_id \
             WHERE a.account_id = $1 AND a.kind = 'tunnel_down' AND a.at < $3 \
             AND (a.cleared_at IS NULL OR a.cleared_at > $2) ORDER BY a.at",
        )
        .bind(account)
        .bind(to_millis(from))
        .bind(to_millis(until))
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SiteAlert {
                    customer_gateway_id: text(r, "customer_gateway_id")?,
                    at: from_millis(int(r, "at")?),
                    cleared_at: opt_int(r, "cleared_at")?.map(from_millis),
                })
            })
            .collect()
    }
}
