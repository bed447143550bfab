//! Issue 14, "suspected" list: idempotency keys belong to the user, not to the account. Two
//! operators of one account who send the same key are two requests. Through the API of the
//! real server, on SQLite and on PostgreSQL.

#[allow(dead_code)]
mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{Backend, TestApp, PASSWORD};
use vpn_console_domain::api::Role;
use vpn_console_server::store::hash_password;

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

both_backends!(idempotency_keys_are_per_user);

async fn idempotency_keys_are_per_user(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.store
        .create_user(
            "acme",
            "bob@acme.example",
            &hash_password(PASSWORD).unwrap(),
            Role::Operator,
        )
        .await
        .unwrap();
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap().to_owned();
    let default = detail["event"]["default_execute_at"].clone();
    let url = app.url(&format!("/om-events/{id}/execution"));
    let send = |client: &reqwest::Client, etag: &str, body: Value| {
        client
            .post(&url)
            .header("If-Match", etag)
            .header("Idempotency-Key", "nightly-window")
            .json(&body)
            .send()
    };
    let body = json!({"mode": "at", "execute_at": default});
    let first = send(&alice, &etag, body.clone()).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();

    // Alice's retry is a replay, even with the old If-Match.
    let retry = send(&alice, &etag, body.clone()).await.unwrap();
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");

    // Bob, same key and same body: his own request, checked against the event as it is now
    // (his If-Match is the old one: stale), not Alice's answer.
    let res = send(&bob, &etag, body.clone()).await.unwrap();
    assert!(res.headers().get("idempotent-replayed").is_none());
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    // With the current version it is done, as Bob's.
    let (_, current) = app.event_of_id(&bob, &id).await;
    assert_eq!(current, format!("\"{}\"", first["version"]));
    let res = send(&bob, &current, json!({"mode": "now"})).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "not idempotency_key_reused");
    assert!(res.headers().get("idempotent-replayed").is_none());
    let log = app.log_of(&alice, &id).await;
    let last = log.as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "execute_now");
    assert_eq!(last["actor"], "bob@acme.example");
    app.stop().await;
}
