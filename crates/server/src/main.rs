use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use vpn_console_server::clock::{Clock, SystemClock};
use vpn_console_server::http::client::{parse_trusted_proxy, Deployment, TrustedProxies};
use vpn_console_server::notify::Dispatcher;
use vpn_console_server::scheduler::Scheduler;
use vpn_console_server::store::{hash_password, redact_url, Role, Store};
use vpn_console_server::{demo, operator};

/// The VPN gateway O&M events console: serves the console and its API, and runs the scheduler.
#[derive(Parser)]
#[command(name = "vpn-console-server", version)]
struct Cli {
    /// Where to serve the console and the API.
    #[arg(
        long,
        env = "LISTEN_ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    listen: SocketAddr,
    /// sqlite://PATH (created if missing) or postgres://USER:PASSWORD@HOST/DB.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/console.db",
        global = true
    )]
    database_url: String,
    /// The built console (Trunk's dist folder).
    #[arg(long, env = "CONSOLE_DIR", default_value = "dist", global = true)]
    console_dir: PathBuf,
    /// Load the demo data into an empty database.
    #[arg(long, env = "DEMO_DATA", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true", global = true)]
    demo: bool,
    /// How many times faster than real time maintenance runs (tests and demos).
    #[arg(long, env = "TIME_SCALE", default_value_t = 1.0, global = true)]
    time_scale: f64,
    /// How long, in milliseconds, a session or a list page read from the database may be
    /// answered again without reading it anew when no write was seen in between; 0 turns this
    /// off. Writes through this server or, on PostgreSQL, any replica end it at once.
    #[arg(long, env = "READ_CACHE_TTL_MS", default_value_t = 1000, global = true)]
    read_cache_ttl_ms: u64,
    /// Names this replica in the audit trail of the events it runs (a unique suffix is added).
    #[arg(long, env = "REPLICA_NAME", default_value = "replica", global = true)]
    replica_name: String,
    /// A proxy (load balancer) whose X-Forwarded-For and X-Forwarded-Proto are believed: an
    /// address or a CIDR network; repeat the flag or separate by commas. Without one, the
    /// client is the TCP peer and those headers are ignored.
    #[arg(long, env = "TRUSTED_PROXY", value_delimiter = ',', value_parser = parse_trusted_proxy, global = true)]
    trusted_proxy: Vec<ipnet::IpNet>,
    /// A host name the console is served under (repeat, or separate by commas); requests for
    /// any other Host are refused. Without one, any Host is answered.
    #[arg(long, env = "ALLOWED_HOST", value_delimiter = ',', global = true)]
    allowed_host: Vec<String>,
    /// Webhooks may be plain http and reach loopback and private addresses (demos, tests).
    #[arg(long, env = "WEBHOOK_ALLOW_PRIVATE", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true", global = true)]
    webhook_allow_private: bool,
    /// Where users reach the console, for links in webhooks and calendar feeds (default: the
    /// address the request came to, and http://LISTEN for webhooks).
    #[arg(long, env = "PUBLIC_URL", global = true)]
    public_url: Option<String>,
    /// The key that seals stored webhook secrets: a file holding 32 random bytes as base64
    /// (openssl rand -base64 32); every replica of one database uses the same file. Without
    /// it, secrets.key beside the SQLite file (created when missing); PostgreSQL needs it.
    #[arg(long, env = "SECRETS_KEY_FILE", global = true)]
    secrets_key_file: Option<PathBuf>,
    /// The mail relay of e-mail channels: smtp://[user:password@]host[:port] (STARTTLS when
    /// the relay offers it) or smtps://… (TLS from the start). Without one, each mail is
    /// written as an .eml file into mail/ beside the SQLite file.
    #[arg(long, env = "SMTP_URL", global = true, hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of e-mail channels' mail, e.g. "O&M console <om@example.com>".
    #[arg(long, env = "SMTP_FROM", global = true)]
    smtp_from: Option<String>,
    /// The PagerDuty Events API's base (channels of kind pagerduty).
    #[arg(long, env = "PAGERDUTY_URL", global = true, default_value = vpn_console_server::notify::dispatcher::PAGERDUTY_URL)]
    pagerduty_url: String,
    #[command(subcommand)]
    command: Option<Command>,
}

/// What the dispatcher needs for channels (DESIGN.md 15).
struct ChannelSettings {
    pagerduty_url: String,
    mailer: Arc<vpn_console_server::notify::mail::Mailer>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve (the default).
    Serve,
    /// Provider: publish an O&M event.
    PublishEvent {
        /// vpn-… (a VPN gateway) or vco-… (an IPsec-VPN connection on a transit router).
        #[arg(long)]
        resource: String,
        /// ipsec_address_1, ipsec_address_2, ssl_address, gateway_address or tunnel_address.
        #[arg(long)]
        address: String,
        /// system_upgrade, hardware_upgrade or issue_fix.
        #[arg(long, default_value = "system_upgrade")]
        reason: String,
        /// RFC 3339, e.g. 2026-12-01T18:00:00Z.
        #[arg(long)]
        default_execute_at: DateTime<Utc>,
    },
    /// Provider: cancel a pending O&M event.
    CancelEvent { id: String },
    /// Provider's monitoring: report a tunnel's health (`--ike` also sets its state); the
    /// completed events it may change the verdict of are checked again.
    TunnelHealth {
        #[arg(long)]
        tunnel: String,
        /// up or down.
        #[arg(long)]
        ike: String,
        /// established or down (tunnels with BGP).
        #[arg(long)]
        bgp: Option<String>,
        /// Routes received from the customer's side.
        #[arg(long)]
        routes: Option<u32>,
    },
    /// Create an account.
    CreateAccount { id: String, name: String },
    /// Create a user; the password is read from the environment variable NEW_USER_PASSWORD.
    CreateUser {
        #[arg(long)]
        account: String,
        #[arg(long)]
        email: String,
        /// viewer or operator.
        #[arg(long)]
        role: String,
    },
    /// Create an API token for a user and print it (it is shown once).
    CreateToken {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Revoke a user's API tokens of that name.
    RevokeToken {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Offboarding: refuse the user's log-in (401, as a wrong password), end their sessions
    /// and open streams, revoke their API tokens and calendar URL. Prints JSON.
    DisableUser {
        #[arg(long)]
        email: String,
    },
    /// Let a disabled user log in again (their old tokens and calendar URL stay revoked).
    EnableUser {
        #[arg(long)]
        email: String,
    },
    /// The user's API tokens (names and dates, never the tokens), as JSON.
    ListTokens {
        #[arg(long)]
        email: String,
    },
    /// Benchmarks: add a region with many gateways to an account; run again, it adds only
    /// the gateways missing.
    GenerateRegion {
        #[arg(long, default_value = "acme")]
        account: String,
        #[arg(long, default_value = "bench-1")]
        region: String,
        #[arg(long, default_value_t = 10_000)]
        gateways: u32,
    },
}

/// Many small allocations from two worker threads at once: glibc's allocator made them queue on
/// its arena locks (futex waits showed up under load); mimalloc keeps one heap per thread.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    // A bad configuration ends the process with one line that names the problem.
    if let Err(e) = run().await {
        eprintln!("vpn-console-server: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    // Logs go to stderr, so that a command's stdout is only its answer (JSON for scripts).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .init();
    let cli = Cli::parse();
    anyhow::ensure!(
        cli.time_scale > 0.0 && cli.time_scale.is_finite(),
        "--time-scale must be a positive number"
    );
    if matches!(cli.command, None | Some(Command::Serve)) {
        anyhow::ensure!(
            cli.console_dir.join("index.html").is_file(),
            "the console directory '{}' holds no index.html; build it with scripts/build-console.sh or pass --console-dir",
            cli.console_dir.display()
        );
    }
    let store = Store::connect_with(&cli.database_url, cli.secrets_key_file.as_deref())
        .await
        .with_context(|| format!("database {}", redact_url(&cli.database_url)))?;
    if matches!(cli.command, None | Some(Command::Serve)) {
        anyhow::ensure!(
            store.has_secrets_key(),
            "on PostgreSQL the server needs --secrets-key-file (SECRETS_KEY_FILE): the key that seals the stored webhook secrets, the same file for every replica; create one with: openssl rand -base64 32 > secrets.key"
        );
    }
    store
        .changes()
        .set_ttl(std::time::Duration::from_millis(cli.read_cache_ttl_ms));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let instance = format!("{}-{}", cli.replica_name, uuid::Uuid::new_v4());
            let deployment = Deployment {
                trusted_proxies: TrustedProxies::new(cli.trusted_proxy),
                allowed_hosts: cli.allowed_host,
            };
            let notify = vpn_console_server::notify::Settings {
                allow_private: cli.webhook_allow_private,
                public_url: cli.public_url,
            };
            // Mail without a relay goes beside the SQLite file (data/mail/); on PostgreSQL,
            // beside the process.
            let mail_folder = if cli.database_url.starts_with("sqlite:") {
                vpn_console_server::store::sqlite_file(&cli.database_url)
                    .parent()
                    .map(|dir| dir.join("mail"))
                    .unwrap_or_else(|| PathBuf::from("mail"))
            } else {
                PathBuf::from("mail")
            };
            let mailer = vpn_console_server::notify::mail::Mailer::new(
                cli.smtp_url.as_deref(),
                cli.smtp_from.as_deref(),
                mail_folder,
            )?;
            let channels = ChannelSettings {
                pagerduty_url: cli.pagerduty_url,
                mailer: Arc::new(mailer),
            };
            serve(
                store,
                clock,
                deployment,
                cli.listen,
                cli.console_dir,
                cli.demo,
                cli.time_scale,
                instance,
                notify,
                channels,
            )
            .await
        }
        Command::PublishEvent {
            resource,
            address,
            reason,
            default_execute_at,
        } => {
            let event = operator::publish_event(
                &store,
                &resource,
                &address,
                &reason,
                default_execute_at,
                clock.now(),
            )
            .await?;
            println!("{}", serde_json::to_string_pretty(&event)?);
            Ok(())
        }
        Command::TunnelHealth {
            tunnel,
            ike,
            bgp,
            routes,
        } => {
            use vpn_console_domain::verification::{Bgp, Ike};
            let ike = Ike::parse(&ike)
                .ok_or_else(|| anyhow::anyhow!("--ike is up or down, not '{ike}'"))?;
            let bgp = bgp
                .map(|b| {
                    Bgp::parse(&b)
                        .ok_or_else(|| anyhow::anyhow!("--bgp is established or down, not '{b}'"))
                })
                .transpose()?;
            let tunnel = tunnel.parse()?;
            let rechecked = store
                .report_tunnel_health(
                    &tunnel,
                    ike,
                    bgp,
                    routes,
                    clock.now(),
                    &operator::cli_actor(),
                )
                .await?;
            println!(
                "{}",
                serde_json::json!({"tunnel": tunnel, "rechecked_events": rechecked})
            );
            Ok(())
        }
        Command::CancelEvent { id } => {
            let event = store.cancel_event(&id.parse()?, clock.now()).await?;
            println!("{}", serde_json::to_string_pretty(&event)?);
            Ok(())
        }
        Command::CreateAccount { id, name } => {
            store.create_account(&id, &name).await?;
            println!("created account {id}");
            Ok(())
        }
        Command::CreateUser {
            account,
            email,
            role,
        } => {
            let role = Role::parse(&role).context("role must be viewer or operator")?;
            let password = std::env::var("NEW_USER_PASSWORD").context("set NEW_USER_PASSWORD")?;
            anyhow::ensure!(
                password.len() >= 12,
                "the password needs at least 12 characters"
            );
            store
                .create_user(&account, &email, &hash_password(&password)?, role)
                .await?;
            println!("created {} {email} in {account}", role.as_str());
            Ok(())
        }
        Command::CreateToken { email, name } => {
            let token = store.create_api_token(&email, &name, clock.now()).await?;
            operator::audit_cli(&store, &email, "token.created", &name, clock.now()).await?;
            println!("{token}");
            Ok(())
        }
        Command::RevokeToken { email, name } => {
            let n = store.revoke_api_token(&email, &name, clock.now()).await?;
            if n > 0 {
                operator::audit_cli(&store, &email, "token.revoked", &name, clock.now()).await?;
            }
            println!("revoked {n} token(s)");
            Ok(())
        }
        Command::DisableUser { email } => {
            let revoked = store
                .disable_user(&email, &operator::cli_actor(), clock.now())
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user '{email}'"))?;
            let answer = serde_json::json!({"email": email.to_lowercase(), "disabled": true, "tokens_revoked": revoked});
            println!("{}", serde_json::to_string_pretty(&answer)?);
            Ok(())
        }
        Command::EnableUser { email } => {
            anyhow::ensure!(
                store
                    .enable_user(&email, &operator::cli_actor(), clock.now())
                    .await?,
                "no user '{email}'"
            );
            let answer = serde_json::json!({"email": email.to_lowercase(), "disabled": false});
            println!("{}", serde_json::to_string_pretty(&answer)?);
            Ok(())
        }
        Command::ListTokens { email } => {
            let tokens = store
                .list_api_tokens(&email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user '{email}'"))?;
            println!("{}", serde_json::to_string_pretty(&tokens)?);
            Ok(())
        }
        Command::GenerateRegion {
            account,
            region,
            gateways,
        } => {
            let n = demo::generate_region(&store, &account, &region, gateways, clock.now()).await?;
            println!("added {n} gateways to {region} of {account} (those already there are kept)");
            Ok(())
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn serve(
    store: Store,
    clock: Arc<dyn Clock>,
    deployment: Deployment,
    listen: SocketAddr,
    console_dir: PathBuf,
    load_demo: bool,
    time_scale: f64,
    instance: String,
    notify: vpn_console_server::notify::Settings,
    channels: ChannelSettings,
) -> anyhow::Result<()> {
    let state =
        vpn_console_server::state_with(store.clone(), clock.clone(), deployment, notify.clone());
    let scheduler = Scheduler::new(
        store.clone(),
        clock.clone(),
        state.scheduler_wake.clone(),
        time_scale,
        instance.clone(),
    );
    if load_demo && demo::load(&scheduler).await? {
        tracing::info!("loaded the demo data");
        println!(
            "Demo accounts (password '{}'): {}",
            demo::DEMO_PASSWORD,
            demo::DEMO_USERS
                .iter()
                .map(|(a, e, r)| format!("{e} ({a}, {})", r.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    store.watch_other_writers();
    tokio::spawn(scheduler.run());
    let live = state.live.clone();
    let app = vpn_console_server::router(state, &console_dir);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let addr = listener.local_addr()?;
    // Sends the webhook outbox and the reminders (DESIGN.md 9); links name the
    // address actually bound.
    let dispatcher = Dispatcher::new(
        store.clone(),
        clock,
        time_scale,
        instance,
        notify.allow_private,
        notify
            .public_url
            .unwrap_or_else(|| format!("http://{addr}")),
    )
    .with_channels(&channels.pagerduty_url, Some(channels.mailer));
    tokio::spawn(dispatcher.run());
    tracing::info!(%addr, "serving");
    println!("VPN Gateway O&M console at http://{addr}");
    vpn_console_server::serve::serve(listener, app, async move {
        let _ = tokio::signal::ctrl_c().await;
        live.close();
    })
    .await?;
    store.close().await;
    Ok(())
}
