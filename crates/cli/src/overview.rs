//! Every region at once (DESIGN.md 16): `omctl overview` and `omctl events export --csv`.

use serde_json::Value;

use crate::client::Outcome;
use crate::lists::encode;
use crate::table::{cell, Table};
use crate::time::duration;
use crate::Ctx;

/// The reasons in words, as the console's at-risk list gives them in English.
fn reason_words(reason: &str) -> &str {
    match reason {
        "single_tunnel" => "single-tunnel connection",
        "no_redundant_path" => "no redundant path",
        "deadline_within_48h" => "default time within 48 h",
        "conflict" => "conflicts with another event",
        "held" => "held",
        "awaiting_approval" => "awaiting approval",
        "outside_window" => "outside the maintenance window",
        "last_verification_failed" => "last maintenance did not verify",
        other => other,
    }
}

pub fn overview(ctx: &Ctx, days: u32) -> Outcome {
    let answer = ctx.api.get(&format!("/overview?days={days}"))?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let ov = answer.json()?;
    let empty = Vec::new();
    let events = ov["events"].as_array().unwrap_or(&empty);
    let by_id = |id: &Value| events.iter().find(|e| e["id"] == *id);
    let mut risks = Table::new(&[
        "EVENT",
        "REGION",
        "RESOURCE",
        "EXECUTES AT",
        "WORST INTERRUPTION",
        "WHY AT RISK",
    ]);
    for r in ov["at_risk"].as_array().unwrap_or(&empty) {
        let e = by_id(&r["event_id"]).cloned().unwrap_or(Value::Null);
        let reasons: Vec<&str> = r["reasons"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .filter_map(Value::as_str)
            .map(reason_words)
            .collect();
        let resource = match e["resource_name"].as_str() {
            Some(name) if !name.is_empty() => format!("{} ({name})", cell(&e["resource"]["id"])),
            _ => cell(&e["resource"]["id"]),
        };
        risks.row(vec![
            cell(&r["event_id"]),
            cell(&e["region"]),
            resource,
            ctx.zone
                .show_text(e["execute_at"].as_str().unwrap_or_default()),
            duration(e["max_interruption_s"].as_u64().unwrap_or(0)),
            reasons.join(", "),
        ]);
    }
    let mut counts = Table::new(&[
        "REGION",
        "NAME",
        "PENDING",
        "EXECUTING",
        "HELD",
        "AWAITING APPROVAL",
        "AT RISK",
    ]);
    for r in ov["regions"].as_array().unwrap_or(&empty) {
        counts.row(vec![
            cell(&r["id"]),
            cell(&r["name"]),
            cell(&r["pending"]),
            cell(&r["executing"]),
            cell(&r["held"]),
            cell(&r["awaiting_approval"]),
            cell(&r["at_risk"]),
        ]);
    }
    let n = risks_len(&ov);
    let mut out = String::new();
    if n > 0 {
        out.push_str(&risks.render());
    }
    out.push_str(&format!(
        "{n} of {} event(s) in the next {days} days at risk\n\n",
        events.len()
    ));
    out.push_str(&counts.render());
    ctx.print(&out)
}

fn risks_len(ov: &Value) -> usize {
    ov["at_risk"].as_array().map_or(0, Vec::len)
}

/// The CSV exactly as the server wrote it (byte-order mark and CRLF kept, for spreadsheets).
pub fn export(ctx: &Ctx, days: u32, region: Option<&str>) -> Outcome {
    let path = match region {
        Some(r) => format!("/regions/{}/om-events.csv?days={days}", encode(r)),
        None => format!("/om-events.csv?days={days}"),
    };
    let answer = ctx.api.get(&path)?;
    ctx.print(&answer.body)
}
