//! Issue 14, "suspected" list: one event whose step fails must not stop the scheduler from
//! starting and finishing every other event. The real scheduler against the real database,
//! with a controlled clock, on SQLite and on PostgreSQL. And a pass that runs longer than a
//! lease keeps its leases: no other replica takes over (logs `resumed`) an event whose owner
//! is alive.

#[allow(dead_code)]
mod support;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{Backend, TestApp};
use vpn_console_server::scheduler::MAX_TRIES;

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Sqlite).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Postgres).await; })*
        }
    };
}

both_backends!(a_poison_event_does_not_stop_the_others);

/// On PostgreSQL only: a row lock held from outside makes one step of the pass wait while the
/// others go on. SQLite has one writer, so the lease renewal would wait behind the same lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_longer_than_a_lease_keeps_its_leases() {
    leases_renewed_through_a_long_pass(Backend::Postgres).await;
}

/// From the store: the API's detail of the poisoned event cannot show its impact.
async fn status(app: &TestApp, _client: &reqwest::Client, id: &str) -> String {
    let event = app
        .store
        .event("acme", &id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    event.status.as_str().to_owned()
}

async fn execute_now(app: &TestApp, client: &reqwest::Client, id: &str) {
    let (_, etag) = app.event_of_id(client, id).await;
    let res = client
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", &etag)
        .json(&json!({"mode": "now"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "execute now {id}");
}

async fn a_poison_event_does_not_stop_the_others(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // A token: the clock moves on by more than a session lasts.
    let token = app
        .store
        .create_api_token("alice@acme.example", "t", app.now())
        .await
        .unwrap();
    let mut auth = reqwest::header::HeaderMap::new();
    auth.insert("authorization", format!("Bearer {token}").parse().unwrap());
    let alice = reqwest::Client::builder()
        .default_headers(auth)
        .build()
        .unwrap();
    let list: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?page_size=100"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pending: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| &g["om_events"]["current"])
        .filter(|c| c["status"] == "pending")
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(pending.len() >= 3, "{pending:?}");
    let (poison, healthy, later) = (&pending[0], &pending[1], &pending[2]);

    execute_now(&app, &alice, poison).await;
    execute_now(&app, &alice, healthy).await;
    let scheduler = app.scheduler("a");
    scheduler.run_once().await.unwrap();
    assert_eq!(status(&app, &alice, poison).await, "executing");
    assert_eq!(status(&app, &alice, healthy).await, "executing");

    // The poison: a snapshot that cannot be read, so finishing the event fails every time.
    let mut tx = app.store.begin().await.unwrap();
    sqlx::query("UPDATE om_events SET execution_snapshot = 'not a snapshot' WHERE id = $1")
        .bind(poison.as_str())
        .execute(&mut *tx)
        .await
        .unwrap();
    app.store.commit(tx).await.unwrap();
    execute_now(&app, &alice, later).await;

    // Finishing runs before starting in a pass: the poison must stop neither.
    app.clock.advance(Duration::seconds(601));
    let pass = scheduler.run_once().await.expect("the pass goes on");
    assert!(pass.completed >= 1 && pass.started >= 1, "{pass:?}");
    assert_eq!(status(&app, &alice, healthy).await, "completed");
    assert_eq!(status(&app, &alice, later).await, "executing");
    assert_eq!(
        status(&app, &alice, poison).await,
        "executing",
        "kept for a retry"
    );

    // Retried with growing waits, then marked failed where everyone sees it.
    let mut passes = 0;
    while status(&app, &alice, poison).await == "executing" {
        passes += 1;
        assert!(
            passes <= MAX_TRIES + 2,
            "still executing after {passes} passes"
        );
        app.clock.advance(Duration::seconds(61));
        scheduler.run_once().await.expect("the pass goes on");
    }
    assert_eq!(status(&app, &alice, poison).await, "failed");
    app.clock.advance(Duration::seconds(601));
    scheduler.run_once().await.unwrap();
    assert_eq!(status(&app, &alice, later).await, "completed");
    let log = app.log_of(&alice, poison).await;
    let last = log.as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "failed", "{log}");
    assert_eq!(last["from"], "executing");
    app.stop().await;
}

async fn leases_renewed_through_a_long_pass(backend: Backend) {
    use sqlx::{Connection, Row};
    use vpn_console_server::store::events::LEASE_S;

    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let list: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?page_size=100"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pending: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| &g["om_events"]["current"])
        .filter(|c| c["status"] == "pending")
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let (running, stuck) = (&pending[0], &pending[1]);
    execute_now(&app, &alice, running).await;
    let a = app.scheduler("a");
    a.run_once().await.unwrap();
    assert_eq!(status(&app, &alice, running).await, "executing");

    // The next pass of "a" waits on `stuck`, whose row another transaction holds.
    execute_now(&app, &alice, stuck).await;
    let mut holder = sqlx::AnyConnection::connect(&app.db_url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
    sqlx::query("SELECT id FROM om_events WHERE id = $1 FOR UPDATE")
        .bind(stuck.as_str())
        .execute(&mut holder)
        .await
        .unwrap();
    let long_pass = tokio::spawn({
        let a = a.clone();
        async move { a.run_once().await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!long_pass.is_finished(), "the pass waits on the held row");
    // Meanwhile `running` has run its time, and the lease taken when it started has lapsed
    // many times over; the pass's heartbeat (every LEASE_S / 5) renews it from the new clock.
    app.clock.advance(Duration::seconds(601));
    tokio::time::sleep(std::time::Duration::from_millis(
        (LEASE_S * 1000 / 5 + 1500) as u64,
    ))
    .await;
    let lease: i64 = sqlx::query("SELECT lease_until FROM om_events WHERE id = $1")
        .bind(running.as_str())
        .fetch_one(app.store.reader())
        .await
        .unwrap()
        .get("lease_until");
    assert!(
        lease > app.now().timestamp_millis(),
        "the lease of a live owner lapsed during its pass"
    );
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    long_pass.await.unwrap().unwrap();

    // Another replica now: the owner is alive, its leases current, so neither event is taken
    // over, also not the one the slow pass started late. (The demo's running event, whose
    // owner is not running, may be.)
    app.scheduler("b").run_once().await.unwrap();
    for id in [running, stuck] {
        assert_eq!(status(&app, &alice, id).await, "executing", "{id}");
    }
    // And the owner finishes both on its next pass.
    a.run_once().await.unwrap();
    for id in [running, stuck] {
        assert_eq!(status(&app, &alice, id).await, "completed", "{id}");
        let log = app.log_of(&alice, id).await;
        let actions = support::actions(&log);
        assert!(!actions.contains(&"resumed"), "{id}: {actions:?}");
    }
    app.stop().await;
}
