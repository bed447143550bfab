//! Regions and the two lists: contract fields, paging, search, and the read cache between writes.

use crate::support::{Backend, TestApp};
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(
    regions_need_a_session,
    gateway_list_has_the_contract_fields,
    paging_and_search,
    connection_list_shows_the_events_that_affect_each,
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
