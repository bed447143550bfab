//! Another process writing into the same SQLite file (an operator command) holds the write lock
//! for a second: the server's writes wait their turn within the busy timeout instead of failing
//! at once with "database is locked" (SQLite codes 5 and 517).

#[allow(dead_code)] // each test file uses a part of the support
mod support;

use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::{Connection, Executor, SqliteConnection};
use support::{Backend, TestApp};

/// Opens a second connection to the server's file, as another process would, takes the write
/// lock and writes, so that a transaction which read before this commit cannot write after it.
async fn hold_write_lock(app: &TestApp) -> SqliteConnection {
    let path = app.db_url.strip_prefix("sqlite://").unwrap();
    let mut other = SqliteConnection::connect(&format!("sqlite:{path}"))
        .await
        .unwrap();
    other.execute("PRAGMA busy_timeout=10000").await.unwrap();
    other.execute("BEGIN IMMEDIATE").await.unwrap();
    other
        .execute("UPDATE regions SET name = name || ''")
        .await
        .unwrap();
    other
}

async fn release(mut other: SqliteConnection) {
    other.execute("COMMIT").await.unwrap();
    other.close().await.unwrap();
}

const HOLD: StdDuration = StdDuration::from_millis(1000);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_wait_for_another_process_holding_the_write_lock() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let alice = app.login("alice@acme.example").await;
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap().to_owned();
    let url = app.url(&format!("/om-events/{id}/execution"));
    let earlier = app.now() + Duration::hours(1);

    // A reschedule while the other process holds the lock.
    let other = hold_write_lock(&app).await;
    let began = Instant::now();
    let request = tokio::spawn({
        let alice = alice.clone();
        let url = url.clone();
        async move {
            let res = alice
                .post(&url)
                .header("If-Match", &etag)
                .json(&json!({"mode": "at", "execute_at": earlier}))
                .send()
                .await
                .unwrap();
            (res.status(), res.text().await.unwrap(), began.elapsed())
        }
    });
    tokio::time::sleep(HOLD).await;
    release(other).await;
    let (status, body, took) = request.await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    // It did meet the lock: it answered only after the other process let go.
    assert!(
        took >= HOLD / 2,
        "answered in {took:?}, before the lock was released"
    );
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["execute_at"], json!(earlier));

    // The scheduler's start of the now due event waits the same way.
    let res = alice
        .post(&url)
        .header("If-Match", format!("\"{}\"", event["version"]))
        .json(&json!({"mode": "now"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let other = hold_write_lock(&app).await;
    let scheduler = app.scheduler("test");
    let pass = tokio::spawn(async move { scheduler.run_once().await });
    tokio::time::sleep(HOLD).await;
    release(other).await;
    let pass = pass
        .await
        .unwrap()
        .expect("the pass waits instead of failing");
    assert_eq!(pass.started, 1);
    let (detail, _) = app.event_of_id(&alice, &id).await;
    assert_eq!(detail["event"]["status"], "executing");
    app.stop().await;
}
