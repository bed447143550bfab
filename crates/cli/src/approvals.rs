//! Approval requests (DESIGN.md 14): list, show, approve, reject; and what an execution command
//! says when its change was sent for approval.

use serde_json::json;
use vpn_console_domain::approval::{ApprovalList, ApprovalRequest};
use vpn_console_domain::planning::ExecutionMode;

use crate::client::{Answer, Failure, Outcome, Retry};
use crate::lists::encode;
use crate::table::{fields, Table};
use crate::time::duration;
use crate::Ctx;

fn request_of(answer: &Answer) -> Outcome<ApprovalRequest> {
    serde_json::from_str(&answer.body).map_err(|e| {
        Failure::Network(format!(
            "the server's answer is not an approval request: {e}"
        ))
    })
}

/// The change in words: "execute now", "reschedule to …", with its overrides.
fn change_words(ctx: &Ctx, r: &ApprovalRequest) -> String {
    let mut words = match (r.change.mode, r.change.execute_at) {
        (ExecutionMode::At, Some(t)) => format!("reschedule to {}", ctx.zone.show(t)),
        _ => "execute now".to_owned(),
    };
    if r.change.allow_conflict {
        words.push_str(", allowing a conflict");
    }
    if r.change.override_hold {
        words.push_str(", overriding a hold");
    }
    words
}

/// The risk in words, as the Approvals page says it.
fn risk_words(r: &ApprovalRequest) -> String {
    format!(
        "{} tunnel(s), worst interruption {}; {} SSL client(s) disconnected",
        r.risk.tunnels,
        duration(u64::from(r.risk.max_interruption_s)),
        r.risk.ssl_clients
    )
}

/// An execution command's 202: the change waits for someone else's approval.
pub fn sent_for_approval(ctx: &Ctx, answer: &Answer) -> Outcome {
    let r = request_of(answer)?;
    ctx.print(&format!(
        "Sent for approval: request {} ({}) of {}; it expires at {}.\n",
        r.id,
        change_words(ctx, &r),
        r.event_ids.join(", "),
        ctx.zone.show(r.expires_at)
    ))
}

pub fn list(ctx: &Ctx, status: Option<&str>) -> Outcome {
    let path = match status {
        Some(s) => format!("/approvals?status={}", encode(s)),
        None => "/approvals".to_owned(),
    };
    let answer = ctx.api.get(&path)?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let list: ApprovalList = serde_json::from_str(&answer.body)
        .map_err(|e| Failure::Network(format!("the server's answer is not a list: {e}")))?;
    let mut t = Table::new(&[
        "ID",
        "STATUS",
        "EVENTS",
        "CHANGE",
        "REQUESTED BY",
        "EXPIRES",
        "REASON",
    ]);
    for r in &list.items {
        t.row(vec![
            r.id.clone(),
            r.status.as_str().to_owned(),
            r.event_ids.join(", "),
            change_words(ctx, r),
            r.requested_by.clone(),
            ctx.zone.show(r.expires_at),
            r.reason.clone(),
        ]);
    }
    ctx.print(&t.render())
}

pub fn show(ctx: &Ctx, id: &str) -> Outcome {
    let answer = ctx.api.get(&format!("/approvals/{}", encode(id)))?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let r = request_of(&answer)?;
    print_request(ctx, &r)
}

fn print_request(ctx: &Ctx, r: &ApprovalRequest) -> Outcome {
    let mut out = fields(&[
        ("ID", r.id.clone()),
        ("Status", r.status.as_str().to_owned()),
        ("Events", r.event_ids.join(", ")),
        ("Change", change_words(ctx, r)),
        ("Requested by", r.requested_by.clone()),
        ("Requested at", ctx.zone.show(r.requested_at)),
        ("Reason", r.reason.clone()),
        ("Ticket", r.ticket.clone().unwrap_or_else(|| "—".to_owned())),
        ("Risk", risk_words(r)),
        ("Expires at", ctx.zone.show(r.expires_at)),
    ]);
    if let Some(e) = &r.error {
        out.push_str(&format!("Error: {} ({})\n", e.message, e.code));
    }
    if !r.decisions.is_empty() {
        let mut t = Table::new(&["BY", "AT", "DECISION", "COMMENT"]);
        for d in &r.decisions {
            t.row(vec![
                d.by.clone(),
                ctx.zone.show(d.at),
                d.decision.as_str().to_owned(),
                d.comment.clone().unwrap_or_default(),
            ]);
        }
        out.push('\n');
        out.push_str(&t.render());
    }
    ctx.print(&out)
}

/// `approve` or `reject`; a refusal (the requester's own, no longer pending, decided already)
/// exits 1 with the server's message.
pub fn decide(ctx: &Ctx, id: &str, decision: &str, comment: Option<&str>) -> Outcome {
    let body = json!({"decision": decision, "comment": comment});
    let answer = ctx.api.send(
        "POST",
        &format!("/approvals/{}/decision", encode(id)),
        &[],
        Some(&body),
        Retry::Never,
    )?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let r = request_of(&answer)?;
    print_request(ctx, &r)
}
