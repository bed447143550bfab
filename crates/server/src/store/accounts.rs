//! Accounts, users, sessions and API tokens.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use sqlx::any::AnyRow;

use super::rows::PrincipalRow;
use super::{int, text, Store};
use crate::clock::{from_millis, to_millis};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Operator,
}

vpn_console_domain::string_forms!(Role);

/// Who is asking: the user and the account whose resources they see.
#[derive(Debug, Clone)]
pub struct Principal {
    pub email: String,
    pub account: String,
    pub role: Role,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A user row joined to a session (with `expires_at`) or to an API token (without).
fn principal_from_row(r: &AnyRow) -> sqlx::Result<Principal> {
    let row = PrincipalRow::decode(r)?;
    Ok(Principal {
        email: row.email,
        account: row.account_id,
        role: row.role,
        expires_at: row.expires_at.map(from_millis),
    })
}

/// Only a hash of a secret token is stored, so a database leak gives no working session.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))
}

fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash)
        .map(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

impl Store {
    pub async fn create_account(&self, id: &str, name: &str) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO accounts (id, name) VALUES ($1, $2)")
            .bind(id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await
    }

    pub async fn create_user(
        &self,
        account: &str,
        email: &str,
        password_hash: &str,
        role: Role,
    ) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO users (email, account_id, password_hash, role) VALUES ($1, $2, $3, $4)",
        )
        .bind(email.to_lowercase())
        .bind(account)
        .bind(password_hash)
        .bind(role.as_str())
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await
    }

    /// Checks a password; a missing user costs the same hashing time as a wrong password, so
    /// timing does not tell which emails exist.
    pub async fn check_password(
        &self,
        email: &str,
        password: &str,
    ) -> sqlx::Result<Option<Principal>> {
        let row = sqlx::query(
            "SELECT email, account_id, password_hash, role FROM users WHERE email = $1",
        )
        .bind(email.to_lowercase())
        .fetch_optional(self.reader())
        .await?;
        let Some(row) = row else {
            static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let dummy = DUMMY
                .get_or_init(|| hash_password("not a real password").unwrap_or_default())
                .clone();
            let password = password.to_owned();
            let _ = tokio::task::spawn_blocking(move || verify_password(&password, &dummy)).await;
            return Ok(None);
        };
        let hash = text(&row, "password_hash")?;
        let ok = {
            let password = password.to_owned();
            tokio::task::spawn_blocking(move || verify_password(&password, &hash))
                .await
                .unwrap_or(false)
        };
        if !ok {
            return Ok(None);
        }
        Ok(Some(principal_from_row(&row)?))
    }

    pub async fn create_session(
        &self,
        email: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> sqlx::Result<String> {
        let token = new_token();
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO sessions (token_hash, email, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash(&token))
            .bind(email)
            .bind(to_millis(now))
            .bind(to_millis(expires_at))
            .execute(&mut *tx)
            .await?;
        // Sweep expired sessions while we are writing anyway.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await?;
        Ok(token)
    }

    pub async fn delete_session(&self, token: &str) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await
    }

    pub async fn session_principal(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Option<Principal>> {
        let hash = token_hash(token);
        let key = format!("session {hash}");
        if let Some(p) = self.principals.get(&key) {
            return Ok(p.expires_at.is_some_and(|at| at > now).then_some(p));
        }
        let generation = self.changes.generation();
        let row = sqlx::query(
            "SELECT u.email, u.account_id, u.role, s.expires_at FROM sessions s JOIN users u ON u.email = s.email \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(&hash)
        .bind(to_millis(now))
        .fetch_optional(self.reader())
        .await?;
        let principal = row.as_ref().map(principal_from_row).transpose()?;
        if let Some(p) = &principal {
            self.principals.put(key, p.clone(), generation);
        }
        Ok(principal)
    }

    pub async fn create_api_token(
        &self,
        email: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<String> {
        let token = format!("omt_{}", new_token());
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, name, email, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash(&token))
        .bind(name)
        .bind(email.to_lowercase())
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        Ok(token)
    }

    /// Revokes every token of that name for that user; returns how many.
    pub async fn revoke_api_token(
        &self,
        email: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<u64> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE email = $2 AND name = $3 AND revoked_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(email.to_lowercase())
        .bind(name)
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        Ok(done.rows_affected())
    }

    pub async fn token_principal(&self, token: &str) -> sqlx::Result<Option<Principal>> {
        let hash = token_hash(token);
        let key = format!("token {hash}");
        if let Some(p) = self.principals.get(&key) {
            return Ok(Some(p));
        }
        let generation = self.changes.generation();
        let row = sqlx::query(
            "SELECT u.email, u.account_id, u.role FROM api_tokens t JOIN users u ON u.email = t.email \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(&hash)
        .fetch_optional(self.reader())
        .await?;
        let principal = row.as_ref().map(principal_from_row).transpose()?;
        if let Some(p) = &principal {
            self.principals.put(key, p.clone(), generation);
        }
        Ok(principal)
    }

    pub async fn account_exists(&self, id: &str) -> sqlx::Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_one(self.reader())
            .await?;
        Ok(int(&row, "n")? > 0)
    }

    pub async fn is_empty(&self) -> sqlx::Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM accounts")
            .fetch_one(self.reader())
            .await?;
        Ok(int(&row, "n")? == 0)
    }
}

/// How many failures within [`THROTTLE_WINDOW_S`] lock a key: an account's email, or a client
/// address (higher, since many users can share one address).
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const THROTTLE_WINDOW_S: i64 = 15 * 60;

impl Store {
    /// Seconds until a login may be tried again for these keys, if they are locked now.
    pub async fn login_locked_for(
        &self,
        keys: &[(String, i64)],
        now: DateTime<Utc>,
    ) -> sqlx::Result<Option<i64>> {
        let since = to_millis(now) - THROTTLE_WINDOW_S * 1000;
        let mut wait = None;
        for (key, max) in keys {
            let rows = sqlx::query(
                "SELECT at FROM login_failures WHERE throttle_key = $1 AND at > $2 ORDER BY at DESC LIMIT $3",
            )
            .bind(key.as_str())
            .bind(since)
            .bind(*max)
            .fetch_all(self.reader())
            .await?;
            if rows.len() as i64 >= *max {
                // Locked until the oldest of the last `max` failures leaves the window.
                let oldest = int(rows.last().expect("max > 0"), "at")?;
                let secs = ((oldest - since) / 1000).max(1);
                wait = Some(wait.map_or(secs, |w: i64| w.max(secs)));
            }
        }
        Ok(wait)
    }

    pub async fn record_login_failure(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        for key in keys {
            sqlx::query("INSERT INTO login_failures (throttle_key, at) VALUES ($1, $2)")
                .bind(key.as_str())
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(to_millis(now) - THROTTLE_WINDOW_S * 1000)
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await
    }

    pub async fn clear_login_failures(&self, key: &str) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await
    }
}
