//! The audit log read as the stream of changes that the live updates send (DESIGN.md section 8).
//!
//! Every change of an event writes its `event_log` row in the same transaction, whoever makes
//! it (a person, a token, the scheduler, an operator command in another process), so reading
//! the log by id misses no change and needs no hook in any writer.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use vpn_console_domain::OmEvent;

use super::events::{event_from_row, EVENT_COLUMNS};
use super::{int, placeholders, text, Store};
use crate::clock::from_millis;

/// One audit log row with the account it belongs to and its event as it stands now.
#[derive(Debug, Clone)]
pub struct LoggedChange {
    pub id: i64,
    pub account: String,
    pub action: String,
    pub at: DateTime<Utc>,
    pub event: OmEvent,
}

/// The log row's own columns under names of their own, the event's under theirs.
fn columns() -> String {
    let event = EVENT_COLUMNS
        .split(',')
        .map(|c| format!("o.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    format!("l.id AS log_id, l.action AS log_action, l.at AS log_at, {event}")
}

fn change_from_row(row: &AnyRow) -> sqlx::Result<LoggedChange> {
    Ok(LoggedChange {
        id: int(row, "log_id")?,
        account: text(row, "account_id")?,
        action: text(row, "log_action")?,
        at: from_millis(int(row, "log_at")?),
        event: event_from_row(row)?,
    })
}

impl Store {
    /// The newest audit log id, 0 when the log is empty.
    pub async fn last_log_id(&self) -> sqlx::Result<i64> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS n FROM event_log")
            .fetch_one(self.reader())
            .await?;
        int(&row, "n")
    }

    /// Rows after `after`, and the rows of `also` (ids below it not seen yet), oldest first.
    pub async fn changes_after(
        &self,
        after: i64,
        also: &[i64],
        limit: i64,
    ) -> sqlx::Result<Vec<LoggedChange>> {
        let late = if also.is_empty() {
            String::new()
        } else {
            format!(" OR l.id IN ({})", placeholders(3, also.len()))
        };
        let sql = format!(
            "SELECT {} FROM event_log l JOIN om_events o ON o.id = l.event_id \
             WHERE l.id > $1{late} ORDER BY l.id LIMIT $2",
            columns()
        );
        let mut q = sqlx::query(&sql).bind(after).bind(limit);
        for id in also {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter().map(change_from_row).collect()
    }

    /// Where a resume after `after` starts so that it replays at most `max` messages, the
    /// newest: the id before the oldest of them (`after` itself when there are fewer).
    pub async fn replay_start(&self, account: &str, after: i64, max: i64) -> sqlx::Result<i64> {
        let row = sqlx::query(
            "SELECT l.id FROM event_log l JOIN om_events o ON o.id = l.event_id \
             WHERE l.id > $1 AND o.account_id = $2 ORDER BY l.id DESC LIMIT 1 OFFSET $3",
        )
        .bind(after)
        .bind(account)
        .bind(max - 1)
        .fetch_optional(self.reader())
        .await?;
        match row {
            Some(r) => Ok(int(&r, "id")? - 1),
            None => Ok(after),
        }
    }

    /// One page of an account's rows after `after` and up to `until`, oldest first.
    pub async fn account_changes_page(
        &self,
        account: &str,
        after: i64,
        until: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<LoggedChange>> {
        let sql = format!(
            "SELECT {} FROM event_log l JOIN om_events o ON o.id = l.event_id \
             WHERE l.id > $1 AND l.id <= $2 AND o.account_id = $3 ORDER BY l.id LIMIT $4",
            columns()
        );
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(until)
            .bind(account)
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(change_from_row).collect()
    }
}
