//! `omctl` as a process against the real server: tables, `--json`, the reschedule rule before
//! any request, If-Match and Idempotency-Key with a retry, confirmation, and every exit code.

mod support;

use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde_json::Value;
use support::{closed_port_url, lossy_proxy, omctl, Server, OPERATOR, VIEWER};
use vpn_console_domain::{validate, ExecutionRequest, OmEvent};

fn time(v: &Value) -> DateTime<Utc> {
    serde_json::from_value(v.clone()).unwrap()
}

/// How omctl shows `t` in Asia/Shanghai (the zone the tests run it in).
fn shanghai(t: DateTime<Utc>) -> String {
    let east8 = FixedOffset::east_opt(8 * 3600).unwrap();
    format!(
        "{} UTC+08:00",
        t.with_timezone(&east8).format("%Y-%m-%d %H:%M")
    )
}

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

fn without_server_time(mut v: Value) -> Value {
    assert!(v["server_time"].is_string(), "{v}");
    v.as_object_mut().unwrap().remove("server_time");
    v
}

fn audit_actions(server: &Server, token: &str, id: &str) -> Vec<String> {
    let (_, _, log) = server.api(token, &format!("/om-events/{id}/log"));
    log.as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn regions_and_gateways_as_aligned_tables_and_as_the_apis_json() {
    let server = Server::start();
    let token = server.token(VIEWER);

    let run = omctl(&server.url, &token, &["regions"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (_, _, regions) = server.api(&token, "/regions");
    let regions = regions.as_array().unwrap();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), regions.len() + 1, "{}", run.stdout);
    let name_column = lines[0].find("NAME").unwrap();
    assert!(lines[0].starts_with("ID "));
    for (line, r) in lines[1..].iter().zip(regions) {
        assert!(line.starts_with(r["id"].as_str().unwrap()), "{line}");
        assert_eq!(&line[name_column..], r["name"].as_str().unwrap(), "{line}");
    }
    let run = omctl(&server.url, &token, &["regions", "--json"]);
    assert_eq!(run.code, 0);
    assert_eq!(json(&run.stdout), Value::Array(regions.clone()));

    // A gateway with a current event: its row shows the event and its time in the viewer's zone.
    let (_, _, page) = server.api(&token, "/regions/cn-hangzhou/vpn-gateways?page_size=100");
    let gateway = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| !g["om_events"]["current"].is_null())
        .unwrap()
        .clone();
    let name = gateway["name"].as_str().unwrap();
    let args = ["gateways", "--region", "cn-hangzhou", "--search", name];
    let run = omctl(&server.url, &token, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("ID "), "{}", run.stdout);
    let row = lines
        .iter()
        .find(|l| l.starts_with(gateway["id"].as_str().unwrap()))
        .unwrap_or_else(|| panic!("no row for {name}: {}", run.stdout));
    let current = &gateway["om_events"]["current"];
    assert!(row.contains(name));
    assert!(row.contains(current["id"].as_str().unwrap()), "{row}");
    assert!(
        row.contains(&shanghai(time(&current["execute_at"]))),
        "{row}"
    );
    // Every column starts where its header does.
    let events_column = lines[0].find("O&M EVENT").unwrap();
    assert!(
        row[events_column..].starts_with(current["id"].as_str().unwrap()),
        "{row}"
    );
    assert!(lines.last().unwrap().contains(" of "), "{}", run.stdout);

    let mut json_args = args.to_vec();
    json_args.push("--json");
    let run = omctl(&server.url, &token, &json_args);
    assert_eq!(run.code, 0);
    let (_, _, api) = server.api(
        &token,
        &format!("/regions/cn-hangzhou/vpn-gateways?page=1&page_size=100&q={name}"),
    );
    assert_eq!(
        without_server_time(json(&run.stdout)),
        without_server_time(api)
    );

    let run = omctl(
        &server.url,
        &token,
        &["connections", "--region", "cn-hangzhou", "--json"],
    );
    assert_eq!(run.code, 0);
    let (_, _, api) = server.api(
        &token,
        "/regions/cn-hangzhou/ipsec-connections?page_size=100",
    );
    assert_eq!(
        without_server_time(json(&run.stdout)),
        without_server_time(api)
    );
}

#[test]
fn events_list_filters_by_status_and_show_prints_impact_and_json() {
    let server = Server::start();
    let token = server.token(VIEWER);
    let run = omctl(
        &server.url,
        &token,
        &[
            "events",
            "list",
            "--region",
            "cn-hangzhou",
            "--status",
            "completed",
            "--json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let listed = json(&run.stdout);
    let items = listed["items"].as_array().unwrap();
    assert!(!items.is_empty(), "the demo data has completed events");
    assert!(items.iter().all(|e| e["status"] == "completed"));
    let (_, _, all) = server.api(&token, "/regions/cn-hangzhou/om-events?days=30");
    let completed = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "completed")
        .count();
    assert_eq!(items.len(), completed);

    let detail = server.pending_event(&token, |d| d["summary"]["tunnels"].as_u64() > Some(0));
    let id = detail["event"]["id"].as_str().unwrap();
    let run = omctl(&server.url, &token, &["events", "show", id]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.stdout;
    assert!(
        out.contains("Affected resources") && out.contains("Summary"),
        "{out}"
    );
    let event = &detail["event"];
    assert!(
        out.contains(&shanghai(time(&event["default_execute_at"]))),
        "{out}"
    );
    for a in detail["affected"].as_array().unwrap() {
        if a["kind"] == "tunnel" {
            let row = out
                .lines()
                .find(|l| l.contains(a["id"].as_str().unwrap()))
                .unwrap_or_else(|| panic!("no row for {a}: {out}"));
            assert!(row.contains(a["effect"].as_str().unwrap()), "{row}");
            assert!(row.contains(a["customer_gateway"]["id"].as_str().unwrap()));
        }
    }
    assert!(out.contains(detail["affected"][0]["recommendation"].as_str().unwrap()));
    let run = omctl(&server.url, &token, &["events", "show", id, "--utc"]);
    assert!(run.stdout.contains(&format!(
        "{} UTC",
        time(&event["default_execute_at"]).format("%Y-%m-%d %H:%M")
    )));

    let run = omctl(&server.url, &token, &["events", "show", id, "--json"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        without_server_time(json(&run.stdout)),
        without_server_time(detail)
    );

    let run = omctl(
        &server.url,
        &token,
        &["events", "show", "om-doesnotexist0000000"],
    );
    assert_eq!(run.code, 1, "an unknown event is the server's refusal");
    assert!(run.stderr.contains("not_found"), "{}", run.stderr);
}

#[test]
fn a_reschedule_the_rule_refuses_exits_1_with_its_message_and_sends_nothing() {
    let server = Server::start();
    let token = server.token(OPERATOR);
    let detail = server.pending_event(&token, |_| true);
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
    let detail = server.pending_event(&token, |_| true);
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
    let detail = server.pending_event(&token, |_| true);
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
    let detail = server.pending_event(&token, |_| true);
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

#[test]
fn authentication_network_and_usage_failures_have_their_exit_codes() {
    let server = Server::start();
    let run = omctl(&server.url, "omt_not-a-real-token", &["regions"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("unauthenticated"), "{}", run.stderr);
    let run = omctl(&server.url, "", &["regions"]);
    assert_eq!(run.code, 3, "no token at all: {}", run.stderr);

    let run = omctl(&closed_port_url(), "omt_x", &["regions"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("no answer"), "{}", run.stderr);

    let token = server.token(VIEWER);
    for args in [
        &["no-such-command"][..],
        &["gateways"],
        &[
            "events",
            "list",
            "--region",
            "cn-hangzhou",
            "--status",
            "sleeping",
        ],
        &["events", "reschedule", "om-x", "--at", "next tuesday"],
        &["events", "reschedule", "om-x", "--at", "2026-12-01 18:00"],
        &["regions", "--tz", "Mars/Olympus"],
        &["gateways", "--region", "cn-hangzhou", "--page-size", "1000"],
    ] {
        let run = omctl(&server.url, &token, args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(!run.stderr.is_empty());
    }
}

#[test]
fn every_command_has_help() {
    let top = omctl("http://unused", "", &["--help"]);
    assert_eq!(top.code, 0);
    assert!(top.stdout.contains("Exit codes"), "{}", top.stdout);
    for args in [
        &["regions"][..],
        &["gateways"],
        &["connections"],
        &["events"],
        &["events", "list"],
        &["events", "show"],
        &["events", "reschedule"],
        &["events", "execute"],
        &["events", "log"],
        &["calendar-url"],
        &["webhooks"],
        &["webhooks", "list"],
        &["webhooks", "add"],
        &["webhooks", "remove"],
    ] {
        let run = omctl("http://unused", "", &[args, &["--help"]].concat());
        assert_eq!(run.code, 0, "{args:?}");
        assert!(
            run.stdout.contains("Usage: omctl"),
            "{args:?}: {}",
            run.stdout
        );
        assert!(top.stdout.contains(args[0]), "{} is listed", args[0]);
    }
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
        &["webhooks", "add", "--url", "https://127.0.0.1/h"],
    );
    assert_eq!(add.code, 1, "{}", add.stderr);
    assert!(
        add.stderr.contains("webhook_url_not_allowed"),
        "{}",
        add.stderr
    );
}
