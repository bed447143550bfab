//! O&M events: reading, rescheduling, executing, and their audit log.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use vpn_console_domain::api::{AlertDay, LogEntry};
use vpn_console_domain::impact::{affected_resources, Impact};
use vpn_console_domain::{
    AffectedItem, Effect, EventId, EventStatus, ExecutionRequest, GatewayIp, GatewayIpRole,
    OmEvent, Reason, RegionId, ResourceRef, ScheduleError,
};

use super::{int, is_unique_violation, opt_int, parsed, placeholders, text, Store, Tx};
use crate::clock::{from_millis, to_millis};

/// How long a replica's hold on a running event lasts without renewal. Real seconds: it is about
/// noticing a dead replica, not about the maintenance's duration.
pub const LEASE_S: i64 = 15;

pub(crate) const EVENT_COLUMNS: &str =
    "id, account_id, region_id, resource_kind, resource_id, gateway_ip_role, \
    gateway_ip, reason, status, default_execute_at, execute_at, published_at, started_at, \
    finished_at, version";

pub(crate) fn event_from_row(row: &AnyRow) -> sqlx::Result<OmEvent> {
    let resource = match text(row, "resource_kind")?.as_str() {
        "vpn_gateway" => ResourceRef::VpnGateway {
            id: parsed(row, "resource_id")?,
        },
        _ => ResourceRef::IpsecConnection {
            id: parsed(row, "resource_id")?,
        },
    };
    let role = text(row, "gateway_ip_role")?;
    let reason = text(row, "reason")?;
    let status = text(row, "status")?;
    Ok(OmEvent {
        id: parsed(row, "id")?,
        region: parsed(row, "region_id")?,
        resource,
        gateway_ip: GatewayIp {
            role: GatewayIpRole::parse(&role)
                .ok_or_else(|| super::corrupt("gateway_ip_role", &role, "unknown role"))?,
            ip: parsed(row, "gateway_ip")?,
        },
        reason: Reason::parse(&reason)
            .ok_or_else(|| super::corrupt("reason", &reason, "unknown reason"))?,
        status: EventStatus::parse(&status)
            .ok_or_else(|| super::corrupt("status", &status, "unknown status"))?,
        default_execute_at: from_millis(int(row, "default_execute_at")?),
        execute_at: from_millis(int(row, "execute_at")?),
        published_at: from_millis(int(row, "published_at")?),
        started_at: opt_int(row, "started_at")?.map(from_millis),
        finished_at: opt_int(row, "finished_at")?.map(from_millis),
        version: int(row, "version")?,
    })
}

/// What an execution started, kept with the event so that finishing it restores exactly that.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub impact: Impact,
    /// Every tunnel the event touched, with its state and traffic before the event.
    pub tunnels: Vec<TunnelBefore>,
    /// SSL clients disconnected: the gateway and how many were connected.
    pub ssl_clients: Option<(String, u32)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TunnelBefore {
    pub id: String,
    pub state: String,
    pub carries_traffic: bool,
}

/// The answer to an execution request, as stored for idempotent replays.
#[derive(Debug, Clone)]
pub enum ExecutionOutcome {
    Accepted(OmEvent),
    Replayed { status: u16, body: String },
    NotFound,
    Stale { current_version: i64 },
    Refused(ScheduleError),
    KeyReused,
}

pub struct NewEvent {
    pub id: EventId,
    pub account_id: String,
    pub region: RegionId,
    pub resource: ResourceRef,
    pub gateway_ip: GatewayIp,
    pub reason: Reason,
    pub status: EventStatus,
    pub default_execute_at: DateTime<Utc>,
    pub execute_at: DateTime<Utc>,
    pub published_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Why an event could not be published; the database's own error is kept for the message.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the resource already has a pending or executing O&M event")]
    AlreadyHasCurrentEvent,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

pub(crate) async fn log(
    tx: &mut Tx,
    event_id: &str,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO event_log (event_id, at, actor, action, from_value, to_value) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(event_id)
    .bind(to_millis(at))
    .bind(actor)
    .bind(action)
    .bind(from)
    .bind(to)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn event_in_tx(tx: &mut Tx, id: &str) -> sqlx::Result<Option<(OmEvent, String)>> {
    let row = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM om_events WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| Ok((event_from_row(&r)?, text(&r, "account_id")?)))
        .transpose()
}

impl Store {
    /// An event of `account`, or `None` when it does not exist or belongs to someone else.
    pub async fn event(&self, account: &str, id: &EventId) -> sqlx::Result<Option<OmEvent>> {
        let row = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM om_events WHERE id = $1 AND account_id = $2"
        ))
        .bind(id.as_str())
        .bind(account)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(event_from_row).transpose()
    }

    /// An event whatever its account (the operator commands).
    pub async fn event_any_account(&self, id: &EventId) -> sqlx::Result<Option<(OmEvent, String)>> {
        let row = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM om_events WHERE id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(self.reader())
        .await?;
        row.map(|r| Ok((event_from_row(&r)?, text(&r, "account_id")?)))
            .transpose()
    }

    /// The impact frozen when the event started, for events that are running or done.
    pub async fn event_snapshot(&self, id: &EventId) -> sqlx::Result<Option<Snapshot>> {
        let row = sqlx::query("SELECT execution_snapshot FROM om_events WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(self.reader())
            .await?;
        Ok(row
            .and_then(|r| super::opt_text(&r, "execution_snapshot").ok().flatten())
            .and_then(|s| serde_json::from_str(&s).ok()))
    }

    /// Current (pending or executing) events of these resources, by resource id.
    pub(crate) async fn current_events_for(
        &self,
        resource_ids: &[String],
    ) -> sqlx::Result<HashMap<String, OmEvent>> {
        if resource_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM om_events WHERE status IN ('pending', 'executing') AND resource_id IN ({})",
            placeholders(1, resource_ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in resource_ids {
            q = q.bind(id.as_str());
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| event_from_row(r).map(|e| (e.resource.id_str().to_owned(), e)))
            .collect()
    }

    pub async fn insert_event(&self, tx: &mut Tx, new: &NewEvent) -> Result<(), PublishError> {
        let result = sqlx::query(
            "INSERT INTO om_events (id, account_id, region_id, resource_kind, resource_id, gateway_ip_role, gateway_ip, \
             reason, status, default_execute_at, execute_at, published_at, started_at, finished_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1)",
        )
        .bind(new.id.as_str())
        .bind(new.account_id.as_str())
        .bind(new.region.as_str())
        .bind(new.resource.kind_str())
        .bind(new.resource.id_str())
        .bind(new.gateway_ip.role.as_str())
        .bind(new.gateway_ip.ip.to_string())
        .bind(new.reason.as_str())
        .bind(new.status.as_str())
        .bind(to_millis(new.default_execute_at))
        .bind(to_millis(new.execute_at))
        .bind(to_millis(new.published_at))
        .bind(new.started_at.map(to_millis))
        .bind(new.finished_at.map(to_millis))
        .execute(&mut **tx)
        .await;
        match result {
            Err(e) if is_unique_violation(&e) => Err(PublishError::AlreadyHasCurrentEvent),
            Err(e) => Err(e.into()),
            Ok(_) => {
                log(
                    tx,
                    new.id.as_str(),
                    new.published_at,
                    "provider",
                    "published",
                    None,
                    Some("pending"),
                )
                .await?;
                Ok(())
            }
        }
    }

    /// The provider withdraws a pending event.
    pub async fn cancel_event(&self, id: &EventId, now: DateTime<Utc>) -> anyhow::Result<OmEvent> {
        let mut tx = self.begin().await?;
        let (event, _) = event_in_tx(&mut tx, id.as_str())
            .await?
            .ok_or_else(|| anyhow::anyhow!("no O&M event {id}"))?;
        event.status.transition(EventStatus::Cancelled)?;
        let done = sqlx::query(
            "UPDATE om_events SET status = 'cancelled', finished_at = $1, version = version + 1 \
             WHERE id = $2 AND status = 'pending'",
        )
        .bind(to_millis(now))
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        anyhow::ensure!(
            done.rows_affected() == 1,
            "O&M event {id} changed meanwhile; try again"
        );
        log(
            &mut tx,
            id.as_str(),
            now,
            "provider",
            "cancelled",
            Some("pending"),
            Some("cancelled"),
        )
        .await?;
        let (event, _) = event_in_tx(&mut tx, id.as_str())
            .await?
            .expect("just updated");
        self.commit(tx).await?;
        Ok(event)
    }

    /// `POST /om-events/{id}/execution`, as one transaction: idempotency, `If-Match`, the
    /// domain's rules with the server's clock, the change, its audit entry and the stored answer.
    #[allow(clippy::too_many_arguments)]
    pub async fn request_execution(
        &self,
        account: &str,
        actor: &str,
        id: &EventId,
        expected_version: i64,
        request: &ExecutionRequest,
        idempotency: Option<(&str, &str)>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<ExecutionOutcome> {
        let mut tx = self.begin().await?;
        if let Some((key, hash)) = idempotency {
            let row = sqlx::query(
                "SELECT request_hash, status, body FROM idempotency_keys WHERE account_id = $1 AND idempotency_key = $2",
            )
            .bind(account)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = row {
                return Ok(if text(&row, "request_hash")? == hash {
                    ExecutionOutcome::Replayed {
                        status: int(&row, "status")? as u16,
                        body: text(&row, "body")?,
                    }
                } else {
                    ExecutionOutcome::KeyReused
                });
            }
        }
        let event = match event_in_tx(&mut tx, id.as_str()).await? {
            Some((e, owner)) if owner == account => e,
            _ => return Ok(ExecutionOutcome::NotFound),
        };
        if event.version != expected_version {
            return Ok(ExecutionOutcome::Stale {
                current_version: event.version,
            });
        }
        let plan = match vpn_console_domain::validate(&event, request, now) {
            Ok(plan) => plan,
            Err(e) => return Ok(ExecutionOutcome::Refused(e)),
        };
        let updated = sqlx::query(
            "UPDATE om_events SET execute_at = $1, version = version + 1 \
             WHERE id = $2 AND version = $3 AND status = 'pending'",
        )
        .bind(to_millis(plan.execute_at))
        .bind(id.as_str())
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            // Another writer won between our read and our update (PostgreSQL replicas).
            return Ok(ExecutionOutcome::Stale {
                current_version: expected_version + 1,
            });
        }
        let action = if plan.execute_now {
            "execute_now"
        } else {
            "rescheduled"
        };
        log(
            &mut tx,
            id.as_str(),
            now,
            actor,
            action,
            Some(
                &event
                    .execute_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
            Some(
                &plan
                    .execute_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
        )
        .await?;
        let (event, _) = event_in_tx(&mut tx, id.as_str())
            .await?
            .expect("just updated");
        if let Some((key, hash)) = idempotency {
            let body = serde_json::to_string(&event).expect("events serialize");
            sqlx::query(
                "INSERT INTO idempotency_keys (account_id, idempotency_key, request_hash, status, body, etag, created_at) \
                 VALUES ($1, $2, $3, 200, $4, $5, $6)",
            )
            .bind(account)
            .bind(key)
            .bind(hash)
            .bind(body)
            .bind(event.version.to_string())
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        }
        self.commit(tx).await?;
        Ok(ExecutionOutcome::Accepted(event))
    }

    pub async fn event_log(&self, id: &EventId) -> sqlx::Result<Vec<LogEntry>> {
        let rows = sqlx::query(
            "SELECT at, actor, action, from_value, to_value FROM event_log WHERE event_id = $1 ORDER BY at, id",
        )
        .bind(id.as_str())
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LogEntry {
                    at: from_millis(int(r, "at")?),
                    actor: text(r, "actor")?,
                    action: text(r, "action")?,
                    from: super::opt_text(r, "from_value")?,
                    to: super::opt_text(r, "to_value")?,
                })
            })
            .collect()
    }

    /// Events of the last `days` days in a region, newest first.
    pub async fn history(
        &self,
        account: &str,
        region: &RegionId,
        since: DateTime<Utc>,
    ) -> sqlx::Result<Vec<OmEvent>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM om_events WHERE account_id = $1 AND region_id = $2 \
             AND (published_at >= $3 OR execute_at >= $3 OR finished_at >= $3) \
             ORDER BY COALESCE(started_at, execute_at) DESC, id DESC LIMIT 1000"
        ))
        .bind(account)
        .bind(region.as_str())
        .bind(to_millis(since))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Alerts per day, every day of the window present (zero when quiet), oldest first.
    pub async fn alert_trend(
        &self,
        account: &str,
        region: &RegionId,
        days: u32,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Vec<AlertDay>> {
        let first_day = now.date_naive() - Duration::days(i64::from(days) - 1);
        let since = first_day.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        let rows = sqlx::query(
            "SELECT at FROM alerts WHERE account_id = $1 AND region_id = $2 AND at >= $3",
        )
        .bind(account)
        .bind(region.as_str())
        .bind(to_millis(since))
        .fetch_all(self.reader())
        .await?;
        let mut counts: HashMap<NaiveDate, u32> = HashMap::new();
        for r in &rows {
            *counts
                .entry(from_millis(int(r, "at")?).date_naive())
                .or_default() += 1;
        }
        Ok((0..days)
            .map(|i| {
                let date = first_day + Duration::days(i64::from(i));
                AlertDay {
                    date,
                    count: counts.get(&date).copied().unwrap_or(0),
                }
            })
            .collect())
    }

    pub async fn insert_alert(
        &self,
        tx: &mut Tx,
        account: &str,
        region: &str,
        at: DateTime<Utc>,
        resource_id: &str,
        kind: &str,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO alerts (account_id, region_id, at, resource_id, kind) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(account)
        .bind(region)
        .bind(to_millis(at))
        .bind(resource_id)
        .bind(kind)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Pending events whose time has come, oldest first.
    pub async fn due_events(&self, now: DateTime<Utc>, limit: i64) -> sqlx::Result<Vec<EventId>> {
        let rows = sqlx::query(
            "SELECT id FROM om_events WHERE status = 'pending' AND execute_at <= $1 ORDER BY execute_at, id LIMIT $2",
        )
        .bind(to_millis(now))
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(|r| parsed(r, "id")).collect()
    }

    /// Executing events whose maintenance has run its time and that this scheduler may finish:
    /// its own, or another's whose lease lapsed.
    pub async fn finished_events(
        &self,
        now: DateTime<Utc>,
        instance: &str,
        limit: i64,
    ) -> sqlx::Result<Vec<EventId>> {
        let rows = sqlx::query(
            "SELECT id FROM om_events WHERE status = 'executing' AND completes_at <= $1 \
             AND (executed_by = $2 OR lease_until IS NULL OR lease_until < $1) ORDER BY completes_at, id LIMIT $3",
        )
        .bind(to_millis(now))
        .bind(instance)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(|r| parsed(r, "id")).collect()
    }

    /// Starts one due event in one transaction: the event becomes `executing`, its maintained
    /// tunnels go down, traffic fails over, SSL clients are disconnected. Returns false when
    /// another scheduler got there first (the conditional update makes that exactly-once).
    pub async fn start_event(
        &self,
        id: &EventId,
        now: DateTime<Utc>,
        duration: Duration,
        instance: &str,
    ) -> sqlx::Result<bool> {
        let Some((event, account)) = self.event_any_account(id).await? else {
            return Ok(false);
        };
        if event.status != EventStatus::Pending || event.execute_at > now {
            return Ok(false);
        }
        let (gateway, connections) = self.event_topology(&account, &event).await?;
        let impact = affected_resources(&event, gateway.as_ref(), &connections);

        let mut tx = self.begin().await?;
        let mut snapshot = Snapshot {
            impact: impact.clone(),
            tunnels: Vec::new(),
            ssl_clients: None,
        };
        for item in &impact.affected {
            match item {
                AffectedItem::Tunnel {
                    id: tunnel_id,
                    connection_id,
                    state,
                    carries_traffic,
                    effect,
                    ..
                } => {
                    snapshot.tunnels.push(TunnelBefore {
                        id: tunnel_id.to_string(),
                        state: state.as_str().to_owned(),
                        carries_traffic: *carries_traffic,
                    });
                    if *effect == Effect::Failover && *carries_traffic {
                        let connection = connections.iter().find(|c| &c.id == connection_id);
                        for other in connection.iter().flat_map(|c| c.tunnels.iter()) {
                            if &other.id != tunnel_id {
                                snapshot.tunnels.push(TunnelBefore {
                                    id: other.id.to_string(),
                                    state: other.state.as_str().to_owned(),
                                    carries_traffic: other.carries_traffic,
                                });
                                sqlx::query("UPDATE tunnels SET carries_traffic = 1 WHERE id = $1")
                                    .bind(other.id.as_str())
                                    .execute(&mut *tx)
                                    .await?;
                            }
                        }
                    }
                    sqlx::query("UPDATE tunnels SET state = 'unavailable', carries_traffic = 0 WHERE id = $1")
                        .bind(tunnel_id.as_str())
                        .execute(&mut *tx)
                        .await?;
                    if state.as_str() == "available" {
                        self.insert_alert(
                            &mut tx,
                            &account,
                            event.region.as_str(),
                            now,
                            tunnel_id.as_str(),
                            "tunnel_down",
                        )
                        .await?;
                    }
                }
                AffectedItem::SslClients {
                    gateway_id, count, ..
                } => {
                    snapshot.ssl_clients = Some((gateway_id.to_string(), *count));
                    sqlx::query("UPDATE gateways SET ssl_clients = 0 WHERE id = $1")
                        .bind(gateway_id.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        let started = sqlx::query(
            "UPDATE om_events SET status = 'executing', started_at = $1, completes_at = $2, executed_by = $3, \
             execution_snapshot = $4, version = version + 1, lease_until = $6 \
             WHERE id = $5 AND status = 'pending' AND execute_at <= $1",
        )
        .bind(to_millis(now))
        .bind(to_millis(now + duration))
        .bind(instance)
        .bind(serde_json::to_string(&snapshot).expect("snapshots serialize"))
        .bind(id.as_str())
        .bind(to_millis(now + Duration::seconds(LEASE_S)))
        .execute(&mut *tx)
        .await?;
        if started.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        log(
            &mut tx,
            id.as_str(),
            now,
            "scheduler",
            "started",
            Some("pending"),
            Some("executing"),
        )
        .await?;
        self.commit(tx).await?;
        Ok(true)
    }

    /// Finishes one executing event in one transaction: restores what it changed, records the
    /// execution time as the previous event of the resource (and of each affected connection),
    /// and completes it. A process that finishes an event another process started (a restart
    /// after a crash) logs `resumed` first.
    pub async fn finish_event(
        &self,
        id: &EventId,
        now: DateTime<Utc>,
        instance: &str,
    ) -> sqlx::Result<bool> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT resource_id, started_at, executed_by, execution_snapshot FROM om_events WHERE id = $1 AND status = 'executing'",
        )
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(false);
        };
        let snapshot: Snapshot = super::opt_text(&row, "execution_snapshot")?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(Snapshot {
                impact: Impact::default(),
                tunnels: Vec::new(),
                ssl_clients: None,
            });
        let started_at = opt_int(&row, "started_at")?.unwrap_or(to_millis(now));
        let resource_id = text(&row, "resource_id")?;
        let done = sqlx::query(
            "UPDATE om_events SET status = 'completed', finished_at = $1, version = version + 1 \
             WHERE id = $2 AND status = 'executing' \
             AND (executed_by = $3 OR lease_until IS NULL OR lease_until < $1)",
        )
        .bind(to_millis(now))
        .bind(id.as_str())
        .bind(instance)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        if super::opt_text(&row, "executed_by")?.as_deref() != Some(instance) {
            log(
                &mut tx,
                id.as_str(),
                now,
                "scheduler",
                "resumed",
                Some("executing"),
                Some("executing"),
            )
            .await?;
        }
        // Restore in reverse so a tunnel recorded twice ends in its earliest recorded state.
        for t in snapshot.tunnels.iter().rev() {
            sqlx::query("UPDATE tunnels SET state = $1, carries_traffic = $2 WHERE id = $3")
                .bind(t.state.as_str())
                .bind(i64::from(t.carries_traffic))
                .bind(t.id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        if let Some((gateway, count)) = &snapshot.ssl_clients {
            sqlx::query("UPDATE gateways SET ssl_clients = $1 WHERE id = $2")
                .bind(i64::from(*count))
                .bind(gateway.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for table in ["gateways", "connections"] {
            sqlx::query(&format!(
                "UPDATE {table} SET previous_executed_at = $1 WHERE id = $2"
            ))
            .bind(started_at)
            .bind(resource_id.as_str())
            .execute(&mut *tx)
            .await?;
        }
        let mut connection_ids: Vec<String> = snapshot
            .impact
            .affected
            .iter()
            .filter_map(|i| match i {
                AffectedItem::Tunnel { connection_id, .. } => Some(connection_id.to_string()),
                AffectedItem::SslClients { .. } => None,
            })
            .collect();
        connection_ids.dedup();
        for c in connection_ids {
            sqlx::query("UPDATE connections SET previous_executed_at = $1 WHERE id = $2")
                .bind(started_at)
                .bind(c.as_str())
                .execute(&mut *tx)
                .await?;
        }
        log(
            &mut tx,
            id.as_str(),
            now,
            "scheduler",
            "completed",
            Some("executing"),
            Some("completed"),
        )
        .await?;
        self.commit(tx).await?;
        Ok(true)
    }

    /// Extends the leases of the events this scheduler runs; returns how many it holds.
    pub async fn renew_leases(
        &self,
        instance: &str,
        lease_until: DateTime<Utc>,
    ) -> sqlx::Result<u64> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE om_events SET lease_until = $1 WHERE status = 'executing' AND executed_by = $2",
        )
        .bind(to_millis(lease_until))
        .bind(instance)
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        Ok(done.rows_affected())
    }

    /// Idempotency records are kept 48 hours (the contract promises at least 24).
    pub async fn prune_idempotency_keys(&self, now: DateTime<Utc>) -> sqlx::Result<u64> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(to_millis(now - Duration::hours(48)))
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await?;
        Ok(done.rows_affected())
    }
}
