//! The outbox: deliveries written in the transaction of the change they report.
//!
//! Every change of an event writes its audit-log entry through `store::events::record_change`,
//! inside the change's transaction; that function calls [`on_change`], which writes one delivery per enabled
//! endpoint of the event's account that wants the action, and arms or re-arms the event's
//! reminders. Either the change and its deliveries commit together, or neither does.

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::Row;
use vpn_console_domain::api::LogEntry;
use vpn_console_domain::OmEvent;

use crate::clock::to_millis;
use crate::store::Tx;

/// The reminders and how long before the execution time each goes out (before the time scale).
pub const REMINDERS: [(&str, i64); 2] = [("24h", 24 * 3600), ("1h", 3600)];

/// What one delivery reports.
pub struct Report<'a> {
    pub account: &'a str,
    pub event_type: &'a str,
    pub event: Option<&'a OmEvent>,
    pub log_entry: Option<&'a LogEntry>,
    pub reminder: Option<&'a str>,
    pub at: DateTime<Utc>,
}

/// Called by [`record_change`](crate::store::events::record_change) for every audit entry, in
/// its transaction, with the event as the change left it.
pub(crate) async fn on_change(
    tx: &mut Tx,
    account: &str,
    event: &OmEvent,
    entry: &LogEntry,
) -> sqlx::Result<()> {
    if entry.action.arms_reminders() && event.status == vpn_console_domain::EventStatus::Pending {
        arm_reminders(tx, event, entry.at).await?;
    }
    let event_type = entry.action.event_type();
    enqueue(
        tx,
        &Report {
            account,
            event_type: &event_type,
            event: Some(event),
            log_entry: Some(entry),
            reminder: None,
            at: entry.at,
        },
        None,
    )
    .await?;
    Ok(())
}

/// Arms both reminders for the event's (new) execution time. The dispatcher sends each when
/// its moment comes, and skips one whose moment had already passed when it was armed: a
/// reschedule re-arms exactly the reminders not yet due.
async fn arm_reminders(tx: &mut Tx, event: &OmEvent, now: DateTime<Utc>) -> sqlx::Result<()> {
    for (reminder, _) in REMINDERS {
        sqlx::query(
            "INSERT INTO event_reminders (event_id, reminder, armed_for, armed_at, status) \
             VALUES ($1, $2, $3, $4, 'armed') \
             ON CONFLICT (event_id, reminder) DO UPDATE SET armed_for = excluded.armed_for, \
             armed_at = excluded.armed_at, status = 'armed'",
        )
        .bind(event.id.as_str())
        .bind(reminder)
        .bind(to_millis(event.execute_at))
        .bind(to_millis(now))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Writes one delivery per enabled endpoint (webhook or channel) of the account that wants this
/// type and, for a channel, this region (or only to `only_webhook`, enabled or not: a test
/// ping). A channel's `min_interruption_s` needs the impact, which the dispatcher reads when it
/// composes the message: that filter is applied there. Returns the deliveries' ids.
pub(crate) async fn enqueue(
    tx: &mut Tx,
    report: &Report<'_>,
    only_webhook: Option<&str>,
) -> sqlx::Result<Vec<String>> {
    let rows = match only_webhook {
        Some(id) => {
            sqlx::query(
                "SELECT id, event_types, regions FROM webhooks WHERE id = $1 AND account_id = $2",
            )
            .bind(id)
            .bind(report.account)
            .fetch_all(&mut **tx)
            .await?
        }
        None => sqlx::query(
            "SELECT id, event_types, regions FROM webhooks WHERE account_id = $1 AND enabled = 1",
        )
        .bind(report.account)
        .fetch_all(&mut **tx)
        .await?,
    };
    let mut ids = Vec::new();
    for row in rows {
        let types: Option<String> = row.try_get("event_types")?;
        let regions: Option<String> = row.try_get("regions")?;
        let region = report.event.map(|e| e.region.as_str());
        if only_webhook.is_none()
            && !(wants(types.as_deref(), report.event_type)
                && in_regions(regions.as_deref(), region))
        {
            continue;
        }
        let webhook_id: String = row.try_get("id")?;
        let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(
            "INSERT INTO webhook_deliveries (id, webhook_id, account_id, event_type, om_event_id, \
             event_json, log_entry, reminder, status, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $9)",
        )
        .bind(&id)
        .bind(&webhook_id)
        .bind(report.account)
        .bind(report.event_type)
        .bind(report.event.map(|e| e.id.to_string()))
        .bind(
            report
                .event
                .map(|e| serde_json::to_string(e).expect("events serialize")),
        )
        .bind(
            report
                .log_entry
                .map(|l| serde_json::to_string(l).expect("log entries serialize")),
        )
        .bind(report.reminder)
        .bind(to_millis(report.at))
        .execute(&mut **tx)
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// Whether an endpoint's `event_types` (a JSON array, or none for all) include this type.
pub fn wants(event_types: Option<&str>, event_type: &str) -> bool {
    match event_types {
        None => true,
        Some(json) => serde_json::from_str::<Vec<String>>(json)
            .map(|types| types.iter().any(|t| t == event_type))
            .unwrap_or(true),
    }
}

/// Whether a channel's `regions` (a JSON array, or none for all) include the event's region.
pub fn in_regions(regions: Option<&str>, region: Option<&str>) -> bool {
    match (regions, region) {
        (Some(json), Some(region)) => serde_json::from_str::<Vec<String>>(json)
            .map(|regions| regions.iter().any(|r| r == region))
            .unwrap_or(true),
        _ => true,
    }
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_types_mean_all() {
        assert!(wants(None, "om_event.started"));
        assert!(wants(Some(r#"["om_event.started"]"#), "om_event.started"));
        assert!(!wants(
            Some(r#"["om_event.started"]"#),
            "om_event.completed"
        ));
        assert!(!wants(Some("[]"), "ping"));
    }
}
