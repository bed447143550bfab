//! Accounts, users, sessions and API tokens.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::audit::AuditRecord;
use super::rows::PrincipalRow;
use super::{int, opt_int, text, Store};
use crate::clock::{from_millis, to_millis};

pub use vpn_console_domain::api::Role;

/// Who is asking: the user and the account whose resources they see.
#[derive(Debug, Clone)]
pub struct Principal {
    pub email: String,
    pub account: String,
    pub role: Role,
    pub expires_at: Option<DateTime<Utc>>,
    /// How the caller came in, as the account audit log says it: `session` or `token:<name>`.
    pub via: String,
}

/// An API token as `list-tokens` shows it: never the token itself, which is not kept.
#[derive(Debug, Clone, Serialize)]
pub struct ApiTokenInfo {
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A user row joined to a session (with `expires_at`) or to an API token (without).
fn principal_from_row(r: &AnyRow) -> sqlx::Result<Principal> {
    let row = PrincipalRow::decode(r)?;
    Ok(Principal {
        email: row.email,
        account: row.account_id,
        role: row.role,
        expires_at: row.expires_at.map(from_millis),
        via: match row.token_name {
            Some(name) => format!("token:{name}"),
            None => "session".to_owned(),
        },
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
            "SELECT email, account_id, password_hash, role, disabled_at FROM users WHERE email = $1",
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
        // A disabled user is refused after the same work as anyone, and as a wrong password is:
        // the answer does not tell that the account exists (DESIGN.md 17).
        if !ok || row.try_get::<Option<i64>, _>("disabled_at")?.is_some() {
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
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
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
            "SELECT u.email, u.account_id, u.role, t.name AS token_name FROM api_tokens t JOIN users u ON u.email = t.email \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL",
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

    /// Offboarding: refuses the user's log-in from now on, ends their sessions, revokes their
    /// API tokens and their calendar URL, in one transaction. Returns the names of the tokens
    /// revoked, or `None` when there is no such user. Streams end when their server's tailer
    /// sees `disabled_at` ([`Store::users_disabled_since`]).
    /// `actor` is who ran the command; the audit log gets `user.disabled` and a
    /// `token.revoked` per token, in the same transaction.
    pub async fn disable_user(
        &self,
        email: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Option<Vec<String>>> {
        let email = email.to_lowercase();
        let mut tx = self.begin().await?;
        let found = sqlx::query(
            "UPDATE users SET disabled_at = COALESCE(disabled_at, $1) WHERE email = $2 \
             RETURNING account_id",
        )
        .bind(to_millis(now))
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(found) = found else {
            return Ok(None);
        };
        let account = text(&found, "account_id")?;
        sqlx::query("DELETE FROM sessions WHERE email = $1")
            .bind(&email)
            .execute(&mut *tx)
            .await?;
        let revoked = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE email = $2 AND revoked_at IS NULL RETURNING name",
        )
        .bind(to_millis(now))
        .bind(&email)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| text(r, "name"))
        .collect::<sqlx::Result<Vec<_>>>()?;
        sqlx::query("DELETE FROM calendar_feeds WHERE email = $1")
            .bind(&email)
            .execute(&mut *tx)
            .await?;
        let mut entry = AuditRecord {
            account: &account,
            actor,
            via: "cli",
            action: "user.disabled",
            target: Some(&email),
            detail: None,
        };
        Self::audit_in(&mut tx, now, &entry).await?;
        let of = format!("of {email}");
        for name in &revoked {
            entry.action = "token.revoked";
            entry.target = Some(name);
            entry.detail = Some(of.clone());
            Self::audit_in(&mut tx, now, &entry).await?;
        }
        self.commit(tx).await?;
        Ok(Some(revoked))
    }

    /// Lets a disabled user log in again. Their old sessions, tokens and calendar URL stay
    /// gone: they log in afresh and are given new ones. False when there is no such user.
    pub async fn enable_user(
        &self,
        email: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool> {
        let email = email.to_lowercase();
        let mut tx = self.begin().await?;
        let found = sqlx::query(
            "UPDATE users SET disabled_at = NULL WHERE email = $1 RETURNING account_id",
        )
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(found) = found else {
            return Ok(false);
        };
        let account = text(&found, "account_id")?;
        let entry = AuditRecord {
            account: &account,
            actor,
            via: "cli",
            action: "user.enabled",
            target: Some(&email),
            detail: None,
        };
        Self::audit_in(&mut tx, now, &entry).await?;
        self.commit(tx).await?;
        Ok(true)
    }

    /// The user's API tokens, revoked ones too, oldest first; `None` when there is no such user.
    pub async fn list_api_tokens(&self, email: &str) -> sqlx::Result<Option<Vec<ApiTokenInfo>>> {
        let email = email.to_lowercase();
        let user = sqlx::query("SELECT email FROM users WHERE email = $1")
            .bind(&email)
            .fetch_optional(self.reader())
            .await?;
        if user.is_none() {
            return Ok(None);
        }
        let rows = sqlx::query(
            "SELECT name, created_at, revoked_at FROM api_tokens WHERE email = $1 \
             ORDER BY created_at, name",
        )
        .bind(&email)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiTokenInfo {
                    name: text(r, "name")?,
                    created_at: from_millis(int(r, "created_at")?),
                    revoked_at: opt_int(r, "revoked_at")?.map(from_millis),
                })
            })
            .collect::<sqlx::Result<Vec<_>>>()
            .map(Some)
    }

    /// The users disabled at or after `since` (epoch ms), with when: what a server's tailer
    /// asks on every wake to end their open streams at once.
    pub async fn users_disabled_since(&self, since: i64) -> sqlx::Result<Vec<(String, i64)>> {
        sqlx::query(
            "SELECT email, disabled_at FROM users WHERE disabled_at >= $1 ORDER BY disabled_at",
        )
        .bind(since)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| Ok((text(r, "email")?, int(r, "disabled_at")?)))
        .collect()
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
