//! Storage: SQLite (embedded, the default) or PostgreSQL, through one set of queries.
//!
//! Queries are written once in the SQL both engines share and run through sqlx's Any driver;
//! only the migrations differ per engine. Times are epoch milliseconds, flags 0/1.

pub mod accounts;
pub mod events;
mod topology;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

pub use accounts::{hash_password, Principal, Role};
pub use events::{ExecutionOutcome, Snapshot};
pub use topology::{ListQuery, NewConnection, NewGateway, NewTunnel};

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
}

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

impl Store {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            anyhow::bail!(
                "unsupported database URL '{url}': use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB"
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
                Store {
                    read,
                    write,
                    backend,
                }
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
                Store {
                    read: pool.clone(),
                    write: pool,
                    backend,
                }
            }
        };
        Ok(store)
    }

    /// Refreshes the planner's statistics after bulk loads. Without them SQLite reads the
    /// current events of a page through the (status, execute_at) index and scans every pending
    /// event instead of looking each resource up.
    pub async fn refresh_statistics(&self) -> sqlx::Result<()> {
        sqlx::query("ANALYZE").execute(&self.write).await?;
        Ok(())
    }

    pub async fn begin(&self) -> sqlx::Result<Tx> {
        self.write.begin().await
    }

    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
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

pub(crate) fn opt_parsed<T: FromStr>(row: &AnyRow, col: &str) -> sqlx::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match opt_text(row, col)? {
        None => Ok(None),
        Some(raw) => raw
            .parse()
            .map(Some)
            .map_err(|e: T::Err| corrupt(col, &raw, e)),
    }
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
