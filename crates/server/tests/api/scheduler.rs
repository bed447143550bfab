//! The scheduler under a controlled clock: each event executed once, tunnels restored, a restart.

use crate::support::{Backend, TestApp};
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(
    scheduler_executes_once_and_restores,
    restart_during_execution_finishes_the_event_once,
);

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
    // Everything as before, but when the monitoring last looked (the restart, DESIGN.md 12.1).
    let unchecked = |v: &Value| {
        let mut tunnels = v["items"][0]["tunnels"].clone();
        for t in tunnels.as_array_mut().unwrap() {
            t["health"].as_object_mut().unwrap().remove("checked_at");
        }
        tunnels
    };
    assert_eq!(unchecked(&after), unchecked(&before), "everything restored");
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
    let log = app.log_of(&alice, &id).await;
    let actions = crate::support::actions(&log);
    assert_eq!(
        actions,
        [
            "published",
            "execute_now",
            "started",
            "completed",
            "verified"
        ]
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
    let log = app.log_of(&alice, &id).await;
    let actions = crate::support::actions(&log);
    assert_eq!(
        actions,
        [
            "published",
            "execute_now",
            "started",
            "resumed",
            "completed",
            "verified"
        ]
    );
    app.stop().await;
}
