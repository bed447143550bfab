//! The scheduler's side: starting and finishing an execution, and the leases that let another
//! replica take over from a dead one. What an execution changes is the domain's
//! [`vpn_console_domain::execution`]; this only writes it.

use chrono::{DateTime, Duration, Utc};
use vpn_console_domain::execution::{self, TunnelChange};
use vpn_console_domain::{AuditAction, EventId, EventStatus, TunnelState};

use vpn_console_domain::hold;

use super::{health, read_snapshot, record_change, update_event, Change, EVENT_COLUMNS};
use crate::clock::to_millis;
use crate::store::{opt_int, text, Store, Tx};

/// How long a replica's hold on a running event lasts without renewal. Real seconds: it is about
/// noticing a dead replica, not about the maintenance's duration.
pub const LEASE_S: i64 = 15;

/// The actor of the audit entries the scheduler writes.
pub const SCHEDULER_ACTOR: &str = "scheduler";

/// Writes the tunnels' new states; a tunnel available again clears its open tunnel-down
/// alerts, which is where the availability report's downtime ends (DESIGN.md 16).
async fn write_tunnels(
    tx: &mut Tx,
    tunnels: &[TunnelChange],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    for t in tunnels {
        sqlx::query("UPDATE tunnels SET state = $1, carries_traffic = $2 WHERE id = $3")
            .bind(t.state.as_str())
            .bind(i64::from(t.carries_traffic))
            .bind(t.id.as_str())
            .execute(&mut **tx)
            .await?;
        if t.state == TunnelState::Available {
            clear_tunnel_down_alerts(tx, t.id.as_str(), now).await?;
        }
    }
    Ok(())
}

/// A tunnel is up again: its open tunnel-down alerts end now (the availability report of
/// DESIGN.md 16 counts the minutes in between). Whatever brings it back calls this: the
/// event's restore, the simulated data plane and `tunnel-health`.
pub(crate) async fn clear_tunnel_down_alerts(
    tx: &mut Tx,
    tunnel: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE alerts SET cleared_at = $1 WHERE resource_id = $2 \
         AND kind = 'tunnel_down' AND cleared_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(tunnel)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Starts one due event in one transaction: the event becomes `executing` and the domain's
    /// [`execution::start`] is written (tunnels down, traffic failed over, SSL clients
    /// disconnected, alerts, the snapshot). Returns false when another scheduler got there
    /// first (the conditional update makes that exactly-once).
    ///
    /// Before it starts, the hold rule (DESIGN.md 13) is asked: a held event is written held
    /// (logged `held` once per hold) and stays pending; one held past the ceiling starts
    /// anyway, its `started` entry `from: "held"`.
    pub async fn start_event(
        &self,
        id: &EventId,
        now: DateTime<Utc>,
        duration: Duration,
        instance: &str,
        time_scale: f64,
    ) -> sqlx::Result<bool> {
        let Some((event, account)) = self.event_any_account(id).await? else {
            return Ok(false);
        };
        if event.status != EventStatus::Pending || event.execute_at > now {
            return Ok(false);
        }
        let (gateway, connections) = self.event_topology(&account, &event).await?;
        let start = execution::start(&event, gateway.as_ref(), &connections);
        let paths = health::paths(&start.snapshot);
        let state = self.hold_state(id).await?;
        let found = hold::hold(
            &paths,
            &self.hold_partners(&account, id, &paths, now).await?,
            state.held_since.unwrap_or(now),
        );
        let forced = match hold::decide_start(
            found,
            state.override_hold,
            event.execute_at,
            now,
            time_scale,
        ) {
            hold::StartDecision::Hold(h) => {
                self.write_hold(id, &h, &state, now).await?;
                return Ok(false);
            }
            hold::StartDecision::Start { forced } => forced,
        };
        let baseline = health::baseline(&start.snapshot, &connections, now);

        let mut tx = self.begin().await?;
        let sql = format!(
            "UPDATE om_events SET status = 'executing', started_at = $1, completes_at = $2, executed_by = $3, \
             execution_snapshot = $4, version = version + 1, lease_until = $6, \
             hold = NULL, held_since = NULL, override_hold = 0 \
             WHERE id = $5 AND status = 'pending' AND execute_at <= $1 RETURNING {EVENT_COLUMNS}"
        );
        let query = sqlx::query(&sql)
            .bind(to_millis(now))
            .bind(to_millis(now + duration))
            .bind(instance)
            .bind(serde_json::to_string(&start.snapshot).expect("snapshots serialize"))
            .bind(id.as_str())
            .bind(to_millis(now + Duration::seconds(LEASE_S)));
        let Some((started, _)) = update_event(&mut tx, query).await? else {
            tx.rollback().await?;
            return Ok(false);
        };
        write_tunnels(&mut tx, &start.tunnels, now).await?;
        for t in start
            .tunnels
            .iter()
            .filter(|t| t.state == TunnelState::Unavailable)
        {
            health::take_down(&mut tx, &t.id, now).await?;
        }
        health::keep_baseline(&mut tx, id, &baseline, &paths).await?;
        if let Some(gateway) = &start.ssl_clients_disconnected {
            sqlx::query("UPDATE gateways SET ssl_clients = 0 WHERE id = $1")
                .bind(gateway.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for tunnel in &start.alerts {
            self.insert_alert(
                &mut tx,
                &account,
                event.region.as_str(),
                now,
                tunnel.as_str(),
                "tunnel_down",
            )
            .await?;
        }
        record_change(
            &mut tx,
            &Change {
                account: &account,
                event: &started,
                at: now,
                actor: SCHEDULER_ACTOR,
                action: AuditAction::Started,
                from: Some(if forced { "held" } else { "pending" }.to_owned()),
                to: Some("executing".to_owned()),
                via: None,
                on_behalf_of: None,
                approved_by: &[],
            },
        )
        .await?;
        self.commit(tx).await?;
        Ok(true)
    }

    /// Finishes one executing event in one transaction: writes the domain's
    /// [`execution::finish`] (what it changed, restored), records the execution time as the
    /// previous event of the resource (and of each affected connection), and completes it. A
    /// process that finishes an event another process started (a restart after a crash) logs
    /// `resumed` first. A snapshot that cannot be read is an error, not an empty restore: the
    /// event stays executing and the tunnels as they are until someone looks.
    pub async fn finish_event(
        &self,
        id: &EventId,
        now: DateTime<Utc>,
        instance: &str,
        time_scale: f64,
    ) -> sqlx::Result<bool> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT resource_id, started_at, executed_by, execution_snapshot, health_baseline FROM om_events WHERE id = $1 AND status = 'executing'",
        )
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(false);
        };
        let snapshot = read_snapshot(crate::store::opt_text(&row, "execution_snapshot")?)?;
        let finish = execution::finish(&snapshot);
        let started_at = opt_int(&row, "started_at")?.unwrap_or(to_millis(now));
        let resource_id = text(&row, "resource_id")?;
        let sql = format!(
            "UPDATE om_events SET status = 'completed', finished_at = $1, version = version + 1 \
             WHERE id = $2 AND status = 'executing' \
             AND (executed_by = $3 OR lease_until IS NULL OR lease_until < $1) RETURNING {EVENT_COLUMNS}"
        );
        let query = sqlx::query(&sql)
            .bind(to_millis(now))
            .bind(id.as_str())
            .bind(instance);
        let Some((completed, account)) = update_event(&mut tx, query).await? else {
            tx.rollback().await?;
            return Ok(false);
        };
        let change = |action, from: &str, to: &str| Change {
            account: &account,
            event: &completed,
            at: now,
            actor: SCHEDULER_ACTOR,
            action,
            from: Some(from.to_owned()),
            to: Some(to.to_owned()),
            via: None,
            on_behalf_of: None,
            approved_by: &[],
        };
        if crate::store::opt_text(&row, "executed_by")?.as_deref() != Some(instance) {
            record_change(
                &mut tx,
                &change(AuditAction::Resumed, "executing", "executing"),
            )
            .await?;
        }
        write_tunnels(&mut tx, &finish.tunnels, now).await?;
        let baseline = health::read_baseline(crate::store::opt_text(&row, "health_baseline")?)?;
        let after = health::restore_data_plane(&mut tx, &baseline, now).await?;
        if let Some((gateway, count)) = &finish.ssl_clients {
            sqlx::query("UPDATE gateways SET ssl_clients = $1 WHERE id = $2")
                .bind(i64::from(*count))
                .bind(gateway.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for table in ["gateways", "connections"] {
            sqlx::query(&format!(
                "UPDATE {table} SET previous_executed_at = $1, previous_event_id = $3 WHERE id = $2"
            ))
            .bind(started_at)
            .bind(resource_id.as_str())
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        }
        for c in &finish.connections {
            sqlx::query("UPDATE connections SET previous_executed_at = $1, previous_event_id = $3 WHERE id = $2")
                .bind(started_at)
                .bind(c.as_str())
                .bind(id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        record_change(
            &mut tx,
            &change(AuditAction::Completed, "executing", "completed"),
        )
        .await?;
        health::verify_at_completion(&mut tx, id, &baseline, &after, now, time_scale).await?;
        self.commit(tx).await?;
        Ok(true)
    }

    /// Marks an event the scheduler could not start or finish, after its retries, `failed`
    /// (in the audit log; the server's log says why). Returns false when it is no longer pending or executing.
    pub async fn fail_event(
        &self,
        id: &EventId,
        now: DateTime<Utc>,
        why: &str,
    ) -> sqlx::Result<bool> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT status FROM om_events WHERE id = $1 AND status IN ('pending', 'executing')",
        )
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(false);
        };
        let from = text(&row, "status")?;
        let sql = format!(
            "UPDATE om_events SET status = 'failed', finished_at = $1, version = version + 1, lease_until = NULL \
             WHERE id = $2 AND status = $3 RETURNING {EVENT_COLUMNS}"
        );
        let query = sqlx::query(&sql)
            .bind(to_millis(now))
            .bind(id.as_str())
            .bind(from.as_str());
        let Some((failed, account)) = update_event(&mut tx, query).await? else {
            tx.rollback().await?;
            return Ok(false);
        };
        tracing::error!(event = %id, "marked failed: {why}");
        record_change(
            &mut tx,
            &Change {
                account: &account,
                event: &failed,
                at: now,
                actor: SCHEDULER_ACTOR,
                action: AuditAction::Failed,
                from: Some(from),
                to: Some("failed".to_owned()),
                via: None,
                on_behalf_of: None,
                approved_by: &[],
            },
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
}
