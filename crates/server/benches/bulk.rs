//! Planning benchmark (part `bulk` of scripts/bench.sh), DESIGN.md 10.3 and 10.4:
//! - placing 10,000 pending events when the maintenance window changes (`PUT
//!   /maintenance-window`'s work: read, the domain's placement, the writes and audit entries in
//!   one transaction), next to the domain's placement alone and the bare writes it needs at
//!   least (one conditional update per event in one transaction);
//! - one bulk request of 100 events through the real HTTP API, next to the same 100 events
//!   moved by 100 single execution requests one after the other.
//!
//! SQLite on a temporary file, and PostgreSQL too when TEST_POSTGRES_URL is set (a database
//! `om_bench_bulk_<pid>` is created and dropped). `BENCH_EVENTS` changes the count; with
//! `BENCH_RESULTS=FILE` the figures are also appended to FILE as JSON lines for the report.
//!
//! `cargo bench -p vpn-console-server --bench bulk --profile server-release`

#[path = "common/postgres.rs"]
mod postgres;
#[path = "common/results.rs"]
mod results;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Duration as Span, SubsecRound, Utc};
use serde_json::{json, Value};
use sqlx::Row;
use tokio::sync::Notify;
use vpn_console_domain::planning::{place_all, MaintenanceWindowSpec, PlanningContext};
use vpn_console_server::clock::{to_millis, SystemClock};
use vpn_console_server::scheduler::Scheduler;
use vpn_console_server::store::Store;
use vpn_console_server::{demo, planning};

const REGION: &str = "bench-1";
const BULK: usize = 100;

struct Figures {
    events: usize,
    moved: usize,
    placement: Duration,
    domain_only: Duration,
    bare_writes: Duration,
    bulk: Duration,
    singles: Duration,
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
    report("SQLite", &measure("SQLite", &url, events).await?)?;
    let postgres = postgres::on_postgres("bulk", |url| async move {
        measure("PostgreSQL", &url, events).await
    });
    if let Some(figures) = postgres.await? {
        report("PostgreSQL", &figures)?;
    }
    Ok(())
}

async fn measure(label: &str, url: &str, events: usize) -> anyhow::Result<Figures> {
    let store = Store::connect(url).await?;
    let now = Utc::now().trunc_subsecs(3);
    let scheduler = Scheduler::new(
        store.clone(),
        Arc::new(SystemClock),
        Arc::new(Notify::new()),
        1.0,
        "bench",
    );
    demo::load(&scheduler).await?;
    let started = Instant::now();
    demo::generate_region(&store, "acme", REGION, events as u32, now).await?;
    println!(
        "{label}: generated {events} gateways in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Only the benchmark's events are current: one pending event per gateway of the region,
    // due in three days at 18:00 UTC, none chosen by a person.
    let default = (now + Span::days(3))
        .date_naive()
        .and_hms_opt(18, 0, 0)
        .expect("a time")
        .and_utc();
    let mut tx = store.begin().await?;
    sqlx::query(
        "UPDATE om_events SET status = 'cancelled', finished_at = $1, version = version + 1 \
         WHERE status IN ('pending', 'executing')",
    )
    .bind(to_millis(now))
    .execute(&mut *tx)
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO om_events (id, account_id, region_id, resource_kind, resource_id, gateway_ip_role, \
         gateway_ip, reason, status, default_execute_at, execute_at, published_at, version) \
         SELECT 'om-' || substr(id, 5), account_id, region_id, 'vpn_gateway', id, \
         CASE WHEN tunnel_mode = 'dual_tunnel' THEN 'ipsec_address_1' ELSE 'gateway_address' END, \
         COALESCE(ipsec_address_1, gateway_address), 'system_upgrade', 'pending', $1, $1, $2, 1 \
         FROM gateways WHERE account_id = 'acme' AND region_id = $3 ORDER BY id LIMIT $4",
    )
    .bind(to_millis(default))
    .bind(to_millis(now))
    .bind(REGION)
    .bind(events as i64)
    .execute(&mut *tx)
    .await?
    .rows_affected() as usize;
    anyhow::ensure!(
        inserted == events,
        "inserted {inserted} events, not {events}"
    );
    sqlx::query("CREATE TABLE bench_baseline (id TEXT PRIMARY KEY, execute_at BIGINT NOT NULL)")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO bench_baseline (id, execute_at) SELECT id, execute_at FROM om_events WHERE status = 'pending'",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    store.refresh_statistics().await?;

    // The window opens daily at 02:00 in Shanghai (18:00 UTC) for four hours: each event moves
    // to the opening a day before its default (the default itself is an opening too, so the
    // start is set an hour earlier).
    let spec = MaintenanceWindowSpec {
        time_zone: "Asia/Shanghai".to_owned(),
        days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .map(str::to_owned)
            .to_vec(),
        start: "01:00".to_owned(),
        duration_minutes: 240,
    };
    let parsed = planning::parse_window(&spec)?;

    // The domain's placement alone, on what the store reads.
    let all = store.account_planned_events("acme").await?;
    let started = Instant::now();
    let ctx = PlanningContext {
        now,
        freezes: &[],
        others: &[],
    };
    let placed = place_all(&all, &parsed.0, &parsed.1, &ctx);
    let domain_only = started.elapsed();
    anyhow::ensure!(placed.iter().all(|p| p.window_fit), "every event fits");

    let started = Instant::now();
    let moved =
        planning::apply_window(&store, "acme", Some(&spec), Some(&parsed), None, now).await?;
    let placement = started.elapsed();
    anyhow::ensure!(moved.len() >= events, "moved {} of {events}", moved.len());
    println!(
        "{label}: placed {} events in {:.2} s",
        moved.len(),
        placement.as_secs_f64()
    );

    // Baseline: the bare writes, one conditional update per event in one transaction.
    let ids: Vec<String> = sqlx::query("SELECT id FROM bench_baseline ORDER BY id")
        .fetch_all(store.reader())
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<Result<_, _>>()?;
    let started = Instant::now();
    let mut tx = store.begin().await?;
    for id in &ids {
        sqlx::query("UPDATE bench_baseline SET execute_at = execute_at - 3600000 WHERE id = $1 AND execute_at > 0")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let bare_writes = started.elapsed();

    let (bulk, singles) = bulk_over_http(&store, now).await?;
    store.close().await;
    Ok(Figures {
        events,
        moved: moved.len(),
        placement,
        domain_only,
        bare_writes,
        bulk,
        singles,
    })
}

/// One bulk request of 100 events, and the next 100 events by 100 single requests.
async fn bulk_over_http(
    store: &Store,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<(Duration, Duration)> {
    let state = vpn_console_server::state(store.clone(), Arc::new(SystemClock));
    let router = vpn_console_server::router(state, std::path::Path::new("/nonexistent-console"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/api/v1", listener.local_addr()?);
    let server = tokio::spawn(async move {
        vpn_console_server::serve::serve(listener, router, std::future::pending()).await
    });
    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let res = client
        .post(format!("{base}/session"))
        .json(&json!({"email": "alice@acme.example", "password": demo::DEMO_PASSWORD}))
        .send()
        .await?;
    anyhow::ensure!(res.status() == 200, "login: {}", res.status());
    let rows = sqlx::query(
        "SELECT id, version FROM om_events WHERE status = 'pending' AND region_id = $1 ORDER BY id LIMIT $2",
    )
    .bind(REGION)
    .bind((2 * BULK) as i64)
    .fetch_all(store.reader())
    .await?;
    let items: Vec<(String, i64)> = rows
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("version")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    anyhow::ensure!(items.len() == 2 * BULK, "too few pending events");
    let when = (now + Span::hours(1)).trunc_subsecs(0);

    let events: Vec<Value> = items[..BULK]
        .iter()
        .map(|(id, version)| json!({"id": id, "version": version}))
        .collect();
    let started = Instant::now();
    let res = client
        .post(format!("{base}/om-events/bulk-execution"))
        .json(&json!({"mode": "at", "execute_at": when, "events": events}))
        .send()
        .await?;
    let status = res.status();
    let answer: Value = res.json().await?;
    let bulk = started.elapsed();
    anyhow::ensure!(status == 200, "bulk: {status} {answer}");
    let accepted = answer["results"]
        .as_array()
        .map(|r| r.iter().filter(|i| i["status"] == 200).count())
        .unwrap_or(0);
    anyhow::ensure!(accepted == BULK, "bulk accepted {accepted}: {answer}");

    let started = Instant::now();
    for (id, version) in &items[BULK..] {
        let res = client
            .post(format!("{base}/om-events/{id}/execution"))
            .header("If-Match", format!("\"{version}\""))
            .json(&json!({"mode": "at", "execute_at": when}))
            .send()
            .await?;
        anyhow::ensure!(res.status() == 200, "single: {}", res.status());
    }
    let singles = started.elapsed();
    server.abort();
    Ok((bulk, singles))
}

fn report(label: &str, f: &Figures) -> anyhow::Result<()> {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label}: window placement of {} events ({} moved): {:.0} ms (domain alone {:.0} ms; bare writes baseline {:.0} ms)",
        f.events,
        f.moved,
        ms(f.placement),
        ms(f.domain_only),
        ms(f.bare_writes)
    );
    println!(
        "{label}: bulk request of {BULK} events: {:.0} ms (baseline: {BULK} single requests {:.0} ms)",
        ms(f.bulk),
        ms(f.singles)
    );
    {
        let rows = [
            json!({
                "figure": format!("Maintenance window changed: {} pending events placed ({label})", f.events),
                "value": format!("{:.0} ms ({} moved; the domain's placement alone {:.0} ms)", ms(f.placement), f.moved, ms(f.domain_only)),
                "baseline": format!("{:.0} ms (one bare conditional update per event, one transaction)", ms(f.bare_writes)),
                "ratio": format!("{:.2}× the baseline's time", ms(f.placement) / ms(f.bare_writes).max(0.001)),
                "goal": "report",
                "met": "—",
            }),
            json!({
                "figure": format!("Bulk execution: one request of {BULK} events over HTTP ({label})"),
                "value": format!("{:.0} ms", ms(f.bulk)),
                "baseline": format!("{:.0} ms ({BULK} single execution requests one after the other)", ms(f.singles)),
                "ratio": format!("{:.2}× the baseline's time", ms(f.bulk) / ms(f.singles).max(0.001)),
                "goal": "report",
                "met": "—",
            }),
        ];
        results::record(rows)?;
    }
    Ok(())
}
