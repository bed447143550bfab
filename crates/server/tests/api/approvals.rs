//! A second pair of eyes (DESIGN.md 14): the approval policy, requests made by the one
//! execution service, the two-person rule, decisions that apply the change, expiry, and
//! requests that fail because their event changed or the change no longer holds.

use crate::support::{actions, Backend, TestApp, PASSWORD};
use chrono::{DateTime, Duration, Timelike, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use vpn_console_domain::api::Role;
use vpn_console_server::store::hash_password;

both_backends!(
    the_policy_is_read_by_all_set_by_operators_and_audited,
    a_covered_change_waits_for_someone_else,
    two_approvals_apply_the_change_once_with_both_approvers,
    a_rejected_or_cancelled_request_leaves_the_event_alone,
    requests_too_late_or_without_reason_are_refused,
    a_request_expires_by_the_clock_once_across_schedulers,
    a_request_fails_when_its_event_changes,
    an_approved_change_is_decided_again_and_may_fail,
    a_bulk_request_covers_the_items_that_pass_their_checks,
    a_request_is_applied_once_across_replicas,
);

const ALICE: &str = "alice@acme.example";

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

async fn add_operator(app: &TestApp, email: &str) -> reqwest::Client {
    app.store
        .create_user(
            "acme",
            email,
            &hash_password(PASSWORD).unwrap(),
            Role::Operator,
        )
        .await
        .unwrap();
    app.login(email).await
}

async fn set_policy(app: &TestApp, client: &reqwest::Client, require_for: &[&str], min: u8) {
    let res = client
        .put(app.url("/approval-policy"))
        .json(&json!({"require_for": require_for, "min_approvals": min}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

/// Sends a change of the event of `gateway`; answers the status, the body and the event's id
/// and ETag as they were before.
async fn change(
    app: &TestApp,
    client: &reqwest::Client,
    gateway: &str,
    body: Value,
) -> (StatusCode, Value, String, String) {
    let (detail, etag) = app.event_of(client, gateway).await;
    let id = detail["event"]["id"].as_str().unwrap().to_owned();
    let res = client
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", &etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap(), id, etag)
}

async fn decide(
    app: &TestApp,
    client: &reqwest::Client,
    id: &str,
    decision: &str,
) -> (StatusCode, Value) {
    let res = client
        .post(app.url(&format!("/approvals/{id}/decision")))
        .json(&json!({"decision": decision, "comment": "looked at it"}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

async fn approval(app: &TestApp, client: &reqwest::Client, id: &str) -> Value {
    let res = client
        .get(app.url(&format!("/approvals/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// A time the event of `detail` may move to: an hour before its default, whole minutes.
fn earlier(detail: &Value) -> DateTime<Utc> {
    (at(&detail["event"]["default_execute_at"]) - Duration::hours(1))
        .with_second(0)
        .unwrap()
}

async fn the_policy_is_read_by_all_set_by_operators_and_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login(ALICE).await;
    let victor = app.login("victor@acme.example").await;
    let policy: Value = victor
        .get(app.url("/approval-policy"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(policy, json!({"require_for": [], "min_approvals": 1}));

    let res = victor
        .put(app.url("/approval-policy"))
        .json(&json!({"require_for": ["execute_now"], "min_approvals": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    for bad in [
        json!({"require_for": ["everything"], "min_approvals": 1}),
        json!({"require_for": [], "min_approvals": 3}),
        json!({"require_for": []}),
    ] {
        let res = alice
            .put(app.url("/approval-policy"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    set_policy(
        &app,
        &alice,
        &["reschedule", "execute_now", "reschedule"],
        2,
    )
    .await;
    let policy: Value = victor
        .get(app.url("/approval-policy"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        policy,
        json!({"require_for": ["execute_now", "reschedule"], "min_approvals": 2})
    );
    // Another account keeps its own.
    let gina = app.login("gina@globex.example").await;
    let theirs: Value = gina
        .get(app.url("/approval-policy"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["require_for"], json!([]));

    let audit: Value = alice
        .get(app.url("/audit-log"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let updated: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "approval_policy.updated")
        .collect();
    assert_eq!(updated.len(), 1, "{audit}");
    assert_eq!(updated[0]["actor"], ALICE);
    app.stop().await;
}

async fn a_covered_change_waits_for_someone_else(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login(ALICE).await;
    let bob = add_operator(&app, "bob@acme.example").await;
    let victor = app.login("victor@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    set_policy(&app, &alice, &["reschedule"], 1).await;

    // Not covered: Execute Now is applied as before.
    let (status, _, _, _) = change(&app, &alice, "remote-access-ssl", json!({"mode": "now"})).await;
    assert_eq!(status, StatusCode::OK);

    let (detail, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    let to = earlier(&detail);
    let (status, request, event_id, etag) = change(
        &app,
        &alice,
        "hq-dual-tunnel",
        json!({"mode": "at", "execute_at": to, "reason": "fits the change window", "ticket": "CHG-7"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    let id = request["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("apr-"), "{id}");
    assert_eq!(request["status"], "pending");
    assert_eq!(request["requested_by"], ALICE);
    assert_eq!(request["event_ids"], json!([event_id]));
    assert_eq!(request["change"], json!({"mode": "at", "execute_at": to}));
    assert_eq!(request["reason"], "fits the change window");
    assert_eq!(request["ticket"], "CHG-7");
    assert_eq!(request["decisions"], json!([]));
    assert_eq!(request["error"], Value::Null);
    assert_eq!(
        request["risk"]["tunnels"], detail["summary"]["tunnels"],
        "{request}"
    );
    assert_eq!(
        at(&request["expires_at"]),
        to - Duration::minutes(10),
        "the requested time is the earliest"
    );
    // Nothing changed yet, not even the version.
    let (now_detail, now_etag) = app.event_of_id(&alice, &event_id).await;
    assert_eq!(now_etag, etag);
    assert_eq!(now_detail["event"], detail["event"]);
    assert_eq!(
        actions(&app.log_of(&alice, &event_id).await),
        ["published", "approval_requested"]
    );

    // While it waits, no other change of the event.
    let (status, err, _, _) = change(
        &app,
        &bob,
        "hq-dual-tunnel",
        json!({"mode": "at", "execute_at": to - Duration::hours(1), "reason": "sooner"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["code"], "approval_pending");

    // The two-person rule, in the contract's order.
    let (status, err) = decide(&app, &gina, &id, "approve").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let res = gina
        .get(app.url(&format!("/approvals/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (status, err) = decide(&app, &alice, &id, "approve").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("own_request"))
    );
    let (status, _) = decide(&app, &victor, &id, "approve").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let viewer_sees = approval(&app, &victor, &id).await;
    assert_eq!(viewer_sees["status"], "pending");

    let (status, decided) = decide(&app, &bob, &id, "approve").await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["status"], "approved");
    assert_eq!(decided["decisions"][0]["by"], "bob@acme.example");
    assert_eq!(decided["decisions"][0]["decision"], "approve");
    assert_eq!(decided["decisions"][0]["comment"], "looked at it");
    let (moved, _) = app.event_of_id(&alice, &event_id).await;
    assert_eq!(at(&moved["event"]["execute_at"]), to);
    let log = app.log_of(&alice, &event_id).await;
    assert_eq!(
        actions(&log),
        ["published", "approval_requested", "approved", "rescheduled"]
    );
    let applied = &log[3];
    assert_eq!(applied["actor"], ALICE, "the requester's change: {applied}");
    assert_eq!(applied["approved_by"], json!(["bob@acme.example"]));
    assert_eq!(log[2]["actor"], "bob@acme.example");
    assert!(log[1].get("approved_by").is_none());

    // Decided once.
    let (status, err) = decide(&app, &bob, &id, "approve").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_pending"))
    );
    // The requester's own, even now.
    let (status, err) = decide(&app, &alice, &id, "reject").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("own_request"))
    );

    let list: Value = victor
        .get(app.url("/approvals?status=approved"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], id.as_str());
    let none: Value = victor
        .get(app.url("/approvals?status=pending"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none["total"], 0);
    let res = victor
        .get(app.url("/approvals?status=maybe"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let theirs: Value = gina
        .get(app.url("/approvals"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["total"], 0);
    app.stop().await;
}

async fn two_approvals_apply_the_change_once_with_both_approvers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login(ALICE).await;
    let bob = add_operator(&app, "bob@acme.example").await;
    let carol = add_operator(&app, "carol@acme.example").await;
    set_policy(&app, &alice, &["execute_now"], 2).await;
    let (status, request, event_id, _) = change(
        &app,
        &alice,
        "hq-dual-tunnel",
        json!({"mode": "now", "reason": "the tunnel flaps"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    let id = request["id"].as_str().unwrap().to_owned();

    let (status, one) = decide(&app, &bob, &id, "approve").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["status"], "pending", "one of two approvals");
    let (status, err) = decide(&app, &bob, &id, "approve").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_decided"))
    );
    let (detail, _) = app.event_of_id(&alice, &event_id).await;
    assert_eq!(detail["event"]["status"], "pending");
    assert_ne!(at(&detail["event"]["execute_at"]), app.now());

    let (status, two) = decide(&app, &carol, &id, "approve").await;
    assert_eq!(status, StatusCode::OK, "{two}");
    assert_eq!(two["status"], "approved");
    let (detail, _) = app.event_of_id(&alice, &event_id).await;
    assert_eq!(at(&detail["event"]["execute_at"]), app.now());
    let log = app.log_of(&alice, &event_id).await;
    assert_eq!(
        actions(&log),
        [
            "published",
            "approval_requested",
            "approved",
            "approved",
            "execute_now"
        ]
    );
    assert_eq!(log[4]["actor"], ALICE);
    assert_eq!(
        log[4]["approved_by"],
        json!(["bob@acme.example", "carol@acme.example"])
    );
    app.stop().await;
}

async fn a_rejected_or_cancelled_request_leaves_the_event_alone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login(ALICE).await;
    let bob = add_operator(&app, "bob@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    set_policy(&app, &alice, &["execute_now"], 1).await;

    let (_, request, event_id, etag) = change(
        &app,
        &alice,
        "hq-dual-tunnel",
        json!({"mode": "now", "reason": "r"}),
    )
    .await;
    let id = request["id"].as_str().unwrap().to_owned();
    let (status, rejected) = decide(&app, &bob, &id, "reject").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(app.event_of_id(&alice, &event_id).await.1, etag);
    let res = alice
        .delete(app.url(&format!("/approvals/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // A new request, now the first is decided; cancelled by its requester only.
    let (status, request, _, _) = change(
        &app,
        &alice,
        "hq-dual-tunnel",
        json!({"mode": "now", "reason": "again"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let id = request["id"].as_str().unwrap().to_owned();
    for (client, code, status) in [
        (&gina, "not_found", StatusCode::NOT_FOUND),
        (&bob, "not_requester", StatusCode::FORBIDDEN),
    ] {
        let res = client
            .delete(app.url(&format!("/approvals/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status);
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["code"], code);
    }
    let res = alice
        .delete(app.url(&format!("/approvals/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(approval(&app, &bob, &id).await["status"], "cancelled");
    let (status, err) = decide(&app, &bob, &id, "approve").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_pending"))
    );
    assert_eq!(app.event_of_id(&alice, &event_id).await.1, etag);
    assert_eq!(
        actions(&app.log_of(&alice, &event_id).await),
        [
            "published",
            "approval_requested",
            "rejected",
            "approval_requested",
            "approval_cancelled"
        ]
    );
    app.stop().await;
}

async fn requests_too_late_or_without_reason_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login(ALICE).await;
    set_policy(&app, &alice, &["reschedule", "execute_now"], 1).await;
    let (detail, _) = app.event_of(&alice, "hq-dual-tunnel").await;

    // The rules first, with their answers unchanged.
    let (status, err, _, _) = change(
        &app,
        &alice,
        "hq-dual-tunnel",
        json!({"mode": "at", "execute_at": app.now() - Duration::hours(1)}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["code"], "in_the_past");
    let (status, err, _, _) = change(&app, &alice, "hq-dual-tunnel", json!({"mode": "now"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["code"], "reason_required");
    let soon = (app.now() + Duration::minutes(5)).with_second(0).unwrap() + Duration::minutes(1);
    let (status, err, id, etag) = change(
        &app,
        &alice,
        "hq-dual-tunnel",
        json!({"mode": "at", "execute_at": soon, "reason": "now-ish"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["code"], "too_late_for_approval");
    let (after, after_etag) = app.event_of_id(&alice, &id).await;
    assert_eq!(after_etag, etag);
    assert_eq!(after["event"], detail["event"]);
    assert_eq!(actions(&app.log_of(&alice, &id).await), ["published"]);
    app.stop().await;
}

async fn a_request_expires_by_the_clock_once_across_schedulers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login(ALICE).await;
    add_operator(&app, "bob@acme.example").await;
    set_policy(&app, &alice, &["execute_now"], 1).await;
    let (status, request, event_id, etag) = change(
        &app,
        &alice,
        "hq-dual-tunnel",
        json!({"mode": "now", "reason": "r"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let id = request["id"].as_str().unwrap().to_owned();
    let expires = at(&request["expires_at"]);
    let (detail, _) = app.event_of_id(&alice, &event_id).await;
    assert_eq!(
        expires,
        at(&detail["event"]["execute_at"]) - Duration::minutes(10)
    );

    // Sessions age with the clock: log in again after it moved.
    app.clock.set(expires - Duration::seconds(1));
    app.scheduler("a").run_once().await.unwrap();
    let bob = app.login("bob@acme.example").await;
    assert_eq!(approval(&app, &bob, &id).await["status"], "pending");

    app.clock.set(expires);
    let bob = app.login("bob@acme.example").await;
    let alice = app.login(ALICE).await;
    // At expires_at it is no longer open, even before a scheduler looked.
    let (status, err) = decide(&app, &bob, &id, "approve").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_pending"))
    );
    // Two schedulers (as two replicas would) at once: it expires once.
    // The second with a connection pool of its own, as another process has.
    let key = matches!(backend, Backend::Postgres).then(crate::support::pg::secrets_key_file);
    let second = vpn_console_server::store::Store::connect_with(&app.db_url, key.as_deref())
        .await
        .unwrap();
    let a = app.scheduler("a");
    let mut b = app.scheduler("b");
    b.store = second.clone();
    let (pa, pb) = tokio::join!(a.run_once(), b.run_once());
    assert_eq!(pa.unwrap().expired + pb.unwrap().expired, 1);
    assert_eq!(approval(&app, &bob, &id).await["status"], "expired");
    assert_eq!(
        actions(&app.log_of(&alice, &event_id).await),
        ["published", "approval_requested", "approval_expired"]
    );
    // The event keeps its time.
    assert_eq!(app.event_of_id(&alice, &event_id).await.1, etag);
    second.close().await;
    app.stop().await;
}

async fn a_request_fails_when_its_event_changes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login(ALICE).await;
    let bob = add_operator(&app, "bob@acme.example").await;
    set_policy(&app, &alice, &["execute_now"], 1).await;
    let (status, request, event_id, _) = change(
        &app,
        &alice,
        "hq-dual-tunnel",
        json!({"mode": "now", "reason": "r"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let id = request["id"].as_str().unwrap().to_owned();
    // The provider cancels the event.
    app.store
        .cancel_event(&event_id.parse().unwrap(), app.now())
        .await
        .unwrap();
    let failed = approval(&app, &bob, &id).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"]["code"], "event_changed");
    assert_eq!(
        actions(&app.log_of(&alice, &event_id).await),
        [
            "published",
            "approval_requested",
            "cancelled",
            "approval_failed"
        ]
    );
    let (status, err) = decide(&app, &bob, &id, "approve").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_pending"))
    );

    // The maintenance window moves another event while its request waits.
    let (status, request, event_id, _) = change(
        &app,
        &alice,
        "remote-access-ssl",
        json!({"mode": "now", "reason": "r"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let id = request["id"].as_str().unwrap().to_owned();
    let window = json!({"time_zone": "UTC", "days": ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
        "start": "00:00", "duration_minutes": 60});
    let res = alice
        .put(app.url("/maintenance-window"))
        .json(&window)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let moved: Value = res.json().await.unwrap();
    assert!(
        moved["moved"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["event_id"] == event_id.as_str()),
        "the window moves it: {moved}"
    );
    let failed = approval(&app, &bob, &id).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"]["code"], "event_changed");
    let log = app.log_of(&alice, &event_id).await;
    let actions = actions(&log);
    assert_eq!(
        actions[actions.len() - 2..],
        ["rescheduled", "approval_failed"],
        "{log}"
    );
    app.stop().await;
}

async fn an_approved_change_is_decided_again_and_may_fail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login(ALICE).await;
    let bob = add_operator(&app, "bob@acme.example").await;
    set_policy(&app, &alice, &["reschedule"], 1).await;
    let (detail, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    let to = earlier(&detail);
    let (status, request, event_id, etag) = change(
        &app,
        &alice,
        "hq-dual-tunnel",
        json!({"mode": "at", "execute_at": to, "reason": "r"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let id = request["id"].as_str().unwrap().to_owned();
    // A freeze period over the requested time, made while the request waits: no event
    // moves (the account has no window), but the change no longer holds.
    let res = bob
        .post(app.url("/freeze-periods"))
        .json(&json!({"starts_at": to - Duration::hours(1), "ends_at": to + Duration::hours(1), "reason": "year end"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    assert_eq!(approval(&app, &bob, &id).await["status"], "pending");

    let (status, decided) = decide(&app, &bob, &id, "approve").await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["status"], "failed");
    assert_eq!(decided["error"]["code"], "in_freeze_period");
    assert_eq!(decided["decisions"][0]["by"], "bob@acme.example");
    assert_eq!(app.event_of_id(&alice, &event_id).await.1, etag);
    assert_eq!(
        actions(&app.log_of(&alice, &event_id).await),
        [
            "published",
            "approval_requested",
            "approved",
            "approval_failed"
        ]
    );
    app.stop().await;
}

async fn a_bulk_request_covers_the_items_that_pass_their_checks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login(ALICE).await;
    let bob = add_operator(&app, "bob@acme.example").await;
    // Execute Now covers single changes only: a bulk one needs `bulk`.
    set_policy(&app, &alice, &["execute_now"], 1).await;
    let (one, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    let (two, _) = app.event_of(&alice, "remote-access-ssl").await;
    let item = |d: &Value| json!({"id": d["event"]["id"], "version": d["event"]["version"]});
    let res = alice
        .post(app.url("/om-events/bulk-execution"))
        .json(&json!({"mode": "at", "execute_at": earlier(&one), "events": [item(&one)]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (one, _) = app.event_of(&alice, "hq-dual-tunnel").await;

    set_policy(&app, &alice, &["bulk"], 1).await;
    let stale = json!({"id": two["event"]["id"], "version": 999});
    let body = json!({"mode": "now", "events": [item(&one), stale]});
    let res = alice
        .post(app.url("/om-events/bulk-execution"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["code"], "reason_required");

    let mut body = body;
    body["reason"] = json!("both at once");
    let res = alice
        .post(app.url("/om-events/bulk-execution"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["results"][0]["status"], 202, "{answer}");
    assert_eq!(answer["results"][1]["status"], 412);
    assert_eq!(answer["results"][1]["error"]["code"], "stale");
    let request = &answer["approval"];
    assert_eq!(request["event_ids"], json!([one["event"]["id"]]));
    let id = request["id"].as_str().unwrap();

    let (status, decided) = decide(&app, &bob, id, "approve").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(decided["status"], "approved");
    let one_id = one["event"]["id"].as_str().unwrap();
    let (moved, _) = app.event_of_id(&alice, one_id).await;
    assert_eq!(at(&moved["event"]["execute_at"]), app.now());
    let log = app.log_of(&alice, one_id).await;
    assert_eq!(
        log.as_array().unwrap().last().unwrap()["action"],
        "execute_now"
    );
    app.stop().await;
}

/// A second server over the same database, with its own connection pool, as another replica;
/// its API's address.
async fn replica(app: &TestApp, backend: Backend) -> (String, vpn_console_server::store::Store) {
    let key = matches!(backend, Backend::Postgres).then(crate::support::pg::secrets_key_file);
    let store = vpn_console_server::store::Store::connect_with(&app.db_url, key.as_deref())
        .await
        .unwrap();
    let state = vpn_console_server::state(store.clone(), std::sync::Arc::new(app.clock.clone()));
    let router = vpn_console_server::router(state, std::path::Path::new("/nonexistent-console"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = vpn_console_server::serve::serve(listener, router, std::future::pending()).await;
    });
    (base, store)
}

async fn a_request_is_applied_once_across_replicas(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login(ALICE).await;
    let bob = add_operator(&app, "bob@acme.example").await;
    let carol = add_operator(&app, "carol@acme.example").await;
    set_policy(&app, &alice, &["execute_now"], 1).await;
    let (other, other_store) = replica(&app, backend).await;
    let (status, request, event_id, _) = change(
        &app,
        &alice,
        "hq-dual-tunnel",
        json!({"mode": "now", "reason": "r"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let id = request["id"].as_str().unwrap().to_owned();
    let body = json!({"decision": "approve"});
    // Cookies are per host, not per port: each client's session works on both.
    let (a, b) = tokio::join!(
        bob.post(app.url(&format!("/approvals/{id}/decision")))
            .json(&body)
            .send(),
        carol
            .post(format!("{other}/approvals/{id}/decision"))
            .json(&body)
            .send(),
    );
    let mut statuses = [a.unwrap().status(), b.unwrap().status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let log = app.log_of(&alice, &event_id).await;
    assert_eq!(
        actions(&log),
        ["published", "approval_requested", "approved", "execute_now"]
    );
    assert_eq!(
        approval(&app, &alice, &id).await["decisions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    other_store.close().await;
    app.stop().await;
}
