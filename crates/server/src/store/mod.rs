//! Storage: SQLite (embedded, the default) or PostgreSQL, through one set of queries.
//!
//! Queries are written once in the SQL both engines share and run through sqlx's Any driver;
//! only the migrations differ per engine. Times are epoch milliseconds, flags 0/1.

pub mod accounts;
pub mod approvals;
pub mod audit;
pub mod events;
pub mod idempotency;
pub mod login_throttle;
pub mod overview;
mod placements;
pub mod planning;
mod provisioning;
pub mod read_cache;
mod rows;
pub mod secrets;
pub mod stream;
mod topology;

use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

pub use accounts::{hash_password, Principal, Role};
pub use provisioning::{NewConnection, NewGateway, NewTunnel};
use read_cache::{Changes, ReadCache};
pub use topology::ListQuery;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    /// Reads go here.
    read: AnyPool,
    /// Writes go here. On SQLite this pool has one connection, so writers queue in the process
    /// instead of failing with SQLITE_BUSY; on PostgreSQL it is the same pool as `read`.
    write: AnyPool,
    pub backend: Backend,
    /// PostgreSQL's URL, for the connection that listens to other replicas' writes.
    postgres_url: Option<Arc<str>>,
    changes: Arc<Changes>,
    /// Who a session or API token is, by the token's hash.
    principals: Arc<ReadCache<String, Principal>>,
    /// Regions are only ever added, so one that exists is remembered for good.
    known_regions: Arc<RwLock<HashSet<String>>>,
    /// Taken by whoever writes conflict marks; see [`Store::begin_conflict_marks`].
    conflict_marks: Arc<tokio::sync::Mutex<()>>,
    /// Seals and opens the stored webhook secrets; `None` on PostgreSQL without a key file.
    secrets: Option<secrets::SecretBox>,
}

/// The channel on which every write transaction on PostgreSQL tells the replicas.
const WRITES_CHANNEL: &str = "om_writes";

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// PostgreSQL's advisory lock key for conflict marks ("om-cf" in ASCII).
const CONFLICT_MARKS_LOCK: i64 = 0x006f_6d2d_6366;

/// A write transaction holding the conflict marks' lock until it commits or is dropped.
pub struct ConflictMarks {
    _guard: tokio::sync::OwnedMutexGuard<()>,
    pub tx: Tx,
}

impl Store {
    /// Connects with the secrets key of `SECRETS_KEY_FILE` when set (as the server's flag
    /// reads it), else the one beside a SQLite file; see [`Store::connect_with`].
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let key_file = std::env::var_os("SECRETS_KEY_FILE").map(std::path::PathBuf::from);
        Store::connect_with(url, key_file.as_deref()).await
    }

    /// Connects and migrates. The secrets key comes from `key_file`, or for SQLite from
    /// `secrets.key` beside the database file (created when missing); PostgreSQL has none
    /// without a file, and then refuses to store or read a webhook secret (the server refuses
    /// to start). Secrets stored in clear before are sealed here.
    pub async fn connect_with(url: &str, key_file: Option<&Path>) -> anyhow::Result<Self> {
        let mut store = Store::open(url).await?;
        store.secrets = match key_file {
            Some(path) => Some(secrets::SecretBox::from_key_file(path)?),
            None => match store.backend {
                Backend::Sqlite => Some(secrets::SecretBox::beside(&sqlite_file(url))?),
                Backend::Postgres => None,
            },
        };
        if store.secrets.is_some() {
            store
                .seal_clear_secrets()
                .await
                .context("sealing the webhook secrets stored in clear")?;
        }
        Ok(store)
    }

    /// Whether this store can seal and open webhook secrets.
    pub fn has_secrets_key(&self) -> bool {
        self.secrets.is_some()
    }

    pub fn secret_box(&self) -> Result<&secrets::SecretBox, sqlx::Error> {
        self.secrets.as_ref().ok_or_else(|| {
            sqlx::Error::Configuration(
                "no secrets key: PostgreSQL needs --secrets-key-file (SECRETS_KEY_FILE)".into(),
            )
        })
    }

    /// Seals every webhook secret still in clear (written before secrets were sealed). The
    /// update names the clear value, so replicas starting together seal each once.
    async fn seal_clear_secrets(&self) -> anyhow::Result<()> {
        let seal = self.secret_box()?;
        let rows = sqlx::query("SELECT id, secret FROM webhooks")
            .fetch_all(&self.read)
            .await?;
        let clear: Vec<(String, String)> = rows
            .iter()
            .map(|r| Ok((text(r, "id")?, text(r, "secret")?)))
            .collect::<sqlx::Result<Vec<_>>>()?
            .into_iter()
            .filter(|(_, secret)| !secrets::is_sealed(secret))
            .collect();
        if clear.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for (id, secret) in &clear {
            sqlx::query("UPDATE webhooks SET secret = $1 WHERE id = $2 AND secret = $3")
                .bind(seal.seal(secret))
                .bind(id)
                .bind(secret)
                .execute(&mut *tx)
                .await?;
        }
        self.commit(tx).await?;
        tracing::info!(
            count = clear.len(),
            "sealed webhook secrets stored in clear"
        );
        Ok(())
    }

    async fn open(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            anyhow::bail!(
                "unsupported database URL '{}': use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB",
                redact_url(url)
            );
        };
        let store = match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url)?;
                let options = |max| {
                    AnyPoolOptions::new()
                        .max_connections(max)
                        .acquire_timeout(Duration::from_secs(30))
                        .after_connect(|conn, _| {
                            Box::pin(async move {
                                conn.execute(
                                    "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; \
                                     PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;",
                                )
                                .await?;
                                Ok(())
                            })
                        })
                };
                let write = options(1).connect(&url).await.context("opening SQLite")?;
                // Migrate before the readers open so they see the schema.
                SQLITE_MIGRATIONS
                    .run(&write)
                    .await
                    .context("migrating SQLite")?;
                // Cheap at start-up: analyses only tables whose statistics are missing or stale.
                sqlx::query("PRAGMA optimize=0x10002")
                    .execute(&write)
                    .await
                    .context("optimizing SQLite")?;
                let read = options(8).connect(&url).await.context("opening SQLite")?;
                Store::new(read, write, backend, None)
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await
                    .context("connecting to PostgreSQL")?;
                POSTGRES_MIGRATIONS
                    .run(&pool)
                    .await
                    .context("migrating PostgreSQL")?;
                Store::new(pool.clone(), pool, backend, Some(url.into()))
            }
        };
        Ok(store)
    }

    /// Refreshes the planner's statistics after bulk loads. Without them SQLite reads the
    /// current events of a page through the (status, execute_at) index and scans every pending
    /// event instead of looking each resource up.
    pub async fn refresh_statistics(&self) -> sqlx::Result<()> {
        // On PostgreSQL only the console's tables: a bare ANALYZE also visits the system
        // catalogues, which only a superuser may analyse, and logs a warning for each. VACUUM
        // marks the new rows all-visible, so the region index alone answers counts and pages
        // instead of every row being visited (autovacuum would, but later).
        let sql = match self.backend {
            Backend::Sqlite => "ANALYZE",
            Backend::Postgres => "VACUUM (ANALYZE) gateways, connections, tunnels, om_events",
        };
        sqlx::query(sql).execute(&self.write).await?;
        Ok(())
    }

    fn new(
        read: AnyPool,
        write: AnyPool,
        backend: Backend,
        postgres_url: Option<Arc<str>>,
    ) -> Self {
        let changes = Arc::new(Changes::default());
        Store {
            read,
            write,
            backend,
            postgres_url,
            principals: Arc::new(ReadCache::new(changes.clone())),
            changes,
            known_regions: Arc::default(),
            conflict_marks: Arc::default(),
            secrets: None,
        }
    }

    /// Begins a write transaction; every write goes through here. On SQLite it takes the write
    /// lock at once (`BEGIN IMMEDIATE`), so that it waits within the busy timeout while another
    /// process (an operator command) writes: a deferred transaction that read first could not
    /// upgrade its lock after that other commit and would fail at once with "database is
    /// locked". PostgreSQL's row locks need no such thing.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.write.begin().await,
        }
    }

    /// Begins a write transaction for conflict marks (DESIGN.md 10.2), which the holder reads
    /// the events for and writes while no one else does. Two writers that each read the other's
    /// event at its old time would leave the pair unmarked, or on PostgreSQL insert the same
    /// pair and fail with a duplicate key after the change they follow had committed.
    ///
    /// The process's mutex comes first, so that at most one connection per process waits for
    /// the database's lock: the holder reads through the pool too, which waiters holding every
    /// connection would run dry. Across replicas PostgreSQL's transaction lock serializes;
    /// on SQLite `BEGIN IMMEDIATE` already does.
    pub async fn begin_conflict_marks(&self) -> sqlx::Result<ConflictMarks> {
        let guard = self.conflict_marks.clone().lock_owned().await;
        let mut tx = self.begin().await?;
        self.lock_conflict_marks(&mut tx).await?;
        Ok(ConflictMarks { _guard: guard, tx })
    }

    /// The process's side of [`Store::begin_conflict_marks`], for a writer that must begin its
    /// transaction in its own way; [`Store::lock_conflict_marks`] then takes the database's.
    pub async fn conflict_marks_guard(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.conflict_marks.clone().lock_owned().await
    }

    pub async fn lock_conflict_marks(&self, tx: &mut Tx) -> sqlx::Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(CONFLICT_MARKS_LOCK)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Every write transaction ends here, so that no cached read outlives a write: this
    /// process's caches see the new generation at once, other replicas by notification, which
    /// PostgreSQL delivers only if the transaction commits.
    pub async fn commit(&self, mut tx: Tx) -> sqlx::Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, '')")
                .bind(WRITES_CHANNEL)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.changes.written();
        Ok(())
    }

    /// The write generation and the read caches' time to live.
    pub fn changes(&self) -> &Arc<Changes> {
        &self.changes
    }

    /// On PostgreSQL, listens to the writes of other replicas (and of operator commands) and
    /// moves the write generation on for each, so their changes show here at once instead of
    /// after the caches' time to live. A lost connection is reopened; whatever was written
    /// meanwhile is covered by moving the generation on after every reconnection.
    pub fn watch_other_writers(&self) -> Option<tokio::task::JoinHandle<()>> {
        let url = self.postgres_url.clone()?;
        let changes = self.changes.clone();
        Some(tokio::spawn(async move {
            loop {
                if let Err(e) = listen_to_writes(&url, &changes).await {
                    tracing::warn!("listening to other replicas' writes: {e}");
                }
                // Whatever was written while not listening.
                changes.written();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }))
    }

    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// Moves the write generation on for every notification until the listening connection fails.
async fn listen_to_writes(url: &str, changes: &Changes) -> sqlx::Result<()> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(WRITES_CHANNEL).await?;
    changes.written();
    loop {
        // None means the connection was lost and is reopened on the next call: notifications may
        // have been missed meanwhile, so that counts as a write too.
        listener.try_recv().await?;
        changes.written();
    }
}

/// The file of a SQLite URL (its path without the query), beside which the secrets key goes.
pub fn sqlite_file(url: &str) -> std::path::PathBuf {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    std::path::PathBuf::from(path)
}

/// Makes a relative `sqlite://data/console.db` work and creates the file and its folder.
fn sqlite_url(url: &str) -> anyhow::Result<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" && !path.is_empty() {
        if let Some(dir) = Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating the folder of {path}"))?;
            }
        }
    }
    let mut params: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    if !params.iter().any(|p| p.starts_with("mode=")) {
        params.push("mode=rwc");
    }
    Ok(format!("sqlite:{path}?{}", params.join("&")))
}

// Small decoding helpers: the Any driver hands back i64 and String; these turn them into domain
// values, failing loudly (a corrupt row is a bug, not a user error).
pub(crate) fn text(row: &AnyRow, col: &str) -> sqlx::Result<String> {
    row.try_get::<String, _>(col)
}

pub(crate) fn opt_text(row: &AnyRow, col: &str) -> sqlx::Result<Option<String>> {
    row.try_get::<Option<String>, _>(col)
}

pub(crate) fn int(row: &AnyRow, col: &str) -> sqlx::Result<i64> {
    row.try_get::<i64, _>(col)
}

pub(crate) fn opt_int(row: &AnyRow, col: &str) -> sqlx::Result<Option<i64>> {
    row.try_get::<Option<i64>, _>(col)
}

pub(crate) fn parsed<T: FromStr>(row: &AnyRow, col: &str) -> sqlx::Result<T>
where
    T::Err: std::fmt::Display,
{
    let raw = text(row, col)?;
    raw.parse().map_err(|e: T::Err| corrupt(col, &raw, e))
}

pub(crate) fn corrupt(col: &str, raw: &str, e: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("column {col} holds '{raw}': {e}").into())
}

/// `$1, $2, …` starting at `from`, for IN lists.
pub(crate) fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether an error is the database refusing a duplicate.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// A database URL fit for a message or a log: the password (in the user part or as a query
/// parameter) replaced by `***`. Every URL that is printed goes through this.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let (rest, query) = match rest.find('?') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    // The last '@' ends the user part: a password may hold '@' and '/' of its own.
    let mut out = String::from(scheme);
    match rest.rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or_default();
            out.push_str(user);
            if rest[..at].contains(':') {
                out.push_str(":***");
            }
            out.push_str(&rest[at..]);
        }
        None => out.push_str(rest),
    }
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.to_ascii_lowercase().contains("pass") => format!("{k}=***"),
                _ => p.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_a_message() {
        for (url, shown) in [
            (
                "mysql://admin:S3cretPw@db.example:3306/om",
                "mysql://admin:***@db.example:3306/om",
            ),
            (
                "postgres://om:p@ss/w:rd@127.0.0.1/om",
                "postgres://om:***@127.0.0.1/om",
            ),
            (
                "postgres://om@127.0.0.1/om?password=S3cretPw&sslmode=require",
                "postgres://om@127.0.0.1/om?password=***&sslmode=require",
            ),
            ("admin:S3cretPw@db", "admin:***@db"),
            ("sqlite://data/console.db", "sqlite://data/console.db"),
        ] {
            assert_eq!(redact_url(url), shown);
        }
    }
}
