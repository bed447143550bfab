//! One event: show it with its impact and advice, reschedule it, execute it now, its audit log.

use std::io::{BufRead, IsTerminal, Write};

use chrono::{DateTime, Utc};
use vpn_console_domain::api::EventDetail;
use vpn_console_domain::hold::{Hold, HoldReason};
use vpn_console_domain::planning::{Advice, AdviceKind, ExecutionBody};
use vpn_console_domain::verification::{Hint, TunnelHealth, Verification};
use vpn_console_domain::{validate, AffectedItem, ExecutionRequest, OmEvent};

use crate::cli::ReasonArgs;
use crate::client::{Answer, Failure, Outcome, Retry};
use crate::lists::encode;
use crate::table::{cell, fields, Table};
use crate::time::{duration, parse_at, Zone};
use crate::Ctx;

/// The detail as read: the answer (for `--json`, and its ETag) and the domain's own type.
struct Detail {
    answer: Answer,
    detail: EventDetail,
}

fn read_detail(ctx: &Ctx, id: &str) -> Outcome<Detail> {
    let answer = ctx.api.get(&format!("/om-events/{}", encode(id)))?;
    let detail = serde_json::from_str(&answer.body).map_err(|e| {
        Failure::Network(format!("the server's answer is not an event detail: {e}"))
    })?;
    Ok(Detail { answer, detail })
}

pub fn show(ctx: &Ctx, id: &str) -> Outcome {
    let read = read_detail(ctx, id)?;
    if ctx.json {
        return ctx.print_raw(&read.answer.body);
    }
    let d = &read.detail;
    let mut out = event_fields(ctx, d);
    let (table, recommendations) = affected_table(&d.affected);
    out.push_str("\nAffected resources\n");
    if table.is_empty() {
        out.push_str("none: this event affects no tunnel and no SSL client\n");
    } else {
        out.push_str(&table.render());
    }
    let s = &d.summary;
    out.push_str("\nSummary\n");
    out.push_str(&fields(&[
        (
            "Worst interruption",
            duration(u64::from(s.max_interruption_s)),
        ),
        ("Tunnels", s.tunnels.to_string()),
        ("Connections", s.connections.to_string()),
        ("SSL clients", s.ssl_clients.to_string()),
    ]));
    // Advice (DESIGN.md 10.1) and conflicts (10.2) only when the server sends them.
    if !d.advice.is_empty() {
        out.push_str("\nAdvice, best first\n");
        out.push_str(&advice_table(&d.advice, ctx.zone).render());
    }
    if !d.conflicts.is_empty() {
        out.push_str("\nConflicts: both paths at once\n");
        let mut t = Table::new(&["EVENT", "RESOURCE", "EXECUTES AT", "CUSTOMER GATEWAYS"]);
        for c in &d.conflicts {
            let cgws: Vec<&str> = c.customer_gateway_ids.iter().map(|g| g.as_str()).collect();
            t.row(vec![
                c.event_id.to_string(),
                format!("{} {}", c.resource.kind_str(), c.resource.id_str()),
                ctx.zone.show(c.execute_at),
                cgws.join(", "),
            ]);
        }
        out.push_str(&t.render());
    }
    if let Some(h) = &d.hold {
        out.push_str("\nHeld (one path of a site at a time)\n");
        out.push_str(&hold_text(h, ctx.zone));
    }
    if let Some(v) = &d.verification {
        out.push_str(&verification_text(v, ctx.zone));
    }
    if !recommendations.is_empty() {
        out.push_str("\nRecommendations\n");
        for (i, r) in recommendations.iter().enumerate() {
            out.push_str(&format!("[{}] {r}\n", i + 1));
        }
    }
    ctx.print(&out)
}

fn event_fields(ctx: &Ctx, detail: &EventDetail) -> String {
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
fn affected_table(affected: &[AffectedItem]) -> (Table, Vec<String>) {
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
    for a in affected {
        let (AffectedItem::Tunnel { recommendation, .. }
        | AffectedItem::SslClients { recommendation, .. }) = a;
        let see = match recommendations.iter().position(|r| r == recommendation) {
            Some(i) => i + 1,
            None => {
                recommendations.push(recommendation.clone());
                recommendations.len()
            }
        };
        match a {
            AffectedItem::SslClients {
                gateway_id,
                count,
                effect,
                max_interruption_s,
                ..
            } => t.row(vec![
                format!("{count} SSL clients of {gateway_id}"),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                effect.as_str().to_owned(),
                duration(u64::from(*max_interruption_s)),
                format!("[{see}]"),
            ]),
            AffectedItem::Tunnel {
                id,
                connection_id,
                index,
                gateway_ip,
                customer_gateway,
                state,
                effect,
                max_interruption_s,
                ..
            } => t.row(vec![
                format!("tunnel {id}"),
                format!("{connection_id} (tunnel {index})"),
                gateway_ip.to_string(),
                format!("{} {}", customer_gateway.id, customer_gateway.ip),
                state.as_str().to_owned(),
                effect.as_str().to_owned(),
                duration(u64::from(*max_interruption_s)),
                format!("[{see}]"),
            ]),
        }
    }
    (t, recommendations)
}

/// One line per action, in the dialog's words ("Bring tunnel 2 of vco-… up first").
fn advice_table(advice: &[Advice], zone: Zone) -> Table {
    let mut t = Table::new(&["ACTION", "WORST INTERRUPTION"]);
    for a in advice {
        let connection = a
            .connection_id
            .as_ref()
            .map_or("the connection".to_owned(), |c| c.to_string());
        let tunnel = match (a.tunnel_index, &a.tunnel_id) {
            (Some(n), Some(id)) => format!("tunnel {n} ({id})"),
            (Some(n), None) => format!("tunnel {n}"),
            (None, Some(id)) => format!("tunnel {id}"),
            (None, None) => "the other tunnel".to_owned(),
        };
        let action = match a.kind {
            AdviceKind::BringOtherTunnelUp => format!("Bring {tunnel} of {connection} up first"),
            AdviceKind::MoveTrafficFirst => {
                format!("Move the traffic of {connection} to {tunnel} first")
            }
            AdviceKind::UpgradeToDualTunnel => format!("Upgrade {connection} to dual-tunnel"),
            AdviceKind::AddRedundantConnection => {
                format!("Add a connection redundant to {connection}")
            }
            AdviceKind::MoveEarlierOutOfConflict => match a.execute_at {
                Some(at) => format!("Move the event to {}, out of its conflict", zone.show(at)),
                None => "Move the event earlier, out of its conflict".to_owned(),
            },
        };
        t.row(vec![
            action,
            format!(
                "{} → {}",
                duration(u64::from(a.max_interruption_s_before)),
                duration(u64::from(a.max_interruption_s_after))
            ),
        ]);
    }
    t
}

/// Sends an execution request the domain's rule accepted, against the version just read; the
/// same Idempotency-Key on the one retry makes a lost answer safe to ask for again.
fn send_execution(
    ctx: &Ctx,
    detail: &Detail,
    request: &ExecutionRequest,
    why: &ReasonArgs,
) -> Outcome<Answer> {
    let (event, server_time) = (&detail.detail.event, detail.detail.server_time);
    if let Err(refusal) = validate(event, request, server_time) {
        return Err(Failure::Rule(refusal));
    }
    let if_match = detail
        .answer
        .etag
        .clone()
        .unwrap_or_else(|| format!("\"{}\"", event.version));
    let key = uuid::Uuid::new_v4().to_string();
    let body = serde_json::to_value(
        ExecutionBody::new(request.clone(), false)
            .with_reason(why.reason.clone(), why.ticket.clone()),
    )
    .expect("an execution body serializes");
    ctx.api.send(
        "POST",
        &format!("/om-events/{}/execution", encode(event.id.as_str())),
        &[("if-match", &if_match), ("idempotency-key", &key)],
        Some(&body),
        Retry::OnceOnNetworkFailure,
    )
}

fn updated(answer: &Answer) -> Outcome<OmEvent> {
    serde_json::from_str(&answer.body)
        .map_err(|e| Failure::Network(format!("the server's answer is not an O&M event: {e}")))
}

pub fn reschedule(ctx: &Ctx, id: &str, at: &str, why: &ReasonArgs) -> Outcome {
    // A malformed or DST-refused time ends here, before any request.
    let execute_at = parse_at(at, ctx.tz.as_deref())?;
    let detail = read_detail(ctx, id)?;
    let answer = send_execution(ctx, &detail, &ExecutionRequest::At { execute_at }, why)?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    if answer.status == 202 {
        return crate::approvals::sent_for_approval(ctx, &answer);
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

pub fn execute(ctx: &Ctx, id: &str, yes: bool, why: &ReasonArgs) -> Outcome {
    let interactive = std::io::stdin().is_terminal();
    if !yes && !interactive {
        return Err(Failure::Usage(format!(
            "executing {id} now needs confirmation: pass --yes (no terminal to ask on)"
        )));
    }
    let detail = read_detail(ctx, id)?;
    // Not worth a question when the rule refuses it anyway.
    let event = &detail.detail.event;
    validate(event, &ExecutionRequest::Now, detail.detail.server_time).map_err(Failure::Rule)?;
    if !yes {
        let s = &detail.detail.summary;
        eprint!(
            "Execute {} on {} now? Worst interruption {}; {} tunnel(s), {} SSL client(s). [y/N] ",
            event.id,
            event.resource.id_str(),
            duration(u64::from(s.max_interruption_s)),
            s.tunnels,
            s.ssl_clients,
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
                event.id
            )));
        }
    }
    let answer = send_execution(ctx, &detail, &ExecutionRequest::Now, why)?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    if answer.status == 202 {
        return crate::approvals::sent_for_approval(ctx, &answer);
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

/// Why a held event waits, and until when at the latest (DESIGN.md 13).
fn hold_text(h: &Hold, zone: Zone) -> String {
    let why = match h.reason {
        HoldReason::PartnerExecuting => "is under maintenance now",
        HoldReason::PartnerVerifying => "completed and its tunnels are not verified yet",
        HoldReason::PartnerFailed => "completed and a tunnel it took down is still down",
    };
    let cgws: Vec<&str> = h.customer_gateway_ids.iter().map(|c| c.as_str()).collect();
    fields(&[
        ("Held by", h.partner_event_id.to_string()),
        (
            "Why",
            format!("the other path of {} {why}", cgws.join(", ")),
        ),
        ("Since", zone.show(h.since)),
        (
            "Then",
            "it starts when the hold clears, at the latest 2 hours after its execution time; \
             an operator may start it anyway (override_hold)"
                .to_owned(),
        ),
    ])
}

/// A health in a few words: `IKE up, BGP established, 24 routes`.
fn health_text(h: &TunnelHealth) -> String {
    let mut text = format!("IKE {}", h.ike.as_str());
    if let Some(bgp) = h.bgp {
        text.push_str(&format!(", BGP {}", bgp.as_str()));
    }
    if let Some(n) = h.routes_received {
        text.push_str(&format!(", {n} routes"));
    }
    text
}

/// What a network engineer does about a tunnel that did not come back whole.
fn hint_text(hint: Option<Hint>, cgw: &str) -> String {
    match hint {
        None => "—".to_owned(),
        Some(Hint::InitiateFromCustomerGateway) => format!(
            "Your device answers IKE but does not start it: start the tunnel from {cgw} \
             (IKEv1 / startup action add)"
        ),
        Some(Hint::CheckCustomerGateway) => {
            format!("Check {cgw}: its IKE does not come up")
        }
        Some(Hint::CheckBgpAdvertisements) => {
            format!("Check the BGP session and the routes {cgw} advertises")
        }
    }
}

/// The verification of a completed event: its verdict and one row per tunnel.
fn verification_text(v: &Verification, zone: Zone) -> String {
    let mut out = format!(
        "\nVerification: {} (deadline {}, checked {})\n",
        words(v.status.as_str()),
        zone.show(v.deadline),
        zone.show(v.checked_at)
    );
    if v.tunnels.is_empty() {
        out.push_str("no tunnel to verify\n");
        return out;
    }
    let mut t = Table::new(&[
        "TUNNEL",
        "CUSTOMER GATEWAY",
        "BEFORE",
        "AFTER",
        "RESULT",
        "WHAT TO DO",
    ]);
    for r in &v.tunnels {
        t.row(vec![
            r.tunnel_id.to_string(),
            r.customer_gateway_id.to_string(),
            health_text(&r.before),
            health_text(&r.after),
            r.result.as_str().to_owned(),
            hint_text(r.hint, r.customer_gateway_id.as_str()),
        ]);
    }
    out.push_str(&t.render());
    out
}

/// `events verify ID`: `POST /om-events/{id}/verification`, the tunnels checked again now.
pub fn verify(ctx: &Ctx, id: &str) -> Outcome {
    let answer = ctx.api.send(
        "POST",
        &format!("/om-events/{}/verification", encode(id)),
        &[],
        None,
        Retry::OnceOnNetworkFailure,
    )?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let v: Verification = serde_json::from_str(&answer.body)
        .map_err(|e| Failure::Network(format!("the server's answer is not a verification: {e}")))?;
    ctx.print(verification_text(&v, ctx.zone).trim_start())
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
        let advice: Vec<Advice> = advice
            .into_iter()
            .map(|a| serde_json::from_value(a).unwrap())
            .collect();
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
             "connection_name": "office", "connection_tunnel_mode": "dual_tunnel",
             "carries_traffic": true, "recommendation_key": "auto_failover",
             "state": "available", "effect": "failover", "max_interruption_s": 60,
             "recommendation": "Fail over."},
            {"kind": "tunnel", "id": "tun-3", "connection_id": "vco-2", "index": 1,
             "gateway_ip": "47.96.0.1", "customer_gateway": {"id": "cgw-2", "ip": "116.62.0.2"},
             "connection_name": "office", "connection_tunnel_mode": "dual_tunnel",
             "carries_traffic": true, "recommendation_key": "auto_failover",
             "state": "available", "effect": "failover", "max_interruption_s": 60,
             "recommendation": "Fail over."},
            {"kind": "ssl_clients", "gateway_id": "vpn-1", "count": 12, "effect": "disconnect",
             "max_interruption_s": 600, "recommendation": "Tell the users.",
             "recommendation_key": "warn_ssl_users"}
        ]);
        let affected: Vec<AffectedItem> = serde_json::from_value(affected).unwrap();
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
