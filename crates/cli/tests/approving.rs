//! `omctl` and approvals (DESIGN.md 14) against the real server: an execution the policy covers
//! is sent for approval, and `omctl approvals` lists, shows and decides it, with the exit codes
//! of section 11 (a refused decision is 1, a viewer's 3).

mod support;

use serde_json::json;
use support::{audit_actions, json, omctl, Server, OPERATOR, VIEWER};

const BOB: &str = "bob@acme.example";

#[test]
fn an_execution_sent_for_approval_is_decided_by_someone_else() {
    let server = Server::start();
    let alice = server.token(OPERATOR);
    server.create_operator(BOB);
    let bob = server.token(BOB);
    let victor = server.token(VIEWER);
    assert_eq!(
        server.put(
            &alice,
            "/approval-policy",
            &json!({"require_for": ["execute_now"], "min_approvals": 1})
        ),
        200
    );
    let detail = server.pending_event(&alice, |_| true);
    let id = detail["event"]["id"].as_str().unwrap().to_owned();

    let run = omctl(&server.url, &alice, &["events", "execute", &id, "--yes"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("reason_required"), "{}", run.stderr);

    let run = omctl(
        &server.url,
        &alice,
        &[
            "events", "execute", &id, "--yes", "--reason", "flapping", "--ticket", "CHG-9",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("Sent for approval: request apr-"),
        "{}",
        run.stdout
    );
    let run = omctl(
        &server.url,
        &victor,
        &["approvals", "list", "--status", "pending", "--json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let list = json(&run.stdout);
    assert_eq!(list["total"], 1);
    let request = &list["items"][0];
    assert_eq!(request["ticket"], "CHG-9");
    let apr = request["id"].as_str().unwrap().to_owned();

    let run = omctl(&server.url, &bob, &["approvals", "show", &apr]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("flapping"), "{}", run.stdout);
    assert!(run.stdout.contains("execute now"), "{}", run.stdout);

    // Nobody approves their own request: refused by a rule, 1.
    let run = omctl(&server.url, &alice, &["approvals", "approve", &apr]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("own_request"), "{}", run.stderr);
    // A viewer's token for an operator's decision: 3.
    let run = omctl(&server.url, &victor, &["approvals", "approve", &apr]);
    assert_eq!(run.code, 3, "{}", run.stderr);

    let run = omctl(
        &server.url,
        &bob,
        &["approvals", "approve", &apr, "--comment", "go"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("approved"), "{}", run.stdout);
    let run = omctl(&server.url, &bob, &["approvals", "reject", &apr]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("not_pending"), "{}", run.stderr);

    let actions = audit_actions(&server, &alice, &id);
    let asked = actions
        .iter()
        .position(|a| a == "approval_requested")
        .unwrap();
    // The scheduler may have started it since.
    assert_eq!(
        actions[asked..asked + 3],
        ["approval_requested", "approved", "execute_now"],
        "{actions:?}"
    );
    let (_, _, log) = server.api(&alice, &format!("/om-events/{id}/log"));
    let applied = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "execute_now")
        .unwrap();
    assert_eq!(applied["actor"], OPERATOR);
    assert_eq!(applied["approved_by"], json!([BOB]));
}
