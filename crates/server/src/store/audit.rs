//! The account audit log (DESIGN.md 17): every change of an account that is not an event's own
//! log entry, with who made it and how (`session`, `token:<name>` or `cli`).

use chrono::{DateTime, Utc};
pub use vpn_console_domain::api::{AuditEntry, AuditPage};

use super::{int, opt_text, text, Store, Tx};
use crate::clock::{from_millis, to_millis};

/// An entry to record; the time is the caller's clock.
pub struct AuditRecord<'a> {
    pub account: &'a str,
    pub actor: &'a str,
    pub via: &'a str,
    pub action: &'static str,
    pub target: Option<&'a str>,
    pub detail: Option<String>,
}

impl Store {
    /// Records an entry in the transaction of the change it describes.
    pub(crate) async fn audit_in(
        tx: &mut Tx,
        at: DateTime<Utc>,
        record: &AuditRecord<'_>,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO account_audit (account_id, at, actor, via, action, target, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(record.account)
        .bind(to_millis(at))
        .bind(record.actor)
        .bind(record.via)
        .bind(record.action)
        .bind(record.target)
        .bind(record.detail.as_deref())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Records an entry on its own, after the change it describes committed.
    pub async fn audit(&self, at: DateTime<Utc>, record: &AuditRecord<'_>) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        Self::audit_in(&mut tx, at, record).await?;
        self.commit(tx).await
    }

    /// The account's entries since `since`, newest first, one page of them and how many in all.
    pub async fn audit_log(
        &self,
        account: &str,
        since: DateTime<Utc>,
        page: u32,
        page_size: u32,
    ) -> sqlx::Result<AuditPage> {
        let rows = sqlx::query(
            "SELECT at, actor, via, action, target, detail FROM account_audit \
             WHERE account_id = $1 AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3 OFFSET $4",
        )
        .bind(account)
        .bind(to_millis(since))
        .bind(i64::from(page_size))
        .bind(i64::from(page.saturating_sub(1)) * i64::from(page_size))
        .fetch_all(self.reader())
        .await?;
        let total = sqlx::query(
            "SELECT COUNT(*) AS n FROM account_audit WHERE account_id = $1 AND at >= $2",
        )
        .bind(account)
        .bind(to_millis(since))
        .fetch_one(self.reader())
        .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: from_millis(int(r, "at")?),
                    actor: text(r, "actor")?,
                    via: text(r, "via")?,
                    action: text(r, "action")?,
                    target: opt_text(r, "target")?,
                    detail: opt_text(r, "detail")?,
                })
            })
            .collect::<sqlx::Result<_>>()?;
        Ok(AuditPage {
            items,
            total: int(&total, "n")? as u64,
        })
    }

    /// The account a user belongs to, if there is such a user.
    pub async fn account_of_user(&self, email: &str) -> sqlx::Result<Option<String>> {
        sqlx::query("SELECT account_id FROM users WHERE email = $1")
            .bind(email.to_lowercase())
            .fetch_optional(self.reader())
            .await?
            .map(|r| text(&r, "account_id"))
            .transpose()
    }
}
