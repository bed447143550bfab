//! The command line: every command, flag and environment variable of DESIGN.md section 11.

use clap::{Args, Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  refused by a rule (checked here before sending, or by the server: not pending, later than
     the default execution time, in the past, a DST-ambiguous or nonexistent local time, changed
     meanwhile, not found, a refused approval decision such as your own request), or not
     confirmed at the prompt
  2  usage (a bad flag or value; execute without --yes when no terminal can confirm)
  3  authentication (no token, a wrong or revoked token, a viewer's token for an operator's change)
  4  network (no answer from the server, TLS, or a server error)";

/// omctl: the VPN gateway O&M events console from the command line, over its public API.
///
/// Tables for people, `--json` for scripts (the API's JSON, unchanged).
#[derive(Debug, Parser)]
#[command(name = "omctl", version, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Server and output (every command)")]
pub struct Global {
    /// The console's address, e.g. https://console.example.com (`/api/v1` is added when missing).
    #[arg(long, env = "OM_URL", global = true, value_name = "URL")]
    pub url: Option<String>,
    /// An API token from the server's `create-token` operator command.
    #[arg(long, env = "OM_TOKEN", global = true, hide_env_values = true)]
    pub token: Option<String>,
    /// Print the API's JSON unchanged instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Show times in UTC instead of the viewer's time zone.
    #[arg(long, global = true)]
    pub utc: bool,
    /// The viewer's time zone (IANA, e.g. Asia/Shanghai): times are shown in it, and a wall time
    /// given to `events reschedule --at` is read in it. Default: the system's zone.
    #[arg(long, global = true, value_name = "ZONE")]
    pub tz: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the regions.
    Regions,
    /// List the VPN gateways of a region with their current O&M event.
    Gateways {
        #[command(flatten)]
        list: ListArgs,
        /// Only gateways whose ID or name contains this text.
        #[arg(long, value_name = "Q")]
        search: Option<String>,
    },
    /// List the IPsec-VPN connections of a region with their tunnels and current O&M event.
    Connections {
        #[command(flatten)]
        list: ListArgs,
    },
    /// O&M events: list, show, reschedule, execute, audit log.
    #[command(subcommand)]
    Events(EventsCommand),
    /// Create a secret calendar (iCalendar) URL of your O&M events and print it; a new one
    /// replaces the old one.
    CalendarUrl,
    /// Webhooks that receive your O&M events (Standard Webhooks).
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// Channels: e-mail, Slack, Teams, DingTalk, WeCom, Lark and PagerDuty.
    #[command(subcommand)]
    Channels(ChannelsCommand),
    /// Every region at once: the events at risk in the coming days with their reasons, and the
    /// counts per region.
    Overview {
        /// How many days ahead, 1 to 90.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=90))]
        days: u32,
    },
    /// Approval requests: changes the account's approval policy sends to a second person.
    #[command(subcommand)]
    Approvals(ApprovalsCommand),
}

/// Why a change is made, for the approval policy (required when it covers the change).
#[derive(Debug, Args)]
pub struct ReasonArgs {
    /// Why (1–500 characters); required when the account's approval policy covers the change.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// A change number or similar (at most 100 characters).
    #[arg(long, value_name = "TEXT")]
    pub ticket: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ApprovalsCommand {
    /// The account's approval requests, newest first.
    List {
        /// Only requests in this status: pending, approved, rejected, expired, cancelled or
        /// failed.
        #[arg(long, value_name = "S", value_parser = parse_approval_status)]
        status: Option<String>,
    },
    /// One request: the change, the reason, the risk, the decisions.
    Show {
        /// Approval request ID, apr-….
        id: String,
    },
    /// Approve someone else's request (operator).
    Approve {
        /// Approval request ID, apr-….
        id: String,
        #[arg(long, value_name = "TEXT")]
        comment: Option<String>,
    },
    /// Reject someone else's request (operator).
    Reject {
        /// Approval request ID, apr-….
        id: String,
        #[arg(long, value_name = "TEXT")]
        comment: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Region ID, e.g. cn-hangzhou (see `omctl regions`).
    #[arg(long, value_name = "R")]
    pub region: String,
    /// Page number, from 1.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub page: u32,
    /// Items per page, 1 to 100.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub page_size: u32,
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// The O&M events of a region in the last days, newest first.
    List {
        /// Region ID, e.g. cn-hangzhou.
        #[arg(long, value_name = "R")]
        region: String,
        /// Only events in this status: pending, executing, completed, failed or cancelled.
        #[arg(long, value_name = "S", value_parser = parse_status)]
        status: Option<String>,
        /// How many days back, 1 to 30.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=30))]
        days: u32,
    },
    /// An event, the resources it affects with the impact on each, the summary and the advice.
    Show {
        /// O&M event ID, om-….
        id: String,
    },
    /// Move a pending event to an earlier time (never later than its default execution time).
    Reschedule {
        /// O&M event ID, om-….
        id: String,
        /// The new execution time: RFC 3339 with an offset (2026-12-01T18:00:00Z,
        /// 2026-12-02T02:00:00+08:00), or a wall time (2026-12-02 02:00) read in --tz.
        #[arg(long, value_name = "TIME")]
        at: String,
        #[command(flatten)]
        why: ReasonArgs,
    },
    /// Execute a pending event now (asks for confirmation unless --yes).
    Execute {
        /// O&M event ID, om-….
        id: String,
        /// Do not ask; needed when no terminal can answer (scripts).
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        why: ReasonArgs,
    },
    /// Check a completed event's tunnels again now (DESIGN.md 12.2) and show the verification.
    Verify {
        /// O&M event ID, om-….
        id: String,
    },
    /// The event's audit log, oldest first.
    Log {
        /// O&M event ID, om-….
        id: String,
    },
    /// Write the O&M events as CSV to standard output (UTF-8 with a byte-order mark, CRLF), as
    /// the history lists them: every current event and those finished in the last days.
    Export {
        /// CSV, the one format there is (required, so that a later format is a choice).
        #[arg(long, required = true)]
        csv: bool,
        /// How many days back, 1 to 90.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=90))]
        days: u32,
        /// Only this region's events (default: every region).
        #[arg(long, value_name = "R")]
        region: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// List the webhooks.
    List,
    /// Add a webhook (operator) and print its signing secret, shown only this once.
    Add {
        /// The receiver, https://… (positional: the global --url names the server).
        #[arg(value_name = "RECEIVER_URL")]
        receiver: String,
        /// What it is for.
        #[arg(long)]
        description: Option<String>,
        /// Only these event types (repeatable), e.g. om_event.rescheduled, om_event.reminder,
        /// ping; all when absent.
        #[arg(long = "event-type", value_name = "TYPE")]
        event_types: Vec<String>,
    },
    /// Remove a webhook (operator).
    Remove {
        /// The webhook's ID.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ChannelsCommand {
    /// List the channels.
    List,
    /// Add a channel (operator).
    Add {
        /// email, slack, teams, dingtalk, wecom, lark or pagerduty.
        #[arg(long)]
        kind: String,
        /// An address (email), the robot's or webhook's URL, or a PagerDuty routing key.
        #[arg(long)]
        target: String,
        /// What it is for.
        #[arg(long, default_value = "")]
        name: String,
        /// en or zh-CN.
        #[arg(long)]
        language: Option<String>,
        /// The IANA time zone its messages show times in, e.g. Asia/Shanghai.
        #[arg(long = "time-zone")]
        time_zone: Option<String>,
        /// The robot's signing secret (dingtalk, lark).
        #[arg(long)]
        secret: Option<String>,
        /// Only these event types (repeatable); all when absent.
        #[arg(long = "event-type", value_name = "TYPE")]
        event_types: Vec<String>,
        /// Only events of these regions (repeatable); all when absent.
        #[arg(long = "region", value_name = "R")]
        regions: Vec<String>,
        /// Only events whose worst interruption is at least this many seconds.
        #[arg(long = "min-interruption-s")]
        min_interruption_s: Option<u32>,
    },
    /// Remove a channel (operator).
    Remove {
        /// The channel's ID.
        id: String,
    },
    /// Send a test message to a channel (operator).
    Test {
        /// The channel's ID.
        id: String,
    },
}

fn parse_status(s: &str) -> Result<String, String> {
    vpn_console_domain::EventStatus::parse(s)
        .map(|st| st.as_str().to_owned())
        .ok_or_else(|| "use pending, executing, completed, failed or cancelled".to_owned())
}

fn parse_approval_status(s: &str) -> Result<String, String> {
    vpn_console_domain::approval::ApprovalStatus::parse(s)
        .map(|st| st.as_str().to_owned())
        .ok_or_else(|| "use pending, approved, rejected, expired, cancelled or failed".to_owned())
}
