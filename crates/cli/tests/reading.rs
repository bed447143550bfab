//! `omctl` as a process against the real server, reading: tables, `--json` as the API's, help
//! on every command, and the exit codes of authentication, network and usage failures.

mod support;

use serde_json::Value;
use support::{closed_port_url, json, omctl, shanghai, time, without_server_time, Server, VIEWER};

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
    // For scripts, an error answer is the API's JSON unchanged too.
    let missing = "/om-events/om-doesnotexist0000000";
    let run = omctl(
        &server.url,
        &token,
        &["events", "show", "om-doesnotexist0000000", "--json"],
    );
    assert_eq!(run.code, 1);
    let (status, _, api) = server.api(&token, missing);
    assert_eq!(status, 404);
    assert_eq!(json(&run.stdout), api);
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

#[test]
fn overview_tables_the_events_at_risk_and_the_counts_and_export_writes_the_servers_csv() {
    let server = Server::start();
    let token = server.token(VIEWER);

    let run = omctl(&server.url, &token, &["overview", "--days", "30"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (_, _, ov) = server.api(&token, "/overview?days=30");
    let at_risk = ov["at_risk"].as_array().unwrap();
    assert!(!at_risk.is_empty());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("EVENT ") && lines[0].contains("WHY AT RISK"),
        "{}",
        run.stdout
    );
    for (line, r) in lines[1..].iter().zip(at_risk) {
        assert!(line.starts_with(r["event_id"].as_str().unwrap()), "{line}");
    }
    let single = at_risk
        .iter()
        .position(|r| {
            r["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == "single_tunnel")
        })
        .unwrap();
    assert!(
        lines[1 + single].contains("single-tunnel connection, no redundant path"),
        "the reasons in words: {}",
        lines[1 + single]
    );
    let events = ov["events"].as_array().unwrap().len();
    assert!(run.stdout.contains(&format!(
        "{} of {events} event(s) in the next 30 days at risk",
        at_risk.len()
    )));
    // The counts: a row per region, zeros included.
    let counts_at = lines.iter().position(|l| l.starts_with("REGION ")).unwrap();
    let regions = ov["regions"].as_array().unwrap();
    assert_eq!(lines.len() - counts_at - 1, regions.len());
    let beijing = lines[counts_at + 1..]
        .iter()
        .find(|l| l.starts_with("cn-beijing "))
        .unwrap();
    assert!(
        beijing.split_whitespace().skip(3).all(|n| n == "0"),
        "{beijing}"
    );

    let run = omctl(&server.url, &token, &["overview", "--json"]);
    assert_eq!(run.code, 0);
    let (_, _, again) = server.api(&token, "/overview");
    assert_eq!(
        without_server_time(json(&run.stdout)),
        without_server_time(again)
    );

    // The CSV as the server wrote it: byte-order mark, CRLF, a row per event of the history.
    let run = omctl(
        &server.url,
        &token,
        &[
            "events",
            "export",
            "--csv",
            "--region",
            "cn-hangzhou",
            "--days",
            "30",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("\u{feff}id,region,resource_kind,"));
    let (_, _, history) = server.api(&token, "/regions/cn-hangzhou/om-events?days=30");
    let items = history["items"].as_array().unwrap();
    assert_eq!(run.stdout.matches("\r\n").count(), items.len() + 1);
    let all = omctl(&server.url, &token, &["events", "export", "--csv"]);
    assert_eq!(all.code, 0);
    assert!(
        all.stdout.matches("\r\n").count() > items.len() + 1,
        "every region"
    );

    // Usage: the format must be named, days stay in 1–90.
    let run = omctl(&server.url, &token, &["events", "export"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = omctl(&server.url, &token, &["overview", "--days", "91"]);
    assert_eq!(run.code, 2);
}
