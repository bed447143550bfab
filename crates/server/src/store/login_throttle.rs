//! Login throttling: attempts counted per throttle key in a fixed window, in the database so
//! that every replica sees the same count.
//!
//! An attempt is counted before its password is checked, by one upsert per key that returns the
//! new count: concurrent attempts queue on the key's row (PostgreSQL's row lock, SQLite's one
//! writer), so no more than the limit ever reach the slow password check, however many arrive
//! at once.

use chrono::{DateTime, Utc};

use super::{int, Store};
use crate::clock::to_millis;

/// How long a window lasts, from the first attempt in it.
pub const THROTTLE_WINDOW_S: i64 = 15 * 60;

const COUNT: &str = "INSERT INTO login_throttle (throttle_key, window_start, attempts) VALUES ($1, $2, 1) \
     ON CONFLICT (throttle_key) DO UPDATE SET \
     attempts = CASE WHEN login_throttle.window_start <= $3 THEN 1 ELSE login_throttle.attempts + 1 END, \
     window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 ELSE login_throttle.window_start END \
     RETURNING attempts, window_start";

impl Store {
    /// Counts one login attempt against each `(key, limit)`. `None`: the attempt is counted and
    /// may go on to the password check. `Some(seconds)`: a key is past its limit; nothing is
    /// counted (so a locked key does not use up the others) and the attempt must wait that long.
    pub async fn count_login_attempt(
        &self,
        keys: &[(String, i64)],
        now: DateTime<Utc>,
    ) -> sqlx::Result<Option<i64>> {
        let now_ms = to_millis(now);
        let window_ms = THROTTLE_WINDOW_S * 1000;
        let mut tx = self.begin().await?;
        let mut wait: Option<i64> = None;
        for (key, limit) in keys {
            let row = sqlx::query(COUNT)
                .bind(key.as_str())
                .bind(now_ms)
                .bind(now_ms - window_ms)
                .fetch_one(&mut *tx)
                .await?;
            if int(&row, "attempts")? > *limit {
                let ends = int(&row, "window_start")? + window_ms;
                let secs = ((ends - now_ms + 999) / 1000).max(1);
                wait = Some(wait.map_or(secs, |w| w.max(secs)));
            }
        }
        if wait.is_some() {
            tx.rollback().await?;
        } else {
            // Not through `Store::commit`: no cache reads this table, and a flood of attempts
            // must not empty every replica's read caches.
            tx.commit().await?;
        }
        Ok(wait)
    }

    /// Gives back a counted attempt that proved the password (only wrong passwords use up a
    /// window) or that was never checked (the server was too busy).
    pub async fn refund_login_attempt(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        for key in keys {
            sqlx::query(
                "UPDATE login_throttle SET attempts = attempts - 1 WHERE throttle_key = $1 AND attempts > 0",
            )
            .bind(key.as_str())
            .execute(&mut *tx)
            .await?;
        }
        // Sweep windows that have ended while writing anyway.
        sqlx::query("DELETE FROM login_throttle WHERE window_start <= $1")
            .bind(to_millis(now) - THROTTLE_WINDOW_S * 1000)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }
}
