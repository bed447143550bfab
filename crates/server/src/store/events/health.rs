//! Tunnel health and verification (DESIGN.md 12): the baseline kept when an event starts, the
//! simulated data plane when it finishes, the verification written then and re-checked by the
//! deadline, on every health change for 24 hours, and on request. The rules are the domain's
//! [`vpn_console_domain::verification`]; this reads what they need and writes what they answer.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use vpn_console_domain::execution::Snapshot;
use vpn_console_domain::verification::{
    self, restored_health, BaselineTunnel, Bgp, Ike, TunnelHealth, Verification, VerificationStatus,
};
use vpn_console_domain::{
    AffectedItem, AuditAction, Connection, CustomerGatewayId, Effect, EventId, TunnelId,
    TunnelState,
};

use super::{event_in_tx, record_change, Change, SCHEDULER_ACTOR};
use crate::clock::{from_millis, to_millis};
use crate::store::{corrupt, opt_int, opt_text, text, Store, Tx};

/// The tunnels an event affects, with their health now: what verification compares with.
/// A tunnel nobody has looked at yet is judged by its state alone (IKE), without BGP.
pub(crate) fn baseline(
    snapshot: &Snapshot,
    connections: &[Connection],
    now: DateTime<Utc>,
) -> Vec<BaselineTunnel> {
    let tunnels: HashMap<&TunnelId, &vpn_console_domain::Tunnel> = connections
        .iter()
        .flat_map(|c| c.tunnels.iter())
        .map(|t| (&t.id, t))
        .collect();
    snapshot
        .impact
        .affected
        .iter()
        .filter_map(|item| match item {
            AffectedItem::Tunnel {
                id,
                connection_id,
                customer_gateway,
                state,
                ..
            } => {
                let before = tunnels
                    .get(id)
                    .and_then(|t| t.health.clone())
                    .unwrap_or_else(|| TunnelHealth {
                        ike: if *state == TunnelState::Available {
                            Ike::Up
                        } else {
                            Ike::Down
                        },
                        bgp: None,
                        routes_received: None,
                        checked_at: now,
                    });
                Some(BaselineTunnel {
                    tunnel_id: id.clone(),
                    connection_id: connection_id.clone(),
                    customer_gateway_id: customer_gateway.id.clone(),
                    startup_action: customer_gateway.startup_action,
                    ike_version: customer_gateway.ike_version,
                    before,
                })
            }
            AffectedItem::SslClients { .. } => None,
        })
        .collect()
}

/// The customer gateways whose tunnels the event interrupts or fails over (DESIGN.md 13).
pub(crate) fn paths(snapshot: &Snapshot) -> Vec<CustomerGatewayId> {
    let mut cgws: Vec<CustomerGatewayId> = Vec::new();
    for item in &snapshot.impact.affected {
        if let AffectedItem::Tunnel {
            customer_gateway,
            effect: Effect::Interruption | Effect::Failover,
            ..
        } = item
        {
            if !cgws.contains(&customer_gateway.id) {
                cgws.push(customer_gateway.id.clone());
            }
        }
    }
    cgws
}

/// Writes the baseline and the paths of an event that starts, in its start's transaction.
pub(crate) async fn keep_baseline(
    tx: &mut Tx,
    event: &EventId,
    baseline: &[BaselineTunnel],
    paths: &[CustomerGatewayId],
) -> sqlx::Result<()> {
    sqlx::query("UPDATE om_events SET health_baseline = $1 WHERE id = $2")
        .bind(serde_json::to_string(baseline).expect("baselines serialize"))
        .bind(event.as_str())
        .execute(&mut **tx)
        .await?;
    for cgw in paths {
        sqlx::query("INSERT INTO event_paths (event_id, customer_gateway_id) VALUES ($1, $2)")
            .bind(event.as_str())
            .bind(cgw.as_str())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A tunnel taken down by the start: its SAs, and its BGP session if it has one, go down.
pub(crate) async fn take_down(
    tx: &mut Tx,
    tunnel: &TunnelId,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE tunnels SET bgp = CASE WHEN bgp IS NULL THEN NULL ELSE 'down' END, \
         routes_received = CASE WHEN bgp IS NULL THEN NULL ELSE 0 END, health_checked_at = $1 \
         WHERE id = $2",
    )
    .bind(to_millis(now))
    .bind(tunnel.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn write_health(
    tunnel: &TunnelId,
    h: &TunnelHealth,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>> {
    sqlx::query(
        "UPDATE tunnels SET state = $1, bgp = $2, routes_received = $3, health_checked_at = $4 \
         WHERE id = $5",
    )
    .bind(if h.is_up() {
        "available"
    } else {
        "unavailable"
    })
    .bind(h.bgp.map(|b| b.as_str()))
    .bind(h.routes_received.map(i64::from))
    .bind(to_millis(h.checked_at))
    .bind(tunnel.to_string())
}

/// The simulated data plane at the finish (DESIGN.md 12.1), after the event's own restore: a
/// maintained tunnel whose customer gateway starts IKE (`start`) is back at once, with the
/// routes the site advertises now; one that only answers (`add`) stays down, and the other
/// tunnel of its connection keeps the traffic. Returns each baseline tunnel's health now.
pub(crate) async fn restore_data_plane(
    tx: &mut Tx,
    baseline: &[BaselineTunnel],
    now: DateTime<Utc>,
) -> sqlx::Result<HashMap<TunnelId, TunnelHealth>> {
    let mut after = HashMap::new();
    for b in baseline {
        let row = sqlx::query("SELECT comes_back_with_routes FROM tunnels WHERE id = $1")
            .bind(b.tunnel_id.as_str())
            .fetch_optional(&mut **tx)
            .await?;
        let Some(row) = row else { continue };
        let routes = opt_int(&row, "comes_back_with_routes")?
            .map(|n| {
                u32::try_from(n).map_err(|e| corrupt("comes_back_with_routes", &n.to_string(), e))
            })
            .transpose()?;
        let health = restored_health(&b.before, b.startup_action, routes, now);
        write_health(&b.tunnel_id, &health)
            .execute(&mut **tx)
            .await?;
        if health.is_up() {
            super::execution::clear_tunnel_down_alerts(tx, b.tunnel_id.as_str(), now).await?;
        }
        sqlx::query("UPDATE tunnels SET comes_back_with_routes = NULL WHERE id = $1")
            .bind(b.tunnel_id.as_str())
            .execute(&mut **tx)
            .await?;
        if b.before.is_up() && !health.is_up() {
            sqlx::query("UPDATE tunnels SET carries_traffic = 0 WHERE id = $1")
                .bind(b.tunnel_id.as_str())
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "UPDATE tunnels SET carries_traffic = 1 WHERE connection_id = $1 AND id <> $2 AND state = 'available'",
            )
            .bind(b.connection_id.as_str())
            .bind(b.tunnel_id.as_str())
            .execute(&mut **tx)
            .await?;
        }
        after.insert(b.tunnel_id.clone(), health);
    }
    Ok(after)
}

/// The health of these tunnels as the database holds them now (in `tx`).
async fn health_now(
    tx: &mut Tx,
    baseline: &[BaselineTunnel],
    now: DateTime<Utc>,
) -> sqlx::Result<HashMap<TunnelId, TunnelHealth>> {
    let mut found = HashMap::new();
    for b in baseline {
        let row = sqlx::query(
            "SELECT state, bgp, routes_received, health_checked_at FROM tunnels WHERE id = $1",
        )
        .bind(b.tunnel_id.as_str())
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else { continue };
        let bgp = opt_text(&row, "bgp")?
            .map(|s| Bgp::parse(&s).ok_or_else(|| corrupt("bgp", &s, "not a BGP state")))
            .transpose()?;
        let routes = opt_int(&row, "routes_received")?
            .map(|n| u32::try_from(n).map_err(|e| corrupt("routes_received", &n.to_string(), e)))
            .transpose()?;
        found.insert(
            b.tunnel_id.clone(),
            TunnelHealth {
                ike: if text(&row, "state")? == "available" {
                    Ike::Up
                } else {
                    Ike::Down
                },
                bgp,
                routes_received: routes,
                checked_at: opt_int(&row, "health_checked_at")?.map_or(now, from_millis),
            },
        );
    }
    Ok(found)
}

pub(crate) fn read_baseline(raw: Option<String>) -> sqlx::Result<Vec<BaselineTunnel>> {
    match raw {
        // Events started before verification existed: nothing was kept to compare with.
        None => Ok(Vec::new()),
        Some(raw) => serde_json::from_str(&raw).map_err(|e| corrupt("health_baseline", &raw, e)),
    }
}

pub(crate) fn read_verification(raw: Option<String>) -> sqlx::Result<Option<Verification>> {
    raw.map(|raw| serde_json::from_str(&raw).map_err(|e| corrupt("verification", &raw, e)))
        .transpose()
}

/// Writes a verification and, when its status changed, the audit entry that reports it
/// (`verified`, or `verification_failed` with `to` saying `degraded` or `failed`). Returns
/// false when another writer changed the status meanwhile (then nothing is written).
async fn write_verification(
    tx: &mut Tx,
    id: &EventId,
    previous: Option<VerificationStatus>,
    verification: &Verification,
    actor: &str,
    via: Option<&str>,
) -> sqlx::Result<bool> {
    let status = verification.status;
    let done = sqlx::query(
        "UPDATE om_events SET verification = $1, verification_status = $2, verification_deadline = $3 \
         WHERE id = $4 AND status = 'completed' AND COALESCE(verification_status, '') = $5",
    )
    .bind(serde_json::to_string(verification).expect("verifications serialize"))
    .bind(status.as_str())
    .bind(to_millis(verification.deadline))
    .bind(id.as_str())
    .bind(previous.map_or("", |p| p.as_str()))
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let action = match status {
        VerificationStatus::Pending => None,
        VerificationStatus::Verified => Some(AuditAction::Verified),
        VerificationStatus::Degraded | VerificationStatus::Failed => {
            Some(AuditAction::VerificationFailed)
        }
    };
    if let Some(action) = action.filter(|_| previous != Some(status)) {
        let (event, account) = event_in_tx(tx, id.as_str())
            .await?
            .ok_or_else(|| corrupt("om_events.id", id.as_str(), "vanished in its transaction"))?;
        record_change(
            tx,
            &Change {
                account: &account,
                event: &event,
                at: verification.checked_at,
                actor,
                action,
                from: previous.map(|p| p.as_str().to_owned()),
                to: Some(status.as_str().to_owned()),
                via,
                on_behalf_of: None,
                approved_by: &[],
            },
        )
        .await?;
    }
    Ok(true)
}

/// The first verification of an event that completes now, in the finish's transaction.
pub(crate) async fn verify_at_completion(
    tx: &mut Tx,
    id: &EventId,
    baseline: &[BaselineTunnel],
    after: &HashMap<TunnelId, TunnelHealth>,
    now: DateTime<Utc>,
    time_scale: f64,
) -> sqlx::Result<()> {
    let deadline = verification::deadline(now, time_scale);
    let v = verification::verify(baseline, |t| after.get(t).cloned(), None, now, deadline);
    write_verification(tx, id, None, &v, SCHEDULER_ACTOR, None).await?;
    Ok(())
}

/// Checks a completed event's tunnels again, in `tx`, and writes what changed. `None` when
/// the event is not completed (or has no verification).
pub(crate) async fn recheck(
    tx: &mut Tx,
    id: &EventId,
    now: DateTime<Utc>,
    actor: &str,
    via: Option<&str>,
) -> sqlx::Result<Option<Verification>> {
    let row = sqlx::query(
        "SELECT health_baseline, verification FROM om_events WHERE id = $1 AND status = 'completed'",
    )
    .bind(id.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let Some(previous) = read_verification(opt_text(&row, "verification")?)? else {
        return Ok(None);
    };
    let baseline = read_baseline(opt_text(&row, "health_baseline")?)?;
    let now_of = health_now(tx, &baseline, now).await?;
    let v = verification::verify(
        &baseline,
        |t| now_of.get(t).cloned(),
        Some(previous.status),
        now,
        previous.deadline,
    );
    if write_verification(tx, id, Some(previous.status), &v, actor, via).await? {
        Ok(Some(v))
    } else {
        // Another writer re-checked meanwhile: its answer stands.
        Ok(Some(previous))
    }
}

impl Store {
    /// The verification of an event (null before completion, and for events that failed or
    /// were cancelled).
    pub async fn verification(&self, id: &EventId) -> sqlx::Result<Option<Verification>> {
        let row = sqlx::query("SELECT verification FROM om_events WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(self.reader())
            .await?;
        match row {
            None => Ok(None),
            Some(r) => read_verification(opt_text(&r, "verification")?),
        }
    }

    /// `POST /om-events/{id}/verification`: checks again at once. `None` when not completed.
    pub async fn recheck_verification(
        &self,
        id: &EventId,
        now: DateTime<Utc>,
        actor: &str,
        via: Option<&str>,
    ) -> sqlx::Result<Option<Verification>> {
        let mut tx = self.begin().await?;
        let v = recheck(&mut tx, id, now, actor, via).await?;
        self.commit(tx).await?;
        Ok(v)
    }

    /// Verifications whose deadline passed while some tunnel had not come back.
    pub async fn verifications_due(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> sqlx::Result<Vec<EventId>> {
        let rows = sqlx::query(
            "SELECT id FROM om_events WHERE verification_status = 'pending' AND verification_deadline <= $1 \
             ORDER BY verification_deadline, id LIMIT $2",
        )
        .bind(to_millis(now))
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(|r| crate::store::parsed(r, "id")).collect()
    }

    /// The verdict at the deadline; true when it was written by this call.
    pub async fn conclude_verification(
        &self,
        id: &EventId,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool> {
        let mut tx = self.begin().await?;
        let before = sqlx::query("SELECT verification_status FROM om_events WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let was_pending = match before {
            Some(r) => opt_text(&r, "verification_status")?.as_deref() == Some("pending"),
            None => false,
        };
        if !was_pending {
            tx.rollback().await?;
            return Ok(false);
        }
        let v = recheck(&mut tx, id, now, SCHEDULER_ACTOR, None).await?;
        self.commit(tx).await?;
        Ok(v.is_some_and(|v| v.status != VerificationStatus::Pending))
    }

    /// The provider's monitoring reports a tunnel's health (`tunnel-health`, DESIGN.md 12.1):
    /// `ike` also sets its state; BGP and routes keep their values unless given (a BGP tunnel
    /// whose SAs go down loses its session and routes). In the same transaction, every event
    /// completed in the last 24 hours whose verdict is not `verified` and that took a path of
    /// this tunnel's customer gateway is checked again. Returns the ids of those re-checked.
    pub async fn report_tunnel_health(
        &self,
        tunnel: &TunnelId,
        ike: Ike,
        bgp: Option<Bgp>,
        routes: Option<u32>,
        now: DateTime<Utc>,
        actor: &str,
    ) -> anyhow::Result<Vec<EventId>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT customer_gateway_id, bgp, routes_received FROM tunnels WHERE id = $1",
        )
        .bind(tunnel.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            anyhow::bail!("no tunnel '{tunnel}'");
        };
        let cgw = text(&row, "customer_gateway_id")?;
        let had_bgp = opt_text(&row, "bgp")?.is_some() || bgp.is_some();
        let old_routes = opt_int(&row, "routes_received")?;
        let health = if ike == Ike::Down {
            TunnelHealth::down(had_bgp, now)
        } else {
            let bgp = bgp.or_else(|| {
                opt_text(&row, "bgp")
                    .ok()
                    .flatten()
                    .and_then(|s| Bgp::parse(&s))
            });
            TunnelHealth {
                ike,
                bgp,
                routes_received: match (bgp, routes) {
                    (None, _) => None,
                    (Some(Bgp::Down), _) => Some(0),
                    (Some(Bgp::Established), Some(n)) => Some(n),
                    (Some(Bgp::Established), None) => {
                        Some(old_routes.and_then(|n| u32::try_from(n).ok()).unwrap_or(0))
                    }
                },
                checked_at: now,
            }
        };
        write_health(tunnel, &health).execute(&mut *tx).await?;
        if health.is_up() {
            super::execution::clear_tunnel_down_alerts(&mut tx, tunnel.as_str(), now).await?;
        }
        let since = now - Duration::hours(verification::RECHECK_FOR_H);
        let rows = sqlx::query(
            "SELECT e.id FROM om_events e JOIN event_paths p ON p.event_id = e.id \
             WHERE p.customer_gateway_id = $1 AND e.status = 'completed' AND e.finished_at >= $2 \
             AND e.verification_status IN ('pending', 'degraded', 'failed') ORDER BY e.id",
        )
        .bind(cgw.as_str())
        .bind(to_millis(since))
        .fetch_all(&mut *tx)
        .await?;
        let ids: Vec<EventId> = rows
            .iter()
            .map(|r| crate::store::parsed(r, "id"))
            .collect::<sqlx::Result<_>>()?;
        for id in &ids {
            recheck(&mut tx, id, now, actor, Some("cli")).await?;
        }
        self.commit(tx).await?;
        Ok(ids)
    }

    /// For the demo: a tunnel's BGP session with `routes` routes, and how many it comes back
    /// with after its next restart.
    pub(crate) async fn set_bgp(
        &self,
        tx: &mut Tx,
        tunnel: &TunnelId,
        routes: u32,
        comes_back_with: Option<u32>,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE tunnels SET bgp = CASE WHEN state = 'available' THEN 'established' ELSE 'down' END, \
             routes_received = CASE WHEN state = 'available' THEN $1 ELSE 0 END, comes_back_with_routes = $2 \
             WHERE id = $3",
        )
        .bind(i64::from(routes))
        .bind(comes_back_with.map(i64::from))
        .bind(tunnel.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
