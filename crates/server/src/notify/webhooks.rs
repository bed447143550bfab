//! Webhook endpoints and their delivery log, in the database.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use vpn_console_domain::notifications::{
    CreatedWebhook, Deliveries, Delivery, Webhook, MAX_WEBHOOKS,
};

use super::outbox::{enqueue, Report};
use super::signing::new_secret;
use crate::clock::{from_millis, to_millis};
use crate::store::{int, opt_int, opt_text, text, Store};

pub enum CreateError {
    TooMany,
    Db(sqlx::Error),
}

impl From<sqlx::Error> for CreateError {
    fn from(e: sqlx::Error) -> Self {
        CreateError::Db(e)
    }
}

/// Test pings each endpoint takes per minute (DESIGN.md 17): a ping costs an outbound request,
/// and the button is one click away.
pub const MAX_PINGS_PER_MINUTE: i64 = 10;

/// Days a delivery and its attempts are kept (DESIGN.md 17), counted from its creation.
pub const DELIVERIES_KEPT_FOR_DAYS: i64 = 30;

/// What a test ping came to.
pub enum PingOutcome {
    Queued,
    NotFound,
    /// Ten pings within the last minute; the next is possible after this many seconds.
    TooMany {
        retry_after_s: i64,
    },
}

/// What a manual retry found.
pub enum RetryOutcome {
    Queued,
    NotFound,
    NotFailed,
}

/// Which of the endpoints of one table an operation concerns: webhooks (9.1) or channels (15)
/// share the outbox, so each path names its own and never reaches the other's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoints {
    Webhooks,
    Channels,
}

impl Endpoints {
    /// The condition on `webhooks.kind` (as `column`) that selects these endpoints.
    pub fn condition(self, column: &str) -> String {
        match self {
            Endpoints::Webhooks => format!("{column} = 'webhook'"),
            Endpoints::Channels => format!("{column} <> 'webhook'"),
        }
    }
}

const WEBHOOK_COLUMNS: &str = "id, url, description, event_types, enabled, created_at";

fn webhook_from_row(row: &AnyRow) -> sqlx::Result<Webhook> {
    let types = opt_text(row, "event_types")?;
    Ok(Webhook {
        id: text(row, "id")?,
        url: text(row, "url")?,
        description: text(row, "description")?,
        event_types: types.and_then(|t| serde_json::from_str(&t).ok()),
        enabled: int(row, "enabled")? == 1,
        created_at: from_millis(int(row, "created_at")?),
    })
}

fn delivery_from_row(row: &AnyRow) -> sqlx::Result<Delivery> {
    Ok(Delivery {
        id: text(row, "id")?,
        event_type: text(row, "event_type")?,
        om_event_id: opt_text(row, "om_event_id")?,
        status: text(row, "status")?,
        attempts: int(row, "attempts")? as u32,
        last_status_code: opt_int(row, "last_status_code")?.map(|c| c as u16),
        last_error: opt_text(row, "last_error")?,
        next_attempt_at: opt_int(row, "next_attempt_at")?.map(from_millis),
        delivered_at: opt_int(row, "delivered_at")?.map(from_millis),
        created_at: from_millis(int(row, "created_at")?),
    })
}

impl Store {
    pub async fn webhooks(&self, account: &str) -> sqlx::Result<Vec<Webhook>> {
        let rows = sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE account_id = $1 AND kind = 'webhook' \
             ORDER BY created_at, id"
        ))
        .bind(account)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(webhook_from_row).collect()
    }

    /// Adds an endpoint with a new secret, refusing an eleventh.
    pub async fn create_webhook(
        &self,
        account: &str,
        url: &str,
        description: &str,
        event_types: Option<&[String]>,
        now: DateTime<Utc>,
    ) -> Result<CreatedWebhook, CreateError> {
        let mut tx = self.begin().await?;
        // Writing the account row first makes concurrent creations of one account (other
        // replicas) wait for each other, so the count below cannot be passed by two at once.
        sqlx::query("UPDATE accounts SET name = name WHERE id = $1")
            .bind(account)
            .execute(&mut *tx)
            .await?;
        let count = sqlx::query(
            "SELECT COUNT(*) AS n FROM webhooks WHERE account_id = $1 AND kind = 'webhook'",
        )
        .bind(account)
        .fetch_one(&mut *tx)
        .await?;
        if int(&count, "n")? as usize >= MAX_WEBHOOKS {
            return Err(CreateError::TooMany);
        }
        let webhook = Webhook {
            id: format!("wh-{}", &uuid::Uuid::new_v4().simple().to_string()[..16]),
            url: url.to_owned(),
            description: description.to_owned(),
            event_types: event_types.map(<[String]>::to_vec),
            enabled: true,
            created_at: now,
        };
        let secret = new_secret();
        // Only sealed: the database never holds a secret in clear (DESIGN.md 17).
        let sealed = self.secret_box()?.seal(&secret);
        sqlx::query(
            "INSERT INTO webhooks (id, account_id, url, description, event_types, secret, enabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7)",
        )
        .bind(&webhook.id)
        .bind(account)
        .bind(url)
        .bind(description)
        .bind(
            event_types.map(|t| serde_json::to_string(t).expect("strings serialize")),
        )
        .bind(&sealed)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        Ok(CreatedWebhook { webhook, secret })
    }

    /// Removes a webhook endpoint and its deliveries; false when the account has none.
    pub async fn delete_webhook(&self, account: &str, id: &str) -> sqlx::Result<bool> {
        self.delete_endpoint(account, id, Endpoints::Webhooks).await
    }

    /// Removes an endpoint and its deliveries; false when the account has no such endpoint.
    pub async fn delete_endpoint(
        &self,
        account: &str,
        id: &str,
        endpoints: Endpoints,
    ) -> sqlx::Result<bool> {
        let kind = endpoints.condition("kind");
        let w_kind = endpoints.condition("w.kind");
        let mut tx = self.begin().await?;
        // Explicitly, not by cascade: PostgreSQL and SQLite alike, whatever the pragmas.
        sqlx::query(&format!(
            "DELETE FROM webhook_attempts WHERE delivery_id IN \
             (SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
              WHERE w.id = $1 AND w.account_id = $2 AND {w_kind})"
        ))
        .bind(id)
        .bind(account)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "DELETE FROM webhook_deliveries WHERE webhook_id IN \
             (SELECT id FROM webhooks WHERE id = $1 AND account_id = $2 AND {kind})"
        ))
        .bind(id)
        .bind(account)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(&format!(
            "DELETE FROM webhooks WHERE id = $1 AND account_id = $2 AND {kind}"
        ))
        .bind(id)
        .bind(account)
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn owns_endpoint(
        &self,
        account: &str,
        id: &str,
        endpoints: Endpoints,
    ) -> sqlx::Result<bool> {
        let kind = endpoints.condition("kind");
        Ok(sqlx::query(&format!(
            "SELECT id FROM webhooks WHERE id = $1 AND account_id = $2 AND {kind}"
        ))
        .bind(id)
        .bind(account)
        .fetch_optional(self.reader())
        .await?
        .is_some())
    }

    /// Queues one `ping` to the endpoint, at most [`MAX_PINGS_PER_MINUTE`] a minute; counted
    /// from the outbox itself, so every replica sees the same count.
    pub async fn ping_webhook(
        &self,
        account: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<PingOutcome> {
        self.ping_endpoint(account, id, now, Endpoints::Webhooks)
            .await
    }

    /// The same for any endpoint: a channel's test message is its kind's ping.
    pub async fn ping_endpoint(
        &self,
        account: &str,
        id: &str,
        now: DateTime<Utc>,
        endpoints: Endpoints,
    ) -> sqlx::Result<PingOutcome> {
        let kind = endpoints.condition("kind");
        let mut tx = self.begin().await?;
        // Writing the endpoint's row first makes concurrent pings of it wait for each other
        // (other replicas too), so the count below cannot be passed by two at once.
        let owned = sqlx::query(&format!(
            "UPDATE webhooks SET enabled = enabled WHERE id = $1 AND account_id = $2 AND {kind}"
        ))
        .bind(id)
        .bind(account)
        .execute(&mut *tx)
        .await?;
        if owned.rows_affected() != 1 {
            return Ok(PingOutcome::NotFound);
        }
        let window_start = to_millis(now) - 60_000;
        let recent = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM webhook_deliveries \
             WHERE webhook_id = $1 AND event_type = 'ping' AND created_at > $2",
        )
        .bind(id)
        .bind(window_start)
        .fetch_one(&mut *tx)
        .await?;
        if int(&recent, "n")? >= MAX_PINGS_PER_MINUTE {
            let oldest = opt_int(&recent, "oldest")?.unwrap_or(window_start);
            let wait_ms = (oldest - window_start).max(1);
            return Ok(PingOutcome::TooMany {
                retry_after_s: (wait_ms + 999) / 1000,
            });
        }
        let queued = enqueue(
            &mut tx,
            &Report {
                account,
                event_type: vpn_console_domain::notifications::PING_TYPE,
                event: None,
                log_entry: None,
                reminder: None,
                at: now,
            },
            Some(id),
        )
        .await?;
        self.commit(tx).await?;
        Ok(if queued.is_empty() {
            PingOutcome::NotFound
        } else {
            PingOutcome::Queued
        })
    }

    /// The endpoint's deliveries, newest first; `None` when the account has no such endpoint.
    pub async fn webhook_deliveries(
        &self,
        account: &str,
        id: &str,
        limit: i64,
    ) -> sqlx::Result<Option<Deliveries>> {
        self.endpoint_deliveries(account, id, limit, Endpoints::Webhooks)
            .await
    }

    /// The deliveries of any endpoint, newest first; `None` when the account has no such one.
    pub async fn endpoint_deliveries(
        &self,
        account: &str,
        id: &str,
        limit: i64,
        endpoints: Endpoints,
    ) -> sqlx::Result<Option<Deliveries>> {
        if !self.owns_endpoint(account, id, endpoints).await? {
            return Ok(None);
        }
        let rows = sqlx::query(
            "SELECT id, event_type, om_event_id, status, attempts, last_status_code, last_error, \
             next_attempt_at, delivered_at, created_at FROM webhook_deliveries \
             WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        let total =
            sqlx::query("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = $1")
                .bind(id)
                .fetch_one(self.reader())
                .await?;
        Ok(Some(Deliveries {
            items: rows
                .iter()
                .map(delivery_from_row)
                .collect::<sqlx::Result<_>>()?,
            total: int(&total, "n")? as u64,
        }))
    }

    /// Forgets deliveries created more than [`DELIVERIES_KEPT_FOR_DAYS`] ago, with their
    /// attempts, and older attempts of any delivery; one still pending (retried by hand) is
    /// kept until it is decided.
    pub async fn prune_deliveries(&self, now: DateTime<Utc>) -> sqlx::Result<u64> {
        let cutoff = to_millis(now - chrono::Duration::days(DELIVERIES_KEPT_FOR_DAYS));
        let mut tx = self.begin().await?;
        sqlx::query(
            "DELETE FROM webhook_attempts WHERE at < $1 OR delivery_id IN \
             (SELECT id FROM webhook_deliveries WHERE created_at < $1 AND status <> 'pending')",
        )
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(
            "DELETE FROM webhook_deliveries WHERE created_at < $1 AND status <> 'pending'",
        )
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        Ok(done.rows_affected())
    }

    /// Starts a failed delivery again with a fresh retry schedule.
    pub async fn retry_delivery(
        &self,
        account: &str,
        webhook_id: &str,
        delivery_id: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<RetryOutcome> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT d.status FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.id = $1 AND d.webhook_id = $2 AND d.account_id = $3 AND w.kind = 'webhook'",
        )
        .bind(delivery_id)
        .bind(webhook_id)
        .bind(account)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(RetryOutcome::NotFound);
        };
        if text(&row, "status")? != "failed" {
            return Ok(RetryOutcome::NotFailed);
        }
        sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', round_attempts = 0, next_attempt_at = $1, \
             lease_until = NULL, leased_by = NULL WHERE id = $2 AND status = 'failed'",
        )
        .bind(to_millis(now))
        .bind(delivery_id)
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        Ok(RetryOutcome::Queued)
    }
}
