//! The account audit log (DESIGN.md 17, issue 25 finding 4): who changed the window, the
//! webhooks, the freezes, the calendar feed, who logged in, and whether through a session, a
//! token or an operator command.

use crate::operator::operator;
use crate::support::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(the_account_audit_log_records_who_did_what_and_how);

async fn audit_log(app: &TestApp, client: &reqwest::Client, query: &str) -> (StatusCode, Value) {
    let res = client
        .get(app.url(&format!("/audit-log{query}")))
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

async fn the_account_audit_log_records_who_did_what_and_how(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let wrong = reqwest::Client::new()
        .post(app.url("/session"))
        .json(&json!({"email": "alice@acme.example", "password": "guess"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let out = operator(
        &app,
        &[
            "create-token",
            "--email",
            "alice@acme.example",
            "--name",
            "ci",
        ],
    );
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let by_token = reqwest::Client::new();

    // Through the token: a webhook, tested and deleted.
    let res = by_token
        .post(app.url("/webhooks"))
        .bearer_auth(&token)
        .json(&json!({"url": "https://hooks.slack.com/services/T0/B0/SECRETTOKEN"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let webhook = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (method, path) in [
        (reqwest::Method::POST, format!("/webhooks/{webhook}/test")),
        (reqwest::Method::DELETE, format!("/webhooks/{webhook}")),
    ] {
        let res = by_token
            .request(method, app.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
    }
    // Through the session: the window, a freeze, the calendar feed.
    let window = json!({"time_zone": "Asia/Shanghai", "days": ["mon"], "start": "01:00", "duration_minutes": 240});
    assert_eq!(
        alice
            .put(app.url("/maintenance-window"))
            .json(&window)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let freeze = alice
        .post(app.url("/freeze-periods"))
        .json(&json!({"starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-02T00:00:00Z", "reason": "year end"}))
        .send()
        .await
        .unwrap();
    assert_eq!(freeze.status(), 201);
    let freeze = freeze.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (method, path) in [
        (reqwest::Method::DELETE, format!("/freeze-periods/{freeze}")),
        (reqwest::Method::DELETE, "/maintenance-window".to_owned()),
        (reqwest::Method::POST, "/calendar-feed".to_owned()),
        (reqwest::Method::DELETE, "/calendar-feed".to_owned()),
        (reqwest::Method::DELETE, "/session".to_owned()),
    ] {
        let res = alice.request(method, app.url(&path)).send().await.unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
    }
    // An operator command: victor is disabled (with his token) and enabled again.
    let out = operator(
        &app,
        &[
            "create-token",
            "--email",
            "victor@acme.example",
            "--name",
            "v",
        ],
    );
    assert!(out.status.success());
    for command in ["disable-user", "enable-user"] {
        let out = operator(&app, &[command, "--email", "victor@acme.example"]);
        assert!(out.status.success());
    }

    let alice = app.login("alice@acme.example").await;
    let (status, log) = audit_log(&app, &alice, "?days=30&page_size=100").await;
    assert_eq!(status, 200, "{log}");
    let items = log["items"].as_array().unwrap();
    assert_eq!(log["total"], items.len(), "{log}");
    let seen: Vec<(&str, &str, &str)> = items
        .iter()
        .rev()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["actor"].as_str().unwrap(),
                e["via"].as_str().unwrap(),
            )
        })
        .collect();
    let alice_via = |action, via| (action, "alice@acme.example", via);
    let expected_in_order = [
        alice_via("session.created", "session"),
        alice_via("session.refused", "session"),
        alice_via("webhook.created", "token:ci"),
        alice_via("webhook.tested", "token:ci"),
        alice_via("webhook.deleted", "token:ci"),
        alice_via("maintenance_window.updated", "session"),
        alice_via("freeze_period.created", "session"),
        alice_via("freeze_period.deleted", "session"),
        alice_via("maintenance_window.deleted", "session"),
        alice_via("calendar_feed.created", "session"),
        alice_via("calendar_feed.deleted", "session"),
        alice_via("session.deleted", "session"),
        alice_via("session.created", "session"),
    ];
    let mine: Vec<_> = seen
        .iter()
        .copied()
        .filter(|(_, _, via)| *via != "cli")
        .collect();
    assert_eq!(mine, expected_in_order, "{log}");
    let cli: Vec<&str> = seen
        .iter()
        .filter(|(_, _, via)| *via == "cli")
        .map(|(action, _, _)| *action)
        .collect();
    assert_eq!(
        cli,
        [
            "token.created",
            "token.created",
            "user.disabled",
            "token.revoked",
            "user.enabled"
        ],
        "{log}"
    );
    // Newest first, by time (as times: `…:01Z` sorts after `…:01.500Z` as text).
    let at =
        |v: &Value| -> chrono::DateTime<chrono::Utc> { v["at"].as_str().unwrap().parse().unwrap() };
    assert!(items.windows(2).all(|w| at(&w[0]) >= at(&w[1])), "{log}");
    // The webhook's secret path is not written into the log.
    assert!(!log.to_string().contains("SECRETTOKEN"), "{log}");
    for field in ["at", "actor", "via", "action", "target", "detail"] {
        assert!(
            items[0].get(field).is_some(),
            "{field} missing: {}",
            items[0]
        );
    }

    // Paged like the lists.
    let (_, page) = audit_log(&app, &alice, "?page=2&page_size=3").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    assert_eq!(page["items"][0], items[3]);
    assert_eq!(page["total"], log["total"]);
    for days in ["0", "91", "-1"] {
        let (status, body) = audit_log(&app, &alice, &format!("?days={days}")).await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST,
            "days={days}: {status}"
        );
        if days != "-1" {
            assert_eq!(body["code"], "invalid_days", "{body}");
        }
    }
    // Operators only; each account sees its own.
    let victor = app.login("victor@acme.example").await;
    assert_eq!(audit_log(&app, &victor, "").await.0, StatusCode::FORBIDDEN);
    let gina = app.login("gina@globex.example").await;
    let (_, theirs) = audit_log(&app, &gina, "").await;
    assert!(!theirs.to_string().contains("acme.example"), "{theirs}");
    assert_eq!(theirs["items"][0]["action"], "session.created", "{theirs}");
    app.stop().await;
}
