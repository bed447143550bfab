//! Channels (DESIGN.md 15) in the database: endpoints of the webhooks' table with a `kind`
//! other than `webhook`, so that the one outbox and dispatcher deliver to both.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use vpn_console_domain::notifications::{Channel, ChannelFilters, ChannelKind, MAX_CHANNELS};

use super::webhooks::CreateError;
use crate::clock::{from_millis, to_millis};
use crate::store::{int, opt_int, opt_text, text, Store};

const CHANNEL_COLUMNS: &str = "id, kind, name, url, language, time_zone, event_types, regions, \
     min_interruption_s, enabled, disabled_reason, created_at";

/// A channel to be created, checked by the HTTP side.
pub struct NewChannelRow<'a> {
    pub kind: ChannelKind,
    pub name: &'a str,
    pub target: &'a str,
    pub language: &'a str,
    pub time_zone: &'a str,
    pub filters: &'a ChannelFilters,
    pub secret: Option<&'a str>,
}

fn json_list(raw: Option<String>) -> Option<Vec<String>> {
    raw.and_then(|t| serde_json::from_str(&t).ok())
}

pub(crate) fn channel_from_row(row: &AnyRow) -> sqlx::Result<Channel> {
    let kind = text(row, "kind")?;
    Ok(Channel {
        id: text(row, "id")?,
        kind: ChannelKind::parse(&kind)
            .ok_or_else(|| crate::store::corrupt("kind", &kind, "not a channel kind"))?,
        name: text(row, "name")?,
        target: text(row, "url")?,
        language: opt_text(row, "language")?.unwrap_or_else(|| "en".into()),
        time_zone: opt_text(row, "time_zone")?.unwrap_or_else(|| "UTC".into()),
        filters: ChannelFilters {
            event_types: json_list(opt_text(row, "event_types")?),
            regions: json_list(opt_text(row, "regions")?),
            min_interruption_s: opt_int(row, "min_interruption_s")?.map(|s| s as u32),
        },
        enabled: int(row, "enabled")? == 1,
        disabled_reason: opt_text(row, "disabled_reason")?,
        created_at: from_millis(int(row, "created_at")?),
    })
}

impl Store {
    /// The account's channels, oldest first, targets in full (the HTTP side masks them).
    pub async fn channels(&self, account: &str) -> sqlx::Result<Vec<Channel>> {
        let rows = sqlx::query(&format!(
            "SELECT {CHANNEL_COLUMNS} FROM webhooks WHERE account_id = $1 AND kind <> 'webhook' \
             ORDER BY created_at, id"
        ))
        .bind(account)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(channel_from_row).collect()
    }

    /// Adds a channel, refusing the 21st of an account.
    pub async fn create_channel(
        &self,
        account: &str,
        new: &NewChannelRow<'_>,
        now: DateTime<Utc>,
    ) -> Result<Channel, CreateError> {
        let mut tx = self.begin().await?;
        // As for webhooks: the account row serialises concurrent creations of one account.
        sqlx::query("UPDATE accounts SET name = name WHERE id = $1")
            .bind(account)
            .execute(&mut *tx)
            .await?;
        let count = sqlx::query(
            "SELECT COUNT(*) AS n FROM webhooks WHERE account_id = $1 AND kind <> 'webhook'",
        )
        .bind(account)
        .fetch_one(&mut *tx)
        .await?;
        if int(&count, "n")? as usize >= MAX_CHANNELS {
            return Err(CreateError::TooMany);
        }
        let channel = Channel {
            id: format!("ch-{}", &uuid::Uuid::new_v4().simple().to_string()[..16]),
            kind: new.kind,
            name: new.name.to_owned(),
            target: new.target.to_owned(),
            language: new.language.to_owned(),
            time_zone: new.time_zone.to_owned(),
            filters: new.filters.clone(),
            enabled: true,
            disabled_reason: None,
            created_at: now,
        };
        // Sealed, also when empty: the column holds sealed values only (DESIGN.md 17).
        let sealed = self.secret_box()?.seal(new.secret.unwrap_or(""));
        let list = |l: &Option<Vec<String>>| {
            l.as_ref()
                .map(|l| serde_json::to_string(l).expect("strings serialize"))
        };
        sqlx::query(
            "INSERT INTO webhooks (id, account_id, kind, name, url, description, language, time_zone, \
             event_types, regions, min_interruption_s, secret, enabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, $9, $10, $11, 1, $12)",
        )
        .bind(&channel.id)
        .bind(account)
        .bind(new.kind.as_str())
        .bind(new.name)
        .bind(new.target)
        .bind(new.language)
        .bind(new.time_zone)
        .bind(list(&new.filters.event_types))
        .bind(list(&new.filters.regions))
        .bind(new.filters.min_interruption_s.map(i64::from))
        .bind(&sealed)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        Ok(channel)
    }
}
