//! Webhook benchmark (part `webhooks` of scripts/bench.sh): 10,000 deliveries in the outbox sent
//! to a local receiver by the dispatcher as the server runs it (signing, composing each body, one attempt recorded
//! per delivery), deliveries per second; and what the outbox adds to a reschedule's latency,
//! as the ratio of the median reschedule with 1 and with 10 endpoints against the same
//! reschedule without endpoints, measured in alternating rounds in the same run.
//!
//! SQLite on a temporary file, and PostgreSQL too when TEST_POSTGRES_URL is set (a database
//! `om_bench_wh_<pid>` is created and dropped). `BENCH_DELIVERIES` changes the count; with
//! `BENCH_RESULTS=FILE` the figures are also appended to FILE as JSON lines for the report.
//!
//! `cargo bench -p vpn-console-server --bench webhooks --profile server-release`

#[path = "common/postgres.rs"]
mod postgres;
#[path = "common/results.rs"]
mod results;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use sqlx::Row;
use vpn_console_domain::planning::ExecutionBody;
use vpn_console_domain::{EventId, ExecutionRequest};
use vpn_console_server::clock::SystemClock;
use vpn_console_server::demo;
use vpn_console_server::execution::{Begun, Execution, Requester, Settled, Target};
use vpn_console_server::notify::Dispatcher;
use vpn_console_server::scheduler::Scheduler;
use vpn_console_server::store::idempotency::SavedAnswer;
use vpn_console_server::store::Store;

/// Every run stops by itself after this long, finished or not.
const TIME_LIMIT: Duration = Duration::from_secs(300);
const ROUNDS: usize = 6;
const PER_ROUND: usize = 50;

struct Figures {
    deliveries: usize,
    sending: Duration,
    /// Median reschedule latency without endpoints, with 1, with 10.
    reschedule: [Duration; 3],
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let deliveries: usize = match std::env::var("BENCH_DELIVERIES") {
        Ok(n) => n.parse().context("BENCH_DELIVERIES must be a number")?,
        Err(_) => 10_000,
    };
    sqlx::any::install_default_drivers();
    let (receiver, received) = receiver().await?;

    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let sqlite = measure("SQLite", &url, deliveries, &receiver, &received).await?;
    report("SQLite", &sqlite)?;

    let postgres = postgres::on_postgres("wh", |url| async move {
        measure("PostgreSQL", &url, deliveries, &receiver, &received).await
    });
    if let Some(figures) = postgres.await? {
        report("PostgreSQL", &figures)?;
    }
    Ok(())
}

/// A receiver on 127.0.0.1 that counts what it gets and answers 204.
async fn receiver() -> anyhow::Result<(String, Arc<AtomicUsize>)> {
    let received = Arc::new(AtomicUsize::new(0));
    let count = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |_body: String| {
            let count = count.clone();
            async move {
                count.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, received))
}

async fn measure(
    label: &str,
    url: &str,
    deliveries: usize,
    receiver: &str,
    received: &AtomicUsize,
) -> anyhow::Result<Figures> {
    let store = Store::connect(url).await?;
    let now = Utc::now();
    let scheduler = Scheduler::new(
        store.clone(),
        Arc::new(SystemClock),
        Arc::new(tokio::sync::Notify::new()),
        1.0,
        "bench",
    );
    demo::load(&scheduler).await?;
    // The showcase event: the reschedules below move it, the deliveries report it.
    let row = sqlx::query(
        "SELECT e.id FROM om_events e JOIN gateways g ON g.id = e.resource_id \
         WHERE g.name = 'hq-dual-tunnel' AND e.status = 'pending'",
    )
    .fetch_one(store.reader())
    .await?;
    let event_id: EventId = row.try_get::<String, _>("id")?.parse()?;
    let reschedule = reschedule_latencies(&store, &event_id, receiver).await?;

    // The outbox: one endpoint, `deliveries` rows reporting the event, as the audit log writes.
    for hook in store.webhooks("acme").await? {
        store.delete_webhook("acme", &hook.id).await?;
    }
    let hook = store
        .create_webhook("acme", receiver, "bench", None, now)
        .await
        .map_err(|_| anyhow::anyhow!("creating the endpoint"))?;
    let (event, _) = store
        .event_any_account(&event_id)
        .await?
        .context("the event")?;
    let event_json = serde_json::to_string(&event)?;
    let log_entry = serde_json::json!({"at": now, "actor": "bench", "action": "rescheduled", "from": null, "to": null}).to_string();
    let mut tx = store.begin().await?;
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, webhook_id, account_id, event_type, om_event_id, event_json, \
         log_entry, status, next_attempt_at, created_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         SELECT 'msg_bench_' || CAST(i AS TEXT), $2, 'acme', 'om_event.rescheduled', $3, $4, $5, 'pending', $6, $6 FROM n",
    )
    .bind(deliveries as i64)
    .bind(&hook.webhook.id)
    .bind(event_id.as_str())
    .bind(&event_json)
    .bind(&log_entry)
    .bind(now.timestamp_millis())
    .execute(&mut *tx)
    .await?;
    store.commit(tx).await?;

    let dispatcher = Dispatcher::new(
        store.clone(),
        Arc::new(SystemClock),
        1.0,
        "bench".into(),
        true,
        "http://127.0.0.1".into(),
    );
    let before = received.load(Ordering::Relaxed);
    let started = Instant::now();
    // The dispatcher as the server runs it (per-endpoint slots, a task per send), until the
    // outbox is empty.
    let running = tokio::spawn(dispatcher.run());
    loop {
        let left =
            sqlx::query("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'pending'")
                .fetch_one(store.reader())
                .await?
                .try_get::<i64, _>("n")?;
        if left == 0 {
            break;
        }
        if started.elapsed() >= TIME_LIMIT {
            running.abort();
            anyhow::bail!(
                "{label}: {left} of {deliveries} not sent in {} s",
                TIME_LIMIT.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    running.abort();
    let sending = started.elapsed();
    let got = received.load(Ordering::Relaxed) - before;
    let delivered =
        sqlx::query("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'delivered'")
            .fetch_one(store.reader())
            .await?
            .try_get::<i64, _>("n")?;
    anyhow::ensure!(
        got == deliveries && delivered as usize == deliveries,
        "{label}: received {got}, delivered {delivered}, of {deliveries}"
    );
    store.close().await;
    Ok(Figures {
        deliveries,
        sending,
        reschedule,
    })
}

/// Median latency of one reschedule (the whole transaction: If-Match, rules, update, audit
/// entry, outbox) without endpoints, with 1 and with 10, in alternating rounds.
async fn reschedule_latencies(
    store: &Store,
    id: &EventId,
    receiver: &str,
) -> anyhow::Result<[Duration; 3]> {
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for _ in 0..ROUNDS {
        for (i, endpoints) in [0usize, 1, 10].into_iter().enumerate() {
            for hook in store.webhooks("acme").await? {
                store.delete_webhook("acme", &hook.id).await?;
            }
            for _ in 0..endpoints {
                store
                    .create_webhook("acme", receiver, "bench", None, Utc::now())
                    .await
                    .map_err(|_| anyhow::anyhow!("creating an endpoint"))?;
            }
            for _ in 0..PER_ROUND {
                let (event, _) = store.event_any_account(id).await?.context("the event")?;
                let now = Utc::now();
                // Alternate between two times, both before the default and in the future.
                let at = if event.execute_at > now + chrono::Duration::minutes(90) {
                    now + chrono::Duration::hours(1)
                } else {
                    now + chrono::Duration::hours(2)
                };
                let at = at.min(event.default_execute_at);
                // The whole write as the API makes it: transaction, rules, update, audit entry
                // (and with it the outbox), commit.
                let started = Instant::now();
                let requester = Requester {
                    account: "acme",
                    actor: "bench",
                    via: None,
                };
                let Begun::Proceed(mut execution) =
                    Execution::begin(store, requester, None).await?
                else {
                    anyhow::bail!("no key, no replay");
                };
                let body = ExecutionBody::new(ExecutionRequest::At { execute_at: at }, false);
                let target = Target {
                    id: id.to_string(),
                    expected_version: Some(event.version),
                };
                let decided = execution.request(&body, &[target], false, now).await?;
                let accepted = matches!(decided, Ok(Settled::Applied(d)) if d.iter().all(|d| d.event.is_some()));
                // Without a key the answer is not kept.
                let answer = SavedAnswer {
                    status: 200,
                    body: String::new(),
                    etag: None,
                };
                execution.commit(answer, now).await?;
                let outcome: Result<(), ()> = if accepted { Ok(()) } else { Err(()) };
                samples[i].push(started.elapsed());
                anyhow::ensure!(outcome.is_ok(), "a reschedule was refused");
            }
        }
    }
    Ok(samples.map(|mut s| {
        s.sort();
        s[s.len() / 2]
    }))
}

fn report(label: &str, f: &Figures) -> anyhow::Result<()> {
    let rate = f.deliveries as f64 / f.sending.as_secs_f64();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let [none, one, ten] = f.reschedule;
    let ratio = |d: Duration| d.as_secs_f64() / none.as_secs_f64();
    println!(
        "{label}: {} deliveries sent in {:.2} s ({rate:.0} deliveries/s); reschedule median {:.2} ms without endpoints, {:.2} ms with 1 ({:.2}x), {:.2} ms with 10 ({:.2}x)",
        f.deliveries,
        f.sending.as_secs_f64(),
        ms(none),
        ms(one),
        ratio(one),
        ms(ten),
        ratio(ten),
    );
    {
        let rows = [
            serde_json::json!({
                "figure": format!("Webhooks: {} deliveries to a local receiver ({label})", f.deliveries),
                "value": format!("{:.2} s, {rate:.0} deliveries/s", f.sending.as_secs_f64()),
                "baseline": "—",
                "ratio": "—",
                "goal": "report",
                "met": "—",
            }),
            serde_json::json!({
                "figure": format!("Webhooks: a reschedule's median latency with 1 / 10 endpoints ({label})"),
                "value": format!("{:.2} ms / {:.2} ms", ms(one), ms(ten)),
                "baseline": format!("{:.2} ms without endpoints", ms(none)),
                "ratio": format!("{:.2}× / {:.2}×", ratio(one), ratio(ten)),
                "goal": "report",
                "met": "—",
            }),
        ];
        results::record(rows)?;
    }
    Ok(())
}
