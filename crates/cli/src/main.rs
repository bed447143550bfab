//! omctl: the O&M events console's command-line client over the public API (DESIGN.md 11).

mod approvals;
mod cli;
mod client;
mod events;
mod lists;
mod notify;
mod overview;
mod table;
mod time;

use std::io::Write;

use clap::Parser;

use crate::cli::{ApprovalsCommand, ChannelsCommand, Cli, Command, EventsCommand, WebhooksCommand};
use crate::client::{Api, Failure, Outcome};
use crate::time::Zone;

/// What every command needs: the API, how to print, and the viewer's zone.
pub struct Ctx {
    pub api: Api,
    pub json: bool,
    pub zone: Zone,
    /// `--tz` as given: the zone a wall time in `--at` is read in.
    pub tz: Option<String>,
}

impl Ctx {
    pub fn print(&self, text: &str) -> Outcome {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`omctl … | head`) is not the command's failure.
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
        Ok(())
    }

    /// The API's JSON as it came, one document per line.
    pub fn print_raw(&self, body: &str) -> Outcome {
        if body.is_empty() {
            return Ok(());
        }
        self.print(&format!("{}\n", body.trim_end()))
    }
}

fn main() {
    // clap ends the process itself: 0 for --help and --version, 2 for a usage error.
    let cli = Cli::parse();
    let json = cli.global.json;
    if let Err(failure) = run(cli) {
        if json {
            println!("{}", failure.json());
        }
        eprintln!("omctl: {}", failure.message());
        std::process::exit(failure.exit_code());
    }
}

fn run(cli: Cli) -> Outcome {
    let g = &cli.global;
    let zone = Zone::for_display(g.utc, g.tz.as_deref())?;
    let url = g.url.as_deref().ok_or_else(|| {
        Failure::Usage("no server: set OM_URL or pass --url https://…".to_owned())
    })?;
    let token = g
        .token
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            Failure::Auth(
                "no API token: set OM_TOKEN or pass --token (the server's create-token makes one)"
                    .to_owned(),
            )
        })?;
    let ctx = Ctx {
        api: Api::new(url, token.trim())?,
        json: g.json,
        zone,
        tz: g.tz.clone(),
    };
    match &cli.command {
        Command::Regions => lists::regions(&ctx),
        Command::Gateways { list, search } => lists::gateways(&ctx, list, search.as_deref()),
        Command::Connections { list } => lists::connections(&ctx, list),
        Command::Events(e) => match e {
            EventsCommand::List {
                region,
                status,
                days,
            } => lists::events(&ctx, region, status.as_deref(), *days),
            EventsCommand::Show { id } => events::show(&ctx, id),
            EventsCommand::Reschedule { id, at, why } => events::reschedule(&ctx, id, at, why),
            EventsCommand::Execute { id, yes, why } => events::execute(&ctx, id, *yes, why),
            EventsCommand::Verify { id } => events::verify(&ctx, id),
            EventsCommand::Log { id } => events::log(&ctx, id),
            EventsCommand::Export {
                csv: _,
                days,
                region,
            } => overview::export(&ctx, *days, region.as_deref()),
        },
        Command::Overview { days } => overview::overview(&ctx, *days),
        Command::CalendarUrl => notify::calendar_url(&ctx),
        Command::Webhooks(w) => match w {
            WebhooksCommand::List => notify::list(&ctx),
            WebhooksCommand::Add {
                receiver,
                description,
                event_types,
            } => notify::add(&ctx, receiver, description.as_deref(), event_types),
            WebhooksCommand::Remove { id } => notify::remove(&ctx, id),
        },
        Command::Channels(c) => match c {
            ChannelsCommand::List => notify::list_channels(&ctx),
            ChannelsCommand::Add {
                kind,
                target,
                name,
                language,
                time_zone,
                secret,
                event_types,
                regions,
                min_interruption_s,
            } => {
                let mut body = serde_json::json!({"kind": kind, "target": target, "name": name});
                if let Some(l) = language {
                    body["language"] = serde_json::json!(l);
                }
                if let Some(z) = time_zone {
                    body["time_zone"] = serde_json::json!(z);
                }
                if let Some(s) = secret {
                    body["secret"] = serde_json::json!(s);
                }
                let mut filters = serde_json::json!({});
                if !event_types.is_empty() {
                    filters["event_types"] = serde_json::json!(event_types);
                }
                if !regions.is_empty() {
                    filters["regions"] = serde_json::json!(regions);
                }
                if let Some(m) = min_interruption_s {
                    filters["min_interruption_s"] = serde_json::json!(m);
                }
                body["filters"] = filters;
                notify::add_channel(&ctx, &body)
            }
            ChannelsCommand::Remove { id } => notify::remove_channel(&ctx, id),
            ChannelsCommand::Test { id } => notify::test_channel(&ctx, id),
        },
        Command::Approvals(a) => match a {
            ApprovalsCommand::List { status } => approvals::list(&ctx, status.as_deref()),
            ApprovalsCommand::Show { id } => approvals::show(&ctx, id),
            ApprovalsCommand::Approve { id, comment } => {
                approvals::decide(&ctx, id, "approve", comment.as_deref())
            }
            ApprovalsCommand::Reject { id, comment } => {
                approvals::decide(&ctx, id, "reject", comment.as_deref())
            }
        },
    }
}
