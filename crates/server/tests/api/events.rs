//! One event: its preview, execution requests (If-Match, Idempotency-Key, the domain's rules),
//! bad input, history and the alert trend, and the OpenAPI document.

use crate::support::{Backend, TestApp};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(
    event_detail_previews_every_case_of_the_source,
    execution_requires_if_match_and_refuses_stale_versions,
    reschedule_rules_come_from_the_domain,
    idempotency_key_replays_the_first_answer,
    bad_input_gets_a_4xx_and_changes_nothing,
    history_and_alert_trend,
);

async fn event_detail_previews_every_case_of_the_source(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;

    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    assert_eq!(etag, format!("\"{}\"", detail["event"]["version"]));
    assert_eq!(detail["event"]["gateway_ip"]["role"], "ipsec_address_1");
    let affected = detail["affected"].as_array().unwrap();
    let effect_of = |name: &str| {
        let t = affected
            .iter()
            .find(|a| a["connection_name"] == name)
            .unwrap();
        (
            t["effect"].as_str().unwrap().to_owned(),
            t["max_interruption_s"].as_u64().unwrap(),
        )
    };
    assert_eq!(effect_of("branch-shanghai"), ("failover".into(), 60));
    assert_eq!(effect_of("branch-beijing-idle"), ("failover".into(), 0));
    assert_eq!(
        effect_of("branch-shenzhen-one-tunnel-up"),
        ("interruption".into(), 600)
    );
    assert_eq!(
        effect_of("branch-chengdu-tunnel-1-down"),
        ("none".into(), 0)
    );
    assert!(affected
        .iter()
        .all(|a| a["kind"] == "tunnel" && a["recommendation"].as_str().unwrap().len() > 20));
    assert_eq!(detail["summary"]["tunnels"], 4);
    assert_eq!(detail["summary"]["connections"], 4);
    assert_eq!(detail["summary"]["ssl_clients"], 0);
    assert_eq!(detail["summary"]["max_interruption_s"], 600);

    let (ssl, _) = app.event_of(&alice, "remote-access-ssl").await;
    assert_eq!(ssl["affected"].as_array().unwrap().len(), 1);
    assert_eq!(ssl["affected"][0]["kind"], "ssl_clients");
    assert_eq!(ssl["affected"][0]["effect"], "disconnect");
    assert_eq!(ssl["affected"][0]["count"], 25);

    let (single, _) = app.event_of(&alice, "retail-single-tunnel").await;
    assert_eq!(single["summary"]["tunnels"], 2);
    assert_eq!(single["summary"]["ssl_clients"], 8);
    assert!(single["affected"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "tunnel")
        .all(|a| a["effect"] == "interruption" && a["max_interruption_s"] == 300));

    let (empty, _) = app.event_of(&alice, "staging-no-connections").await;
    assert_eq!(empty["affected"].as_array().unwrap().len(), 0);
    assert_eq!(empty["summary"]["max_interruption_s"], 0);

    let tr = app
        .connection_event_of(&alice, "dc-transit-router-single")
        .await;
    assert_eq!(tr["event"]["resource"]["kind"], "ipsec_connection");
    assert_eq!(tr["affected"][0]["max_interruption_s"], 300);
    assert!(tr["affected"][0]["recommendation"]
        .as_str()
        .unwrap()
        .contains("transit router"));

    // Looking changed nothing.
    let (again, etag2) = app.event_of(&alice, "hq-dual-tunnel").await;
    assert_eq!(again["event"], detail["event"]);
    assert_eq!(etag2, etag);
    app.stop().await;
}

async fn execution_requires_if_match_and_refuses_stale_versions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap();
    let url = app.url(&format!("/om-events/{id}/execution"));
    let earlier = app.now() + Duration::hours(1);
    let body = json!({"mode": "at", "execute_at": earlier});

    let res = alice.post(&url).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PRECONDITION_REQUIRED);
    let res = alice
        .post(&url)
        .header("If-Match", "\"999\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);

    let res = alice
        .post(&url)
        .header("If-Match", &etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let new_etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let event: Value = res.json().await.unwrap();
    assert_eq!(event["execute_at"], json!(earlier));
    assert_eq!(
        event["version"],
        detail["event"]["version"].as_i64().unwrap() + 1
    );
    assert_ne!(new_etag, etag);

    // The old ETag is stale now.
    let res = alice
        .post(&url)
        .header("If-Match", &etag)
        .json(&json!({"mode": "now"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "stale");

    let log = app.log_of(&alice, id).await;
    let actions = crate::support::actions(&log);
    assert_eq!(actions, ["published", "rescheduled"]);
    assert_eq!(log[1]["actor"], "alice@acme.example");
    app.stop().await;
}

async fn reschedule_rules_come_from_the_domain(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap();
    let default: chrono::DateTime<Utc> =
        serde_json::from_value(detail["event"]["default_execute_at"].clone()).unwrap();
    let url = app.url(&format!("/om-events/{id}/execution"));
    let post = |body: Value| {
        alice
            .post(&url)
            .header("If-Match", &etag)
            .json(&body)
            .send()
    };

    let res = post(json!({"mode": "at", "execute_at": default + Duration::seconds(1)}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "after_default_execution_time"
    );

    let res = post(json!({"mode": "at", "execute_at": app.now() - Duration::seconds(1)}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "in_the_past");

    // Exactly the default is allowed.
    let res = post(json!({"mode": "at", "execute_at": default}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // A completed event is not pending.
    let history: Value = alice
        .get(app.url("/regions/cn-hangzhou/om-events?days=30"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let done = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "completed")
        .unwrap();
    let url = app.url(&format!(
        "/om-events/{}/execution",
        done["id"].as_str().unwrap()
    ));
    let res = alice
        .post(&url)
        .header("If-Match", format!("\"{}\"", done["version"]))
        .json(&json!({"mode": "now"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "not_pending");
    app.stop().await;
}

async fn idempotency_key_replays_the_first_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap();
    let url = app.url(&format!("/om-events/{id}/execution"));
    let body = json!({"mode": "at", "execute_at": app.now() + Duration::hours(2)});
    let send = |body: &Value| {
        alice
            .post(&url)
            .header("If-Match", &etag)
            .header("Idempotency-Key", "retry-1")
            .json(body)
            .send()
    };

    let first = send(&body).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    // The same key and body, though the If-Match is stale by now: the first answer again.
    let retry = send(&body).await.unwrap();
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(retry.json::<Value>().await.unwrap(), first);
    // The same key with another body is refused.
    let other = send(&json!({"mode": "now"})).await.unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        other.json::<Value>().await.unwrap()["code"],
        "idempotency_key_reused"
    );

    let log = app.log_of(&alice, id).await;
    assert_eq!(
        log.as_array().unwrap().len(),
        2,
        "one change, however many retries: {log}"
    );
    app.stop().await;
}

async fn bad_input_gets_a_4xx_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap();
    let url = app.url(&format!("/om-events/{id}/execution"));
    let raw = |body: String, ct: &'static str| {
        alice
            .post(&url)
            .header("If-Match", &etag)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let cases: Vec<(String, &str)> = vec![
        ("{not json".into(), "application/json"),
        (r#"{"mode":"later"}"#.into(), "application/json"),
        (
            r#"{"mode":"at","execute_at":"tomorrow"}"#.into(),
            "application/json",
        ),
        (r#"{"mode":"at"}"#.into(), "application/json"),
        (r#"{"mode":"now","extra":1}"#.into(), "application/json"),
        (r#"{"mode":"now"}"#.into(), "text/plain"),
        (
            format!(r#"{{"mode":"now","pad":"{}"}}"#, "x".repeat(100_000)),
            "application/json",
        ),
    ];
    // An oversized body makes the server close the connection early: send it on its own client.
    let token = app
        .store
        .create_api_token("alice@acme.example", "big", app.now())
        .await
        .unwrap();
    let big = format!(r#"{{"mode":"now","pad":"{}"}}"#, "x".repeat(100_000));
    let res = reqwest::Client::new()
        .post(&url)
        .bearer_auth(&token)
        .header("If-Match", &etag)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "payload_too_large"
    );
    for (body, ct) in cases {
        let res = raw(body.clone(), ct).await.unwrap();
        assert!(
            res.status().is_client_error(),
            "{} for {}",
            res.status(),
            &body[..body.len().min(60)]
        );
        let err: Value = res.json().await.unwrap();
        assert!(err["code"].is_string() && err["message"].is_string());
    }
    for path in [
        "/om-events/..%2F..%2Fetc",
        "/om-events/om-",
        "/om-events/vpn-abc",
        &format!("/om-events/om-{}", "a".repeat(5000)),
    ] {
        let res = alice.get(app.url(path)).send().await.unwrap();
        assert!(res.status().is_client_error(), "{path}: {}", res.status());
    }
    let res = alice.get(app.url("/no/such/path")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "not_found");
    let (after, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    assert_eq!(after["event"], detail["event"]);
    app.stop().await;
}

async fn history_and_alert_trend(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let history: Value = alice
        .get(app.url("/regions/cn-hangzhou/om-events?days=30"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = history["items"].as_array().unwrap();
    assert!(items.iter().any(|e| e["status"] == "completed"));
    assert!(items.iter().any(|e| e["status"] == "pending"));
    assert!(items.iter().any(|e| e["status"] == "executing"));
    assert!(items.iter().any(|e| e["status"] == "cancelled"));
    assert_eq!(
        alice
            .get(app.url("/regions/cn-hangzhou/om-events?days=31"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );
    let trend: Value = alice
        .get(app.url("/regions/cn-hangzhou/alerts/trend?days=30"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let days = trend["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert!(
        days.iter()
            .map(|d| d["count"].as_u64().unwrap())
            .sum::<u64>()
            > 0
    );
    assert!(days
        .windows(2)
        .all(|w| w[0]["date"].as_str() < w[1]["date"].as_str()));
    app.stop().await;
}

#[tokio::test]
async fn openapi_lists_every_route() {
    let (_, doc) = vpn_console_server::http::api();
    let json = serde_json::to_value(&doc).unwrap();
    let paths = json["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/regions", "get"),
        ("/api/v1/regions/{region}/vpn-gateways", "get"),
        ("/api/v1/regions/{region}/ipsec-connections", "get"),
        ("/api/v1/om-events/{id}", "get"),
        ("/api/v1/om-events/{id}/execution", "post"),
        ("/api/v1/om-events/{id}/log", "get"),
        ("/api/v1/om-events/{id}/verification", "post"),
        ("/api/v1/regions/{region}/om-events", "get"),
        ("/api/v1/regions/{region}/alerts/trend", "get"),
        ("/api/v1/session", "post"),
        ("/api/v1/session", "delete"),
        ("/api/v1/audit-log", "get"),
        ("/api/v1/approval-policy", "get"),
        ("/api/v1/approval-policy", "put"),
        ("/api/v1/approvals", "get"),
        ("/api/v1/approvals/{id}", "get"),
        ("/api/v1/approvals/{id}", "delete"),
        ("/api/v1/approvals/{id}/decision", "post"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
    // The answers of a change sent for approval (14.2).
    let execution = &paths["/api/v1/om-events/{id}/execution"]["post"]["responses"];
    assert!(execution["202"].is_object() && execution["409"].is_object());
    let bulk = &paths["/api/v1/om-events/bulk-execution"]["post"]["responses"];
    assert!(bulk["202"].is_object());
    // The verification and hold objects of DESIGN.md 12.2 and 13, and the approvals of 14.
    let schemas = json["components"]["schemas"].as_object().unwrap();
    for schema in [
        "Verification",
        "VerifiedTunnel",
        "TunnelHealth",
        "Hold",
        "PreviousVerdict",
        "ApprovalRequest",
        "ApprovalPolicy",
        "ApprovalList",
        "DecisionBody",
        "BulkAnswer",
    ] {
        assert!(schemas.contains_key(schema), "schema {schema} missing");
    }
}
