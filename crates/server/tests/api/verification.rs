//! DESIGN.md 12 and 13 over the API: an event's tunnels verified after it completes (by the
//! simulated data plane, the deadline, the provider's `tunnel-health` and a re-check on
//! request), and events held while the other path of their site is down.

use crate::support::{actions, Backend, TestApp};
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};
use vpn_console_domain::verification::{Bgp, Ike};

both_backends!(
    a_site_whose_gateway_starts_ike_is_verified_at_completion,
    a_site_that_only_answers_ike_fails_then_recovers_when_reported_up,
    a_tunnel_back_short_of_routes_is_degraded,
    a_held_event_starts_when_its_partner_completes,
    a_held_event_starts_after_the_ceiling_from_held,
    an_operator_overrides_a_hold_and_moving_later_ends_it,
);

/// A time scale at which a maintenance takes 1 s, the verification deadline 1 s, and the hold
/// ceiling 12 s.
const SCALE: f64 = 600.0;

async fn execute_now(
    app: &TestApp,
    client: &reqwest::Client,
    id: &str,
    extra: Value,
) -> StatusCode {
    let (_, etag) = app.event_of_id(client, id).await;
    let mut body = json!({"mode": "now"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    client
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", &etag)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
}

async fn id_of(app: &TestApp, client: &reqwest::Client, gateway: &str) -> String {
    let (detail, _) = app.event_of(client, gateway).await;
    detail["event"]["id"].as_str().unwrap().to_owned()
}

/// Starts the event now and runs it to completion.
async fn run_to_completion(app: &TestApp, client: &reqwest::Client, id: &str) {
    assert_eq!(
        execute_now(app, client, id, json!({})).await,
        StatusCode::OK
    );
    let pass = app.scheduler("a").run_once().await.unwrap();
    assert_eq!(pass.started, 1, "{pass:?}");
    app.clock.advance(Duration::milliseconds(1500));
    let pass = app.scheduler("a").run_once().await.unwrap();
    assert_eq!(pass.completed, 1, "{pass:?}");
}

async fn detail(app: &TestApp, client: &reqwest::Client, id: &str) -> Value {
    app.event_of_id(client, id).await.0
}

async fn recheck(app: &TestApp, client: &reqwest::Client, id: &str) -> reqwest::Response {
    client
        .post(app.url(&format!("/om-events/{id}/verification")))
        .send()
        .await
        .unwrap()
}

async fn a_site_whose_gateway_starts_ike_is_verified_at_completion(backend: Backend) {
    let app = TestApp::spawn_scaled(backend, SCALE).await;
    let alice = app.login("alice@acme.example").await;
    let id = id_of(&app, &alice, "site2-backup-gw").await;
    let before = detail(&app, &alice, &id).await;
    assert_eq!(
        before["verification"],
        Value::Null,
        "none before completion"
    );
    assert_eq!(before["hold"], Value::Null);
    // Nothing to verify yet: 409 for an operator, 403 for a viewer.
    let res = recheck(&app, &alice, &id).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "not_completed");

    run_to_completion(&app, &alice, &id).await;
    let done = detail(&app, &alice, &id).await;
    let v = &done["verification"];
    assert_eq!(v["status"], "verified", "{v}");
    let rows = v["tunnels"].as_array().unwrap();
    assert_eq!(rows.len(), done["affected"].as_array().unwrap().len());
    assert_eq!(rows[0]["result"], "ok");
    assert_eq!(rows[0]["before"]["ike"], "up");
    assert_eq!(rows[0]["after"]["ike"], "up");
    assert_eq!(rows[0]["hint"], Value::Null);
    let log = app.log_of(&alice, &id).await;
    let all = actions(&log);
    assert_eq!(
        all[all.len() - 4..],
        ["execute_now", "started", "completed", "verified"],
        "{log}"
    );
    assert_eq!(log[all.len() - 1]["to"], "verified");

    // A re-check on request answers the verification itself; a viewer may not ask.
    let res = recheck(&app, &alice, &id).await;
    assert_eq!(res.status(), StatusCode::OK);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["status"], "verified");
    assert_eq!(again["tunnels"].as_array().unwrap().len(), rows.len());
    let victor = app.login("victor@acme.example").await;
    assert_eq!(
        recheck(&app, &victor, &id).await.status(),
        StatusCode::FORBIDDEN
    );
    // Another account's event is not found.
    let gina = app.login("gina@globex.example").await;
    assert_eq!(
        recheck(&app, &gina, &id).await.status(),
        StatusCode::NOT_FOUND
    );
    // The O&M Events column shows the verdict beside the previous event's time.
    let gateways: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?q=site2-backup-gw"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        gateways["items"][0]["om_events"]["previous_verdict"],
        json!({"status": "verified", "tunnels_not_back": 0}),
        "{gateways}"
    );
    // The site's tunnels carry their health and the customer gateway its IKE settings.
    let list: Value = alice
        .get(app.url("/regions/cn-hangzhou/ipsec-connections?q=warehouse-ningbo"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tunnel = &list["items"][0]["tunnels"][0];
    assert_eq!(tunnel["health"]["ike"], "up", "{list}");
    assert_eq!(tunnel["customer_gateway"]["startup_action"], "start");
    assert_eq!(tunnel["customer_gateway"]["ike_version"], "ikev2");
    app.stop().await;
}

async fn a_site_that_only_answers_ike_fails_then_recovers_when_reported_up(backend: Backend) {
    let app = TestApp::spawn_scaled(backend, SCALE).await;
    let alice = app.login("alice@acme.example").await;
    let id = id_of(&app, &alice, "site-primary-gw").await;
    run_to_completion(&app, &alice, &id).await;
    let done = detail(&app, &alice, &id).await;
    let v = &done["verification"];
    assert_eq!(v["status"], "pending", "{v}");
    let row = &v["tunnels"][0];
    assert_eq!(row["result"], "down");
    assert_eq!(row["hint"], "initiate_from_customer_gateway");
    assert_eq!(row["after"]["ike"], "down");
    let tunnel = row["tunnel_id"].as_str().unwrap().to_owned();

    // At the deadline, the scheduler gives the verdict, once.
    app.clock.advance(Duration::milliseconds(1500));
    let pass = app.scheduler("a").run_once().await.unwrap();
    assert_eq!(pass.concluded, 1, "{pass:?}");
    assert_eq!(app.scheduler("b").run_once().await.unwrap().concluded, 0);
    let failed = detail(&app, &alice, &id).await;
    assert_eq!(failed["verification"]["status"], "failed");
    let log = app.log_of(&alice, &id).await;
    let last = log.as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "verification_failed", "{log}");
    assert_eq!(last["to"], "failed");
    let connections: Value = alice
        .get(app.url("/regions/cn-hangzhou/ipsec-connections?q=factory-suzhou-via-primary"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        connections["items"][0]["om_events"]["previous_verdict"],
        json!({"status": "failed", "tunnels_not_back": 1}),
        "{connections}"
    );

    // The customer starts the tunnel; the provider's monitoring reports it up.
    let rechecked = app
        .store
        .report_tunnel_health(
            &tunnel.parse().unwrap(),
            Ike::Up,
            None,
            None,
            app.now(),
            "monitor",
        )
        .await
        .unwrap();
    assert_eq!(rechecked.len(), 1);
    let back = detail(&app, &alice, &id).await;
    assert_eq!(back["verification"]["status"], "verified", "{back}");
    assert_eq!(back["verification"]["tunnels"][0]["result"], "ok");
    let log = app.log_of(&alice, &id).await;
    let last = log.as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "verified", "{log}");
    assert_eq!(last["from"], "failed");
    assert_eq!(last["via"], "cli");
    // `--ike up` made the tunnel available again.
    let list: Value = alice
        .get(app.url("/regions/cn-hangzhou/ipsec-connections?q=factory-suzhou-via-primary"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"][0]["tunnels"][0]["state"], "available",
        "{list}"
    );
    assert_eq!(
        list["items"][0]["tunnels"][0]["customer_gateway"]["startup_action"],
        "add"
    );
    app.stop().await;
}

async fn a_tunnel_back_short_of_routes_is_degraded(backend: Backend) {
    let app = TestApp::spawn_scaled(backend, SCALE).await;
    let alice = app.login("alice@acme.example").await;
    let id = id_of(&app, &alice, "site2-primary-gw").await;
    run_to_completion(&app, &alice, &id).await;
    let v = detail(&app, &alice, &id).await["verification"].clone();
    assert_eq!(v["status"], "pending", "{v}");
    let row = &v["tunnels"][0];
    assert_eq!(row["result"], "routes_missing");
    assert_eq!(row["hint"], "check_bgp_advertisements");
    assert_eq!(row["before"]["routes_received"], 24);
    assert_eq!(row["after"]["routes_received"], 20);
    assert_eq!(row["after"]["bgp"], "established");

    app.clock.advance(Duration::milliseconds(1500));
    // Re-checked on request after the deadline: the verdict is given there.
    let res = recheck(&app, &alice, &id).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "degraded");
    assert_eq!(app.scheduler("a").run_once().await.unwrap().concluded, 0);
    let log = app.log_of(&alice, &id).await;
    let failures: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "verification_failed")
        .collect();
    assert_eq!(failures.len(), 1, "{log}");
    assert_eq!(failures[0]["to"], "degraded");
    assert_eq!(failures[0]["actor"], "alice@acme.example");

    // The site advertises its routes again.
    let tunnel = row["tunnel_id"].as_str().unwrap().parse().unwrap();
    app.store
        .report_tunnel_health(
            &tunnel,
            Ike::Up,
            Some(Bgp::Established),
            Some(24),
            app.now(),
            "monitor",
        )
        .await
        .unwrap();
    let v = detail(&app, &alice, &id).await["verification"].clone();
    assert_eq!(v["status"], "verified", "{v}");
    app.stop().await;
}

fn hold_of(d: &Value) -> &Value {
    &d["hold"]
}

async fn a_held_event_starts_when_its_partner_completes(backend: Backend) {
    let app = TestApp::spawn_scaled(backend, SCALE).await;
    let alice = app.login("alice@acme.example").await;
    let backup = id_of(&app, &alice, "site2-backup-gw").await;
    let primary = id_of(&app, &alice, "site2-primary-gw").await;
    assert_eq!(
        execute_now(&app, &alice, &backup, json!({})).await,
        StatusCode::OK
    );
    assert_eq!(app.scheduler("a").run_once().await.unwrap().started, 1);
    // The other path of the site is under maintenance: refused without allow_conflict (10.2),
    // accepted with it, and then held.
    assert_eq!(
        execute_now(&app, &alice, &primary, json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        execute_now(&app, &alice, &primary, json!({"allow_conflict": true})).await,
        StatusCode::OK
    );
    for instance in ["a", "b", "a"] {
        assert_eq!(app.scheduler(instance).run_once().await.unwrap().started, 0);
    }
    let held = detail(&app, &alice, &primary).await;
    assert_eq!(held["event"]["status"], "pending");
    let hold = hold_of(&held);
    assert_eq!(hold["reason"], "partner_executing", "{held}");
    assert_eq!(hold["partner_event_id"], backup.as_str());
    assert_eq!(hold["customer_gateway_ids"].as_array().unwrap().len(), 1);
    let log = app.log_of(&alice, &primary).await;
    let held_entries: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "held")
        .collect();
    assert_eq!(held_entries.len(), 1, "logged once per hold: {log}");
    assert_eq!(held_entries[0]["from"], "pending");
    assert_eq!(held_entries[0]["to"], "pending");

    // The partner completes and is verified at once (its gateway starts IKE): the held event
    // starts in the same pass, from pending.
    app.clock.advance(Duration::milliseconds(1500));
    let pass = app.scheduler("a").run_once().await.unwrap();
    assert_eq!((pass.completed, pass.started), (1, 1), "{pass:?}");
    let started = detail(&app, &alice, &primary).await;
    assert_eq!(started["event"]["status"], "executing");
    assert_eq!(started["hold"], Value::Null);
    let log = app.log_of(&alice, &primary).await;
    let last = log.as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "started", "{log}");
    assert_eq!(last["from"], "pending");
    app.stop().await;
}

async fn a_held_event_starts_after_the_ceiling_from_held(backend: Backend) {
    let app = TestApp::spawn_scaled(backend, SCALE).await;
    let alice = app.login("alice@acme.example").await;
    let primary = id_of(&app, &alice, "site-primary-gw").await;
    let backup = id_of(&app, &alice, "site-backup-gw").await;
    // The primary path does not come back (the device only answers IKE).
    run_to_completion(&app, &alice, &primary).await;
    assert_eq!(
        execute_now(&app, &alice, &backup, json!({"allow_conflict": true})).await,
        StatusCode::OK
    );
    assert_eq!(app.scheduler("a").run_once().await.unwrap().started, 0);
    let held = detail(&app, &alice, &backup).await;
    assert_eq!(held["hold"]["reason"], "partner_verifying", "{held}");
    assert_eq!(held["hold"]["partner_event_id"], primary.as_str());
    // The partner's verdict comes: failed, the tunnel still down. A change of reason is not
    // logged again.
    app.clock.advance(Duration::milliseconds(1500));
    let pass = app.scheduler("a").run_once().await.unwrap();
    assert_eq!((pass.concluded, pass.started), (1, 0), "{pass:?}");
    let held = detail(&app, &alice, &backup).await;
    assert_eq!(held["hold"]["reason"], "partner_failed", "{held}");
    let log = app.log_of(&alice, &backup).await;
    assert_eq!(
        actions(&log).iter().filter(|a| **a == "held").count(),
        1,
        "{log}"
    );

    // Two hours (12 s at this scale) after its execution time it starts anyway.
    app.clock.advance(Duration::seconds(10));
    assert_eq!(app.scheduler("a").run_once().await.unwrap().started, 0);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.scheduler("b").run_once().await.unwrap().started, 1);
    let log = app.log_of(&alice, &backup).await;
    let last = log.as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "started", "{log}");
    assert_eq!(last["from"], "held");
    app.stop().await;
}

async fn an_operator_overrides_a_hold_and_moving_later_ends_it(backend: Backend) {
    let app = TestApp::spawn_scaled(backend, SCALE).await;
    let alice = app.login("alice@acme.example").await;
    let backup = id_of(&app, &alice, "site2-backup-gw").await;
    let primary = id_of(&app, &alice, "site2-primary-gw").await;
    assert_eq!(
        execute_now(&app, &alice, &backup, json!({})).await,
        StatusCode::OK
    );
    assert_eq!(app.scheduler("a").run_once().await.unwrap().started, 1);
    assert_eq!(
        execute_now(&app, &alice, &primary, json!({"allow_conflict": true})).await,
        StatusCode::OK
    );
    assert_eq!(app.scheduler("a").run_once().await.unwrap().started, 0);
    assert_eq!(
        detail(&app, &alice, &primary).await["hold"]["reason"],
        "partner_executing"
    );

    // Moved later, the hold ends.
    let (_, etag) = app.event_of_id(&alice, &primary).await;
    let later =
        (app.now() + Duration::minutes(30)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let res = alice
        .post(app.url(&format!("/om-events/{primary}/execution")))
        .header("If-Match", &etag)
        .json(&json!({"mode": "at", "execute_at": later, "allow_conflict": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(detail(&app, &alice, &primary).await["hold"], Value::Null);

    // Execute Now with override_hold starts it although its partner still runs.
    assert_eq!(
        execute_now(
            &app,
            &alice,
            &primary,
            json!({"allow_conflict": true, "override_hold": true})
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(app.scheduler("a").run_once().await.unwrap().started, 1);
    let log = app.log_of(&alice, &primary).await;
    let all = actions(&log);
    assert_eq!(
        all[all.len() - 5..],
        [
            "execute_now",
            "held",
            "rescheduled",
            "execute_now",
            "started"
        ],
        "{log}"
    );
    assert_eq!(log[all.len() - 1]["from"], "pending");
    app.stop().await;
}
