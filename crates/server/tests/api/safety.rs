//! Operating it safely (DESIGN.md section 17, issue 25): no panic reaches a client as a reset,
//! bounded freeze periods, and what follows from them.

use crate::support::{Backend, TestApp};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(
    a_freeze_at_the_limits_of_time_crashes_nothing,
    freeze_periods_are_bounded,
    a_panicking_handler_answers_500_and_the_server_goes_on,
    a_refused_webhook_url_names_no_address,
    viewers_see_webhook_targets_masked_and_no_receiver_answer,
    test_pings_are_limited_and_never_retried,
    deliveries_are_kept_30_days,
);

/// The id of a pending event of alice's account.
async fn a_pending_event(app: &TestApp, client: &reqwest::Client) -> String {
    let list: Value = client
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?page_size=100"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["om_events"]["current"]["status"] == "pending")
        .map(|i| i["om_events"]["current"]["id"].as_str().unwrap().to_owned())
        .expect("a pending event")
}

/// Issue 25, finding 1, as reproduced: the freeze was accepted (chrono's lenient parser) and
/// every later detail of the account reset the connection (a panic in the planning rules).
async fn a_freeze_at_the_limits_of_time_crashes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let id = a_pending_event(&app, &alice).await;
    let res = alice
        .post(app.url("/freeze-periods"))
        .json(&json!({"starts_at": "-262143-01-01T00:00:00Z", "ends_at": "-262143-01-02T00:00:00Z", "reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = alice
        .get(app.url(&format!("/om-events/{id}")))
        .send()
        .await
        .expect("an answer, not a reset connection");
    assert_eq!(res.status(), StatusCode::OK);

    // Such a freeze stored before the bounds existed: the rules saturate instead of panicking.
    for (fid, from, until) in [
        (
            "frz-min",
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MIN_UTC + chrono::Duration::days(1),
        ),
        (
            "frz-max",
            DateTime::<Utc>::MAX_UTC - chrono::Duration::days(1),
            DateTime::<Utc>::MAX_UTC,
        ),
    ] {
        sqlx::query(
            "INSERT INTO freeze_periods (id, account_id, starts_at, ends_at, reason, created_at) \
             VALUES ($1, 'acme', $2, $3, 'old', 0)",
        )
        .bind(fid)
        .bind(from.timestamp_millis())
        .bind(until.timestamp_millis())
        .execute(app.store.reader())
        .await
        .unwrap();
    }
    let res = alice
        .get(app.url(&format!("/om-events/{id}")))
        .send()
        .await
        .expect("an answer, not a reset connection");
    assert_eq!(res.status(), StatusCode::OK);
    let (_, etag) = app.event_of_id(&alice, &id).await;
    let res = alice
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", etag)
        .json(&json!({"mode": "now"}))
        .send()
        .await
        .expect("an answer, not a reset connection");
    assert_eq!(res.status(), StatusCode::OK);
    app.stop().await;
}

async fn freeze_periods_are_bounded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let post = |from: String, until: String| {
        let req = alice
            .post(app.url("/freeze-periods"))
            .json(&json!({"starts_at": from, "ends_at": until, "reason": "change freeze"}));
        async move {
            let res = req.send().await.unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    for (from, until, field) in [
        ("1999-12-31T00:00:00Z", "2000-01-02T00:00:00Z", "starts_at"),
        ("2100-12-30T00:00:00Z", "2101-01-02T00:00:00Z", "ends_at"),
        ("2030-01-01T00:00:00Z", "2031-01-02T00:00:01Z", "ends_at"),
    ] {
        let (status, body) = post(from.into(), until.into()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{from} {until}: {body}"
        );
        assert_eq!(body["code"], "invalid_freeze_period", "{body}");
        assert_eq!(body["field"], field, "{body}");
    }
    for lenient in [
        "2030-01-01t00:00:00Z",
        "2030-01-01 00:00:00Z",
        "2030-01-01T00:00:00z",
    ] {
        let (status, body) = post(lenient.into(), "2030-01-02T00:00:00Z".into()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{lenient}: {body}");
    }
    let first: DateTime<Utc> = "2040-01-01T00:00:00Z".parse().unwrap();
    let text = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for day in 0..100 {
        let from = first + chrono::Duration::days(day);
        let until = from + chrono::Duration::hours(1);
        let (status, body) = post(text(from), text(until)).await;
        assert_eq!(status, StatusCode::CREATED, "{day}: {body}");
    }
    let (status, body) = post("2050-01-01T00:00:00Z".into(), "2050-01-02T00:00:00Z".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "too_many_freeze_periods", "{body}");
    app.stop().await;
}

/// DESIGN.md 17: a handler that panics answers 500 with the error shape, and the server keeps
/// serving. A clock at chrono's last instant makes the log-in's expiry overflow: a panic in a
/// real handler.
async fn a_panicking_handler_answers_500_and_the_server_goes_on(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let now = app.now();
    app.clock.set(DateTime::<Utc>::MAX_UTC);
    let res = reqwest::Client::new()
        .post(app.url("/session"))
        .json(&json!({"email": "alice@acme.example", "password": crate::support::PASSWORD}))
        .send()
        .await
        .expect("an answer, not a reset connection");
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "internal", "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    app.clock.set(now);
    let res = alice.get(app.url("/regions")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.stop().await;
}

/// Issue 25, findings 2 and 9: the refusal said "resolves to 127.0.0.1", a map of internal DNS
/// for any operator; the IPv6 transition ranges were let through.
async fn a_refused_webhook_url_names_no_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    for url in [
        "https://localhost/",
        "https://[::ffff:10.0.0.7]/",
        "https://[2002:a00:7::1]/",
        "https://[2001:0:a00:7::1]/",
        "https://[64:ff9b:1::a00:7]/",
    ] {
        let res = alice
            .post(app.url("/webhooks"))
            .json(&json!({"url": url}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "webhook_url_not_allowed", "{url}: {body}");
        let message = body["message"].as_str().unwrap();
        for address in ["127.0.0.1", "::1", "10.0.0.7", "a00:7"] {
            assert!(!message.contains(address), "{url}: {message}");
        }
    }
    app.stop().await;
}

/// Issue 25, finding 3: a viewer read the credential inside a chat service's URL, and every
/// role read up to 1 KB of what the receiver answered.
async fn viewers_see_webhook_targets_masked_and_no_receiver_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let victor = app.login("victor@acme.example").await;
    let url = "https://hooks.slack.com/services/T0/B0/SECRETTOKEN?x=1";
    let res = alice
        .post(app.url("/webhooks"))
        .json(&json!({"url": url}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = |client: &reqwest::Client| {
        let req = client.get(app.url("/webhooks"));
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(listed(&alice).await[0]["url"], url);
    let seen = listed(&victor).await;
    assert_eq!(seen[0]["url"], "https://hooks.slack.com/…", "{seen}");
    assert!(!seen.to_string().contains("SECRETTOKEN"), "{seen}");

    let res = alice
        .post(app.url(&format!("/webhooks/{id}/test")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    for client in [&alice, &victor] {
        let deliveries: Value = client
            .get(app.url(&format!("/webhooks/{id}/deliveries")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let item = &deliveries["items"][0];
        assert_eq!(item["type"], "ping", "{deliveries}");
        assert!(item.get("last_response").is_none(), "{item}");
    }
    app.stop().await;
}

/// Issue 25, finding 5: `POST /webhooks/{id}/test` had no limit and each ping was retried 7
/// times.
async fn test_pings_are_limited_and_never_retried(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    // Straight into the store: the API refuses a loopback target. Port 9 (discard) is closed,
    // so every attempt fails at once.
    let hook = app
        .store
        .create_webhook("acme", "http://127.0.0.1:9/hook", "", None, app.now())
        .await
        .unwrap_or_else(|_| panic!("the webhook is stored"));
    let id = hook.webhook.id;
    let ping = || {
        let req = alice.post(app.url(&format!("/webhooks/{id}/test")));
        async move { req.send().await.unwrap() }
    };
    for i in 0..10 {
        assert_eq!(ping().await.status(), StatusCode::ACCEPTED, "ping {i}");
        app.clock.advance(chrono::Duration::seconds(1));
    }
    let res = ping().await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // The first ping leaves the minute 50 s from now.
    assert!((49..=51).contains(&wait), "Retry-After: {wait}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "too_many_requests", "{body}");
    // Another endpoint has its own count.
    let other = app
        .store
        .create_webhook("acme", "http://127.0.0.1:9/other", "", None, app.now())
        .await
        .unwrap_or_else(|_| panic!("the webhook is stored"));
    let res = alice
        .post(app.url(&format!("/webhooks/{}/test", other.webhook.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    app.clock.advance(chrono::Duration::seconds(wait));
    assert_eq!(ping().await.status(), StatusCode::ACCEPTED);

    // One attempt each, then failed: no retry is scheduled.
    let dispatcher = vpn_console_server::notify::Dispatcher::new(
        app.store.clone(),
        std::sync::Arc::new(app.clock.clone()),
        1.0,
        "test".into(),
        true,
        "http://127.0.0.1".into(),
    );
    while dispatcher.deliver_once().await.unwrap() > 0 {}
    let deliveries: Value = alice
        .get(app.url(&format!("/webhooks/{id}/deliveries")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(deliveries["total"], 11, "{deliveries}");
    for d in deliveries["items"].as_array().unwrap() {
        assert_eq!(d["status"], "failed", "{d}");
        assert_eq!(d["attempts"], 1, "{d}");
        assert!(d["next_attempt_at"].is_null(), "{d}");
    }
    app.stop().await;
}

/// Issue 25, finding 5: delivery rows were never pruned. The scheduler's hourly prune (the
/// first pass of a scheduler prunes at once) forgets those older than 30 days.
async fn deliveries_are_kept_30_days(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let hook = app
        .store
        .create_webhook("acme", "http://127.0.0.1:9/hook", "", None, app.now())
        .await
        .unwrap_or_else(|_| panic!("the webhook is stored"));
    let id = hook.webhook.id;
    for _ in 0..3 {
        let res = alice
            .post(app.url(&format!("/webhooks/{id}/test")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED);
    }
    let dispatcher = vpn_console_server::notify::Dispatcher::new(
        app.store.clone(),
        std::sync::Arc::new(app.clock.clone()),
        1.0,
        "test".into(),
        true,
        "http://127.0.0.1".into(),
    );
    while dispatcher.deliver_once().await.unwrap() > 0 {}
    // Two of the three were made 31 days ago, and one 29 days ago (each with its attempt).
    let day = chrono::Duration::days(1).num_milliseconds();
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id")
            .bind(&id)
            .fetch_all(app.store.reader())
            .await
            .unwrap();
    for (delivery, age_days) in ids.iter().zip([31, 31, 29]) {
        sqlx::query("UPDATE webhook_deliveries SET created_at = created_at - $1 WHERE id = $2")
            .bind(age_days * day)
            .bind(delivery)
            .execute(app.store.reader())
            .await
            .unwrap();
        sqlx::query("UPDATE webhook_attempts SET at = at - $1 WHERE delivery_id = $2")
            .bind(age_days * day)
            .bind(delivery)
            .execute(app.store.reader())
            .await
            .unwrap();
    }
    let scheduler = tokio::spawn(app.scheduler("pruner").run());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while count(&app, "webhook_deliveries").await > 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "deliveries older than 30 days are still there"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    scheduler.abort();
    assert_eq!(count(&app, "webhook_attempts").await, 1);
    let kept: String = sqlx::query_scalar("SELECT id FROM webhook_deliveries")
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    assert_eq!(kept, ids[2]);
    app.stop().await;
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(app.store.reader())
        .await
        .unwrap()
}
