//! `omctl` as a process against the real server, changing: the reschedule rule before any
//! request, If-Match, a lost answer retried with the same Idempotency-Key, confirmation of
//! execute, and the notification commands.

mod support;

use chrono::{Duration, FixedOffset, Utc};
use support::{
    audit_actions, closed_port_url, json, lossy_proxy, omctl, on_a_terminal, shanghai, time,
    Server, OPERATOR, VIEWER,
};
use vpn_console_domain::{validate, ExecutionRequest, OmEvent};

/// An event whose default is a day or more away, so that hours before it are still ahead.
fn days_away(detail: &serde_json::Value) -> bool {
    time(&detail["event"]["default_execute_at"]) > Utc::now() + Duration::days(1)
}

#[test]
fn a_reschedule_the_rule_refuses_exits_1_with_its_message_and_sends_nothing() {
    let server = Server::start();
    let token = server.token(OPERATOR);
    let detail = server.pending_event(&token, days_away);
    let id = detail["event"]["id"].as_str().unwrap().to_owned();
    let event: OmEvent = serde_json::from_value(detail["event"].clone()).unwrap();

    let later = event.default_execute_at + Duration::hours(1);
    let expected = validate(
        &event,
        &ExecutionRequest::At { execute_at: later },
        time(&detail["server_time"]),
    )
    .unwrap_err()
    .message;
    let run = omctl(
        &server.url,
        &token,
        &["events", "reschedule", &id, "--at", &later.to_rfc3339()],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr.trim(), format!("omctl: {expected}"));
    let mut with_json = vec!["events", "reschedule", &id, "--json", "--at"];
    let later_text = later.to_rfc3339();
    with_json.push(&later_text);
    let run = omctl(&server.url, &token, &with_json);
    assert_eq!(run.code, 1);
    assert_eq!(
        json(&run.stdout),
        serde_json::json!({"code": "after_default_execution_time", "message": expected}),
        "the rule's refusal in the API's error shape, with the domain's code"
    );

    let past = Utc::now() - Duration::hours(1);
    let run = omctl(
        &server.url,
        &token,
        &["events", "reschedule", &id, "--at", &past.to_rfc3339()],
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("is in the past"), "{}", run.stderr);

    // Nothing reached the server: same version, nothing logged but the publication.
    let (_, etag, _) = server.api(&token, &format!("/om-events/{id}"));
    assert_eq!(etag.unwrap(), format!("\"{}\"", event.version));
    assert_eq!(audit_actions(&server, &token, &id), ["published"]);

    // A wall time that DST skips or repeats is refused before any request: here there is no
    // server at all, and the answer is still the rule's (1), not the network's (4).
    let nowhere = closed_port_url();
    let at = [
        "events",
        "reschedule",
        &id,
        "--tz",
        "America/New_York",
        "--at",
    ];
    let run = omctl(&nowhere, &token, &[&at[..], &["2027-03-14 02:30"]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    let run = omctl(&nowhere, &token, &[&at[..], &["2027-11-07 01:30"]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("happens twice"), "{}", run.stderr);
}

#[test]
fn a_reschedule_is_sent_with_if_match_and_shows_the_new_time() {
    let server = Server::start();
    let token = server.token(OPERATOR);
    let detail = server.pending_event(&token, days_away);
    let id = detail["event"]["id"].as_str().unwrap();
    let default = time(&detail["event"]["default_execute_at"]);
    // Any offset: two hours before the default, written in UTC+05:30.
    let target = default - Duration::hours(2);
    let ist = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
    let at = target.with_timezone(&ist).to_rfc3339();
    assert!(at.ends_with("+05:30"));
    let run = omctl(
        &server.url,
        &token,
        &["events", "reschedule", id, "--at", &at],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(&shanghai(target)), "{}", run.stdout);
    let (_, etag, after) = server.api(&token, &format!("/om-events/{id}"));
    assert_eq!(time(&after["event"]["execute_at"]), target);
    let version = detail["event"]["version"].as_i64().unwrap();
    assert_eq!(etag.unwrap(), format!("\"{}\"", version + 1));

    // A wall time in a named zone, and the audit log shows both, by the token's user.
    let wall = (default - Duration::hours(3))
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let run = omctl(
        &server.url,
        &token,
        &[
            "events",
            "reschedule",
            id,
            "--tz",
            "Europe/Berlin",
            "--at",
            &wall,
            "--json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let updated = json(&run.stdout);
    assert_eq!(time(&updated["execute_at"]), default - Duration::hours(3));
    let run = omctl(&server.url, &token, &["events", "log", id]);
    assert_eq!(run.code, 0);
    let rescheduled: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("rescheduled"))
        .collect();
    assert_eq!(rescheduled.len(), 2, "{}", run.stdout);
    assert!(rescheduled.iter().all(|l| l.contains(OPERATOR)));

    // A viewer's token may look but not change: authentication, exit 3.
    let viewer = server.token(VIEWER);
    let run = omctl(
        &server.url,
        &viewer,
        &["events", "reschedule", id, "--at", &at],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
}

#[test]
fn a_lost_answer_is_asked_for_again_with_the_same_idempotency_key() {
    let server = Server::start();
    let token = server.token(OPERATOR);
    let detail = server.pending_event(&token, days_away);
    let id = detail["event"]["id"].as_str().unwrap();
    let target = time(&detail["event"]["default_execute_at"]) - Duration::hours(1);
    let proxy = lossy_proxy(&server.url, "/execution");
    let run = omctl(
        &proxy,
        &token,
        &["events", "reschedule", id, "--at", &target.to_rfc3339()],
    );
    // The first request was applied, its answer lost; the retry's If-Match is stale by then, so
    // only the same key gets the first answer instead of 412.
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("same Idempotency-Key"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("rescheduled"), "{}", run.stdout);
    assert_eq!(
        audit_actions(&server, &token, id),
        ["published", "rescheduled"]
    );
}

#[test]
fn execute_asks_unless_yes_and_refuses_without_a_terminal() {
    let server = Server::start();
    let token = server.token(OPERATOR);
    let detail = server.pending_event(&token, days_away);
    let id = detail["event"]["id"].as_str().unwrap();
    let run = omctl(&server.url, &token, &["events", "execute", id]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert_eq!(audit_actions(&server, &token, id), ["published"]);

    let run = omctl(
        &server.url,
        &token,
        &["events", "execute", id, "--yes", "--json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let event = json(&run.stdout);
    assert_eq!(event["id"], id);
    assert!(audit_actions(&server, &token, id).contains(&"execute_now".to_owned()));

    // On a terminal it asks; anything but yes changes nothing (exit 1), yes executes.
    let other = server.pending_event(&token, |d| d["event"]["id"] != id);
    let other = other["event"]["id"].as_str().unwrap();
    let declined = on_a_terminal(&server.url, &token, &["events", "execute", other], "n\n");
    assert_eq!(declined.code, 1, "{}", declined.stdout);
    assert!(declined.stdout.contains("[y/N]"), "{}", declined.stdout);
    assert!(
        declined.stdout.contains("not confirmed"),
        "{}",
        declined.stdout
    );
    assert_eq!(audit_actions(&server, &token, other), ["published"]);
    let confirmed = on_a_terminal(&server.url, &token, &["events", "execute", other], "y\n");
    assert_eq!(confirmed.code, 0, "{}", confirmed.stdout);
    assert!(
        confirmed.stdout.contains("executes now"),
        "{}",
        confirmed.stdout
    );
    // The scheduler may have started it already.
    assert_eq!(
        audit_actions(&server, &token, other)[..2],
        ["published", "execute_now"]
    );

    // An event the rule refuses is not asked about.
    let (_, _, history) = server.api(&token, "/regions/cn-hangzhou/om-events?days=30");
    let completed = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "completed")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = on_a_terminal(
        &server.url,
        &token,
        &["events", "execute", &completed],
        "y\n",
    );
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(!refused.stdout.contains("[y/N]"), "{}", refused.stdout);
    assert!(
        refused.stdout.contains("only a pending event"),
        "{}",
        refused.stdout
    );

    // Now it is no longer pending by the time it starts, or was moved to now: either way a
    // second execute is the rule's refusal or accepted again, never a usage or network error.
    let run = omctl(&server.url, &token, &["events", "execute", id, "--yes"]);
    assert!(
        run.code == 0 || run.code == 1,
        "{}: {}",
        run.code,
        run.stderr
    );
}

/// The calendar feed and webhooks (DESIGN.md 9.1, 9.2) are being built on the server: against
/// a server without them omctl says so (exit 1); against one with them it does the job.
#[test]
fn calendar_url_and_webhooks_follow_the_contract_or_say_the_server_lacks_them() {
    let server = Server::start();
    let token = server.token(OPERATOR);
    let (status, _, _) = server.api(&token, "/webhooks");
    let run = omctl(&server.url, &token, &["calendar-url"]);
    let hooks = omctl(&server.url, &token, &["webhooks", "list"]);
    if status == 404 {
        for run in [&run, &hooks] {
            assert_eq!(run.code, 1, "{}", run.stderr);
            assert!(run.stderr.contains("this server has no"), "{}", run.stderr);
        }
        return;
    }
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.trim().ends_with(".ics"), "{}", run.stdout);
    assert_eq!(hooks.code, 0, "{}", hooks.stderr);
    assert!(hooks.stdout.starts_with("ID"), "{}", hooks.stdout);
    // Without --webhook-allow-private a loopback receiver is refused by the server's rule.
    let add = omctl(
        &server.url,
        &token,
        &["webhooks", "add", "https://127.0.0.1/h"],
    );
    assert_eq!(add.code, 1, "{}", add.stderr);
    assert!(
        add.stderr.contains("webhook_url_not_allowed"),
        "{}",
        add.stderr
    );
}

#[test]
fn channels_are_added_listed_tested_and_removed() {
    let server = Server::start();
    let token = server.token(OPERATOR);
    let add = omctl(
        &server.url,
        &token,
        &[
            "--json",
            "channels",
            "add",
            "--kind",
            "email",
            "--target",
            "noc@acme.example",
            "--time-zone",
            "Asia/Shanghai",
            "--region",
            "cn-hangzhou",
        ],
    );
    assert_eq!(add.code, 0, "{}", add.stderr);
    let created: serde_json::Value = serde_json::from_str(&add.stdout).unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["filters"]["regions"],
        serde_json::json!(["cn-hangzhou"])
    );
    let list = omctl(&server.url, &token, &["channels", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(list.stdout.starts_with("ID"), "{}", list.stdout);
    assert!(
        list.stdout.contains(&id) && list.stdout.contains("Asia/Shanghai"),
        "{}",
        list.stdout
    );
    let test = omctl(&server.url, &token, &["channels", "test", &id]);
    assert_eq!(test.code, 0, "{}", test.stderr);
    // A rule's refusal is exit code 1 with the server's code.
    let bad = omctl(
        &server.url,
        &token,
        &["channels", "add", "--kind", "email", "--target", "nobody"],
    );
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("invalid_target"), "{}", bad.stderr);
    let remove = omctl(&server.url, &token, &["channels", "remove", &id]);
    assert_eq!(remove.code, 0, "{}", remove.stderr);
    let list = omctl(&server.url, &token, &["channels", "list"]);
    assert!(!list.stdout.contains(&id), "{}", list.stdout);
}
