//! Issue 14, item 3: where a rule was meant to answer, the server answered 500, because the
//! rules and the database disagreed about an instant. Through the API of the real server, with
//! a controlled clock, on SQLite and on PostgreSQL.

#[allow(dead_code)]
mod support;

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{Backend, TestApp};

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

both_backends!(
    execute_now_after_the_default_time_starts_at_once,
    every_edge_of_the_window_is_decided_as_stored,
    lenient_times_are_refused,
);

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

async fn execute(
    app: &TestApp,
    client: &reqwest::Client,
    id: &str,
    etag: &str,
    body: Value,
) -> (StatusCode, Value) {
    let res = client
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap())
}

async fn execute_now_after_the_default_time_starts_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // A token, not a session: days pass on the clock.
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
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap().to_owned();
    let default = time(&detail["event"]["default_execute_at"]);
    // The default time has passed, and the scheduler has not started the event yet.
    app.clock.set(default + Duration::seconds(90));
    let (status, event) = execute(&app, &alice, &id, &etag, json!({"mode": "now"})).await;
    assert_eq!(status, StatusCode::OK, "{event}");
    assert_eq!(
        time(&event["execute_at"]),
        default,
        "never later than the default"
    );
    let (stored, _) = app.event_of_id(&alice, &id).await;
    assert_eq!(stored["event"]["execute_at"], event["execute_at"]);
    let log = app.log_of(&alice, &id).await;
    assert_eq!(
        log.as_array().unwrap().last().unwrap()["action"],
        "execute_now"
    );
    // Due at once: the next pass starts it.
    let pass = app.scheduler("t").run_once().await.unwrap();
    assert!(pass.started >= 1, "{pass:?}");
    let (started, _) = app.event_of_id(&alice, &id).await;
    assert_eq!(started["event"]["status"], "executing");
    app.stop().await;
}

async fn every_edge_of_the_window_is_decided_as_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (detail, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap().to_owned();
    let default = time(&detail["event"]["default_execute_at"]);
    assert_eq!(
        default.timestamp_subsec_nanos(),
        0,
        "the demo's default is a whole second"
    );
    let text =
        |t: DateTime<Utc>, fraction: &str| format!("{}{fraction}Z", t.format("%Y-%m-%dT%H:%M:%S"));
    let ms = Duration::milliseconds(1);
    let rows: Vec<(&str, String, StatusCode, Option<DateTime<Utc>>)> = vec![
        (
            "the default",
            text(default, ""),
            StatusCode::OK,
            Some(default),
        ),
        (
            "under a millisecond after the default",
            text(default, ".0004"),
            StatusCode::OK,
            Some(default),
        ),
        (
            "a millisecond after the default",
            text(default, ".001"),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
        (
            "under a millisecond before the default",
            text(default - Duration::seconds(1), ".9995"),
            StatusCode::OK,
            Some(default - ms),
        ),
        (
            "a leap second before the default",
            text(default - Duration::seconds(1), ".500").replace(":59.500Z", ":60.500Z"),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "the leap second itself",
            text(default - Duration::seconds(1), "").replace(":59Z", ":60Z"),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "now, to the millisecond",
            text(app.now(), ".000"),
            StatusCode::OK,
            Some(app.now()),
        ),
        (
            "a millisecond before now",
            text(app.now() - Duration::seconds(1), ".999"),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
    ];
    for (why, at, expected, stored) in rows {
        let (_, etag) = app.event_of_id(&alice, &id).await;
        let (status, body) = execute(
            &app,
            &alice,
            &id,
            &etag,
            json!({"mode": "at", "execute_at": at}),
        )
        .await;
        assert_eq!(status, expected, "{why}: {at} → {body}");
        if let Some(stored) = stored {
            assert_eq!(time(&body["execute_at"]), stored, "{why}: the answer");
            let (read, _) = app.event_of_id(&alice, &id).await;
            assert_eq!(
                time(&read["event"]["execute_at"]),
                stored,
                "{why}: as stored"
            );
        } else {
            assert!(
                body["code"].is_string() && body["code"] != "internal",
                "{why}: {body}"
            );
        }
    }
    app.stop().await;
}

async fn lenient_times_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap().to_owned();
    let default = detail["event"]["default_execute_at"]
        .as_str()
        .unwrap()
        .to_owned();
    for (why, at) in [
        ("lower-case t", default.replace('T', "t")),
        ("lower-case z", default.replace('Z', "z")),
        ("a space for T", default.replace('T', " ")),
        ("no offset", default.trim_end_matches('Z').to_owned()),
    ] {
        let (status, body) = execute(
            &app,
            &alice,
            &id,
            &etag,
            json!({"mode": "at", "execute_at": at}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {at} → {body}");
        assert_eq!(body["code"], "invalid_body", "{why}");
    }
    // Nothing changed.
    let (_, now_etag) = app.event_of_id(&alice, &id).await;
    assert_eq!(now_etag, etag);
    app.stop().await;
}
