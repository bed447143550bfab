//! Several real server processes over one PostgreSQL database behave as one server: every event
//! executes exactly once, also when a replica is killed with SIGKILL mid-execution; racing
//! reschedules have one winner; and on SQLite an acknowledged change survives a SIGKILL.
//! Prints the figures it measures.

#[path = "support/pg.rs"]
mod pg;
#[allow(dead_code)]
#[path = "support/process.rs"]
mod process;

use std::process::Command;
use std::time::{Duration, Instant};

use process::{console_dir, Database, Engine, Server, BIN};
use serde_json::{json, Value};
use sqlx::Row;
use vpn_console_server::store::Store;

const ALICE: &str = "alice@acme.example";

/// Every pending event of Acme's regions, with its ETag.
async fn pending_events(client: &reqwest::Client, url: &str) -> Vec<(String, String)> {
    let regions: Value = client
        .get(format!("{url}/api/v1/regions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut events = Vec::new();
    for r in regions.as_array().unwrap() {
        let region = r["id"].as_str().unwrap();
        let history: Value = client
            .get(format!("{url}/api/v1/regions/{region}/om-events?days=30"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for e in history["items"].as_array().unwrap() {
            if e["status"] == "pending" {
                events.push((
                    e["id"].as_str().unwrap().to_owned(),
                    format!("\"{}\"", e["version"]),
                ));
            }
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_execute_every_event_exactly_once_through_a_kill() {
    sqlx::any::install_default_drivers();
    let database = Database::fresh(Engine::Postgres).await;
    let db = database.url.clone();
    // Three replicas start together, each with --demo: the demo must be loaded once.
    // 600 s of maintenance at time scale 300 is 2 s.
    let mut replicas: Vec<Server> = (0..3)
        .map(|i| Server::start(&db, 300.0, &format!("r{i}")))
        .collect();
    let store = Store::connect(&db).await.unwrap();
    // A bigger fleet, so that hundreds of events run at once.
    let generated = Command::new(BIN)
        .args([
            "generate-region",
            "--account",
            "acme",
            "--region",
            "cn-qingdao",
            "--gateways",
            "400",
        ])
        .env("DATABASE_URL", &db)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let accounts: i64 = sqlx::query("SELECT COUNT(*) AS n FROM accounts")
        .fetch_one(store.reader())
        .await
        .unwrap()
        .get("n");
    assert_eq!(accounts, 2, "demo loaded once");
    // A tunnel whose customer gateway only answers IKE (`startup_action: add`) stays down
    // after its maintenance until the customer starts it (DESIGN.md 12.1): not compared.
    let tunnels_before: Vec<(String, String, i64)> =
        sqlx::query("SELECT id, state, carries_traffic FROM tunnels WHERE cgw_startup_action = 'start' ORDER BY id")
            .fetch_all(store.reader())
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("id"), r.get("state"), r.get("carries_traffic")))
            .collect();

    // A session made on one replica works on every other: nothing is kept in a process.
    let clients = [
        replicas[0].login(ALICE).await,
        replicas[1].login(ALICE).await,
        replicas[2].login(ALICE).await,
    ];
    let events = pending_events(&clients[0], &replicas[1].url).await;
    assert!(events.len() >= 200, "{} pending events", events.len());

    let started = Instant::now();
    let mut urls: Vec<String> = replicas.iter().map(|r| r.url.clone()).collect();
    let half = events.len() / 2;
    let send = |batch: Vec<(usize, (String, String))>| {
        let clients = clients.clone();
        let urls = urls.clone();
        async move {
            let mut tasks = Vec::new();
            for (i, (id, etag)) in batch {
                let client = clients[i % 3].clone();
                let url = urls[i % 3].clone();
                tasks.push(tokio::spawn(async move {
                    match client
                        .post(format!("{url}/api/v1/om-events/{id}/execution"))
                        .header("If-Match", etag)
                        .header("Idempotency-Key", format!("now-{id}"))
                        // Executed all at once, the fleet's events overlap on shared customer
                        // gateways (DESIGN.md 10.2); this test is about exactly once, so it consents.
                        .json(&json!({"mode": "now", "allow_conflict": true}))
                        .send()
                        .await
                    {
                        Ok(res) if res.status() == 200 => None,
                        Ok(res) => Some(format!(
                            "{id}: {} {}",
                            res.status(),
                            res.text().await.unwrap_or_default()
                        )),
                        Err(e) => Some(format!("{id}: {e:?}")),
                    }
                }));
            }
            let mut refused = Vec::new();
            for t in tasks {
                refused.extend(t.await.unwrap());
            }
            refused
        }
    };
    let first: Vec<_> = events.iter().cloned().enumerate().take(half).collect();
    let refused_first = send(first).await;
    // Kill replica 1 while it executes its share, then bring it back.
    let busy_deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let running: i64 = sqlx::query("SELECT COUNT(*) AS n FROM om_events WHERE status = 'executing' AND executed_by LIKE 'r1-%'")
            .fetch_one(store.reader()).await.unwrap().get("n");
        if running > 0 {
            break;
        }
        assert!(
            Instant::now() < busy_deadline,
            "replica 1 never ran an event"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let killed_at = Instant::now();
    replicas[1].kill9();
    // Requests meant for the dead replica go to the others, as a load balancer would do.
    let rest: Vec<_> = events
        .iter()
        .cloned()
        .enumerate()
        .skip(half)
        .map(|(i, e)| (if i % 3 == 1 { i + 1 } else { i }, e))
        .collect();
    let refused_rest = send(rest).await;
    assert!(
        refused_first.is_empty() && refused_rest.is_empty(),
        "every request accepted once; refused before the kill: {refused_first:?}, after: {refused_rest:?}"
    );
    replicas[1] = Server::start(&db, 300.0, "r1");
    let restarted_at = Instant::now();
    urls[1] = replicas[1].url.clone();

    // Wait until every event completed.
    let ids: Vec<&str> = events.iter().map(|(id, _)| id.as_str()).collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    let completed_at = loop {
        let done: i64 =
            {
                let sql =
                    format!(
                "SELECT COUNT(*) AS n FROM om_events WHERE status = 'completed' AND id IN ({})",
                (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
            );
                let mut q = sqlx::query(&sql);
                for id in &ids {
                    q = q.bind(*id);
                }
                q.fetch_one(store.reader()).await.unwrap().get("n")
            };
        if done as usize == ids.len() {
            break Instant::now();
        }
        assert!(
            Instant::now() < deadline,
            "only {done} of {} events completed",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    // The audit log: exactly one started and one completed per event; resumed only after the kill.
    let mut held_events = 0;
    for id in &ids {
        let rows = sqlx::query("SELECT action FROM event_log WHERE event_id = $1 ORDER BY at, id")
            .bind(*id)
            .fetch_all(store.reader())
            .await
            .unwrap();
        let actions: Vec<String> = rows.iter().map(|r| r.get("action")).collect();
        assert_eq!(
            actions.iter().filter(|a| *a == "started").count(),
            1,
            "{id}: {actions:?}"
        );
        assert_eq!(
            actions.iter().filter(|a| *a == "completed").count(),
            1,
            "{id}: {actions:?}"
        );
        assert_eq!(
            actions.iter().filter(|a| *a == "execute_now").count(),
            1,
            "{id}: {actions:?}"
        );
        // Executed all at once, events sharing a site wait for each other (DESIGN.md 13):
        // each is held at most once here (its hold ends only when it starts), by one replica.
        let held = actions.iter().filter(|a| *a == "held").count();
        assert!(held <= 1, "{id}: {actions:?}");
        held_events += held;
    }
    assert!(
        held_events >= 1,
        "some event waited for the other path of its site"
    );
    let resumed: i64 = sqlx::query("SELECT COUNT(*) AS n FROM event_log WHERE action = 'resumed'")
        .fetch_one(store.reader())
        .await
        .unwrap()
        .get("n");
    assert!(
        resumed >= 1,
        "the killed replica's running events were resumed by another"
    );
    // Every tunnel is back as it was.
    let tunnels_after: Vec<(String, String, i64)> =
        sqlx::query("SELECT id, state, carries_traffic FROM tunnels WHERE cgw_startup_action = 'start' ORDER BY id")
            .fetch_all(store.reader())
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("id"), r.get("state"), r.get("carries_traffic")))
            .collect();
    // The demo's own running event may have finished meanwhile and restored its tunnels too.
    let changed: Vec<_> = tunnels_before
        .iter()
        .zip(&tunnels_after)
        .filter(|(a, b)| a != b)
        .collect();
    assert!(changed.len() <= 2, "tunnels not restored: {changed:?}");

    let elapsed = completed_at - started;
    println!(
        "replicas: {} events executed exactly once by 3 replicas in {:.1} s ({:.1} events/s); \
         replica killed after {:.1} s, restarted {:.1} s later; all done {:.1} s after the restart; {resumed} resumed by another replica; {held_events} held, then started once",
        ids.len(),
        elapsed.as_secs_f64(),
        ids.len() as f64 / elapsed.as_secs_f64(),
        (killed_at - started).as_secs_f64(),
        (restarted_at - killed_at).as_secs_f64(),
        (completed_at - restarted_at).as_secs_f64(),
    );

    // 50 concurrent reschedules of one event with the same version, across the replicas.
    let list: Value = clients[0]
        .get(format!(
            "{}/api/v1/regions/cn-hangzhou/vpn-gateways?q=staging-no-connections",
            urls[0]
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let gateway = list["items"][0]["id"].as_str().unwrap();
    let now = chrono::Utc::now();
    let published = vpn_console_server::operator::publish_event(
        &store,
        gateway,
        "ipsec_address_2",
        "issue_fix",
        now + chrono::Duration::days(3),
        now,
    )
    .await
    .unwrap();
    let id = published.id.to_string();
    let detail: Value = clients[0]
        .get(format!("{}/api/v1/om-events/{id}", urls[0]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let default: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(detail["event"]["default_execute_at"].clone()).unwrap();
    let etag = format!("\"{}\"", detail["event"]["version"]);
    let mut tasks = Vec::new();
    for i in 0..50 {
        let client = clients[i % 3].clone();
        let url = urls[i % 3].clone();
        let (id, etag) = (id.clone(), etag.clone());
        let at = default - chrono::Duration::minutes(i as i64 + 1);
        tasks.push(tokio::spawn(async move {
            let res = client
                .post(format!("{url}/api/v1/om-events/{id}/execution"))
                .header("If-Match", etag)
                .json(&json!({"mode": "at", "execute_at": at}))
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), at)
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    let winners: Vec<_> = outcomes.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(winners.len(), 1, "{outcomes:?}");
    assert_eq!(
        outcomes.iter().filter(|(s, _)| *s == 412).count(),
        49,
        "{outcomes:?}"
    );
    let after: Value = clients[2]
        .get(format!("{}/api/v1/om-events/{id}", urls[2]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let final_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(after["event"]["execute_at"].clone()).unwrap();
    assert_eq!(final_at, winners[0].1, "the final state is the winner's");

    drop(replicas);
    store.close().await;
    database.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_acknowledged_change_through_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/console.db", dir.path().display());
    let mut server = Server::start(&db, 1.0, "solo");
    let client = server.login(ALICE).await;
    let events = pending_events(&client, &server.url).await;
    // A stream of reschedules; remember each acknowledged one.
    let mut acknowledged: Vec<(String, chrono::DateTime<chrono::Utc>)> = Vec::new();
    let url = server.url.clone();
    let stream = {
        let client = client.clone();
        let events = events.clone();
        tokio::spawn(async move {
            let mut acked = Vec::new();
            // The reschedule under way when the server died: it may have committed unanswered.
            let mut unanswered = None;
            for round in 0..1000 {
                let (id, _) = &events[round % events.len()];
                let Ok(res) = client
                    .get(format!("{url}/api/v1/om-events/{id}"))
                    .send()
                    .await
                else {
                    break;
                };
                let Some(etag) = res
                    .headers()
                    .get("etag")
                    .map(|v| v.to_str().unwrap().to_owned())
                else {
                    break;
                };
                let Ok(detail) = res.json::<Value>().await else {
                    break;
                };
                let default: chrono::DateTime<chrono::Utc> =
                    serde_json::from_value(detail["event"]["default_execute_at"].clone()).unwrap();
                let at = default - chrono::Duration::minutes(round as i64 % 600 + 1);
                let Ok(res) = client
                    .post(format!("{url}/api/v1/om-events/{id}/execution"))
                    .header("If-Match", etag)
                    .json(&json!({"mode": "at", "execute_at": at}))
                    .send()
                    .await
                else {
                    unanswered = Some((id.clone(), at));
                    break;
                };
                if res.status() == 200 {
                    acked.push((id.clone(), at));
                }
            }
            (acked, unanswered)
        })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill9();
    let (acked, unanswered) = stream.await.unwrap();
    acknowledged.extend(acked);
    assert!(
        acknowledged.len() > 5,
        "only {} writes before the kill",
        acknowledged.len()
    );

    server = Server::start(&db, 1.0, "solo");
    let client = server.login(ALICE).await;
    // The last acknowledged time of every event is what the database holds; the one reschedule
    // the kill left unanswered may have committed or not.
    let mut last = std::collections::HashMap::new();
    for (id, at) in &acknowledged {
        last.insert(id.clone(), *at);
    }
    for (id, at) in &last {
        let detail: Value = client
            .get(format!("{}/api/v1/om-events/{id}", server.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let stored: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(detail["event"]["execute_at"].clone()).unwrap();
        let unanswered_here = unanswered
            .as_ref()
            .filter(|(unanswered_id, _)| unanswered_id == id)
            .map(|(_, at)| *at);
        assert!(
            stored == *at || Some(stored) == unanswered_here,
            "{id}: acknowledged {at}, stored {stored} (unanswered: {unanswered_here:?})"
        );
    }
    println!(
        "sqlite: {} acknowledged reschedules before SIGKILL, all present after restart",
        acknowledged.len()
    );
    drop(server);
}

/// Runs the server with a bad configuration and returns its exit status and stderr.
fn run_badly(args: &[&str], database_url: &str) -> (bool, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    )
}

#[test]
fn bad_configuration_stops_the_server_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/console.db", dir.path().display());
    let console = console_dir();
    let console = console.to_str().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    let cases: [(Vec<&str>, String, &str); 4] = [
        (
            vec!["--listen", &taken, "--console-dir", console],
            db.clone(),
            "binding",
        ),
        (
            vec![
                "--listen",
                "127.0.0.1:0",
                "--console-dir",
                "/nonexistent-console",
            ],
            db.clone(),
            "console directory",
        ),
        (
            vec!["--listen", "127.0.0.1:0", "--console-dir", console],
            "sqlite:///proc/no-such-dir/console.db".into(),
            "database",
        ),
        (
            vec!["--listen", "127.0.0.1:0", "--console-dir", console],
            "mysql://somewhere/db".into(),
            "unsupported database URL",
        ),
    ];
    for (args, url, expected) in cases {
        let (ok, stderr) = run_badly(&args, &url);
        assert!(!ok, "{args:?} {url} started");
        assert_eq!(stderr.lines().count(), 1, "one line, not a trace: {stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
