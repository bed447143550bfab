//! Webhooks (DESIGN.md 9.1) on both engines: the endpoints' rules against the in-process
//! server, and deliveries against real server processes sending to real receivers on
//! 127.0.0.1 (`--webhook-allow-private`): the Standard Webhooks signature checked by the
//! independent `standardwebhooks` crate, retries, 410, a SIGKILL, reminders, three replicas.

// support/ keeps its PostgreSQL helper private; the process helpers need it too.
#[allow(clippy::duplicate_mod)]
#[path = "support/pg.rs"]
mod pg;
#[allow(dead_code)]
#[path = "support/process.rs"]
mod process;
#[allow(dead_code)]
mod support;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use process::{eventually, Database, Engine, Receiver, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{Backend, TestApp};

macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Engine::Sqlite).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Engine::Postgres).await; })*
        }
    };
}

both_engines!(
    endpoints_follow_their_rules,
    deliveries_are_signed_and_stay_in_their_account,
    a_receiver_down_for_the_whole_schedule_fails_then_a_manual_retry_delivers,
    a_receiver_answering_410_disables_the_endpoint,
    a_kill_9_between_the_change_and_the_delivery_loses_nothing,
    reminders_go_out_once_and_a_reschedule_rearms_them,
    a_hanging_endpoint_delays_no_other_endpoint,
);

const WAIT: Duration = Duration::from_secs(30);

async fn create_webhook(
    client: &reqwest::Client,
    api: &str,
    url: &str,
    types: Option<&[&str]>,
) -> Value {
    let mut body = json!({"url": url, "description": "ops chat"});
    if let Some(types) = types {
        body["event_types"] = json!(types);
    }
    let res = client
        .post(format!("{api}/webhooks"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    res.json().await.unwrap()
}

/// The current event of an Acme or Globex gateway, and its ETag.
async fn event_of(
    client: &reqwest::Client,
    api: &str,
    region: &str,
    gateway: &str,
) -> (Value, String) {
    let list: Value = client
        .get(format!("{api}/regions/{region}/vpn-gateways?q={gateway}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list["items"][0]["om_events"]["current"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{gateway} has no current event: {list}"))
        .to_owned();
    let res = client
        .get(format!("{api}/om-events/{id}"))
        .send()
        .await
        .unwrap();
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    (res.json().await.unwrap(), etag)
}

async fn reschedule(
    client: &reqwest::Client,
    api: &str,
    gateway: &str,
    at: DateTime<Utc>,
) -> Value {
    let (detail, etag) = event_of(client, api, "cn-hangzhou", gateway).await;
    let id = detail["event"]["id"].as_str().unwrap();
    let res = client
        .post(format!("{api}/om-events/{id}/execution"))
        .header("If-Match", etag)
        .json(&json!({"mode": "at", "execute_at": at}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    res.json().await.unwrap()
}

async fn deliveries(client: &reqwest::Client, api: &str, webhook: &str) -> Value {
    let res = client
        .get(format!("{api}/webhooks/{webhook}/deliveries"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// Waits until the endpoint's newest delivery has this status, and returns it.
async fn delivery_reaches(
    client: &reqwest::Client,
    api: &str,
    webhook: &str,
    status: &str,
) -> Value {
    eventually(WAIT, &format!("a {status} delivery"), || async {
        let list = deliveries(client, api, webhook).await;
        let first = list["items"][0].clone();
        (first["status"] == status).then_some(first)
    })
    .await
}

fn verify(secret: &str, r: &process::Received) {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(r.body.as_bytes(), &r.headers)
        .unwrap_or_else(|e| panic!("signature does not verify: {e:?}"));
}

async fn endpoints_follow_their_rules(engine: Engine) {
    let backend = match engine {
        Engine::Sqlite => Backend::Sqlite,
        Engine::Postgres => Backend::Postgres,
    };
    // The in-process server runs without --webhook-allow-private: the safe default.
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let victor = app.login("victor@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let api = app.base.clone();

    // Refused URLs: not https, or a host that is or resolves to an internal address.
    for url in [
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://10.0.0.8/x",
        "https://169.254.169.254/latest/meta-data",
        "https://100.100.100.200/",
        "https://[::1]/x",
        "https://[fe80::1]/x",
        "https://0.0.0.0/x",
        "https://localhost/x",
        "ftp://hooks.example.com/",
        "not a url",
    ] {
        let res = alice
            .post(app.url("/webhooks"))
            .json(&json!({"url": url}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "webhook_url_not_allowed", "{url}");
    }
    // A viewer reads but does not write.
    let res = victor
        .post(app.url("/webhooks"))
        .json(&json!({"url": "https://hooks.example.com/a"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Unknown or empty event types.
    for types in [json!(["om_event.exploded"]), json!([])] {
        let res = alice
            .post(app.url("/webhooks"))
            .json(&json!({"url": "https://hooks.example.com/a", "event_types": types}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            res.json::<Value>().await.unwrap()["code"],
            "invalid_event_types"
        );
    }

    let created = create_webhook(
        &alice,
        &api,
        "https://hooks.example.com/a",
        Some(&["om_event.started", "ping"]),
    )
    .await;
    let secret = created["secret"].as_str().unwrap();
    let raw = secret.strip_prefix("whsec_").expect("whsec_ prefix");
    use base64::Engine as _;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(raw)
            .unwrap()
            .len(),
        32
    );
    assert_eq!(created["event_types"], json!(["om_event.started", "ping"]));
    assert_eq!(created["enabled"], true);
    let id = created["id"].as_str().unwrap().to_owned();

    // Listed to every role of the account, never with the secret; not to another account.
    for client in [&alice, &victor] {
        let list: Value = client
            .get(app.url("/webhooks"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["id"], id.as_str());
        assert!(list[0].get("secret").is_none());
        assert!(!list.to_string().contains(raw));
        for key in ["url", "description", "event_types", "enabled", "created_at"] {
            assert!(list[0].get(key).is_some(), "{key}");
        }
    }
    let list: Value = gina
        .get(app.url("/webhooks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!([]));
    for (method, path) in [
        ("GET", format!("/webhooks/{id}/deliveries")),
        ("POST", format!("/webhooks/{id}/test")),
        ("DELETE", format!("/webhooks/{id}")),
        ("POST", format!("/webhooks/{id}/deliveries/msg_x/retry")),
    ] {
        let res = gina
            .request(method.parse().unwrap(), app.url(&path))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    // Viewers cannot test, retry or delete.
    for (method, path) in [
        ("POST", format!("/webhooks/{id}/test")),
        ("DELETE", format!("/webhooks/{id}")),
        ("POST", format!("/webhooks/{id}/deliveries/msg_x/retry")),
    ] {
        let res = victor
            .request(method.parse().unwrap(), app.url(&path))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }

    // A test ping is queued in the outbox (this server runs no dispatcher) and listed.
    let res = alice
        .post(app.url(&format!("/webhooks/{id}/test")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let log = deliveries(&alice, &api, &id).await;
    assert_eq!(log["total"], 1);
    assert_eq!(log["items"][0]["type"], "ping");
    assert_eq!(log["items"][0]["status"], "pending");
    assert_eq!(log["items"][0]["attempts"], 0);
    // Only a failed delivery can be retried.
    let delivery = log["items"][0]["id"].as_str().unwrap();
    let res = alice
        .post(app.url(&format!("/webhooks/{id}/deliveries/{delivery}/retry")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // A change of an event writes a delivery only to endpoints that want its type.
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let event_id = detail["event"]["id"].as_str().unwrap();
    let res = alice
        .post(app.url(&format!("/om-events/{event_id}/execution")))
        .header("If-Match", etag)
        .json(&json!({"mode": "at", "execute_at": app.now() + chrono::Duration::hours(1)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        deliveries(&alice, &api, &id).await["total"],
        1,
        "rescheduled is not among its types"
    );

    // At most 10 endpoints per account.
    for i in 1..10 {
        create_webhook(
            &alice,
            &api,
            &format!("https://hooks.example.com/{i}"),
            None,
        )
        .await;
    }
    let res = alice
        .post(app.url("/webhooks"))
        .json(&json!({"url": "https://hooks.example.com/11"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "too_many_webhooks"
    );
    // Another account has its own ten.
    create_webhook(&gina, &api, "https://hooks.example.com/globex", None).await;

    let res = alice
        .delete(app.url(&format!("/webhooks/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = alice
        .get(app.url(&format!("/webhooks/{id}/deliveries")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = alice
        .delete(app.url(&format!("/webhooks/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Every path is in the OpenAPI document.
    let doc: Value = reqwest::get(app.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/webhooks",
        "/api/v1/webhooks/{id}",
        "/api/v1/webhooks/{id}/test",
        "/api/v1/webhooks/{id}/deliveries",
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
        "/api/v1/calendar-feed",
        "/api/v1/calendar/{token}.ics",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} is not in the OpenAPI document"
        );
    }
    app.stop().await;
}

async fn deliveries_are_signed_and_stay_in_their_account(engine: Engine) {
    let db = Database::fresh(engine).await;
    let server = Server::start(&db.url, 1.0, "wh");
    let api = server.api("");
    let alice = server.login("alice@acme.example").await;
    let gina = server.login("gina@globex.example").await;
    let acme_receiver = Receiver::start().await;
    let globex_receiver = Receiver::start().await;
    let acme = create_webhook(&alice, &api, &acme_receiver.url, None).await;
    let globex = create_webhook(&gina, &api, &globex_receiver.url, None).await;
    let secret = acme["secret"].as_str().unwrap();

    let at = Utc::now() + chrono::Duration::hours(1);
    let event = reschedule(&alice, &api, "hq-dual-tunnel", at).await;
    let got = acme_receiver
        .wait_for(WAIT, "the rescheduled delivery", |r| !r.is_empty())
        .await;
    let r = &got[0];
    verify(secret, r);
    assert_eq!(r.headers["content-type"], "application/json");
    let sent_at: i64 = r.headers["webhook-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((Utc::now().timestamp() - sent_at).abs() < 60);
    // A signature made with another secret does not verify.
    let other = standardwebhooks::Webhook::new(globex["secret"].as_str().unwrap()).unwrap();
    assert!(other.verify(r.body.as_bytes(), &r.headers).is_err());

    let body = r.json();
    assert_eq!(body["type"], "om_event.rescheduled");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    let data = &body["data"];
    assert_eq!(data["event"]["id"], event["id"]);
    assert_eq!(data["event"]["version"], event["version"]);
    assert_eq!(data["event"]["execute_at"], event["execute_at"]);
    assert_eq!(data["log_entry"]["action"], "rescheduled");
    assert_eq!(data["log_entry"]["actor"], "alice@acme.example");
    assert!(data["summary"]["max_interruption_s"].is_u64());
    assert!(data["summary"]["tunnels"].is_u64());
    let console = data["console_url"].as_str().unwrap();
    assert!(
        console.starts_with(&server.url) && console.contains(event["id"].as_str().unwrap()),
        "{console}"
    );
    assert!(data.get("reminder").is_none());

    // The delivery log shows it delivered, without the receiver's answer (DESIGN.md 17).
    let acme_id = acme["id"].as_str().unwrap();
    let d = delivery_reaches(&alice, &api, acme_id, "delivered").await;
    assert_eq!(d["id"], r.id().as_str());
    assert_eq!(d["type"], "om_event.rescheduled");
    assert_eq!(d["om_event_id"], event["id"]);
    assert_eq!(d["attempts"], 1);
    assert_eq!(d["last_status_code"], 200);
    assert!(d["last_error"].is_null());
    assert!(d["delivered_at"].is_string());
    assert!(d.get("last_response").is_none(), "{d}");

    // A test ping: no event, no log entry.
    let res = alice
        .post(format!("{api}/webhooks/{acme_id}/test"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let got = acme_receiver
        .wait_for(WAIT, "the ping", |r| r.len() >= 2)
        .await;
    let ping = &got[1];
    verify(secret, ping);
    let body = ping.json();
    assert_eq!(body["type"], "ping");
    assert!(body["data"].get("log_entry").is_none() && body["data"].get("reminder").is_none());
    assert_ne!(ping.id(), r.id());

    // Globex's receiver heard nothing of Acme's changes; a Globex change reaches only it.
    assert!(globex_receiver.received().is_empty());
    let history: Value = gina
        .get(format!("{api}/regions/cn-hangzhou/om-events?days=30"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pending = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "pending")
        .expect("Globex has a pending event")
        .clone();
    let id = pending["id"].as_str().unwrap();
    let res = gina
        .post(format!("{api}/om-events/{id}/execution"))
        .header("If-Match", format!("\"{}\"", pending["version"]))
        .json(&json!({"mode": "at", "execute_at": Utc::now() + chrono::Duration::minutes(30)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let got = globex_receiver
        .wait_for(WAIT, "Globex's delivery", |r| !r.is_empty())
        .await;
    assert_eq!(got[0].json()["data"]["event"]["id"], id);
    verify(globex["secret"].as_str().unwrap(), &got[0]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        acme_receiver.received().len(),
        2,
        "Acme's receiver got only Acme's deliveries"
    );
    drop(server);
    db.drop().await;
}

async fn a_receiver_down_for_the_whole_schedule_fails_then_a_manual_retry_delivers(engine: Engine) {
    let db = Database::fresh(engine).await;
    // The schedule (5 s … 2 h, 3 h 42 min in all) takes about 1.3 s at this scale.
    let server = Server::start(&db.url, 10_000.0, "wh");
    let api = server.api("");
    let alice = server.login("alice@acme.example").await;
    let (url, port) = Receiver::down();
    // A change, not a test ping: pings are tried once (DESIGN.md 17).
    let hook = create_webhook(&alice, &api, &url, Some(&["om_event.rescheduled"])).await;
    let id = hook["id"].as_str().unwrap();
    let at = Utc::now() + chrono::Duration::hours(1);
    reschedule(&alice, &api, "hq-dual-tunnel", at).await;

    let failed = delivery_reaches(&alice, &api, id, "failed").await;
    assert_eq!(
        failed["attempts"], 8,
        "the first attempt and seven retries: {failed}"
    );
    assert!(failed["last_status_code"].is_null());
    assert!(
        failed["last_error"].as_str().unwrap().contains("connect"),
        "{failed}"
    );
    assert!(failed["next_attempt_at"].is_null());

    // The receiver comes up; a manual retry delivers, with the same webhook-id.
    let receiver = Receiver::start_on(port).await;
    let delivery = failed["id"].as_str().unwrap();
    let res = alice
        .post(format!("{api}/webhooks/{id}/deliveries/{delivery}/retry"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let got = receiver
        .wait_for(WAIT, "the retried delivery", |r| !r.is_empty())
        .await;
    assert_eq!(got[0].id(), delivery);
    verify(hook["secret"].as_str().unwrap(), &got[0]);
    let delivered = delivery_reaches(&alice, &api, id, "delivered").await;
    assert_eq!(delivered["attempts"], 9);
    assert_eq!(delivered["last_status_code"], 200);
    // Retrying a delivered one is refused.
    let res = alice
        .post(format!("{api}/webhooks/{id}/deliveries/{delivery}/retry"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    drop(server);
    db.drop().await;
}

async fn a_receiver_answering_410_disables_the_endpoint(engine: Engine) {
    let db = Database::fresh(engine).await;
    let server = Server::start(&db.url, 10_000.0, "wh");
    let api = server.api("");
    let alice = server.login("alice@acme.example").await;
    let receiver = Receiver::start().await;
    receiver.answer(410);
    let hook = create_webhook(&alice, &api, &receiver.url, None).await;
    let id = hook["id"].as_str().unwrap();
    reschedule(
        &alice,
        &api,
        "hq-dual-tunnel",
        Utc::now() + chrono::Duration::hours(2),
    )
    .await;

    let failed = delivery_reaches(&alice, &api, id, "failed").await;
    assert_eq!(failed["attempts"], 1, "410 is not retried");
    assert_eq!(failed["last_status_code"], 410);
    let list: Value = alice
        .get(format!("{api}/webhooks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["enabled"], false);

    // A disabled endpoint gets no deliveries.
    reschedule(
        &alice,
        &api,
        "hq-dual-tunnel",
        Utc::now() + chrono::Duration::minutes(90),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(deliveries(&alice, &api, id).await["total"], 1);
    assert_eq!(receiver.received().len(), 1);

    // A test ping that succeeds enables it again.
    receiver.answer(204);
    let res = alice
        .post(format!("{api}/webhooks/{id}/test"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    delivery_reaches(&alice, &api, id, "delivered").await;
    let list: Value = alice
        .get(format!("{api}/webhooks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["enabled"], true);
    drop(server);
    db.drop().await;
}

async fn a_kill_9_between_the_change_and_the_delivery_loses_nothing(engine: Engine) {
    let db = Database::fresh(engine).await;
    // Retries after 5 ms, 30 ms, 120 ms, 600 ms, 1.8 s, 3.6 s, 7.2 s.
    let mut server = Server::start(&db.url, 1000.0, "wh");
    let api = server.api("");
    let alice = server.login("alice@acme.example").await;
    let (url, port) = Receiver::down();
    let hook = create_webhook(&alice, &api, &url, Some(&["om_event.rescheduled"])).await;
    let id = hook["id"].as_str().unwrap().to_owned();
    reschedule(
        &alice,
        &api,
        "hq-dual-tunnel",
        Utc::now() + chrono::Duration::hours(3),
    )
    .await;
    let pending = deliveries(&alice, &api, &id).await["items"][0].clone();
    assert_eq!(pending["status"], "pending");
    server.kill9();

    let receiver = Receiver::start_on(port).await;
    let server = Server::start(&db.url, 1000.0, "wh-restarted");
    let got = receiver
        .wait_for(WAIT, "the delivery after the restart", |r| !r.is_empty())
        .await;
    assert_eq!(got[0].id(), pending["id"].as_str().unwrap());
    assert_eq!(got[0].json()["type"], "om_event.rescheduled");
    verify(hook["secret"].as_str().unwrap(), &got[0]);
    let alice = server.login("alice@acme.example").await;
    let d = delivery_reaches(&alice, &server.api(""), &id, "delivered").await;
    assert_eq!(d["id"], pending["id"]);
    drop(server);
    db.drop().await;
}

async fn reminders_go_out_once_and_a_reschedule_rearms_them(engine: Engine) {
    let db = Database::fresh(engine).await;
    // 24 h ahead is 24 s ahead at this scale, 1 h ahead is 1 s.
    let server = Server::start(&db.url, 3600.0, "wh");
    let api = server.api("");
    let alice = server.login("alice@acme.example").await;
    let receiver = Receiver::start().await;
    let hook = create_webhook(&alice, &api, &receiver.url, Some(&["om_event.reminder"])).await;
    let t0 = Utc::now();
    // 24 h reminder at t0 + 6 s, 1 h reminder at t0 + 29 s.
    let event = reschedule(
        &alice,
        &api,
        "hq-dual-tunnel",
        t0 + chrono::Duration::seconds(30),
    )
    .await;
    let event_id = event["id"].as_str().unwrap().to_owned();
    let mine = |r: &process::Received| r.json()["data"]["event"]["id"] == event_id.as_str();
    let got = receiver
        .wait_for(WAIT, "the 24 h reminder", |r| r.iter().any(mine))
        .await;
    let first: Vec<_> = got.iter().filter(|r| mine(r)).collect();
    assert_eq!(first.len(), 1);
    let body = first[0].json();
    assert_eq!(body["type"], "om_event.reminder");
    assert_eq!(body["data"]["reminder"], "24h");
    assert!(body["data"].get("log_entry").is_none());
    assert!(body["data"]["summary"].is_object());
    verify(hook["secret"].as_str().unwrap(), first[0]);

    // Moved to t0 + 20 s: the 24 h reminder's new moment (t0 - 4 s) has passed, so it is not
    // sent again; the 1 h reminder is re-armed for t0 + 19 s.
    let moved = reschedule(
        &alice,
        &api,
        "hq-dual-tunnel",
        t0 + chrono::Duration::seconds(20),
    )
    .await;
    let got = receiver
        .wait_for(WAIT, "the 1 h reminder", |r| {
            r.iter().filter(|r| mine(r)).count() >= 2
        })
        .await;
    let ours: Vec<Value> = got.iter().filter(|r| mine(r)).map(|r| r.json()).collect();
    assert_eq!(ours[1]["data"]["reminder"], "1h");
    assert_eq!(ours[1]["data"]["event"]["execute_at"], moved["execute_at"]);
    let arrived = Utc::now();
    assert!(
        arrived >= t0 + chrono::Duration::seconds(18),
        "the 1 h reminder came at its re-armed time, not before"
    );

    // Past the old 1 h moment (t0 + 29 s) and the execution: nothing more for this event.
    tokio::time::sleep(
        Duration::from_secs(11).saturating_sub((Utc::now() - arrived).to_std().unwrap_or_default()),
    )
    .await;
    let ours = receiver.received().iter().filter(|r| mine(r)).count();
    assert_eq!(ours, 2, "each reminder went out once");
    drop(server);
    db.drop().await;
}

/// Three replicas over one PostgreSQL database send every delivery, each with one
/// `webhook-id`, and each attempt once: every delivery arrives exactly once in this run.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_deliver_every_change_once() {
    let db = Database::fresh(Engine::Postgres).await;
    // Events run 1 s at this scale; retries would come after 8 ms.
    let replicas: Vec<Server> = (0..3)
        .map(|i| Server::start(&db.url, 600.0, &format!("r{i}")))
        .collect();
    let clients =
        futures_util::future::join_all(replicas.iter().map(|r| r.login("alice@acme.example")))
            .await;
    let receiver = Receiver::start().await;
    // The steps every execution has; what follows them (a verdict, a hold of an event whose
    // site's other path runs at the same time: DESIGN.md 12–13) depends on the demo's sites.
    let steps = [
        "om_event.execute_now",
        "om_event.started",
        "om_event.completed",
    ];
    let hook = create_webhook(
        &clients[0],
        &replicas[0].api(""),
        &receiver.url,
        Some(&steps),
    )
    .await;
    let hook_id = hook["id"].as_str().unwrap();

    // Execute Now every pending event of Acme through the replicas in turn: each makes an
    // execute_now, a started and a completed delivery, written by different replicas.
    let regions: Value = clients[0]
        .get(replicas[0].api("/regions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut executed = Vec::new();
    for region in regions.as_array().unwrap() {
        let region = region["id"].as_str().unwrap();
        let history: Value = clients[0]
            .get(replicas[0].api(&format!("/regions/{region}/om-events?days=30")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for e in history["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["status"] == "pending")
            .take(10)
        {
            let i = executed.len() % 3;
            let id = e["id"].as_str().unwrap();
            let res = clients[i]
                .post(replicas[i].api(&format!("/om-events/{id}/execution")))
                .header("If-Match", format!("\"{}\"", e["version"]))
                .json(&json!({"mode": "now"}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            executed.push(id.to_owned());
        }
    }
    assert!(executed.len() >= 3, "the demo data has pending events");
    let expected = executed.len() * 3;
    let got = receiver
        .wait_for(Duration::from_secs(60), "every delivery", |r| {
            r.len() >= expected
        })
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = receiver.received().len().max(got.len());
    let all = receiver.received();
    assert_eq!(got, expected, "no delivery arrived twice");
    let ids: HashSet<String> = all.iter().map(|r| r.id()).collect();
    assert_eq!(ids.len(), expected, "one webhook-id per delivery");
    let mut per_event: HashMap<String, Vec<String>> = HashMap::new();
    for r in &all {
        verify(hook["secret"].as_str().unwrap(), r);
        let body = r.json();
        per_event
            .entry(body["data"]["event"]["id"].as_str().unwrap().to_owned())
            .or_default()
            .push(body["type"].as_str().unwrap().to_owned());
    }
    for id in &executed {
        let mut types = per_event.remove(id).unwrap_or_default();
        types.sort();
        assert_eq!(
            types,
            [
                "om_event.completed",
                "om_event.execute_now",
                "om_event.started"
            ],
            "{id}"
        );
    }
    let log = deliveries(&clients[1], &replicas[1].api(""), hook_id).await;
    assert_eq!(log["total"], expected as u64);
    assert!(log["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["status"] == "delivered" && d["attempts"] == 1));
    drop(replicas);
    db.drop().await;
}

/// An endpoint that accepts the connection, reads the request and never answers: what the
/// soak of issue 25 ran beside the healthy ones. It notes each request's `webhook-id` and when
/// it came, and holds the socket until the sender gives up.
struct Hanging {
    url: String,
    arrived: Arc<Mutex<Vec<(String, Instant)>>>,
}

impl Hanging {
    async fn start() -> Hanging {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let arrived: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
        let noted = arrived.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let noted = noted.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    let mut seen = false;
                    // Read until the sender closes; the request is noted once its head is in.
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
                            noted.lock().unwrap().push((id, Instant::now()));
                            seen = true;
                        }
                    }
                });
            }
        });
        Hanging { url, arrived }
    }

    fn arrived(&self) -> Vec<(String, Instant)> {
        self.arrived.lock().unwrap().clone()
    }
}

/// Issue 25 ("Seen in a 10-minute soak") and DESIGN.md 17: one account's endpoint that
/// accepts the connection and never answers delays neither that account's other endpoint nor
/// another account's by more than 5 s, nothing is received twice, and the hanging endpoint's
/// sends are recorded as failed attempts after the 10 s timeout rather than sent again while
/// they are in flight.
async fn a_hanging_endpoint_delays_no_other_endpoint(engine: Engine) {
    let db = Database::fresh(engine).await;
    // Real time: the first retry comes 5 s after a failed attempt.
    let server = Server::start(&db.url, 1.0, "wh");
    let api = server.api("");
    let alice = server.login("alice@acme.example").await;
    let gina = server.login("gina@globex.example").await;
    let hanging = Hanging::start().await;
    let acme_receiver = Receiver::start().await;
    let globex_receiver = Receiver::start().await;
    // The hanging endpoint first: each Acme change writes its delivery before the healthy one's.
    let hung = create_webhook(&alice, &api, &hanging.url, None).await;
    let hung_id = hung["id"].as_str().unwrap().to_owned();
    create_webhook(&alice, &api, &acme_receiver.url, None).await;
    create_webhook(&gina, &api, &globex_receiver.url, None).await;

    let (acme_event, _) = event_of(&alice, &api, "cn-hangzhou", "hq-dual-tunnel").await;
    let history: Value = gina
        .get(format!("{api}/regions/cn-hangzhou/om-events?days=30"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let globex_event = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "pending")
        .expect("Globex has a pending event")
        .clone();
    let mut targets = [
        (
            &alice,
            acme_event["event"]["id"].as_str().unwrap().to_owned(),
            acme_event["event"]["version"].as_u64().unwrap(),
            HashMap::new(),
        ),
        (
            &gina,
            globex_event["id"].as_str().unwrap().to_owned(),
            globex_event["version"].as_u64().unwrap(),
            HashMap::new(),
        ),
    ];

    // 20 s of changes, one of each account every 250 ms: each change's version and when its
    // request was sent (lateness is counted from there, so it is never understated).
    const CHANGES: usize = 80;
    for i in 0..CHANGES {
        for (client, id, version, sent) in targets.iter_mut() {
            let minutes = if i % 2 == 0 { 60 } else { 120 };
            let at = Utc::now() + chrono::Duration::minutes(minutes);
            let started = Instant::now();
            let res = client
                .post(format!("{api}/om-events/{id}/execution"))
                .header("If-Match", format!("\"{version}\""))
                .json(&json!({"mode": "at", "execute_at": at}))
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                StatusCode::OK,
                "{}",
                res.text().await.unwrap()
            );
            let event: Value = res.json().await.unwrap();
            *version = event["version"].as_u64().unwrap();
            sent.insert(*version, started);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Every change reaches both healthy receivers, once, within 5 s.
    let healthy = [
        (&targets[0].3, &acme_receiver, "Acme's healthy endpoint"),
        (&targets[1].3, &globex_receiver, "Globex's endpoint"),
    ];
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline
        && healthy
            .iter()
            .any(|(_, receiver, _)| receiver.received().len() < CHANGES)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Time for a duplicate to show.
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Every finding is collected first, so that a failure shows the whole picture.
    let mut wrong = Vec::new();
    for (sent, receiver, name) in healthy {
        let got = receiver.received();
        assert!(!got.is_empty(), "{name}: nothing arrived");
        let ids: HashSet<String> = got.iter().map(|r| r.id()).collect();
        let mut late: Vec<Duration> = got
            .iter()
            .map(|r| {
                let version = r.json()["data"]["event"]["version"].as_u64().unwrap();
                let sent = sent
                    .get(&version)
                    .unwrap_or_else(|| panic!("{name}: a delivery of no change: {version}"));
                r.at.saturating_duration_since(*sent)
            })
            .collect();
        late.sort();
        let p = |q: f64| late[((late.len() - 1) as f64 * q).round() as usize];
        println!(
            "{name}: {} received, {} distinct of {CHANGES} changes; late p50 {:?}, p99 {:?}, max {:?}",
            got.len(),
            ids.len(),
            p(0.5),
            p(0.99),
            late.last().unwrap()
        );
        if ids.len() != CHANGES {
            wrong.push(format!(
                "{name}: {} of {CHANGES} changes arrived",
                ids.len()
            ));
        }
        if got.len() != ids.len() {
            wrong.push(format!(
                "{name}: {} arrived more than once",
                got.len() - ids.len()
            ));
        }
        if *late.last().unwrap() > Duration::from_secs(5) {
            wrong.push(format!(
                "{name}: a change arrived {:?} late",
                late.last().unwrap()
            ));
        }
    }

    // The hanging endpoint: no request is sent again before the one in flight has timed out
    // (10 s) and its retry is due (5 s later); what was sent is what the log records.
    let before = hanging.arrived();
    assert!(!before.is_empty(), "the hanging endpoint was tried");
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT id, attempts FROM webhook_deliveries WHERE webhook_id = $1")
            .bind(&hung_id)
            .fetch_all(&pool)
            .await
            .unwrap();
    let errors: Vec<(String,)> = sqlx::query_as(
        "SELECT a.error FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id \
         WHERE d.webhook_id = $1",
    )
    .bind(&hung_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    let after = hanging.arrived();
    let mut arrivals: HashMap<&str, Vec<Instant>> = HashMap::new();
    for (id, at) in &before {
        arrivals.entry(id.as_str()).or_default().push(*at);
    }
    let recorded: i64 = rows.iter().map(|(_, n)| n).sum();
    println!(
        "hanging endpoint: {} requests received, {} distinct deliveries, {recorded} attempts recorded",
        after.len(),
        arrivals.len()
    );
    for (id, times) in &arrivals {
        for pair in times.windows(2) {
            let gap = pair[1] - pair[0];
            if gap < Duration::from_secs(14) {
                wrong.push(format!(
                    "{id} was sent again {gap:?} after its previous send, while that was in flight"
                ));
            }
        }
    }
    if errors.is_empty() {
        wrong.push("no attempt of the hanging endpoint was recorded".into());
    }
    for (error,) in &errors {
        if !error.contains("timed out") {
            wrong.push(format!("an attempt of the hanging endpoint: {error}"));
        }
    }
    for (id, attempts) in &rows {
        let sent_before = arrivals.get(id.as_str()).map_or(0, Vec::len) as i64;
        let sent_after = after.iter().filter(|(a, _)| a == id).count() as i64;
        // At most one send of each delivery is in flight (unrecorded); none is recorded that
        // was not sent.
        if !(sent_before <= attempts + 1 && *attempts <= sent_after) {
            wrong.push(format!(
                "{id}: {sent_before}..{sent_after} sent, {attempts} recorded"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    drop(server);
    db.drop().await;
}
