//! The list commands: regions, gateways, connections and a region's event history.

use serde_json::Value;

use crate::client::Outcome;
use crate::table::{cell, Table};
use crate::Ctx;

/// Query text for a URL: what is not unreserved is percent-encoded.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn regions(ctx: &Ctx) -> Outcome {
    let answer = ctx.api.get("/regions")?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let mut t = Table::new(&["ID", "NAME"]);
    for r in items(&answer.json()?) {
        t.row(vec![cell(&r["id"]), cell(&r["name"])]);
    }
    ctx.print(&t.render())
}

fn items(v: &Value) -> &[Value] {
    v.as_array()
        .or_else(|| v["items"].as_array())
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn page_path(list: &str, args: &crate::cli::ListArgs, search: Option<&str>) -> String {
    let mut path = format!(
        "/regions/{}/{list}?page={}&page_size={}",
        encode(&args.region),
        args.page,
        args.page_size
    );
    if let Some(q) = search {
        path.push_str(&format!("&q={}", encode(q)));
    }
    path
}

/// Which rows of how many this page holds, and how to get the next.
fn footer(page: &Value, args: &crate::cli::ListArgs) -> String {
    let total = page["total"].as_u64().unwrap_or(0);
    let shown = items(page).len() as u64;
    let first = u64::from(args.page - 1) * u64::from(args.page_size);
    if shown == 0 {
        return format!("{total} in all\n");
    }
    let mut out = format!("{}–{} of {total}", first + 1, first + shown);
    if first + shown < total {
        out.push_str(&format!("; next: --page {}", args.page + 1));
    }
    out.push('\n');
    out
}

/// The O&M Events column: the current event and when it runs, or the previous execution.
fn om_cells(ctx: &Ctx, om: &Value) -> [String; 3] {
    let current = &om["current"];
    let previous = om["previous_executed_at"]
        .as_str()
        .map(|t| ctx.zone.show_text(t))
        .unwrap_or_else(|| "—".to_owned());
    if current.is_null() {
        return ["—".to_owned(), "—".to_owned(), previous];
    }
    let at = current["execute_at"]
        .as_str()
        .map(|t| ctx.zone.show_text(t))
        .unwrap_or_default();
    [
        format!("{} {}", cell(&current["id"]), cell(&current["status"])),
        at,
        previous,
    ]
}

pub fn gateways(ctx: &Ctx, args: &crate::cli::ListArgs, search: Option<&str>) -> Outcome {
    let answer = ctx.api.get(&page_path("vpn-gateways", args, search))?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let page = answer.json()?;
    let mut t = Table::new(&[
        "ID",
        "NAME",
        "STATUS",
        "TUNNEL MODE",
        "ADDRESSES",
        "SSL CLIENTS",
        "O&M EVENT",
        "EXECUTES AT",
        "PREVIOUS",
    ]);
    for g in items(&page) {
        let [event, at, previous] = om_cells(ctx, &g["om_events"]);
        t.row(vec![
            cell(&g["id"]),
            cell(&g["name"]),
            cell(&g["status"]),
            cell(&g["tunnel_mode"]),
            addresses(&g["addresses"]),
            cell(&g["ssl_clients"]),
            event,
            at,
            previous,
        ]);
    }
    ctx.print(&format!("{}{}", t.render(), footer(&page, args)))
}

/// `1: 47.96.10.1, 2: 47.96.10.2, SSL: 47.96.10.3` or the single gateway address.
fn addresses(a: &Value) -> String {
    let labels = [
        ("ipsec_address_1", "1: "),
        ("ipsec_address_2", "2: "),
        ("ssl_address", "SSL: "),
        ("gateway_address", ""),
    ];
    let parts: Vec<String> = labels
        .iter()
        .filter_map(|(key, label)| a[*key].as_str().map(|ip| format!("{label}{ip}")))
        .collect();
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(", ")
    }
}

/// `47.96.0.1 (IPsec Address 1)`, in the source page's words.
fn gateway_ip(ip: &Value) -> String {
    let role = ip["role"].as_str().unwrap_or_default();
    let label = vpn_console_domain::GatewayIpRole::parse(role).map_or(role, |r| r.label());
    format!("{} ({label})", cell(&ip["ip"]))
}

pub fn connections(ctx: &Ctx, args: &crate::cli::ListArgs) -> Outcome {
    let answer = ctx.api.get(&page_path("ipsec-connections", args, None))?;
    if ctx.json {
        return ctx.print_raw(&answer.body);
    }
    let page = answer.json()?;
    let mut t = Table::new(&[
        "ID",
        "NAME",
        "TUNNEL MODE",
        "ATTACHED TO",
        "TUNNELS",
        "O&M EVENT",
        "EXECUTES AT",
        "PREVIOUS",
    ]);
    for c in items(&page) {
        let [event, at, previous] = om_cells(ctx, &c["om_events"]);
        let tunnels: Vec<String> = c["tunnels"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|tun| {
                let traffic = if tun["carries_traffic"] == Value::Bool(true) {
                    ", traffic"
                } else {
                    ""
                };
                format!(
                    "{}: {} → {} ({}{traffic})",
                    cell(&tun["index"]),
                    cell(&tun["gateway_ip"]),
                    cell(&tun["customer_gateway"]["id"]),
                    cell(&tun["state"]),
                )
            })
            .collect();
        t.row(vec![
            cell(&c["id"]),
            cell(&c["name"]),
            cell(&c["tunnel_mode"]),
            format!(
                "{} {}",
                cell(&c["attached_to"]["kind"]),
                cell(&c["attached_to"]["id"])
            ),
            tunnels.join("; "),
            event,
            at,
            previous,
        ]);
    }
    ctx.print(&format!("{}{}", t.render(), footer(&page, args)))
}

/// `GET /regions/{region}/om-events` has no status filter: it is applied here, to the tables and
/// to `--json` alike (the items only; every other field as the API sent it).
pub fn events(ctx: &Ctx, region: &str, status: Option<&str>, days: u32) -> Outcome {
    let answer = ctx.api.get(&format!(
        "/regions/{}/om-events?days={days}",
        encode(region)
    ))?;
    if ctx.json && status.is_none() {
        return ctx.print_raw(&answer.body);
    }
    let mut history = answer.json()?;
    if let (Some(wanted), Some(list)) = (status, history["items"].as_array_mut()) {
        list.retain(|e| e["status"].as_str() == Some(wanted));
    }
    if ctx.json {
        return ctx.print_raw(&history.to_string());
    }
    let mut t = Table::new(&[
        "ID",
        "RESOURCE",
        "GATEWAY IP",
        "REASON",
        "STATUS",
        "EXECUTES AT",
        "DEFAULT EXECUTION TIME",
    ]);
    for e in items(&history) {
        t.row(vec![
            cell(&e["id"]),
            format!(
                "{} {}",
                cell(&e["resource"]["kind"]),
                cell(&e["resource"]["id"])
            ),
            gateway_ip(&e["gateway_ip"]),
            cell(&e["reason"]),
            cell(&e["status"]),
            ctx.zone
                .show_text(e["execute_at"].as_str().unwrap_or_default()),
            ctx.zone
                .show_text(e["default_execute_at"].as_str().unwrap_or_default()),
        ]);
    }
    let n = items(&history).len();
    ctx.print(&format!(
        "{}{n} event(s) in the last {days} days\n",
        if t.is_empty() {
            String::new()
        } else {
            t.render()
        }
    ))
}
