//! One event: show it with its impact and advice, reschedule it, execute it now, its audit log.

use std::io::{BufRead, IsTerminal, Write};

use chrono::{DateTime, Utc};
use serde_json::Value;
use vpn_console_domain::planning::ExecutionBody;
use vpn_console_domain::{validate, ExecutionRequest, OmEvent};

use crate::client::{Answer, Failure, Outcome, Retry};
use crate::lists::encode;
use crate::table::{cell, fields, Table};
use crate::time::{duration, parse_at, Zone};
use crate::Ctx;

/// The detail as read, with what the rules need from it.
struct Detail {
    answer: Answer,
    json: Value,
    event: OmEvent,
    server_time: DateTime<Utc>,
}

fn read_detail(ctx: &Ctx, id: &str) -> Outcome<Detail> {
    let answer = ctx.api.get(&format!("/om-events/{}", encode(id)))?;
    let json = answer.json()?;
    let unreadable = |what: &str, e: serde_json::Error| {
        Failure::Network(format!(
            "the server's event detail has no readable {what}: {e}"
        ))
    };
    let event: OmEvent =
        serde_json::from_value(json["event"].clone()).map_err(|e| unreadable("event", e))?;
    let server_time = serde_json::from_value(json["server_time"].clone())
        .map_err(|e| unreadable("server_time", e))?;
    Ok(Detail {
        answer,
        json,
        event,
        server_time,
    })
}

pub fn show(ctx: &Ctx, id: &str) -> Outcome {
    let detail = read_detail(ctx, id)?;
    if ctx.json {
        return ctx.print_raw(&detail.answer.body);
    }
    let d = &detail.json;
    let mut out = event_fields(ctx, &detail);
    let (table, recommendations) = affected_table(&d["affected"]);
    out.push_str("\nAffected resources\n");
    if table.is_empty() {
        out.push_str("none: this event affects no tunnel and no SSL client\n");
    } else {
        out.push_str(&table.render());
    }
    let s = &d["summary"];
    out.push_str("\nSummary\n");
    out.push_str(&fields(&[
        (
            "Worst interruption",
            duration(s["max_interruption_s"].as_u64().unwrap_or(0)),
        ),
        ("Tunnels", cell(&s["tunnels"])),
        ("Connections", cell(&s["connections"])),
        ("SSL clients", cell(&s["ssl_clients"])),
    ]));
    // Advice (DESIGN.md 10.1) and conflicts (10.2) only when the server sends them.
    if let Some(advice) = d["advice"].as_array().filter(|a| !a.is_empty()) {
        out.push_str("\nAdvice, best first\n");
        out.push_str(&advice_table(advice, ctx.zone).render());
    }
    if let Some(conflicts) = d["conflicts"].as_array().filter(|a| !a.is_empty()) {
        out.push_str("\nConflicts: both paths at once\n");
        let mut t = Table::new(&["EVENT", "RESOURCE", "EXECUTES AT", "CUSTOMER GATEWAYS"]);
        for c in conflicts {
            let cgws: Vec<String> = c["customer_gateway_ids"]
                .as_array()
                .map(|a| a.iter().map(cell).collect())
                .unwrap_or_default();
            t.row(vec![
                cell(&c["event_id"]),
                resource(&c["resource"]),
                ctx.zone.show_text(c["execute_at"].as_str().unwrap_or("—")),
                cgws.join(", "),
            ]);
        }
        out.push_str(&t.render());
    }
    if !recommendations.is_empty() {
        out.push_str("\nRecommendations\n");
        for (i, r) in recommendations.iter().enumerate() {
            out.push_str(&format!("[{}] {r}\n", i + 1));
        }
    }
    ctx.print(&out)
}

fn resource(r: &Value) -> String {
    format!("{} {}", cell(&r["kind"]), cell(&r["id"]))
}

fn event_fields(ctx: &Ctx, detail: &Detail) -> String {
    let e = &detail.event;
    let at = |t: Option<DateTime<Utc>>| t.map(|t| ctx.zone.show(t)).unwrap_or("—".into());
    fields(&[
        ("O&M event", e.id.to_string()),
        ("Region", e.region.to_string()),
        (
            "Resource",
            format!("{} {}", e.resource.kind_str(), e.resource.id_str()),
        ),
        (
            "Gateway IP",
            format!("{} ({})", e.gateway_ip.ip, e.gateway_ip.role.label()),
        ),
        ("Reason", words(e.reason.as_str())),
        ("Status", words(e.status.as_str())),
        (
            "Default execution time",
            ctx.zone.show(e.default_execute_at),
        ),
        ("Execution time", ctx.zone.show(e.execute_at)),
        ("Published", ctx.zone.show(e.published_at)),
        ("Started", at(e.started_at)),
        ("Finished", at(e.finished_at)),
        ("Version", e.version.to_string()),
        ("Server time", ctx.zone.show(detail.server_time)),
    ])
}

/// The affected items; each row points at its recommendation, listed once below the tables.
fn affected_table(affected: &Value) -> (Table, Vec<String>) {
    let mut t = Table::new(&[
        "RESOURCE",
        "CONNECTION",
        "GATEWAY IP",
        "CUSTOMER GATEWAY",
        "STATE",
        "EFFECT",
        "INTERRUPTION AT MOST",
        "SEE",
    ]);
    let mut recommendations: Vec<String> = Vec::new();
    for a in affected.as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let text = cell(&a["recommendation"]);
        let see = match recommendations.iter().position(|r| *r == text) {
            Some(i) => i + 1,
            None => {
                recommendations.push(text);
                recommendations.len()
            }
        };
        let most = duration(a["max_interruption_s"].as_u64().unwrap_or(0));
        if a["kind"] == "ssl_clients" {
            t.row(vec![
                format!(
                    "{} SSL clients of {}",
                    cell(&a["count"]),
                    cell(&a["gateway_id"])
                ),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                cell(&a["effect"]),
                most,
                format!("[{see}]"),
            ]);
        } else {
            t.row(vec![
                format!("tunnel {}", cell(&a["id"])),
                format!(
                    "{} (tunnel {})",
                    cell(&a["connection_id"]),
                    cell(&a["index"])
                ),
                cell(&a["gateway_ip"]),
                format!(
                    "{} {}",
                    cell(&a["customer_gateway"]["id"]),
                    cell(&a["customer_gateway"]["ip"])
                ),
                cell(&a["state"]),
                cell(&a["effect"]),
                most,
                format!("[{see}]"),
            ]);
        }
    }
    (t, recommendations)
}

/// One line per action, in the dialog's words ("Bring tunnel 2 of vco-… up first").
fn advice_table(advice: &[Value], zone: Zone) -> Table {
    let mut t = Table::new(&["ACTION", "WORST INTERRUPTION"]);
    for a in advice {
        let connection = a["connection_id"].as_str().unwrap_or("the connection");
        let tunnel = match (&a["tunnel_index"], a["tunnel_id"].as_str()) {
            (Value::Number(n), Some(id)) => format!("tunnel {n} ({id})"),
            (Value::Number(n), None) => format!("tunnel {n}"),
            (_, Some(id)) => format!("tunnel {id}"),
            _ => "the other tunnel".to_owned(),
        };
        let action = match a["kind"].as_str().unwrap_or_default() {
            "bring_other_tunnel_up" => format!("Bring {tunnel} of {connection} up first"),
            "move_traffic_first" => format!("Move the traffic of {connection} to {tunnel} first"),
            "upgrade_to_dual_tunnel" => format!("Upgrade {connection} to dual-tunnel"),
            "add_redundant_connection" => {
                format!("Add a connection redundant to {connection}")
            }
            "move_earlier_out_of_conflict" => match a["execute_at"].as_str() {
                Some(at) => format!(
                    "Move the event to {}, out of its conflict",
                    zone.show_text(at)
                ),
                None => "Move the event earlier, out of its conflict".to_owned(),
            },
            other => other.to_owned(),
        };
        let seconds = |k: &str| duration(a[k].as_u64().unwrap_or(0));
        t.row(vec![
            action,
            format!(
                "{} → {}",
                seconds("max_interruption_s_before"),
                seconds("max_interruption_s_after")
            ),
        ]);
    }
    t
}

/// Sends an execution request the domain's rule accepted, against the version just read; the
/// same Idempotency-Key on the one retry makes a lost answer safe to ask for again.
fn send_execution(ctx: &Ctx, detail: &Detail, request: &ExecutionRequest) -> Outcome<Answer> {
    if let Err(refusal) = validate(&detail.event, request, detail.server_time) {
        return Err(Failure::Rule(refusal));
    }
    let if_match = detail
        .answer
        .etag
        .clone()
        .unwrap_or_else(|| format!("\"{}\"", detail.event.version));
    let key = uuid::Uuid::new_v4().to_string();
    let body = serde_json::to_value(ExecutionBody::new(request.clone(), false))
        .expect("an execution body serializes");
    ctx.api.send(
        "POST",
        &format!("/om-events/{}/execution", encode(detail.event.id.as_str())),
        &[("if-match", &if_match), ("idempotency-key", &key)],
        Some(&body),
        Retry::OnceOnNetworkFailure,
    )
}

fn updated(answer: &Answer) -> Outcome<OmEvent> {
    serde_json::from_str(&answer.body)
        .map_err(|e| Failure::Network(format!("the server's answer is not an O&M event: {e}")))
}

pub fn reschedule(ctx: &Ctx, id: &str, at: &str) -> Outcome {
    // A malformed or DST-refused time ends here, before any request.
    let execute_at = parse_at(at, ctx.tz.as_deref())?;
    let detail = read_detail(ctx, id)?;
    let answer = send_execution(ctx, &detail, &ExecutionRequest::At { execute_at })?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let event = updated(&answer)?;
    ctx.print(&format!(
        "{} rescheduled: it executes at {} (default execution time {}; version {})\n",
        event.id,
        ctx.zone.show(event.execute_at),
        ctx.zone.show(event.default_execute_at),
        event.version
    ))
}

pub fn execute(ctx: &Ctx, id: &str, yes: bool) -> Outcome {
    let interactive = std::io::stdin().is_terminal();
    if !yes && !interactive {
        return Err(Failure::Usage(format!(
            "executing {id} now needs confirmation: pass --yes (no terminal to ask on)"
        )));
    }
    let detail = read_detail(ctx, id)?;
    // Not worth a question when the rule refuses it anyway.
    validate(&detail.event, &ExecutionRequest::Now, detail.server_time).map_err(Failure::Rule)?;
    if !yes {
        let s = &detail.json["summary"];
        eprint!(
            "Execute {} on {} now? Worst interruption {}; {} tunnel(s), {} SSL client(s). [y/N] ",
            detail.event.id,
            detail.event.resource.id_str(),
            duration(s["max_interruption_s"].as_u64().unwrap_or(0)),
            cell(&s["tunnels"]),
            cell(&s["ssl_clients"]),
        );
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::Usage(format!("reading the answer: {e}")))?;
        if !matches!(line.trim(), "y" | "Y" | "yes" | "Yes") {
            return Err(Failure::Refused(format!(
                "not confirmed: {} was not changed",
                detail.event.id
            )));
        }
    }
    let answer = send_execution(ctx, &detail, &ExecutionRequest::Now)?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let event = updated(&answer)?;
    ctx.print(&format!(
        "{} executes now (status {}, version {})\n",
        event.id,
        event.status.as_str(),
        event.version
    ))
}

pub fn log(ctx: &Ctx, id: &str) -> Outcome {
    let answer = ctx.api.get(&format!("/om-events/{}/log", encode(id)))?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let entries = answer.json()?;
    let mut t = Table::new(&["AT", "ACTOR", "ACTION", "FROM", "TO"]);
    for e in entries.as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let time = |k: &str| match e[k].as_str() {
            Some(s) => ctx.zone.show_text(s),
            None => "—".to_owned(),
        };
        t.row(vec![
            time("at"),
            cell(&e["actor"]),
            cell(&e["action"]),
            time("from"),
            time("to"),
        ]);
    }
    ctx.print(&t.render())
}

/// A wire value in words for people: `system_upgrade` is "System upgrade".
fn words(wire: &str) -> String {
    let mut text = wire.replace('_', " ");
    if let Some(first) = text.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The advice of DESIGN.md 10.1, as the server will send it.
    #[test]
    fn advice_is_a_table_of_actions_with_the_worst_interruption_before_and_after() {
        let advice = [
            json!({"kind": "bring_other_tunnel_up", "tunnel_id": "tun-2", "tunnel_index": 2,
                   "connection_id": "vco-1", "max_interruption_s_before": 600,
                   "max_interruption_s_after": 60}),
            json!({"kind": "upgrade_to_dual_tunnel", "connection_id": "vco-9",
                   "max_interruption_s_before": 300, "max_interruption_s_after": 0}),
            json!({"kind": "move_earlier_out_of_conflict", "execute_at": "2026-12-01T18:00:00Z",
                   "max_interruption_s_before": 600, "max_interruption_s_after": 60}),
        ];
        let text = advice_table(&advice, Zone::Utc).render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(
            lines[1].starts_with("Bring tunnel 2 (tun-2) of vco-1 up first  "),
            "{text}"
        );
        assert!(lines[1].ends_with("10 minutes → under 1 minute"), "{text}");
        assert!(
            lines[2].starts_with("Upgrade vco-9 to dual-tunnel  "),
            "{text}"
        );
        assert!(lines[2].ends_with("5 minutes → none"), "{text}");
        assert!(
            lines[3].starts_with("Move the event to 2026-12-01 18:00 UTC, out of its conflict"),
            "{text}"
        );
        let column = |line: &str, text: &str| line[..line.find(text).unwrap()].chars().count();
        assert_eq!(column(lines[1], "10 minutes"), column(lines[0], "WORST"));
        assert_eq!(column(lines[2], "5 minutes"), column(lines[0], "WORST"));
    }

    #[test]
    fn affected_items_point_at_one_list_of_recommendations() {
        let affected = json!([
            {"kind": "tunnel", "id": "tun-1", "connection_id": "vco-1", "index": 1,
             "gateway_ip": "47.96.0.1", "customer_gateway": {"id": "cgw-1", "ip": "116.62.0.1"},
             "state": "available", "effect": "failover", "max_interruption_s": 60,
             "recommendation": "Fail over."},
            {"kind": "tunnel", "id": "tun-3", "connection_id": "vco-2", "index": 1,
             "gateway_ip": "47.96.0.1", "customer_gateway": {"id": "cgw-2", "ip": "116.62.0.2"},
             "state": "available", "effect": "failover", "max_interruption_s": 60,
             "recommendation": "Fail over."},
            {"kind": "ssl_clients", "gateway_id": "vpn-1", "count": 12, "effect": "disconnect",
             "max_interruption_s": 600, "recommendation": "Tell the users."}
        ]);
        let (table, recommendations) = affected_table(&affected);
        assert_eq!(recommendations, ["Fail over.", "Tell the users."]);
        let text = table.render();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[1].contains("vco-1 (tunnel 1)") && lines[1].ends_with("[1]"),
            "{text}"
        );
        assert!(lines[2].ends_with("[1]"), "{text}");
        assert!(lines[3].starts_with("12 SSL clients of vpn-1"), "{text}");
        assert!(
            lines[3].contains("disconnect") && lines[3].ends_with("[2]"),
            "{text}"
        );
    }
}
