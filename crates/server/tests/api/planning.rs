//! Planning ahead (DESIGN.md section 10): the maintenance window and freeze periods, the event
//! detail's advice and conflicts, the list marks, and bulk execution.

use crate::support::{Backend, TestApp};
use chrono::{DateTime, Duration, Timelike, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(
    maintenance_window_is_validated_placed_logged_and_removed,
    freeze_periods_are_validated_and_flag_events,
    viewers_read_planning_but_cannot_change_it,
    demo_site_has_a_conflicting_pair_shown_in_detail_and_lists,
    bulk_execution_decides_each_item_like_a_single_request,
    bulk_execution_refuses_bad_requests_whole_and_replays_its_key,
    both_paths_rescheduled_at_once_are_both_answered_and_marked,
);

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// The pending events of cn-hangzhou's gateways, as (id, version from the detail).
async fn pending_gateway_events(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
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
        .filter(|i| i["om_events"]["current"]["status"] == "pending")
        .map(|i| i["om_events"]["current"].clone())
        .collect()
}

async fn put_window(client: &reqwest::Client, app: &TestApp, body: Value) -> reqwest::Response {
    client
        .put(app.url("/maintenance-window"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn maintenance_window_is_validated_placed_logged_and_removed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let res = alice
        .get(app.url("/maintenance-window"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // A person chooses one event's time first: the window leaves it there.
    let (chosen, etag) = app.event_of(&alice, "remote-access-ssl").await;
    let chosen_id = chosen["event"]["id"].as_str().unwrap().to_owned();
    let chosen_at = (app.now() + Duration::hours(30)).with_second(0).unwrap();
    let res = alice
        .post(app.url(&format!("/om-events/{chosen_id}/execution")))
        .header("If-Match", &etag)
        .json(&json!({"mode": "at", "execute_at": chosen_at}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let before = app.event_of(&alice, "hq-dual-tunnel").await.0;

    let good = json!({"time_zone": "Asia/Shanghai", "days": ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], "start": "01:00", "duration_minutes": 240});
    for (change, code, field) in [
        (
            json!({"time_zone": "Mars/Olympus"}),
            "unknown_time_zone",
            "time_zone",
        ),
        (json!({"start": "25:00"}), "invalid_start", "start"),
        (json!({"days": ["mon", "funday"]}), "invalid_days", "days"),
        (json!({"days": []}), "invalid_days", "days"),
        (
            json!({"duration_minutes": 30}),
            "duration_out_of_range",
            "duration_minutes",
        ),
        (
            json!({"duration_minutes": 1441}),
            "duration_out_of_range",
            "duration_minutes",
        ),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = put_window(&alice, &app, body.clone()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["code"], code, "{body}");
        assert_eq!(err["field"], field);
        assert!(err["message"].as_str().unwrap().contains(field), "{err}");
    }
    // Refused, so nothing changed.
    let res = alice
        .get(app.url("/maintenance-window"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.event_of(&alice, "hq-dual-tunnel").await.0["event"],
        before["event"]
    );

    // The preview says what saving would do, and changes nothing.
    let preview: Value = alice
        .post(app.url("/maintenance-window/preview"))
        .json(&good)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hq_id = before["event"]["id"].as_str().unwrap();
    let hq_move = preview["moves"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["event_id"] == hq_id)
        .cloned()
        .expect("hq-dual-tunnel moves into the window");
    assert_eq!(
        app.event_of(&alice, "hq-dual-tunnel").await.0["event"],
        before["event"]
    );

    let res = put_window(&alice, &app, good.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(saved["time_zone"], "Asia/Shanghai");
    assert_eq!(
        saved["days"],
        json!(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    );
    let stored: Value = alice
        .get(app.url("/maintenance-window"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stored["start"], "01:00");
    assert!(saved["moved"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["event_id"] != chosen_id.as_str()));

    // 01:00 in Shanghai is 17:00 UTC (the default is at 18:00 UTC): the latest opening no
    // later than the default.
    let (hq, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    let placed = at(&hq["event"]["execute_at"]);
    let default = at(&hq["event"]["default_execute_at"]);
    assert_eq!(placed, at(&hq_move["to"]), "the preview said where");
    assert_eq!((placed.hour(), placed.minute()), (17, 0));
    assert!(placed <= default && placed > default - Duration::days(1));
    assert!(placed >= app.now() + Duration::minutes(10));
    assert_eq!(hq["window_fit"], true);
    let log = app.log_of(&alice, hq_id).await;
    let last = log.as_array().unwrap().last().unwrap();
    if placed != default {
        assert_eq!(last["actor"], "maintenance-window");
        assert_eq!(last["action"], "rescheduled");
        // DESIGN.md 17: the window's move names the person whose change of the window made it.
        assert_eq!(last["on_behalf_of"], "alice@acme.example", "{log}");
    }
    let (kept, _) = app.event_of_id(&alice, &chosen_id).await;
    assert_eq!(at(&kept["event"]["execute_at"]), chosen_at);
    assert_eq!(kept["window_fit"], Value::Null);

    // A window that opens only long after every event fits none: they stay at their default.
    let res = put_window(
        &alice,
        &app,
        json!({"time_zone": "UTC", "days": ["mon"], "start": "00:00", "duration_minutes": 60}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (hq, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    let t = at(&hq["event"]["execute_at"]);
    if hq["window_fit"] == true {
        assert_eq!(t.format("%a %H:%M").to_string(), "Mon 00:00");
    } else {
        assert_eq!(hq["window_fit"], false);
        assert_eq!(t, default);
    }

    // Removing the window puts the events it placed back at their default.
    let res = alice
        .delete(app.url("/maintenance-window"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (hq, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    assert_eq!(at(&hq["event"]["execute_at"]), default);
    assert_eq!(hq["window_fit"], Value::Null);
    let res = alice
        .delete(app.url("/maintenance-window"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn freeze_periods_are_validated_and_flag_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (hq, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let default = at(&hq["event"]["default_execute_at"]);
    let url = app.url("/freeze-periods");
    let starts = default - Duration::hours(2);
    let ends = default + Duration::hours(2);

    let res = alice
        .post(&url)
        .json(&json!({"starts_at": ends, "ends_at": starts, "reason": "year end"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = res.json().await.unwrap();
    assert_eq!(
        (err["code"].as_str(), err["field"].as_str()),
        (Some("freeze_period_reversed"), Some("ends_at"))
    );
    let res = alice
        .post(&url)
        .json(&json!({"starts_at": starts, "ends_at": ends, "reason": "  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let listed: Vec<Value> = alice.get(&url).send().await.unwrap().json().await.unwrap();
    assert!(listed.is_empty(), "refused periods are not stored");

    let res = alice
        .post(&url)
        .json(&json!({"starts_at": starts, "ends_at": ends, "reason": "Trade fair"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let freeze: Value = res.json().await.unwrap();
    let freeze_id = freeze["id"].as_str().unwrap().to_owned();
    assert!(freeze_id.starts_with("frz-"));
    let res = alice
        .post(&url)
        .json(&json!({"starts_at": starts + Duration::hours(1), "ends_at": ends + Duration::hours(1), "reason": "overlap"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["code"], "freeze_periods_overlap");
    assert!(err["message"].as_str().unwrap().contains(&freeze_id));

    // The event's default is in the freeze: flagged, with the latest allowed time before it.
    let (hq, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    assert_eq!(hq["freeze"]["freeze_period_id"], freeze_id.as_str());
    let latest = at(&hq["freeze"]["latest_allowed_at"]);
    assert!(
        latest <= starts - Duration::minutes(10) + Duration::minutes(1),
        "{latest}"
    );
    assert!(latest > app.now());
    // A person may not choose a time inside it; the nearest allowed time is offered.
    let id = hq["event"]["id"].as_str().unwrap();
    let res = alice
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", &etag)
        .json(&json!({"mode": "at", "execute_at": starts + Duration::minutes(30)}))
        .send()
        .await
        .unwrap();
    if res.status() == StatusCode::UNPROCESSABLE_ENTITY {
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["code"], "in_freeze_period");
        assert!(err["suggested_at"].is_string(), "{err}");
    } else {
        panic!("a time in a freeze was accepted: {}", res.status());
    }

    let res = alice
        .delete(app.url("/freeze-periods/frz-nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = alice
        .delete(app.url(&format!("/freeze-periods/{freeze_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (hq, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    assert_eq!(hq["freeze"], Value::Null);
    // Another account never sees it.
    let gina = app.login("gina@globex.example").await;
    let theirs: Vec<Value> = gina.get(&url).send().await.unwrap().json().await.unwrap();
    assert!(theirs.is_empty());
    app.stop().await;
}

async fn viewers_read_planning_but_cannot_change_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let victor = app.login("victor@acme.example").await;
    let window =
        json!({"time_zone": "UTC", "days": ["sat"], "start": "01:00", "duration_minutes": 120});
    let res = put_window(&victor, &app, window.clone()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = victor
        .delete(app.url("/maintenance-window"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let freeze = json!({"starts_at": app.now() + Duration::days(1), "ends_at": app.now() + Duration::days(2), "reason": "x"});
    let res = victor
        .post(app.url("/freeze-periods"))
        .json(&freeze)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = victor
        .post(app.url("/om-events/bulk-execution"))
        .json(&json!({"mode": "now", "events": [{"id": "om-x", "version": 1}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let alice = app.login("alice@acme.example").await;
    assert_eq!(
        put_window(&alice, &app, window).await.status(),
        StatusCode::OK
    );
    let res = victor
        .get(app.url("/maintenance-window"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = victor.get(app.url("/freeze-periods")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = reqwest::get(app.url("/freeze-periods")).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // The OpenAPI document has every planning path.
    let doc: Value = reqwest::get(app.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/maintenance-window",
        "/api/v1/maintenance-window/preview",
        "/api/v1/freeze-periods",
        "/api/v1/freeze-periods/{id}",
        "/api/v1/om-events/bulk-execution",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    app.stop().await;
}

async fn demo_site_has_a_conflicting_pair_shown_in_detail_and_lists(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (primary, _) = app.event_of(&alice, "site-primary-gw").await;
    let (backup, backup_etag) = app.event_of(&alice, "site-backup-gw").await;
    let conflicts = primary["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{primary}");
    assert_eq!(conflicts[0]["event_id"], backup["event"]["id"]);
    assert_eq!(conflicts[0]["resource"]["kind"], "vpn_gateway");
    assert_eq!(backup["conflicts"][0]["event_id"], primary["event"]["id"]);
    let kinds: Vec<&str> = primary["advice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"move_earlier_out_of_conflict"), "{kinds:?}");

    let list: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?q=site-"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let marks: Vec<(String, bool)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_owned(),
                i["om_events"]["current"]["conflict"] == true,
            )
        })
        .collect();
    assert!(
        marks.contains(&("site-primary-gw".to_owned(), true)),
        "{marks:?}"
    );
    assert!(marks.contains(&("site-backup-gw".to_owned(), true)));
    let (hq, hq_etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    assert!(hq["conflicts"].as_array().unwrap().is_empty());

    // Moving one away clears both marks; moving it back is refused unless allowed.
    let id = backup["event"]["id"].as_str().unwrap();
    let url = app.url(&format!("/om-events/{id}/execution"));
    let away = at(&backup["event"]["execute_at"]) - Duration::hours(3);
    let res = alice
        .post(&url)
        .header("If-Match", &backup_etag)
        .json(&json!({"mode": "at", "execute_at": away}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let (primary, _) = app.event_of(&alice, "site-primary-gw").await;
    assert!(
        primary["conflicts"].as_array().unwrap().is_empty(),
        "{primary}"
    );
    let list: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?q=site-"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["om_events"]["current"]["conflict"] == false));

    let back = at(&primary["event"]["execute_at"]);
    let res = alice
        .post(&url)
        .header("If-Match", &etag)
        .json(&json!({"mode": "at", "execute_at": back}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["code"], "creates_conflict");
    let suggested = at(&err["suggested_at"]);
    assert!((suggested - back).num_minutes().abs() >= 10, "{err}");
    let res = alice
        .post(&url)
        .header("If-Match", &etag)
        .json(&json!({"mode": "at", "execute_at": back, "allow_conflict": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (primary, _) = app.event_of(&alice, "site-primary-gw").await;
    assert_eq!(primary["conflicts"].as_array().unwrap().len(), 1);
    let _ = hq_etag;
    app.stop().await;
}

async fn bulk_execution_decides_each_item_like_a_single_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let pending = pending_gateway_events(&app, &alice).await;
    let (hq, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    let (running, _) = app.event_of(&alice, "lab-maintenance-running").await;
    let (single, _) = app.event_of(&alice, "retail-single-tunnel").await;
    let earliest = pending
        .iter()
        .map(|e| at(&e["default_execute_at"]))
        .min()
        .unwrap();
    let when = (app.now() + Duration::hours(2)).with_second(0).unwrap();
    assert!(when < earliest);
    let body = json!({"mode": "at", "execute_at": when, "events": [
        {"id": hq["event"]["id"], "version": hq["event"]["version"]},
        {"id": single["event"]["id"], "version": single["event"]["version"].as_i64().unwrap() + 5},
        {"id": "om-doesnotexist0000", "version": 1},
        {"id": "not an id", "version": 1},
        {"id": running["event"]["id"], "version": running["event"]["version"]},
    ]});
    let res = alice
        .post(app.url("/om-events/bulk-execution"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let answer: Value = res.json().await.unwrap();
    let results = answer["results"].as_array().unwrap();
    let statuses: Vec<u64> = results
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![200, 412, 404, 404, 422]);
    assert_eq!(results[0]["id"], hq["event"]["id"]);
    assert_eq!(at(&results[0]["event"]["execute_at"]), when);
    assert_eq!(results[1]["error"]["code"], "stale");
    assert_eq!(results[2]["error"]["code"], "not_found");
    assert_eq!(results[4]["error"]["code"], "not_pending");
    assert!(results[1]["event"].is_null());

    // As a single request: the same event moved, logged by the person, version bumped.
    let (hq_after, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    assert_eq!(at(&hq_after["event"]["execute_at"]), when);
    assert_eq!(
        etag,
        format!("\"{}\"", hq["event"]["version"].as_i64().unwrap() + 1)
    );
    let log: Vec<Value> = alice
        .get(app.url(&format!(
            "/om-events/{}/log",
            hq["event"]["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log.last().unwrap()["actor"], "alice@acme.example");
    assert_eq!(log.last().unwrap()["action"], "rescheduled");
    let (single_after, _) = app.event_of(&alice, "retail-single-tunnel").await;
    assert_eq!(
        single_after["event"], single["event"],
        "a refused item changed nothing"
    );

    // A time after an event's default is refused for that event alone.
    let (ssl, _) = app.event_of(&alice, "remote-access-ssl").await;
    let late = at(&hq_after["event"]["default_execute_at"]) + Duration::hours(1);
    let res = alice
        .post(app.url("/om-events/bulk-execution"))
        .json(&json!({"mode": "at", "execute_at": late, "events": [
            {"id": ssl["event"]["id"], "version": ssl["event"]["version"]},
            {"id": hq_after["event"]["id"], "version": hq_after["event"]["version"]},
        ]}))
        .send()
        .await
        .unwrap();
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["results"][1]["status"], 422);
    assert_eq!(
        answer["results"][1]["error"]["code"],
        "after_default_execution_time"
    );
    app.stop().await;
}

async fn bulk_execution_refuses_bad_requests_whole_and_replays_its_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let url = app.url("/om-events/bulk-execution");
    let (hq, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    let item = json!({"id": hq["event"]["id"], "version": hq["event"]["version"]});
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"id": format!("om-{i:020}"), "version": 1}))
        .collect();
    for (events, code, field) in [
        (json!([]), "no_events", "events"),
        (json!(many), "too_many_events", "events"),
        (
            json!([item.clone(), item.clone()]),
            "duplicate_event_id",
            "events[1].id",
        ),
    ] {
        let res = alice
            .post(&url)
            .json(&json!({"mode": "now", "events": events}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let err: Value = res.json().await.unwrap();
        assert_eq!(
            (err["code"].as_str(), err["field"].as_str()),
            (Some(code), Some(field))
        );
    }
    let res = alice
        .post(&url)
        .json(&json!({"mode": "at", "events": [item.clone()]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.event_of(&alice, "hq-dual-tunnel").await.0["event"],
        hq["event"]
    );

    let when = (app.now() + Duration::hours(3)).with_second(0).unwrap();
    let body = json!({"mode": "at", "execute_at": when, "events": [item]});
    let first = alice
        .post(&url)
        .header("Idempotency-Key", "bulk-key-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["results"][0]["status"], 200);
    // The retry gets the first answer although the version it names is stale by now.
    let again = alice
        .post(&url)
        .header("Idempotency-Key", "bulk-key-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first);
    let (hq_after, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    assert_eq!(
        hq_after["event"]["version"],
        hq["event"]["version"].as_i64().unwrap() + 1
    );
    let res = alice
        .post(&url)
        .header("Idempotency-Key", "bulk-key-1")
        .json(&json!({"mode": "now", "events": [{"id": hq["event"]["id"], "version": 1}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

/// The two events of the redundant site rescheduled at the same moment, again and again, to
/// times at which they conflict: each request is answered 200 (its change committed, so the
/// conflict marks written after it must not turn it into an error), and the marks end up on
/// both rows.
async fn both_paths_rescheduled_at_once_are_both_answered_and_marked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    for round in 0..15 {
        let (primary, primary_etag) = app.event_of(&alice, "site-primary-gw").await;
        let (backup, backup_etag) = app.event_of(&alice, "site-backup-gw").await;
        let earliest = at(&primary["event"]["default_execute_at"])
            .min(at(&backup["event"]["default_execute_at"]));
        let to = earliest - Duration::minutes(30 + round);
        let send = |event: &Value, etag: String| {
            let url = app.url(&format!(
                "/om-events/{}/execution",
                event["event"]["id"].as_str().unwrap()
            ));
            let request = alice
                .post(url)
                .header("If-Match", etag)
                .json(&json!({"mode": "at", "execute_at": to, "allow_conflict": true}));
            async move {
                let res = request.send().await.unwrap();
                (res.status(), res.text().await.unwrap())
            }
        };
        let (a, b) = tokio::join!(send(&primary, primary_etag), send(&backup, backup_etag));
        assert_eq!(a.0, StatusCode::OK, "round {round}: {}", a.1);
        assert_eq!(b.0, StatusCode::OK, "round {round}: {}", b.1);
    }
    let list: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?q=site-"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for item in list["items"].as_array().unwrap() {
        assert_eq!(item["om_events"]["current"]["conflict"], true, "{item}");
    }
    app.stop().await;
}
