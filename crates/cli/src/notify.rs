//! Notifications (DESIGN.md 9.1, 9.2 and 15): the calendar feed's URL, the webhooks and the
//! channels.

use serde_json::{json, Value};

use crate::client::{Failure, Outcome, Retry};
use crate::lists::encode;
use crate::table::{cell, Table};
use crate::Ctx;

/// `POST /calendar-feed`: a new secret URL (the previous one stops working).
pub fn calendar_url(ctx: &Ctx) -> Outcome {
    let answer = ctx
        .api
        .send("POST", "/calendar-feed", &[], None, Retry::Never)?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let feed = answer.json()?;
    let url = feed["url"]
        .as_str()
        .ok_or_else(|| Failure::Network("the server's answer has no url".to_owned()))?;
    ctx.print(&format!("{url}\n"))
}

pub fn list(ctx: &Ctx) -> Outcome {
    let answer = ctx.api.get("/webhooks")?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let hooks = answer.json()?;
    let mut t = Table::new(&[
        "ID",
        "URL",
        "EVENT TYPES",
        "ENABLED",
        "CREATED",
        "DESCRIPTION",
    ]);
    for h in hooks.as_array().map(Vec::as_slice).unwrap_or(&[]) {
        t.row(vec![
            cell(&h["id"]),
            cell(&h["url"]),
            event_types(&h["event_types"]),
            cell(&h["enabled"]),
            ctx.zone.show_text(h["created_at"].as_str().unwrap_or("—")),
            cell(&h["description"]),
        ]);
    }
    ctx.print(&t.render())
}

/// Absent or `null` means every type.
fn event_types(v: &Value) -> String {
    match v.as_array() {
        Some(a) if !a.is_empty() => a.iter().map(cell).collect::<Vec<_>>().join(", "),
        _ => "all".to_owned(),
    }
}

pub fn add(ctx: &Ctx, url: &str, description: Option<&str>, types: &[String]) -> Outcome {
    let mut body = json!({ "url": url });
    if let Some(d) = description {
        body["description"] = json!(d);
    }
    if !types.is_empty() {
        body["event_types"] = json!(types);
    }
    let answer = ctx
        .api
        .send("POST", "/webhooks", &[], Some(&body), Retry::Never)?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let hook = answer.json()?;
    ctx.print(&format!(
        "Added webhook {} for {} ({}).\nSigning secret, shown only this once: {}\n",
        cell(&hook["id"]),
        cell(&hook["url"]),
        event_types(&hook["event_types"]),
        cell(&hook["secret"]),
    ))
}

pub fn remove(ctx: &Ctx, id: &str) -> Outcome {
    let answer = ctx.api.send(
        "DELETE",
        &format!("/webhooks/{}", encode(id)),
        &[],
        None,
        Retry::Never,
    )?;
    if ctx.json {
        // 204: nothing to print but what the server sent.
        return ctx.print_raw(&answer.body);
    }
    ctx.print(&format!("Removed webhook {id}.\n"))
}

pub fn list_channels(ctx: &Ctx) -> Outcome {
    let answer = ctx.api.get("/channels")?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let channels = answer.json()?;
    let mut t = Table::new(&[
        "ID",
        "KIND",
        "NAME",
        "TARGET",
        "LANGUAGE",
        "TIME ZONE",
        "EVENT TYPES",
        "ENABLED",
    ]);
    for c in channels.as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let enabled = match c["disabled_reason"].as_str() {
            Some(why) if c["enabled"] == json!(false) => format!("false ({why})"),
            _ => cell(&c["enabled"]),
        };
        t.row(vec![
            cell(&c["id"]),
            cell(&c["kind"]),
            cell(&c["name"]),
            cell(&c["target"]),
            cell(&c["language"]),
            cell(&c["time_zone"]),
            event_types(&c["filters"]["event_types"]),
            enabled,
        ]);
    }
    ctx.print(&t.render())
}

pub fn add_channel(ctx: &Ctx, body: &Value) -> Outcome {
    let answer = ctx
        .api
        .send("POST", "/channels", &[], Some(body), Retry::Never)?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let c = answer.json()?;
    ctx.print(&format!(
        "Added {} channel {} for {}.\n",
        cell(&c["kind"]),
        cell(&c["id"]),
        cell(&c["target"]),
    ))
}

pub fn remove_channel(ctx: &Ctx, id: &str) -> Outcome {
    let answer = ctx.api.send(
        "DELETE",
        &format!("/channels/{}", encode(id)),
        &[],
        None,
        Retry::Never,
    )?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    ctx.print(&format!("Removed channel {id}.\n"))
}

pub fn test_channel(ctx: &Ctx, id: &str) -> Outcome {
    let answer = ctx.api.send(
        "POST",
        &format!("/channels/{}/test", encode(id)),
        &[],
        None,
        Retry::Never,
    )?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    ctx.print(&format!(
        "Sent a test message to channel {id}; see its deliveries in the console.\n"
    ))
}
