//! What the planning rules decided, written down: the window's placements (`window_fit`),
//! its moves logged by [`WINDOW_ACTOR`], and the conflict marks the list pages read.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use vpn_console_domain::planning::Conflict;
use vpn_console_domain::{AuditAction, EventId, OmEvent};

use super::events::{audit_time, record_change, update_event, Change, EVENT_COLUMNS};
use super::planning::WINDOW_ACTOR;
use super::{int, parsed, placeholders, Store, Tx};
use crate::clock::to_millis;

impl Store {
    /// The account's pending events the window placed.
    pub async fn placed_events(&self, account: &str) -> sqlx::Result<HashSet<EventId>> {
        let rows = sqlx::query(
            "SELECT p.event_id FROM event_placements p JOIN om_events e ON e.id = p.event_id \
             WHERE e.account_id = $1 AND e.status = 'pending'",
        )
        .bind(account)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(|r| parsed(r, "event_id")).collect()
    }

    /// `window_fit` of the window's last placement of this event, if it placed it.
    pub async fn window_fit(&self, id: &EventId) -> sqlx::Result<Option<bool>> {
        let row = sqlx::query("SELECT window_fit FROM event_placements WHERE event_id = $1")
            .bind(id.as_str())
            .fetch_optional(self.reader())
            .await?;
        row.map(|r| int(&r, "window_fit").map(|f| f != 0))
            .transpose()
    }

    /// Records the conflicts `event` has at its time now, replacing those recorded before (in
    /// both directions), so that the list pages can mark both rows of each pair.
    pub async fn record_conflicts(
        &self,
        tx: &mut Tx,
        event: &EventId,
        conflicts: &[Conflict],
    ) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM event_conflicts WHERE event_id = $1 OR other_event_id = $1")
            .bind(event.as_str())
            .execute(&mut **tx)
            .await?;
        for c in conflicts {
            for (a, b) in [(event, &c.event_id), (&c.event_id, event)] {
                sqlx::query(
                    "INSERT INTO event_conflicts (event_id, other_event_id) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(a.as_str())
                .bind(b.as_str())
                .execute(&mut **tx)
                .await?;
            }
        }
        Ok(())
    }

    /// Which of these events have a recorded conflict with another current event.
    pub async fn conflicting(&self, ids: &[EventId]) -> sqlx::Result<HashSet<EventId>> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let sql = format!(
            "SELECT DISTINCT c.event_id FROM event_conflicts c JOIN om_events o ON o.id = c.other_event_id \
             WHERE o.status IN ('pending', 'executing') AND c.event_id IN ({})",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id.as_str());
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter().map(|r| parsed(r, "event_id")).collect()
    }

    /// Forgets the placements and the recorded conflicts of `ids` (both directions), a few
    /// hundred per statement: the window's placement rewrites them for thousands of events.
    pub async fn clear_planning_marks(&self, tx: &mut Tx, ids: &[&EventId]) -> sqlx::Result<()> {
        for chunk in ids.chunks(400) {
            let list = placeholders(1, chunk.len());
            for sql in [
                format!("DELETE FROM event_placements WHERE event_id IN ({list})"),
                format!(
                    "DELETE FROM event_conflicts WHERE event_id IN ({list}) OR other_event_id IN ({})",
                    placeholders(chunk.len() + 1, chunk.len())
                ),
            ] {
                let mut q = sqlx::query(&sql);
                let twice = sql.contains("other_event_id");
                for id in chunk.iter().chain(if twice { chunk.iter() } else { [].iter() }) {
                    q = q.bind(id.as_str());
                }
                q.execute(&mut **tx).await?;
            }
        }
        Ok(())
    }

    /// Records placements `(event, window_fit)`, after [`Self::clear_planning_marks`].
    pub async fn insert_placements(
        &self,
        tx: &mut Tx,
        placements: &[(&EventId, bool)],
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        for chunk in placements.chunks(300) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect();
            let sql = format!(
                "INSERT INTO event_placements (event_id, window_fit, placed_at) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (id, fit) in chunk {
                q = q
                    .bind(id.as_str())
                    .bind(i64::from(*fit))
                    .bind(to_millis(now));
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Records conflicting pairs in both directions, after [`Self::clear_planning_marks`] of
    /// every event among them (a pair seen from both sides is written once).
    pub async fn insert_conflicts(
        &self,
        tx: &mut Tx,
        conflicts: &HashMap<EventId, Vec<Conflict>>,
    ) -> sqlx::Result<()> {
        let mut pairs = HashSet::new();
        for (id, found) in conflicts {
            for c in found {
                pairs.insert((id.clone(), c.event_id.clone()));
                pairs.insert((c.event_id.clone(), id.clone()));
            }
        }
        for (a, b) in pairs {
            sqlx::query(
                "INSERT INTO event_conflicts (event_id, other_event_id) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
            )
            .bind(a.as_str())
            .bind(b.as_str())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Moves a pending event to `to` for the window (or back to its default when the window
    /// is removed), logged `rescheduled` by [`WINDOW_ACTOR`] through the same audit log every
    /// change goes through. Returns false when the event changed meanwhile (it is then left
    /// alone).
    pub async fn move_for_window(
        &self,
        tx: &mut Tx,
        event: &OmEvent,
        to: DateTime<Utc>,
        on_behalf_of: Option<&str>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool> {
        let sql = format!(
            "UPDATE om_events SET execute_at = $1, version = version + 1 \
             WHERE id = $2 AND version = $3 AND status = 'pending' RETURNING {EVENT_COLUMNS}"
        );
        let query = sqlx::query(&sql)
            .bind(to_millis(to))
            .bind(event.id.as_str())
            .bind(event.version);
        let Some((moved, account)) = update_event(tx, query).await? else {
            return Ok(false);
        };
        record_change(
            tx,
            &Change {
                account: &account,
                event: &moved,
                at: now,
                actor: WINDOW_ACTOR,
                action: AuditAction::Rescheduled,
                from: Some(audit_time(event.execute_at)),
                to: Some(audit_time(to)),
                via: None,
                on_behalf_of,
                approved_by: &[],
            },
        )
        .await?;
        Ok(true)
    }

    /// [`Self::move_for_window`] for one event, and its placement recorded (`window_fit`
    /// `None` forgets it).
    pub async fn write_placement(
        &self,
        tx: &mut Tx,
        event: &OmEvent,
        to: DateTime<Utc>,
        window_fit: Option<bool>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool> {
        // Placed when published: the provider's doing, on no person's behalf.
        if to != event.execute_at && !self.move_for_window(tx, event, to, None, now).await? {
            return Ok(false);
        }
        sqlx::query("DELETE FROM event_placements WHERE event_id = $1")
            .bind(event.id.as_str())
            .execute(&mut **tx)
            .await?;
        if let Some(fit) = window_fit {
            sqlx::query(
                "INSERT INTO event_placements (event_id, window_fit, placed_at) VALUES ($1, $2, $3)",
            )
            .bind(event.id.as_str())
            .bind(i64::from(fit))
            .bind(to_millis(now))
            .execute(&mut **tx)
            .await?;
        }
        Ok(true)
    }
}
