//! Planning ahead (DESIGN.md section 10): the account's maintenance window and freeze periods,
//! each current event as the planning rules see it (with the tunnels it hits), the window's
//! placements and the conflict marks of the list pages.
//!
//! The rules themselves are the domain crate's (`vpn_console_domain::planning`); this module
//! only reads what they consult and writes what they decide.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use vpn_console_domain::impact::{affected_resources, Impact};
use vpn_console_domain::planning::{
    FreezePeriod, FreezePeriodSpec, MaintenanceWindowSpec, PlannedEvent, PlanningError,
};
use vpn_console_domain::{
    Attachment, Connection, EventId, EventStatus, Gateway, OmEvent, ResourceRef,
};

use super::events::{event_from_row, EVENT_COLUMNS};
use super::{int, parsed, placeholders, text, Store, Tx};
use crate::clock::{from_millis, to_millis};

/// The actor of the audit entries the window writes.
pub const WINDOW_ACTOR: &str = "maintenance-window";

/// An event's impact and the topology it was computed from (the advice needs it).
pub struct EventImpact {
    pub impact: Impact,
    pub gateway: Option<Gateway>,
    pub connections: Vec<Connection>,
}

/// An event as the planning rules see it, with the topology its impact came from (the advice
/// needs it).
pub struct PlannedWithTopology {
    pub planned: PlannedEvent,
    pub gateway: Option<Gateway>,
    pub connections: Vec<Connection>,
}

fn window_from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<MaintenanceWindowSpec> {
    Ok(MaintenanceWindowSpec {
        time_zone: text(row, "time_zone")?,
        days: text(row, "days")?
            .split(',')
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect(),
        start: text(row, "start_time")?,
        duration_minutes: int(row, "duration_minutes")?,
    })
}

fn freeze_from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<FreezePeriod> {
    Ok(FreezePeriod {
        id: text(row, "id")?,
        starts_at: from_millis(int(row, "starts_at")?),
        ends_at: from_millis(int(row, "ends_at")?),
        reason: text(row, "reason")?,
    })
}

const FREEZE_COLUMNS: &str = "id, starts_at, ends_at, reason";

impl Store {
    /// The account's maintenance window, as last written (already valid).
    pub async fn maintenance_window(
        &self,
        account: &str,
    ) -> sqlx::Result<Option<MaintenanceWindowSpec>> {
        let row = sqlx::query(
            "SELECT time_zone, days, start_time, duration_minutes FROM maintenance_windows WHERE account_id = $1",
        )
        .bind(account)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(window_from_row).transpose()
    }

    /// Writes (`Some`) or removes (`None`) the account's window inside `tx`; `spec` is one the
    /// domain accepted, in its normal form.
    pub async fn write_maintenance_window(
        &self,
        tx: &mut Tx,
        account: &str,
        spec: Option<&MaintenanceWindowSpec>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool> {
        let existed = sqlx::query("DELETE FROM maintenance_windows WHERE account_id = $1")
            .bind(account)
            .execute(&mut **tx)
            .await?
            .rows_affected()
            > 0;
        if let Some(spec) = spec {
            sqlx::query(
                "INSERT INTO maintenance_windows (account_id, time_zone, days, start_time, duration_minutes, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(account)
            .bind(spec.time_zone.as_str())
            .bind(spec.days.join(","))
            .bind(spec.start.as_str())
            .bind(spec.duration_minutes)
            .bind(to_millis(now))
            .execute(&mut **tx)
            .await?;
        }
        Ok(existed)
    }

    /// The account's freeze periods, earliest first.
    pub async fn freeze_periods(&self, account: &str) -> sqlx::Result<Vec<FreezePeriod>> {
        let rows = sqlx::query(&format!(
            "SELECT {FREEZE_COLUMNS} FROM freeze_periods WHERE account_id = $1 ORDER BY starts_at, id"
        ))
        .bind(account)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(freeze_from_row).collect()
    }

    /// Adds a freeze period after the domain accepted it next to the periods already stored,
    /// read in the same transaction so that two overlapping periods cannot both get in.
    pub async fn add_freeze_period(
        &self,
        account: &str,
        spec: FreezePeriodSpec,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Result<FreezePeriod, PlanningError>> {
        let mut tx = self.begin().await?;
        let rows = sqlx::query(&format!(
            "SELECT {FREEZE_COLUMNS} FROM freeze_periods WHERE account_id = $1 ORDER BY starts_at, id"
        ))
        .bind(account)
        .fetch_all(&mut *tx)
        .await?;
        let existing: Vec<FreezePeriod> = rows
            .iter()
            .map(freeze_from_row)
            .collect::<sqlx::Result<_>>()?;
        if let Err(e) = vpn_console_domain::planning::validate_freeze_period(&spec, &existing) {
            return Ok(Err(e));
        }
        let id = format!("frz-{}", &super::accounts::new_token()[..20]);
        sqlx::query(
            "INSERT INTO freeze_periods (id, account_id, starts_at, ends_at, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.as_str())
        .bind(account)
        .bind(to_millis(spec.starts_at))
        .bind(to_millis(spec.ends_at))
        .bind(spec.reason.trim())
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        let mut spec = spec;
        spec.reason = spec.reason.trim().to_owned();
        Ok(Ok(spec.with_id(id)))
    }

    /// Removes a freeze period of the account; false when it has none of that id.
    pub async fn remove_freeze_period(&self, account: &str, id: &str) -> sqlx::Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM freeze_periods WHERE account_id = $1 AND id = $2")
            .bind(account)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await?;
        Ok(done.rows_affected() == 1)
    }

    /// `event` with the tunnels it hits ([`Store::event_impact`]) and the topology they came
    /// from.
    pub async fn planned_event(
        &self,
        account: &str,
        event: &OmEvent,
    ) -> sqlx::Result<PlannedWithTopology> {
        let EventImpact {
            impact,
            gateway,
            connections,
        } = self.event_impact(account, event).await?;
        Ok(PlannedWithTopology {
            planned: PlannedEvent::new(event.clone(), &impact),
            gateway,
            connections,
        })
    }

    /// The impact of an event, as every answer gives it (the detail, the planning rules,
    /// webhooks, the calendar): once it started, the one recorded at its start (its tunnels are
    /// down by now); before, and for a cancelled one, computed from the current topology.
    pub async fn event_impact(&self, account: &str, event: &OmEvent) -> sqlx::Result<EventImpact> {
        let (gateway, connections) = self.event_topology(account, event).await?;
        let impact = match self.recorded_impact(event).await? {
            Some(impact) => impact,
            None => affected_resources(event, gateway.as_ref(), &connections),
        };
        Ok(EventImpact {
            impact,
            gateway,
            connections,
        })
    }

    /// The impact recorded when the event started, `None` before (see [`Store::event_impact`]).
    pub async fn recorded_impact(&self, event: &OmEvent) -> sqlx::Result<Option<Impact>> {
        if matches!(event.status, EventStatus::Pending | EventStatus::Cancelled) {
            return Ok(None);
        }
        Ok(self.event_snapshot(&event.id).await?.map(|s| s.impact))
    }

    /// The account's other current events that could conflict with `event`: those whose
    /// resource has a tunnel ending at one of the customer gateways `event` hits. Conflicts
    /// need a shared customer gateway, so these are all the planning rules must see, found
    /// through the customer-gateway index instead of by looking at every event.
    pub async fn conflict_candidates(
        &self,
        account: &str,
        event: &PlannedEvent,
    ) -> sqlx::Result<Vec<PlannedWithTopology>> {
        let cgws: Vec<String> = event
            .customer_gateway_ids()
            .into_iter()
            .map(|c| c.to_string())
            .collect();
        if cgws.is_empty() {
            return Ok(Vec::new());
        }
        let list = placeholders(3, cgws.len());
        let sql = format!(
            "SELECT {cols} FROM om_events WHERE account_id = $1 AND id <> $2 \
             AND status IN ('pending', 'executing') AND resource_id IN ( \
               SELECT t.connection_id FROM tunnels t WHERE t.customer_gateway_id IN ({list}) \
               UNION SELECT c.attached_id FROM connections c JOIN tunnels t ON t.connection_id = c.id \
               WHERE t.customer_gateway_id IN ({list})) ORDER BY id",
            cols = EVENT_COLUMNS
        );
        let mut q = sqlx::query(&sql)
            .bind(account)
            .bind(event.event.id.as_str());
        for c in &cgws {
            q = q.bind(c.as_str());
        }
        let rows = q.fetch_all(self.reader()).await?;
        let mut found = Vec::with_capacity(rows.len());
        for row in &rows {
            let other = event_from_row(row)?;
            found.push(self.planned_event(account, &other).await?);
        }
        Ok(found)
    }

    /// Every current event of the account as the planning rules see it, from one read of the
    /// account's topology (the window's placement of thousands of events).
    pub async fn account_planned_events(&self, account: &str) -> sqlx::Result<Vec<PlannedEvent>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM om_events WHERE account_id = $1 \
             AND status IN ('pending', 'executing') ORDER BY default_execute_at, id"
        ))
        .bind(account)
        .fetch_all(self.reader())
        .await?;
        let events: Vec<OmEvent> = rows
            .iter()
            .map(event_from_row)
            .collect::<sqlx::Result<_>>()?;
        let (gateways, connections) = self.account_topology(account).await?;
        let mut attached: HashMap<&str, Vec<Connection>> = HashMap::new();
        let mut by_id: HashMap<&str, &Connection> = HashMap::new();
        for c in &connections {
            if let Attachment::VpnGateway { id } = &c.attached_to {
                attached.entry(id.as_str()).or_default().push(c.clone());
            }
            by_id.insert(c.id.as_str(), c);
        }
        let mut planned = Vec::with_capacity(events.len());
        for event in events {
            let impact =
                self.recorded_impact(&event)
                    .await?
                    .unwrap_or_else(|| match &event.resource {
                        ResourceRef::VpnGateway { id } => affected_resources(
                            &event,
                            gateways.get(id.as_str()),
                            attached.get(id.as_str()).map(Vec::as_slice).unwrap_or(&[]),
                        ),
                        ResourceRef::IpsecConnection { id } => {
                            let own: Vec<Connection> = by_id
                                .get(id.as_str())
                                .map(|c| (*c).clone())
                                .into_iter()
                                .collect();
                            affected_resources(&event, None, &own)
                        }
                    });
            planned.push(PlannedEvent::new(event, &impact));
        }
        Ok(planned)
    }

    /// The pending events of the account whose time a person chose (a reschedule or Execute
    /// Now by anyone but the window): the window leaves them where they are.
    pub async fn chosen_by_person(&self, account: &str) -> sqlx::Result<HashSet<EventId>> {
        let rows = sqlx::query(
            "SELECT DISTINCT l.event_id FROM event_log l JOIN om_events e ON e.id = l.event_id \
             WHERE e.account_id = $1 AND e.status = 'pending' \
             AND l.action IN ('rescheduled', 'execute_now') AND l.actor <> $2",
        )
        .bind(account)
        .bind(WINDOW_ACTOR)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(|r| parsed(r, "event_id")).collect()
    }

    /// Whether a person chose this event's time.
    pub async fn time_chosen_by_person(&self, id: &EventId) -> sqlx::Result<bool> {
        let row = sqlx::query(
            "SELECT 1 AS chosen FROM event_log WHERE event_id = $1 \
             AND action IN ('rescheduled', 'execute_now') AND actor <> $2 LIMIT 1",
        )
        .bind(id.as_str())
        .bind(WINDOW_ACTOR)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.is_some())
    }
}
