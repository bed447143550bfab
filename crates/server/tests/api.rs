//! The API against a real server on a loopback port, a real SQLite file and a real PostgreSQL
//! database (a fresh one per test), with the scheduler driven by a controlled clock.

mod support;

use chrono::{Duration, Utc};
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
    regions_need_a_session,
    gateway_list_has_the_contract_fields,
    paging_and_search,
    connection_list_shows_the_events_that_affect_each,
    event_detail_previews_every_case_of_the_source,
    execution_requires_if_match_and_refuses_stale_versions,
    reschedule_rules_come_from_the_domain,
    idempotency_key_replays_the_first_answer,
    another_accounts_event_is_not_found,
    a_viewer_cannot_change_anything,
    scheduler_executes_once_and_restores,
    restart_during_execution_finishes_the_event_once,
    bad_input_gets_a_4xx_and_changes_nothing,
    history_and_alert_trend,
    authorization_matrix_has_no_leak,
    repeated_failed_logins_are_throttled,
    cookie_writes_from_another_origin_are_refused,
    security_headers_are_on_every_answer,
    api_tokens_work_until_revoked,
    log_out_ends_the_session,
    the_audit_log_is_append_only,
    the_provider_publishes_and_cancels_events,
    lists_show_every_write_despite_the_read_cache,
);

async fn regions_need_a_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let anonymous = reqwest::Client::new();
    let res = anonymous.get(app.url("/regions")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "unauthenticated");

    let alice = app.login("alice@acme.example").await;
    let regions: Value = alice
        .get(app.url("/regions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = regions
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.len() >= 4, "{ids:?}");
    assert_eq!(ids[0], "cn-hangzhou");
    assert_eq!(regions[0]["name"], "China (Hangzhou)");
    app.stop().await;
}

async fn gateway_list_has_the_contract_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let page: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?page_size=100"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(page["total"].as_u64().unwrap() >= 60);
    assert!(page["server_time"].as_str().unwrap().ends_with('Z'));
    let items = page["items"].as_array().unwrap();
    let dual = items
        .iter()
        .find(|g| g["tunnel_mode"] == "dual_tunnel")
        .unwrap();
    for key in ["ipsec_address_1", "ipsec_address_2", "ssl_address"] {
        assert!(
            dual["addresses"].as_object().unwrap().contains_key(key),
            "{dual}"
        );
    }
    let single = items
        .iter()
        .find(|g| g["tunnel_mode"] == "single_tunnel")
        .unwrap();
    assert!(single["addresses"].get("gateway_address").is_some());
    for g in items {
        for key in [
            "id",
            "name",
            "status",
            "tunnel_mode",
            "addresses",
            "ssl_clients",
            "om_events",
        ] {
            assert!(g.get(key).is_some(), "{key} missing in {g}");
        }
        let cell = &g["om_events"];
        assert!(cell.get("current").is_some() && cell.get("previous_executed_at").is_some());
        if let Some(current) = cell["current"].as_object() {
            for key in ["id", "default_execute_at", "execute_at", "status"] {
                assert!(current.contains_key(key));
            }
        }
    }
    assert!(items.iter().any(|g| !g["om_events"]["current"].is_null()));
    assert!(items
        .iter()
        .any(|g| !g["om_events"]["previous_executed_at"].is_null()));
    app.stop().await;
}

async fn paging_and_search(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let get = |q: &str| {
        alice
            .get(app.url(&format!("/regions/cn-hangzhou/vpn-gateways{q}")))
            .send()
    };
    let p1: Value = get("?page=1&page_size=10")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let p2: Value = get("?page=2&page_size=10")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p1["items"].as_array().unwrap().len(), 10);
    assert_eq!(p1["total"], p2["total"]);
    let ids1: Vec<&Value> = p1["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| &g["id"])
        .collect();
    let ids2: Vec<&Value> = p2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| &g["id"])
        .collect();
    assert!(ids1.iter().all(|id| !ids2.contains(id)), "pages overlap");
    assert!(
        ids1.windows(2).all(|w| w[0].as_str() < w[1].as_str()),
        "stable order by id"
    );

    let found: Value = get("?q=HQ-DUAL").await.unwrap().json().await.unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["name"], "hq-dual-tunnel");
    let id = found["items"][0]["id"].as_str().unwrap().to_owned();
    let by_id: Value = get(&format!("?q={}", &id[..12]))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(by_id["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["id"] == id.as_str()));
    let none: Value = get("?q=%25_nothing").await.unwrap().json().await.unwrap();
    assert_eq!(none["total"], 0);
    // The ID and the name are searched apart: the end of one and the start of the other do
    // not make a match.
    let across: Value = get(&format!("?q={}hq-dual", &id[id.len() - 3..]))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(across["total"], 0);

    for bad in ["?page_size=101", "?page_size=0", "?page=0", "?page=abc"] {
        let res = get(bad).await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = res.json().await.unwrap();
        assert!(body["code"].is_string() && body["message"].is_string());
    }
    assert_eq!(
        alice
            .get(app.url("/regions/mars-north-1/vpn-gateways"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

async fn connection_list_shows_the_events_that_affect_each(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let page: Value = alice
        .get(app.url("/regions/cn-hangzhou/ipsec-connections?q=branch-&page_size=100"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 4, "the four branches of hq-dual-tunnel");
    for c in items {
        assert_eq!(c["attached_to"]["kind"], "vpn_gateway");
        assert_eq!(c["tunnels"].as_array().unwrap().len(), 2);
        let t = &c["tunnels"][0];
        for key in [
            "id",
            "index",
            "gateway_ip",
            "customer_gateway",
            "state",
            "carries_traffic",
        ] {
            assert!(t.get(key).is_some(), "{key}");
        }
        assert!(t["customer_gateway"]["id"]
            .as_str()
            .unwrap()
            .starts_with("cgw-"));
        // The gateway's event is on IPsec Address 1, which tunnel 1 of every branch uses.
        assert!(!c["om_events"]["current"].is_null(), "{c}");
    }
    let tr: Value = alice
        .get(app.url("/regions/cn-hangzhou/ipsec-connections?q=dc-transit-router-dual"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tr["items"][0]["attached_to"]["kind"], "transit_router");
    assert!(tr["items"][0]["attached_to"]["id"]
        .as_str()
        .unwrap()
        .starts_with("tr-"));
    assert!(!tr["items"][0]["om_events"]["current"].is_null());
    // A connection on the SSL-address gateway is not affected by that event.
    let ssl: Value = alice
        .get(app.url("/regions/cn-hangzhou/ipsec-connections?q=office-guangzhou"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(ssl["items"][0]["om_events"]["current"].is_null(), "{ssl}");
    app.stop().await;
}

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

    let log: Value = alice
        .get(app.url(&format!("/om-events/{id}/log")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
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

    let log: Value = alice
        .get(app.url(&format!("/om-events/{id}/log")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        log.as_array().unwrap().len(),
        2,
        "one change, however many retries: {log}"
    );
    app.stop().await;
}

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

async fn scheduler_executes_once_and_restores(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap().to_owned();
    let before: Value = alice
        .get(app.url("/regions/cn-hangzhou/ipsec-connections?q=branch-shanghai"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = alice
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", &etag)
        .json(&json!({"mode":"now"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let pass = app.scheduler("a").run_once().await.unwrap();
    assert!(pass.started >= 1);
    let (running, _) = app.event_of_id(&alice, &id).await;
    assert_eq!(running["event"]["status"], "executing");
    // The impact shown while running is the one recorded at the start.
    assert_eq!(running["affected"], detail["affected"]);
    let during: Value = alice
        .get(app.url("/regions/cn-hangzhou/ipsec-connections?q=branch-shanghai"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tunnels = &during["items"][0]["tunnels"];
    assert_eq!(tunnels[0]["state"], "unavailable");
    assert_eq!(
        tunnels[1]["carries_traffic"], true,
        "traffic failed over to tunnel 2"
    );
    // A second scheduler (another replica) finds nothing to start.
    assert_eq!(app.scheduler("b").run_once().await.unwrap().started, 0);

    app.clock.advance(Duration::seconds(601));
    let pass = app.scheduler("a").run_once().await.unwrap();
    assert!(pass.completed >= 1, "{pass:?}");
    assert_eq!(app.scheduler("b").run_once().await.unwrap().completed, 0);
    let (done, _) = app.event_of_id(&alice, &id).await;
    assert_eq!(done["event"]["status"], "completed");
    let after: Value = alice
        .get(app.url("/regions/cn-hangzhou/ipsec-connections?q=branch-shanghai"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        after["items"][0]["tunnels"], before["items"][0]["tunnels"],
        "everything restored"
    );
    assert_eq!(
        after["items"][0]["om_events"]["previous_executed_at"],
        done["event"]["started_at"]
    );
    let gw: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?q=hq-dual"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(gw["items"][0]["om_events"]["current"].is_null());
    assert_eq!(
        gw["items"][0]["om_events"]["previous_executed_at"],
        done["event"]["started_at"]
    );
    let log: Value = alice
        .get(app.url(&format!("/om-events/{id}/log")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["published", "execute_now", "started", "completed"]
    );
    app.stop().await;
}

async fn restart_during_execution_finishes_the_event_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (detail, etag) = app.event_of(&alice, "remote-access-ssl").await;
    let id = detail["event"]["id"].as_str().unwrap().to_owned();
    alice
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", &etag)
        .json(&json!({"mode":"now"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.scheduler("before-crash")
            .run_once()
            .await
            .unwrap()
            .started,
        1
    );
    let gw: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?q=remote-access-ssl"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(gw["items"][0]["ssl_clients"], 0, "SSL clients disconnected");

    // The process that started it is gone; a new one (new instance name) takes over.
    app.clock.advance(Duration::seconds(700));
    let pass = app.scheduler("after-restart").run_once().await.unwrap();
    assert!(pass.completed >= 1, "{pass:?}");
    let gw: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?q=remote-access-ssl"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(gw["items"][0]["ssl_clients"], 25, "SSL clients reconnected");
    let log: Value = alice
        .get(app.url(&format!("/om-events/{id}/log")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "published",
            "execute_now",
            "started",
            "resumed",
            "completed"
        ]
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
        ("/api/v1/regions/{region}/om-events", "get"),
        ("/api/v1/regions/{region}/alerts/trend", "get"),
        ("/api/v1/session", "post"),
        ("/api/v1/session", "delete"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
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
    let log: Value = alice
        .get(app.url(&format!("/om-events/{id}/log")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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

async fn the_audit_log_is_append_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let update = sqlx::query("UPDATE event_log SET actor = 'mallory'")
        .execute(app.store.reader())
        .await;
    assert!(update.is_err(), "an UPDATE of the audit log went through");
    let delete = sqlx::query("DELETE FROM event_log")
        .execute(app.store.reader())
        .await;
    assert!(delete.is_err(), "a DELETE of the audit log went through");
    app.stop().await;
}

async fn the_provider_publishes_and_cancels_events(backend: Backend) {
    use vpn_console_server::operator::publish_event;
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let list: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?q=staging-no-connections"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let gateway = list["items"][0]["id"].as_str().unwrap().to_owned();
    let later = app.now() + Duration::days(3);
    // Bad input is refused with a reason, and nothing is written.
    let refusals = [
        (
            gateway.as_str(),
            "ipsec_address_3",
            "system_upgrade",
            later,
            "unknown address role",
        ),
        (
            gateway.as_str(),
            "ipsec_address_1",
            "reboot",
            later,
            "unknown reason",
        ),
        (
            gateway.as_str(),
            "ipsec_address_1",
            "system_upgrade",
            app.now() - Duration::hours(1),
            "not in the future",
        ),
        (
            gateway.as_str(),
            "gateway_address",
            "system_upgrade",
            later,
            "no Gateway address",
        ),
        (
            gateway.as_str(),
            "ssl_address",
            "system_upgrade",
            later,
            "SSL",
        ),
        (
            "vpn-bp1doesnotexist000000",
            "ipsec_address_1",
            "system_upgrade",
            later,
            "no VPN gateway",
        ),
        // It already has a pending event.
        (
            gateway.as_str(),
            "ipsec_address_1",
            "system_upgrade",
            later,
            "already has",
        ),
    ];
    for (resource, role, reason, at, expected) in refusals {
        let err = publish_event(&app.store, resource, role, reason, at, app.now())
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains(expected),
            "{resource} {role} {reason}: {err}"
        );
    }
    // Cancel the current event, then a new one can be published.
    let current: vpn_console_domain::EventId = list["items"][0]["om_events"]["current"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let cancelled = app.store.cancel_event(&current, app.now()).await.unwrap();
    assert_eq!(cancelled.status, vpn_console_domain::EventStatus::Cancelled);
    assert!(
        app.store.cancel_event(&current, app.now()).await.is_err(),
        "cancelling twice is refused"
    );
    let event = publish_event(
        &app.store,
        &gateway,
        "ipsec_address_1",
        "hardware_upgrade",
        later,
        app.now(),
    )
    .await
    .unwrap();
    assert_eq!(event.status, vpn_console_domain::EventStatus::Pending);
    assert_eq!(event.default_execute_at, later);
    let log: Value = alice
        .get(app.url(&format!("/om-events/{current}/log")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["published", "cancelled"]);
    let list: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?q=staging-no-connections"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"][0]["om_events"]["current"]["id"],
        event.id.as_str()
    );
    app.stop().await;
}

/// List pages and sessions are cached between writes (store::read_cache). A write through this
/// server shows in the very next answer; a write by another process (another replica, an
/// operator command) shows on PostgreSQL by notification, long before the time to live, and on
/// SQLite after the time to live.
async fn lists_show_every_write_despite_the_read_cache(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let row_of = |name: &'static str| {
        let alice = alice.clone();
        let url = app.url(&format!("/regions/cn-hangzhou/vpn-gateways?q={name}"));
        async move {
            let list: Value = alice.get(url).send().await.unwrap().json().await.unwrap();
            list["items"][0]["om_events"].clone()
        }
    };

    // This server's own write: no waiting.
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap().to_owned();
    let before = row_of("hq-dual-tunnel").await;
    let moved_to = (app.now() + Duration::hours(1)).to_rfc3339();
    let res = alice
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", &etag)
        .json(&json!({"mode": "at", "execute_at": moved_to}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let after = row_of("hq-dual-tunnel").await;
    assert_ne!(
        before["current"]["execute_at"],
        after["current"]["execute_at"]
    );
    let (detail, _) = app.event_of_id(&alice, &id).await;
    assert_eq!(
        after["current"]["execute_at"],
        detail["event"]["execute_at"]
    );

    // Another process's write.
    let waits_for_the_ttl = match backend {
        Backend::Postgres => {
            // A time to live no test waits for: only the notification can show the change.
            app.store
                .changes()
                .set_ttl(std::time::Duration::from_secs(3600));
            app.store.watch_other_writers().unwrap();
            false
        }
        Backend::Sqlite => {
            app.store
                .changes()
                .set_ttl(std::time::Duration::from_millis(300));
            true
        }
    };
    // The listener needs a moment to connect; the row is read (and cached) meanwhile.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!row_of("hq-dual-tunnel").await["current"].is_null());
    let other_process = vpn_console_server::store::Store::connect(&app.db_url)
        .await
        .unwrap();
    other_process
        .cancel_event(&id.parse().unwrap(), app.now())
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut seen = false;
    while started.elapsed() < std::time::Duration::from_secs(20) {
        if row_of("hq-dual-tunnel").await["current"].is_null() {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        seen,
        "the cancelled event is still the gateway's current event (waits for the TTL: {waits_for_the_ttl})"
    );
    other_process.close().await;
    app.stop().await;
}
