//! `omctl events show` with an event's verification and hold, and `omctl events verify`, against
//! the real server, with the provider's `tunnel-health` run as the command it is.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::{json, omctl, Server, OPERATOR, VIEWER};

/// The current event of the gateway named `name`.
fn event_of(server: &Server, token: &str, name: &str) -> String {
    let (_, _, page) = server.api(
        token,
        &format!("/regions/cn-hangzhou/vpn-gateways?q={name}"),
    );
    page["items"][0]["om_events"]["current"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{name} has no current event: {page}"))
        .to_owned()
}

/// Polls the event's detail until `done` holds for it.
fn wait_for(server: &Server, token: &str, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let (_, _, detail) = server.api(token, &format!("/om-events/{id}"));
        if done(&detail) {
            return detail;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{detail}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_tunnel_that_did_not_come_back_shows_its_hint_then_turns_verified_when_reported_up() {
    // Maintenance takes 1 s, the verification deadline 1 s after it.
    let server = Server::start_scaled(600.0);
    let token = server.token(OPERATOR);
    let id = event_of(&server, &token, "site-primary-gw");

    // Nothing to verify before completion: refused by a rule, exit 1, the server's code.
    let run = omctl(&server.url, &token, &["events", "verify", &id, "--json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(json(&run.stdout)["code"], "not_completed");

    let run = omctl(&server.url, &token, &["events", "execute", &id, "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let detail = wait_for(&server, &token, &id, |d| {
        d["verification"]["status"] == "failed"
    });
    let row = &detail["verification"]["tunnels"][0];
    let cgw = row["customer_gateway_id"].as_str().unwrap();
    let run = omctl(&server.url, &token, &["events", "show", &id]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Verification: Failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "Your device answers IKE but does not start it: start the tunnel from {cgw}"
        )),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("IKE up"), "{}", run.stdout);
    assert!(run.stdout.contains("IKE down"), "{}", run.stdout);

    // The customer starts it; the provider's monitoring says so.
    let tunnel = row["tunnel_id"].as_str().unwrap();
    let out = server.operator(&["tunnel-health", "--tunnel", tunnel, "--ike", "up"]);
    assert_eq!(json(&out)["rechecked_events"][0], id.as_str(), "{out}");
    let run = omctl(&server.url, &token, &["events", "verify", &id]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("Verification: Verified"),
        "{}",
        run.stdout
    );
    let run = omctl(&server.url, &token, &["events", "verify", &id, "--json"]);
    assert_eq!(json(&run.stdout)["status"], "verified");
    let run = omctl(&server.url, &token, &["events", "log", &id]);
    assert!(run.stdout.contains("verification_failed"), "{}", run.stdout);
    assert!(run.stdout.contains("verified"), "{}", run.stdout);

    // A viewer may look, not re-check: exit 3 as for any change.
    let viewer = server.token(VIEWER);
    let run = omctl(&server.url, &viewer, &["events", "verify", &id]);
    assert_eq!(run.code, 3, "{}", run.stderr);
}

#[test]
fn a_held_event_says_which_event_holds_it_and_why() {
    let server = Server::start_scaled(60.0);
    let token = server.token(OPERATOR);
    let backup = event_of(&server, &token, "site2-backup-gw");
    let primary = event_of(&server, &token, "site2-primary-gw");
    let run = omctl(
        &server.url,
        &token,
        &["events", "execute", &backup, "--yes"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    wait_for(&server, &token, &backup, |d| {
        d["event"]["status"] == "executing"
    });
    // omctl's Execute Now does not consent to a conflict; the API with allow_conflict does.
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let (_, etag, _) = server.api(&token, &format!("/om-events/{primary}"));
    let res = agent
        .post(format!(
            "{}/api/v1/om-events/{primary}/execution",
            server.url
        ))
        .header("authorization", format!("Bearer {token}"))
        .header("if-match", etag.unwrap())
        .header("content-type", "application/json")
        .send(r#"{"mode": "now", "allow_conflict": true}"#)
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    wait_for(&server, &token, &primary, |d| !d["hold"].is_null());
    let run = omctl(&server.url, &token, &["events", "show", &primary]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Held (one path of a site at a time)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(&backup), "{}", run.stdout);
    assert!(
        run.stdout.contains("is under maintenance now"),
        "{}",
        run.stdout
    );
}
