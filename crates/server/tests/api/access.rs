//! Who may see and change what: tenant isolation, roles, sessions, API tokens, login throttling,
//! CSRF and the security headers.

use crate::support;
use crate::support::{Backend, TestApp};
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(
    another_accounts_event_is_not_found,
    a_viewer_cannot_change_anything,
    authorization_matrix_has_no_leak,
    repeated_failed_logins_are_throttled,
    cookie_writes_from_another_origin_are_refused,
    security_headers_are_on_every_answer,
    api_tokens_work_until_revoked,
    log_out_ends_the_session,
);

async fn another_accounts_event_is_not_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap();
    for path in [format!("/om-events/{id}"), format!("/om-events/{id}/log")] {
        let res = gina.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let res = gina
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", &etag)
        .json(&json!({"mode":"now"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let unknown = gina
        .get(app.url("/om-events/om-doesnotexist00000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    // Globex's lists hold none of Acme's gateways.
    let list: Value = gina
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?q=hq-dual"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
    let (after, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    assert_eq!(after["event"], detail["event"]);
    app.stop().await;
}

async fn a_viewer_cannot_change_anything(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let victor = app.login("victor@acme.example").await;
    let (detail, etag) = app.event_of(&victor, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap();
    let res = victor
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", &etag)
        .json(&json!({"mode":"now"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "forbidden");
    let (after, _) = app.event_of(&victor, "hq-dual-tunnel").await;
    assert_eq!(after["event"], detail["event"]);
    app.stop().await;
}

async fn authorization_matrix_has_no_leak(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let victor = app.login("victor@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let anonymous = reqwest::Client::new();
    let (detail, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap().to_owned();
    let acme_ids: Vec<String> = {
        let page: Value = alice
            .get(app.url("/regions/cn-hangzhou/vpn-gateways?page_size=100"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let reads = [
        "/regions".to_owned(),
        "/regions/cn-hangzhou/vpn-gateways?page_size=100".to_owned(),
        "/regions/cn-hangzhou/ipsec-connections?page_size=100".to_owned(),
        format!("/om-events/{id}"),
        format!("/om-events/{id}/log"),
        "/regions/cn-hangzhou/om-events".to_owned(),
        "/regions/cn-hangzhou/alerts/trend".to_owned(),
        "/session".to_owned(),
    ];
    for path in &reads {
        let own_event = path.contains(&id);
        for (who, client, expected) in [
            ("anonymous", &anonymous, StatusCode::UNAUTHORIZED),
            ("viewer", &victor, StatusCode::OK),
            ("operator", &alice, StatusCode::OK),
            (
                "other account",
                &gina,
                if own_event {
                    StatusCode::NOT_FOUND
                } else {
                    StatusCode::OK
                },
            ),
        ] {
            let res = client.get(app.url(path)).send().await.unwrap();
            assert_eq!(res.status(), expected, "{who} GET {path}");
            if who == "other account" && expected == StatusCode::OK {
                let text = res.text().await.unwrap();
                assert!(
                    !acme_ids.iter().any(|a| text.contains(a.as_str())),
                    "{path} leaks an Acme gateway to Globex"
                );
                assert!(!text.contains(&id), "{path} leaks Acme's event to Globex");
            }
        }
    }
    let execution = format!("/om-events/{id}/execution");
    for (who, client, expected) in [
        ("anonymous", &anonymous, StatusCode::UNAUTHORIZED),
        ("viewer", &victor, StatusCode::FORBIDDEN),
        ("other account", &gina, StatusCode::NOT_FOUND),
        ("operator", &alice, StatusCode::OK),
    ] {
        let (_, etag) = app.event_of_id(&alice, &id).await;
        let default = detail["event"]["default_execute_at"].clone();
        let res = client
            .post(app.url(&execution))
            .header("If-Match", &etag)
            .json(&json!({"mode":"at","execute_at":default}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expected, "{who} POST {execution}");
    }
    let log = app.log_of(&alice, &id).await;
    assert_eq!(
        log.as_array().unwrap().len(),
        2,
        "only the operator's change was made: {log}"
    );
    app.stop().await;
}

async fn repeated_failed_logins_are_throttled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = reqwest::Client::new();
    let attempt = |password: &'static str| {
        client
            .post(app.url("/session"))
            .json(&json!({"email": "alice@acme.example", "password": password}))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(
            attempt("guess").await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = attempt("guess").await.unwrap();
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: i64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(
        locked.json::<Value>().await.unwrap()["code"],
        "too_many_attempts"
    );
    // Even the right password waits: the attacker learns nothing from a lucky guess.
    assert_eq!(
        attempt(support::PASSWORD).await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another account from the same address is not locked out by Alice's lock.
    app.login("gina@globex.example").await;
    app.clock.advance(Duration::minutes(16));
    assert_eq!(
        attempt(support::PASSWORD).await.unwrap().status(),
        StatusCode::OK
    );
    app.stop().await;
}

async fn cookie_writes_from_another_origin_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap();
    let url = app.url(&format!("/om-events/{id}/execution"));
    let body = json!({"mode":"at","execute_at": detail["event"]["default_execute_at"]});
    let res = alice
        .post(&url)
        .header("Origin", "http://evil.example")
        .header("If-Match", &etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "cross_origin");
    let res = alice
        .post(&url)
        .header("Sec-Fetch-Site", "cross-site")
        .header("If-Match", &etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (after, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    assert_eq!(
        after["event"]["version"], detail["event"]["version"],
        "nothing changed"
    );
    // The console's own page may write.
    let host = app
        .base
        .trim_start_matches("http://")
        .trim_end_matches("/api/v1")
        .to_owned();
    let res = alice
        .post(&url)
        .header("Origin", format!("http://{host}"))
        .header("Sec-Fetch-Site", "same-origin")
        .header("If-Match", &etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // A bearer token is never sent by a browser on its own: no origin check.
    let token = app
        .store
        .create_api_token("alice@acme.example", "ci", app.now())
        .await
        .unwrap();
    let (_, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let res = reqwest::Client::new()
        .post(&url)
        .bearer_auth(&token)
        .header("Origin", "http://evil.example")
        .header("If-Match", &etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // DESIGN.md 17: the change's log entry says it came through the token; a session's does not.
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let log = app.log_of(&alice, &id).await;
    let entries = log.as_array().unwrap();
    let last = entries.last().unwrap();
    assert_eq!(last["actor"], "alice@acme.example", "{log}");
    assert_eq!(last["via"], "token:ci", "{log}");
    let by_session = &entries[entries.len() - 2];
    assert_eq!(by_session["actor"], "alice@acme.example", "{log}");
    assert!(by_session.get("via").is_none(), "{log}");
    app.stop().await;
}

async fn security_headers_are_on_every_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = reqwest::Client::new();
    let console_page = app.base.trim_end_matches("/api/v1").to_owned() + "/vpn-gateways";
    for url in [app.url("/regions"), app.url("/openapi.json"), console_page] {
        let res = client.get(&url).send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
        assert!(h.contains_key("x-request-id"));
    }
    let login = client
        .post(app.url("/session"))
        .json(&json!({"email": "alice@acme.example", "password": support::PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Max-Age=", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    app.stop().await;
}

async fn api_tokens_work_until_revoked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app
        .store
        .create_api_token("victor@acme.example", "script", app.now())
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let res = client
        .get(app.url("/regions/cn-hangzhou/vpn-gateways"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        client
            .get(app.url("/regions"))
            .bearer_auth("omt_wrong")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.store
            .revoke_api_token("victor@acme.example", "script", app.now())
            .await
            .unwrap(),
        1
    );
    let res = client
        .get(app.url("/regions"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn log_out_ends_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    assert_eq!(
        alice
            .get(app.url("/regions"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let res = alice.delete(app.url("/session")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        alice
            .get(app.url("/regions"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}
