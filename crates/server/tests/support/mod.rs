//! Spawns the real server on a loopback port with a fresh database and the demo data.

pub mod pg;

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;
use sqlx::Connection;
use vpn_console_server::clock::{Clock, ManualClock};
use vpn_console_server::scheduler::Scheduler;
use vpn_console_server::store::Store;
use vpn_console_server::{demo, AppState};

pub const PASSWORD: &str = demo::DEMO_PASSWORD;

/// The name under which the test server's own scheduler runs (and loads the demo).
pub const SERVER_INSTANCE: &str = "server";

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub clock: ManualClock,
    pub store: Store,
    pub state: AppState,
    pub time_scale: f64,
    /// The database, for a second process's view of it.
    pub db_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
    _console: Option<tempfile::TempDir>,
    pg_database: Option<(String, String)>,
}

/// index.html as the console's build shapes it, in small: the early script in `<head>`, an
/// empty `<body>` (see `Template::read` in src/http/first_page.rs).
pub const CONSOLE_INDEX: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><script>window.early = 1;</script></head><body></body></html>";

/// The actions of an audit log (as [`TestApp::log_of`] reads it), oldest first.
pub fn actions(log: &Value) -> Vec<&str> {
    log.as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").expect(
        "TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, which starts PostgreSQL",
    )
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_scaled(backend, 1.0).await
    }

    /// A server whose maintenance runs `time_scale` times faster than real time, its demo
    /// loaded by its own scheduler ([`SERVER_INSTANCE`]).
    pub async fn spawn_scaled(backend: Backend, time_scale: f64) -> TestApp {
        TestApp::spawn_full(backend, time_scale, None).await
    }

    /// A server with a console folder holding [`CONSOLE_INDEX`], so that it draws list pages.
    pub async fn spawn_with_console(backend: Backend) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), CONSOLE_INDEX).unwrap();
        TestApp::spawn_full(backend, 1.0, Some(dir)).await
    }

    /// `base` is the API's address; [`TestApp::page_url`] gives the console's.
    async fn spawn_full(
        backend: Backend,
        time_scale: f64,
        console: Option<tempfile::TempDir>,
    ) -> TestApp {
        sqlx::any::install_default_drivers();
        let clock = ManualClock::new(Utc::now().trunc_subsecs(0));
        let (url, dir, pg_database) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}/console.db", dir.path().display());
                (url, Some(dir), None)
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("om_t_{}", uuid_like());
                let mut conn = sqlx::AnyConnection::connect(&admin).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                conn.close().await.unwrap();
                let base = admin.rsplit_once('/').unwrap().0;
                (format!("{base}/{name}"), None, Some((admin, name)))
            }
        };
        // On PostgreSQL the key is given, as the server requires; SQLite's is beside its file.
        let key = matches!(backend, Backend::Postgres).then(pg::secrets_key_file);
        let store = Store::connect_with(&url, key.as_deref()).await.unwrap();
        let state = vpn_console_server::state(store.clone(), Arc::new(clock.clone()));
        let mut app = TestApp {
            base: String::new(),
            clock,
            store,
            state,
            time_scale,
            db_url: url,
            shutdown: None,
            server: None,
            _dir: dir,
            _console: None,
            pg_database,
        };
        assert!(demo::load(&app.scheduler(SERVER_INSTANCE)).await.unwrap());
        let app_state = app.state.clone();
        let console_dir = console.as_ref().map_or_else(
            || std::path::PathBuf::from("/nonexistent-console"),
            |d| d.path().to_owned(),
        );
        app._console = console;
        let router = vpn_console_server::router(app_state, &console_dir);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        // The binary's own accept loop, with its timeouts and its draining of unread bodies.
        let server = tokio::spawn(async move {
            vpn_console_server::serve::serve(listener, router, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        app.base = base;
        app.shutdown = Some(tx);
        app.server = Some(server);
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A page of the console, e.g. `/vpn-gateways?region=cn-hangzhou`.
    pub fn page_url(&self, path: &str) -> String {
        format!("{}{path}", self.base.trim_end_matches("/api/v1"))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn scheduler(&self, instance: &str) -> Scheduler {
        Scheduler::new(
            self.store.clone(),
            Arc::new(self.clock.clone()),
            self.state.scheduler_wake.clone(),
            self.time_scale,
            instance,
        )
    }

    pub async fn login(&self, email: &str) -> reqwest::Client {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let res = client
            .post(self.url("/session"))
            .json(&serde_json::json!({"email": email, "password": demo::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "login of {email}");
        client
    }

    pub async fn event_of_id(&self, client: &reqwest::Client, id: &str) -> (Value, String) {
        let res = client
            .get(self.url(&format!("/om-events/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        (res.json().await.unwrap(), etag)
    }

    /// The audit log of an event, oldest first.
    pub async fn log_of(&self, client: &reqwest::Client, id: &str) -> Value {
        let res = client
            .get(self.url(&format!("/om-events/{id}/log")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    /// The current event of the gateway with this name.
    pub async fn event_of(&self, client: &reqwest::Client, gateway_name: &str) -> (Value, String) {
        let list: Value = client
            .get(self.url(&format!(
                "/regions/cn-hangzhou/vpn-gateways?q={gateway_name}"
            )))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = list["items"][0]["om_events"]["current"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{gateway_name} has no current event: {list}"))
            .to_owned();
        self.event_of_id(client, &id).await
    }

    pub async fn connection_event_of(&self, client: &reqwest::Client, name: &str) -> Value {
        let list: Value = client
            .get(self.url(&format!("/regions/cn-hangzhou/ipsec-connections?q={name}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = list["items"][0]["om_events"]["current"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        self.event_of_id(client, &id).await.0
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.store.close().await;
        if let Some((admin, name)) = self.pg_database.take() {
            pg::drop_database(&admin, &name).await;
        }
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        Utc::now().timestamp_micros(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
