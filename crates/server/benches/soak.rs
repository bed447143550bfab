//! Webhook soak (part `soak` of scripts/bench.sh): changes of two accounts for a few minutes,
//! delivered by the dispatcher as the server runs it to four local endpoints: one healthy and
//! one failing every other request for Acme, one for Acme that accepts the connection and never
//! answers, one healthy for Globex (issue 25's soak, DESIGN.md 17's fairness). Prints the
//! changes each endpoint received, the healthy endpoints' lateness (p50, p99, from the change's
//! commit to its arrival) and duplicates (a `webhook-id` received again). The failing endpoint
//! counts the requests it accepted; the hanging one those it received.
//!
//! SQLite on a temporary file. `BENCH_SOAK_SECONDS` (default 120) sets how long changes are
//! made; then up to 60 s for the healthy endpoints to receive the last. With
//! `BENCH_RESULTS=FILE` the figures are also appended to FILE as JSON lines for the report.
//!
//! `cargo bench -p vpn-console-server --bench soak --profile server-release`

#[path = "common/results.rs"]
mod results;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use sqlx::Row;
use tokio::io::AsyncReadExt;
use vpn_console_domain::planning::ExecutionBody;
use vpn_console_domain::{EventId, ExecutionRequest};
use vpn_console_server::clock::SystemClock;
use vpn_console_server::demo;
use vpn_console_server::execution::{Begun, Execution, Requester, Settled, Target};
use vpn_console_server::notify::Dispatcher;
use vpn_console_server::scheduler::Scheduler;
use vpn_console_server::store::idempotency::SavedAnswer;
use vpn_console_server::store::Store;

/// What a healthy endpoint may be late by, while another hangs (DESIGN.md 17).
const FAIR_S: f64 = 5.0;
/// A change of each account this often.
const EVERY: Duration = Duration::from_millis(250);

/// What an endpoint received: each request's `webhook-id`, the changed event's version and when.
type Log = Arc<Mutex<Vec<(String, u64, Instant)>>>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds: u64 = match std::env::var("BENCH_SOAK_SECONDS") {
        Ok(n) => n.parse().context("BENCH_SOAK_SECONDS must be a number")?,
        Err(_) => 120,
    };
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir()?;
    let store = Store::connect(&format!("sqlite://{}/soak.db", dir.path().display())).await?;
    let scheduler = Scheduler::new(
        store.clone(),
        Arc::new(SystemClock),
        Arc::new(tokio::sync::Notify::new()),
        1.0,
        "soak",
    );
    demo::load(&scheduler).await?;

    let (acme_url, acme) = receiver(false).await?;
    let (flaky_url, flaky) = receiver(true).await?;
    let (hanging_url, hanging) = hanging().await?;
    let (globex_url, globex) = receiver(false).await?;
    let now = Utc::now();
    for (account, url) in [
        ("acme", &hanging_url),
        ("acme", &acme_url),
        ("acme", &flaky_url),
        ("globex", &globex_url),
    ] {
        store
            .create_webhook(account, url, "soak", None, now)
            .await
            .map_err(|_| anyhow::anyhow!("creating an endpoint"))?;
    }
    let dispatcher = Dispatcher::new(
        store.clone(),
        Arc::new(SystemClock),
        1.0,
        "soak".into(),
        true,
        "http://127.0.0.1".into(),
    );
    let running = tokio::spawn(dispatcher.run());

    // Changes: each account's event moved every EVERY, alternately 1 h and 2 h ahead.
    let mut targets = Vec::new();
    for account in ["acme", "globex"] {
        let row = sqlx::query(
            "SELECT id FROM om_events WHERE account_id = $1 AND status = 'pending' ORDER BY id LIMIT 1",
        )
        .bind(account)
        .fetch_one(store.reader())
        .await?;
        let id: EventId = row.try_get::<String, _>("id")?.parse()?;
        targets.push((account, id, HashMap::<u64, Instant>::new()));
    }
    let started = Instant::now();
    let mut i = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        let tick = Instant::now();
        for (account, id, changes) in targets.iter_mut() {
            let hours = if i.is_multiple_of(2) { 1 } else { 2 };
            let (version, at) = reschedule(&store, account, id, hours).await?;
            changes.insert(version, at);
        }
        i += 1;
        tokio::time::sleep(EVERY.saturating_sub(tick.elapsed())).await;
    }
    let made = targets[0].2.len();
    // The healthy endpoints get the last changes, or 60 s pass.
    let drain = Instant::now();
    while drain.elapsed() < Duration::from_secs(60)
        && (distinct(&acme) < made || distinct(&globex) < targets[1].2.len())
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    running.abort();

    let mut rows = Vec::new();
    let endpoints: [(&str, &Log, usize, bool); 4] = [
        ("Acme healthy", &acme, 0, true),
        ("Acme failing every other request", &flaky, 0, false),
        ("Acme hanging", &hanging, 0, false),
        ("Globex healthy", &globex, 1, true),
    ];
    for (name, log, account, healthy) in endpoints {
        let changes = &targets[account].2;
        let got = log.lock().expect("not poisoned").clone();
        let ids: std::collections::HashSet<&str> =
            got.iter().map(|(id, _, _)| id.as_str()).collect();
        let duplicates = got.len() - ids.len();
        let mut line = format!(
            "{name}: {} of {} changes received, {duplicates} duplicates",
            ids.len(),
            changes.len()
        );
        let mut late = String::from("—");
        let mut met = "—";
        if healthy {
            // Lateness of each change's first arrival.
            let mut first: HashMap<&str, (u64, Instant)> = HashMap::new();
            for (id, version, at) in &got {
                first.entry(id.as_str()).or_insert((*version, *at));
            }
            let mut s: Vec<f64> = first
                .values()
                .filter_map(|(v, at)| {
                    changes
                        .get(v)
                        .map(|c| at.saturating_duration_since(*c).as_secs_f64())
                })
                .collect();
            s.sort_by(f64::total_cmp);
            if !s.is_empty() {
                let p = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
                late = format!(
                    "p50 {:.0} ms, p99 {:.0} ms",
                    p(0.5) * 1000.0,
                    p(0.99) * 1000.0
                );
                line.push_str(&format!("; late {late}"));
                met = if p(0.99) <= FAIR_S && ids.len() == changes.len() && duplicates == 0 {
                    "yes"
                } else {
                    "no"
                };
            }
        }
        println!("{line}");
        rows.push(serde_json::json!({
            "figure": format!("Webhook soak, {seconds} s, a hanging endpoint beside (SQLite): {name}"),
            "value": format!("{} of {} changes, {duplicates} duplicates", ids.len(), changes.len()),
            "baseline": "—",
            "ratio": late,
            "goal": if healthy { "all, once, p99 ≤ 5 s" } else { "report" },
            "met": met,
        }));
    }
    results::record(rows)?;
    store.close().await;
    Ok(())
}

fn distinct(log: &Log) -> usize {
    let got = log.lock().expect("not poisoned");
    got.iter()
        .map(|(id, _, _)| id)
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// Moves the event as the API does (transaction, rules, update, audit entry and outbox,
/// commit); returns its new version and when the change was committed.
async fn reschedule(
    store: &Store,
    account: &str,
    id: &EventId,
    hours: i64,
) -> anyhow::Result<(u64, Instant)> {
    let (event, _) = store.event_any_account(id).await?.context("the event")?;
    let now = Utc::now();
    let at = (now + chrono::Duration::hours(hours)).min(event.default_execute_at);
    let requester = Requester {
        account,
        actor: "soak",
        via: None,
    };
    let Begun::Proceed(mut execution) = Execution::begin(store, requester, None).await? else {
        anyhow::bail!("no key, no replay");
    };
    let body = ExecutionBody::new(ExecutionRequest::At { execute_at: at }, false);
    let target = Target {
        id: id.to_string(),
        expected_version: Some(event.version),
    };
    let decided = execution.request(&body, &[target], false, now).await?;
    anyhow::ensure!(
        matches!(decided, Ok(Settled::Applied(d)) if d.iter().all(|d| d.event.is_some())),
        "a reschedule was refused"
    );
    let answer = SavedAnswer {
        status: 200,
        body: String::new(),
        etag: None,
    };
    execution.commit(answer, now).await?;
    Ok(((event.version + 1) as u64, Instant::now()))
}

/// An endpoint on 127.0.0.1 that notes what it receives and answers 204 (or 500 every other
/// request, when `flaky`).
async fn receiver(flaky: bool) -> anyhow::Result<(String, Log)> {
    let log: Log = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let noted = log.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let (noted, count) = (noted.clone(), count.clone());
            async move {
                let at = Instant::now();
                let id = headers
                    .get("webhook-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                if flaky && count.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) {
                    return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                }
                let version = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|b| b["data"]["event"]["version"].as_u64())
                    .unwrap_or_default();
                noted.lock().expect("not poisoned").push((id, version, at));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, log))
}

/// An endpoint that accepts the connection, reads the request and never answers.
async fn hanging() -> anyhow::Result<(String, Log)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let log: Log = Arc::default();
    let noted = log.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let noted = noted.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                let mut seen = false;
                // Held until the sender gives up.
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    if seen {
                        continue;
                    }
                    head.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&head).to_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let id = text[..end]
                            .lines()
                            .find_map(|l| l.strip_prefix("webhook-id:"))
                            .map(|v| v.trim().to_owned())
                            .unwrap_or_default();
                        noted
                            .lock()
                            .expect("not poisoned")
                            .push((id, 0, Instant::now()));
                        seen = true;
                    }
                }
            });
        }
    });
    Ok((url, log))
}
