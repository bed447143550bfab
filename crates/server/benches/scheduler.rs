//! Scheduler benchmark (part of scripts/bench.sh): 10,000 O&M events due at once, one per gateway
//! of a generated region; the time until the scheduler has started and completed them all, and
//! events per second. Baseline, in the same database in the same run: the bare transactions the
//! exactly-once design needs at least, two conditional single-row updates per event (start,
//! finish), each committed on its own.
//!
//! SQLite on a temporary file, and PostgreSQL too when TEST_POSTGRES_URL is set (a database
//! `om_bench_<pid>` is created and dropped). `BENCH_EVENTS` changes the count; with
//! `BENCH_RESULTS=FILE` the figures are also appended to FILE as JSON lines for the report.
//!
//! `cargo bench -p vpn-console-server --bench scheduler --profile server-release`

#[path = "common/postgres.rs"]
mod postgres;
#[path = "common/results.rs"]
mod results;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use sqlx::Row;
use tokio::sync::Notify;
use vpn_console_server::clock::{to_millis, SystemClock};
use vpn_console_server::demo;
use vpn_console_server::scheduler::Scheduler;
use vpn_console_server::store::Store;

/// Every run stops by itself after this long, finished or not.
const TIME_LIMIT: Duration = Duration::from_secs(300);
const REGION: &str = "bench-1";

struct Figures {
    events: usize,
    scheduler: Duration,
    baseline: Duration,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let events: usize = match std::env::var("BENCH_EVENTS") {
        Ok(n) => n.parse().context("BENCH_EVENTS must be a number")?,
        Err(_) => 10_000,
    };
    sqlx::any::install_default_drivers();

    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let sqlite = measure("SQLite", &url, events).await?;
    report("SQLite", &sqlite)?;

    let postgres = postgres::on_postgres("scheduler", |url| async move {
        measure("PostgreSQL", &url, events).await
    });
    if let Some(figures) = postgres.await? {
        report("PostgreSQL", &figures)?;
    }
    Ok(())
}

async fn measure(label: &str, url: &str, events: usize) -> anyhow::Result<Figures> {
    let store = Store::connect(url).await?;
    let now = Utc::now();
    // The scheduler, maintenance a million times faster than real time (10 minutes -> 1 ms).
    let scheduler = Scheduler::new(
        store.clone(),
        Arc::new(SystemClock),
        Arc::new(Notify::new()),
        1e6,
        "bench",
    );
    demo::load(&scheduler).await?;
    let started = Instant::now();
    let gateways = demo::generate_region(&store, "acme", REGION, events as u32, now).await?;
    println!(
        "{label}: generated {gateways} gateways in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Only the benchmark's events are current: retire the demo's, then one pending event per
    // gateway of the region, due a second ago.
    let due = to_millis(now) - 1000;
    let mut tx = store.begin().await?;
    sqlx::query(
        "UPDATE om_events SET status = 'cancelled', finished_at = $1, version = version + 1 \
         WHERE status IN ('pending', 'executing')",
    )
    .bind(due)
    .execute(&mut *tx)
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO om_events (id, account_id, region_id, resource_kind, resource_id, gateway_ip_role, \
         gateway_ip, reason, status, default_execute_at, execute_at, published_at, version) \
         SELECT 'om-' || substr(id, 5), account_id, region_id, 'vpn_gateway', id, \
         CASE WHEN tunnel_mode = 'dual_tunnel' THEN 'ipsec_address_1' ELSE 'gateway_address' END, \
         COALESCE(ipsec_address_1, gateway_address), 'system_upgrade', 'pending', $1, $1, $1, 1 \
         FROM gateways WHERE account_id = 'acme' AND region_id = $2 ORDER BY id LIMIT $3",
    )
    .bind(due)
    .bind(REGION)
    .bind(events as i64)
    .execute(&mut *tx)
    .await?
    .rows_affected() as usize;
    anyhow::ensure!(
        inserted == events,
        "inserted {inserted} events, not {events}"
    );
    sqlx::query("CREATE TABLE bench_baseline (id TEXT PRIMARY KEY, status TEXT NOT NULL)")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO bench_baseline (id, status) SELECT id, 'pending' FROM om_events WHERE status = 'pending'",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;

    // Baseline: two conditional single-row updates per event, each its own transaction.
    let ids: Vec<String> = sqlx::query("SELECT id FROM bench_baseline ORDER BY id")
        .fetch_all(store.reader())
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<Result<_, _>>()?;
    let started = Instant::now();
    for (from, to) in [("pending", "executing"), ("executing", "completed")] {
        for id in &ids {
            let mut tx = store.begin().await?;
            sqlx::query("UPDATE bench_baseline SET status = $1 WHERE id = $2 AND status = $3")
                .bind(to)
                .bind(id.as_str())
                .bind(from)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        anyhow::ensure!(started.elapsed() < TIME_LIMIT, "{label}: baseline too slow");
    }
    let baseline = started.elapsed();

    let started = Instant::now();
    let mut completed = 0;
    while completed < events {
        let pass = scheduler.run_once().await?;
        completed += pass.completed;
        anyhow::ensure!(
            started.elapsed() < TIME_LIMIT,
            "{label}: the scheduler completed {completed} of {events} events in {} s",
            TIME_LIMIT.as_secs()
        );
        if pass.started == 0 && pass.completed == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let elapsed = started.elapsed();
    let done = sqlx::query(
        "SELECT COUNT(*) AS n FROM om_events WHERE status = 'completed' AND executed_by = 'bench'",
    )
    .fetch_one(store.reader())
    .await?
    .try_get::<i64, _>("n")?;
    anyhow::ensure!(
        done as usize == events,
        "{done} events completed, not {events}"
    );
    store.close().await;
    Ok(Figures {
        events,
        scheduler: elapsed,
        baseline,
    })
}

fn report(label: &str, f: &Figures) -> anyhow::Result<()> {
    let rate = |d: Duration| f.events as f64 / d.as_secs_f64();
    let ratio = f.scheduler.as_secs_f64() / f.baseline.as_secs_f64();
    println!(
        "{label}: {} events due at once completed in {:.2} s ({:.0} events/s); baseline {:.2} s ({:.0} events/s); ratio {ratio:.2}",
        f.events,
        f.scheduler.as_secs_f64(),
        rate(f.scheduler),
        f.baseline.as_secs_f64(),
        rate(f.baseline),
    );
    {
        let row = serde_json::json!({
            "figure": format!("Scheduler: {} events due at once, until all completed ({label})", thousands(f.events)),
            "value": format!("{:.2} s, {:.0} events/s", f.scheduler.as_secs_f64(), rate(f.scheduler)),
            "baseline": format!("{:.2} s, {:.0} events/s (2 bare conditional-update transactions per event)", f.baseline.as_secs_f64(), rate(f.baseline)),
            "ratio": format!("{ratio:.2}× the baseline's time"),
            "goal": "report",
            "met": "—",
        });
        results::record([row])?;
    }
    Ok(())
}

/// `10000` as `10,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
