//! The provider's side: publishing and cancelling events, and the alerts an execution raises.

use chrono::{DateTime, Utc};
use vpn_console_domain::{
    AuditAction, EventId, EventStatus, GatewayIp, OmEvent, Reason, RegionId, ResourceRef,
};

/// The actor of the audit entries the provider's commands write.
pub const PROVIDER_ACTOR: &str = "provider";

use super::{event_from_row, event_in_tx, record_change, update_event, Change, EVENT_COLUMNS};
use crate::clock::to_millis;
use crate::store::{is_unique_violation, Store, Tx};

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

impl Store {
    /// Writes a new event (the demo's may be finished already) and its `published` entry;
    /// returns it as stored.
    pub async fn insert_event(&self, tx: &mut Tx, new: &NewEvent) -> Result<OmEvent, PublishError> {
        let sql = format!(
            "INSERT INTO om_events (id, account_id, region_id, resource_kind, resource_id, gateway_ip_role, gateway_ip, \
             reason, status, default_execute_at, execute_at, published_at, started_at, finished_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1) RETURNING {EVENT_COLUMNS}"
        );
        let result = sqlx::query(&sql)
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
            .fetch_one(&mut **tx)
            .await;
        match result {
            Err(e) if is_unique_violation(&e) => Err(PublishError::AlreadyHasCurrentEvent),
            Err(e) => Err(e.into()),
            Ok(row) => {
                let event = event_from_row(&row)?;
                record_change(
                    tx,
                    &Change {
                        account: &new.account_id,
                        event: &event,
                        at: new.published_at,
                        actor: PROVIDER_ACTOR,
                        action: AuditAction::Published,
                        from: None,
                        to: Some("pending".to_owned()),
                        via: None,
                        on_behalf_of: None,
                        approved_by: &[],
                    },
                )
                .await?;
                Ok(event)
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
        let sql = format!(
            "UPDATE om_events SET status = 'cancelled', finished_at = $1, version = version + 1 \
             WHERE id = $2 AND status = 'pending' RETURNING {EVENT_COLUMNS}"
        );
        let query = sqlx::query(&sql).bind(to_millis(now)).bind(id.as_str());
        let (cancelled, account) = update_event(&mut tx, query)
            .await?
            .ok_or_else(|| anyhow::anyhow!("O&M event {id} changed meanwhile; try again"))?;
        record_change(
            &mut tx,
            &Change {
                account: &account,
                event: &cancelled,
                at: now,
                actor: PROVIDER_ACTOR,
                action: AuditAction::Cancelled,
                from: Some("pending".to_owned()),
                to: Some("cancelled".to_owned()),
                via: None,
                on_behalf_of: None,
                approved_by: &[],
            },
        )
        .await?;
        self.commit(tx).await?;
        Ok(cancelled)
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
}
