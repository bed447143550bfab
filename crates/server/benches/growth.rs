//! Database growth benchmark (part of scripts/bench.sh): how much the database grows per
//! thousand writes, each a reschedule with an `Idempotency-Key` as the console sends it (one
//! audit log entry and one idempotency record each), and what is left of that once the
//! idempotency records are pruned (after 48 hours; the audit log is kept for the history).
//!
//! SQLite on a temporary file (pages in use after a checkpoint), and PostgreSQL too when
//! TEST_POSTGRES_URL is set (the tables' total size; a database `om_bench_<pid>` is created and
//! dropped). `BENCH_WRITES` changes the count (default 5,000); with `BENCH_RESULTS=FILE` the
//! figures are also appended to FILE as JSON lines for the report.
//!
//! `cargo bench -p vpn-console-server --bench growth --profile server-release`

#[path = "common/postgres.rs"]
mod postgres;
#[path = "common/results.rs"]
mod results;

use anyhow::Context;
use chrono::{Duration, Utc};
use sqlx::Row;
use vpn_console_domain::planning::ExecutionBody;
use vpn_console_domain::{EventStatus, ExecutionRequest, OmEvent};
use vpn_console_server::demo;
use vpn_console_server::execution::{Begun, Execution, Requester, Settled, Target};
use vpn_console_server::store::idempotency::{
    IdempotencyKey, IdempotentRequest, SavedAnswer, KEPT_FOR_HOURS,
};
use vpn_console_server::store::{Backend, Store};

const ACCOUNT: &str = "acme";
const USER: &str = "alice@acme.example";

struct Figures {
    writes: usize,
    /// Bytes grown by the writes, with their idempotency records.
    grown: i64,
    /// Bytes still grown once the idempotency records are pruned.
    kept: i64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let writes: usize = match std::env::var("BENCH_WRITES") {
        Ok(n) => n.parse().context("BENCH_WRITES must be a number")?,
        Err(_) => 5_000,
    };
    sqlx::any::install_default_drivers();

    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}/growth.db", dir.path().display());
    report("SQLite", &measure(&url, writes).await?)?;

    let postgres =
        postgres::on_postgres("growth", |url| async move { measure(&url, writes).await });
    if let Some(figures) = postgres.await? {
        report("PostgreSQL", &figures)?;
    }
    Ok(())
}

/// Bytes the database uses: SQLite's pages in use after a checkpoint; on PostgreSQL the
/// tables that writes grow, with their indexes and TOAST, after a VACUUM, the idempotency
/// records only when asked (a pruned table's space is reused, not given back to the system).
async fn size(store: &Store, idempotency: bool) -> anyhow::Result<i64> {
    let db = store.reader();
    Ok(match store.backend {
        Backend::Sqlite => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(db)
                .await?;
            let pages: i64 = sqlx::query("PRAGMA page_count")
                .fetch_one(db)
                .await?
                .try_get(0)?;
            let free: i64 = sqlx::query("PRAGMA freelist_count")
                .fetch_one(db)
                .await?
                .try_get(0)?;
            let page: i64 = sqlx::query("PRAGMA page_size")
                .fetch_one(db)
                .await?
                .try_get(0)?;
            (pages - free) * page
        }
        Backend::Postgres => {
            sqlx::query("VACUUM om_events, event_log, idempotency_keys")
                .execute(db)
                .await?;
            sqlx::query(
                "SELECT CAST(pg_total_relation_size('om_events') + pg_total_relation_size('event_log') \
                 + CASE WHEN $1 THEN pg_total_relation_size('idempotency_keys') ELSE 0 END AS BIGINT)",
            )
            .bind(idempotency)
            .fetch_one(db)
            .await?
            .try_get(0)?
        }
    })
}

async fn measure(url: &str, writes: usize) -> anyhow::Result<Figures> {
    let store = Store::connect(url).await?;
    let now = Utc::now();
    let scheduler = vpn_console_server::scheduler::Scheduler::new(
        store.clone(),
        std::sync::Arc::new(vpn_console_server::clock::SystemClock),
        std::sync::Arc::new(tokio::sync::Notify::new()),
        1.0,
        "growth",
    );
    demo::load(&scheduler).await?;
    // Pending events that can move between two earlier times for the whole run.
    let events: Vec<OmEvent> = store
        .history(ACCOUNT, &"cn-hangzhou".parse()?, now - Duration::days(30))
        .await?
        .into_iter()
        .filter(|e| {
            e.status == EventStatus::Pending && e.default_execute_at > now + Duration::hours(3)
        })
        .collect();
    anyhow::ensure!(
        !events.is_empty(),
        "the demo has no pending event to reschedule"
    );
    let mut versions: Vec<i64> = events.iter().map(|e| e.version).collect();

    let before = size(&store, true).await?;
    let before_kept = size(&store, false).await?;
    for i in 0..writes {
        let which = i % events.len();
        let event = &events[which];
        let body = ExecutionBody::new(
            ExecutionRequest::At {
                execute_at: now + Duration::hours(1 + (i / events.len() % 2) as i64),
            },
            false,
        );
        let key = IdempotencyKey::parse(format!("growth-{i:08}-{}", uuid_like(i)).as_bytes())?;
        let idempotent = IdempotentRequest::new(key, event.id.as_str(), &body);
        // The whole write as the API makes it, through the one execution service.
        let requester = Requester {
            account: ACCOUNT,
            actor: USER,
            via: None,
        };
        let Begun::Proceed(mut execution) =
            Execution::begin(&store, requester, Some(idempotent)).await?
        else {
            anyhow::bail!("a new key was taken for a retry");
        };
        let target = Target {
            id: event.id.to_string(),
            expected_version: Some(versions[which]),
        };
        let Ok(Settled::Applied(decided)) = execution.request(&body, &[target], false, now).await?
        else {
            anyhow::bail!("reschedule {i} refused or sent for approval");
        };
        let changed = decided
            .into_iter()
            .next()
            .and_then(|d| d.event)
            .ok_or_else(|| anyhow::anyhow!("reschedule {i} refused"))?;
        versions[which] = changed.version;
        let answer = SavedAnswer {
            status: 200,
            body: serde_json::to_string(&changed)?,
            etag: Some(changed.version.to_string()),
        };
        execution.commit(answer, now).await?;
    }
    let after = size(&store, true).await?;
    store
        .prune_idempotency_keys(now + Duration::hours(KEPT_FOR_HOURS) + Duration::minutes(1))
        .await?;
    let pruned = size(&store, false).await?;
    store.close().await;
    Ok(Figures {
        writes,
        grown: after - before,
        kept: pruned - before_kept,
    })
}

/// A key as random-looking as a client's UUID, but the same in every run.
fn uuid_like(i: usize) -> String {
    format!(
        "{:016x}",
        (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    )
}

fn report(label: &str, f: &Figures) -> anyhow::Result<()> {
    let per_thousand = |bytes: i64| bytes as f64 * 1000.0 / f.writes as f64 / 1024.0;
    println!(
        "{label}: {} reschedules with Idempotency-Key grew the database by {:.0} KB per thousand \
         writes; {:.0} KB per thousand stay once their idempotency records are pruned (the audit log)",
        f.writes,
        per_thousand(f.grown),
        per_thousand(f.kept),
    );
    {
        let row = serde_json::json!({
            "figure": format!("Database growth per 1,000 writes (reschedules with Idempotency-Key, {label})"),
            "value": format!("{:.0} KB", per_thousand(f.grown)),
            "baseline": format!("{:.0} KB kept after the idempotency records are pruned ({KEPT_FOR_HOURS} h): the audit log", per_thousand(f.kept)),
            "ratio": "—",
            "goal": "report",
            "met": "—",
        });
        results::record([row])?;
    }
    Ok(())
}
