//! Reminders: `om_event.reminder` 24 h and 1 h before a pending event's execution time
//! (divided by the time scale), once each.
//!
//! The outbox arms both when an event is published and re-arms them when it is rescheduled
//! (`event_reminders`: for which execution time, since when). A reminder whose moment had
//! already passed when it was armed is skipped, not sent late: that is what makes a reschedule
//! re-arm only the reminders not yet due. Sending is a conditional update from `armed` to
//! `sent` in the transaction that writes the deliveries, so each goes out once across replicas.

use chrono::Duration;
use vpn_console_domain::EventStatus;

use super::dispatcher::Dispatcher;
use super::outbox::{enqueue, Report, REMINDERS};
use crate::clock::{from_millis, to_millis};
use crate::store::{int, text};

/// Sends the reminders that are due; returns how many reminders were sent or skipped.
pub async fn pass(d: &Dispatcher) -> sqlx::Result<usize> {
    let now = d.clock.now();
    let mut handled = 0;
    for (reminder, seconds) in REMINDERS {
        let ahead = d.scaled(seconds);
        // Only due rows: each kind has its own lead, so the limit never fills with rows that
        // are not due yet.
        let rows = sqlx::query(
            "SELECT event_id, armed_for, armed_at FROM event_reminders \
             WHERE reminder = $1 AND status = 'armed' AND armed_for <= $2 ORDER BY armed_for LIMIT 500",
        )
        .bind(reminder)
        .bind(to_millis(now + ahead))
        .fetch_all(d.store.reader())
        .await?;
        for row in rows {
            handled += send_or_skip(d, reminder, ahead, &row).await? as usize;
        }
    }
    Ok(handled)
}

async fn send_or_skip(
    d: &Dispatcher,
    reminder: &str,
    ahead: Duration,
    row: &sqlx::any::AnyRow,
) -> sqlx::Result<bool> {
    let now = d.clock.now();
    let event_id = text(row, "event_id")?;
    let armed_for = int(row, "armed_for")?;
    let armed_at = int(row, "armed_at")?;
    let due = from_millis(armed_for) - ahead;
    let late = due <= from_millis(armed_at);
    let mut tx = d.store.begin().await?;
    let taken = sqlx::query(
        "UPDATE event_reminders SET status = $1 WHERE event_id = $2 AND reminder = $3 \
             AND status = 'armed' AND armed_for = $4 AND armed_at = $5",
    )
    .bind(if late { "skipped" } else { "sent" })
    .bind(&event_id)
    .bind(reminder)
    .bind(armed_for)
    .bind(armed_at)
    .execute(&mut *tx)
    .await?;
    if taken.rows_affected() != 1 {
        // Another replica took it, or a reschedule re-armed it meanwhile.
        tx.rollback().await?;
        return Ok(false);
    }
    if !late {
        if let Some((event, account)) =
            crate::store::events::event_in_tx(&mut tx, &event_id).await?
        {
            if event.status == EventStatus::Pending && to_millis(event.execute_at) == armed_for {
                enqueue(
                    &mut tx,
                    &Report {
                        account: &account,
                        event_type: vpn_console_domain::notifications::REMINDER_TYPE,
                        event: Some(&event),
                        log_entry: None,
                        reminder: Some(reminder),
                        at: now,
                    },
                    None,
                )
                .await?;
            }
        }
    }
    d.store.commit(tx).await?;
    Ok(true)
}
