//! The provider's side: publishing and cancelling events, and the alerts an execution raises.

use chrono::{DateTime, Utc};
use vpn_console_domain::{EventId, EventStatus, GatewayIp, OmEvent, Reason, RegionId, ResourceRef};

use super::{event_in_tx, log};
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
