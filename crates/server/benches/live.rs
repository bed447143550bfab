//! Live updates benchmark (part `live` of scripts/bench.sh): 2,000 open `GET /stream`s on one
//! server over SQLite, then spread over three replicas over PostgreSQL. A writer reschedules one
//! event again and again through the API (through replica 1); every stream records when each
//! message arrives. Figures: the time from the change (the `at` of the message: the server's
//! clock when the change began, so the write's own transaction counts too) to its arrival at
//! every stream, p50 and p99 (goal p99 under 100 ms); how many messages arrived of those due;
//! and the servers' memory per open stream (resident set before and after opening them).
//!
//! The servers are this profile's `vpn-console-server` processes on loopback ports. Users are
//! created through the store (10 streams per user is the limit), one API token each.
//! `BENCH_STREAMS` and `BENCH_WRITES` change the counts; PostgreSQL runs when TEST_POSTGRES_URL
//! is set (a database `om_bench_live_<pid>` is created and dropped); with `BENCH_RESULTS=FILE`
//! the figures are appended to FILE as JSON lines for the report.
//!
//! `cargo bench -p vpn-console-server --bench live --profile server-release`

#[path = "common/postgres.rs"]
mod postgres;
#[path = "common/results.rs"]
mod results;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use vpn_console_server::live::MAX_STREAMS_PER_USER;
use vpn_console_server::store::{hash_password, Role, Store};

const BIN: &str = env!("CARGO_BIN_EXE_vpn-console-server");
/// Every run stops by itself after this long, finished or not.
const TIME_LIMIT: Duration = Duration::from_secs(240);
const WRITE_EVERY: Duration = Duration::from_millis(250);

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(database_url: &str, console: &std::path::Path) -> anyhow::Result<Server> {
        let mut child = Command::new(BIN)
            .args(["--listen", "127.0.0.1:0", "--demo", "--console-dir"])
            .arg(console)
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().context("stdout")?).lines();
        let url = loop {
            let line = lines.next().context("the server exited")??;
            if let Some(rest) = line.split("console at ").nth(1) {
                break rest.trim().to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Ok(Server { child, url })
    }

    fn rss_kb(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    }
}

struct Figures {
    /// From the change's start (the message's `at`, before its commit): an upper bound.
    latencies_ms: Vec<f64>,
    /// From the writer's answer (after the commit): a lower bound, 0 when the message came first.
    after_ack_ms: Vec<f64>,
    due: usize,
    streams: usize,
    rss_per_stream_kb: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let streams: usize = env_number("BENCH_STREAMS", 2000)?;
    let writes: usize = env_number("BENCH_WRITES", 40)?;
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir()?;
    let console = dir.path().join("console");
    std::fs::create_dir_all(&console)?;
    std::fs::write(
        console.join("index.html"),
        "<!DOCTYPE html><title>console</title>",
    )?;

    let url = format!("sqlite://{}/live.db", dir.path().display());
    let sqlite = tokio::time::timeout(TIME_LIMIT, measure(&url, &console, 1, streams, writes))
        .await
        .context("the SQLite run took too long")??;
    report("SQLite, one server", &sqlite)?;

    let postgres = postgres::on_postgres("live", |url| async move {
        tokio::time::timeout(TIME_LIMIT, measure(&url, &console, 3, streams, writes))
            .await
            .context("the PostgreSQL run took too long")?
    });
    if let Some(figures) = postgres.await? {
        report("PostgreSQL, three replicas", &figures)?;
    }
    Ok(())
}

fn env_number(name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Ok(n) => n
            .parse()
            .with_context(|| format!("{name} must be a number")),
        Err(_) => Ok(default),
    }
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
        * 1000.0
}

async fn measure(
    database_url: &str,
    console: &std::path::Path,
    replicas: usize,
    streams: usize,
    writes: usize,
) -> anyhow::Result<Figures> {
    // The first loads the demo data; the others find it there.
    let mut servers = vec![Server::start(database_url, console)?];
    for _ in 1..replicas {
        servers.push(Server::start(database_url, console)?);
    }
    let store = Store::connect(database_url).await?;
    let users = streams.div_ceil(MAX_STREAMS_PER_USER);
    let hash = hash_password("bench-password-not-used")?;
    let mut tokens = Vec::new();
    for i in 0..users {
        let email = format!("live-bench-{i}@acme.example");
        store
            .create_user("acme", &email, &hash, Role::Viewer)
            .await?;
        tokens.push(store.create_api_token(&email, "bench", Utc::now()).await?);
    }
    let writer = store
        .create_api_token("alice@acme.example", "bench-writer", Utc::now())
        .await?;
    store.close().await;

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    // Warm: each server has read a session and answered once.
    for s in &servers {
        client
            .get(format!("{}/api/v1/regions", s.url))
            .bearer_auth(&writer)
            .send()
            .await?
            .error_for_status()?;
    }
    let rss_before: u64 = servers.iter().map(Server::rss_kb).sum();
    // (event version, arrival, delay after the change's start) per message and stream.
    let arrivals = Arc::new(Mutex::new(Vec::<(i64, f64, f64)>::with_capacity(
        streams * writes,
    )));
    let mut acks = std::collections::HashMap::new();
    let ready = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..streams {
        let url = format!("{}/api/v1/stream", servers[i % servers.len()].url);
        let token = tokens[i / MAX_STREAMS_PER_USER].clone();
        let client = client.clone();
        let arrivals = arrivals.clone();
        let ready = ready.clone();
        tasks.push(tokio::spawn(async move {
            follow(client, url, token, ready, arrivals).await
        }));
        if i % 100 == 99 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while ready.load(Ordering::Relaxed) < streams {
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {} of {streams} streams opened",
            ready.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_after: u64 = servers.iter().map(Server::rss_kb).sum();

    let through = &servers[0].url;
    let list: Value = client
        .get(format!(
            "{through}/api/v1/regions/cn-hangzhou/vpn-gateways?page_size=100"
        ))
        .bearer_auth(&writer)
        .send()
        .await?
        .json()
        .await?;
    let event = list["items"]
        .as_array()
        .context("items")?
        .iter()
        .find(|g| g["om_events"]["current"]["status"] == "pending")
        .context("a pending event")?["om_events"]["current"]["id"]
        .as_str()
        .context("id")?
        .to_owned();
    let detail: Value = client
        .get(format!("{through}/api/v1/om-events/{event}"))
        .bearer_auth(&writer)
        .send()
        .await?
        .json()
        .await?;
    let default: DateTime<Utc> = detail["event"]["default_execute_at"]
        .as_str()
        .context("default_execute_at")?
        .parse()?;
    let mut version = detail["event"]["version"].as_i64().context("version")?;
    for w in 0..writes {
        let at = default - chrono::Duration::minutes(1 + (w % 2) as i64);
        let res = client
            .post(format!("{through}/api/v1/om-events/{event}/execution"))
            .bearer_auth(&writer)
            .header("If-Match", format!("\"{version}\""))
            .json(&json!({"mode": "at", "execute_at": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)}))
            .send()
            .await?
            .error_for_status()?;
        version = res.json::<Value>().await?["version"]
            .as_i64()
            .context("version")?;
        acks.insert(version, now_ms());
        tokio::time::sleep(WRITE_EVERY).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for t in &tasks {
        t.abort();
    }
    drop(servers);
    let arrivals = std::mem::take(&mut *arrivals.lock().unwrap());
    Ok(Figures {
        after_ack_ms: arrivals
            .iter()
            .filter_map(|(v, arrived, _)| Some((arrived - acks.get(v)?).max(0.0)))
            .collect(),
        latencies_ms: arrivals.into_iter().map(|(_, _, l)| l).collect(),
        due: streams * writes,
        streams,
        rss_per_stream_kb: (rss_after.saturating_sub(rss_before)) as f64 / streams as f64,
    })
}

/// Reads one stream until aborted, recording each message's delay after its change.
async fn follow(
    client: reqwest::Client,
    url: String,
    token: String,
    ready: Arc<AtomicUsize>,
    arrivals: Arc<Mutex<Vec<(i64, f64, f64)>>>,
) -> anyhow::Result<()> {
    let mut res = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?;
    let mut buffer = String::new();
    let mut counted = false;
    while let Some(chunk) = res.chunk().await? {
        let arrived = now_ms();
        buffer.push_str(std::str::from_utf8(&chunk)?);
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if !counted {
                counted = true;
                ready.fetch_add(1, Ordering::Relaxed);
            }
            if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) {
                let change: Value = serde_json::from_str(data)?;
                let at: DateTime<Utc> = change["at"].as_str().context("at")?.parse()?;
                let version = change["event"]["version"].as_i64().context("version")?;
                let delay = arrived - at.timestamp_millis() as f64;
                arrivals.lock().unwrap().push((version, arrived, delay));
            }
        }
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(label: &str, f: &Figures) -> anyhow::Result<()> {
    let mut sorted = f.latencies_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let (p50, p99) = (percentile(&sorted, 50.0), percentile(&sorted, 99.0));
    let max = sorted.last().copied().unwrap_or(f64::NAN);
    let mut acked = f.after_ack_ms.clone();
    acked.sort_by(f64::total_cmp);
    let (ack50, ack99) = (percentile(&acked, 50.0), percentile(&acked, 99.0));
    println!(
        "{label}: {} streams, {} of {} messages arrived; change to arrival p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms; after the writer's answer p50 {ack50:.1} ms, p99 {ack99:.1} ms; {:.1} KB per open stream",
        f.streams,
        sorted.len(),
        f.due,
        f.rss_per_stream_kb
    );
    let rows = [
        json!({"figure": format!("live updates, {label}: change to arrival at {} streams, p50", f.streams),
            "value": format!("{p50:.1} ms"), "baseline": "—", "ratio": "—", "goal": "report", "met": "—"}),
        json!({"figure": format!("live updates, {label}: change to arrival at {} streams, p99", f.streams),
            "value": format!("{p99:.1} ms"), "baseline": "—", "ratio": "—", "goal": "under 100 ms",
            "met": if p99 < 100.0 { "yes" } else { "no" }}),
        json!({"figure": format!("live updates, {label}: writer's answer to arrival, p50 / p99"),
            "value": format!("{ack50:.1} ms / {ack99:.1} ms"), "baseline": "—", "ratio": "—", "goal": "report", "met": "—"}),
        json!({"figure": format!("live updates, {label}: messages arrived"),
            "value": format!("{} of {}", sorted.len(), f.due), "baseline": "—", "ratio": "—", "goal": "all",
            "met": if sorted.len() == f.due { "yes" } else { "no" }}),
        json!({"figure": format!("live updates, {label}: server memory per open stream"),
            "value": format!("{:.1} KB", f.rss_per_stream_kb), "baseline": "—", "ratio": "—", "goal": "report", "met": "—"}),
    ];
    results::record(rows)?;
    Ok(())
}
