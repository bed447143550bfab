//! Real server processes over a fresh database, and webhook receivers: small axum servers on
//! 127.0.0.1 that record what they receive and answer what they are told to.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use sqlx::Connection;

pub const BIN: &str = env!("CARGO_BIN_EXE_vpn-console-server");

#[derive(Debug, Clone, Copy)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A database for one test: a SQLite file in a temporary folder, or a new PostgreSQL database.
pub struct Database {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Database {
    pub async fn fresh(engine: Engine) -> Database {
        sqlx::any::install_default_drivers();
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}/console.db", dir.path().display());
                Database {
                    url,
                    _dir: Some(dir),
                    pg: None,
                }
            }
            Engine::Postgres => {
                let admin = std::env::var("TEST_POSTGRES_URL")
                    .expect("TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh");
                // A counter as well: two tests of one binary can start within the same microsecond.
                static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
                let name = format!(
                    "om_t_wh_{}_{}_{}",
                    std::process::id(),
                    chrono::Utc::now().timestamp_micros(),
                    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                );
                let mut conn = sqlx::AnyConnection::connect(&admin).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                let base = admin.rsplit_once('/').unwrap().0;
                Database {
                    url: format!("{base}/{name}"),
                    _dir: None,
                    pg: Some((admin, name)),
                }
            }
        }
    }

    pub async fn drop(mut self) {
        if let Some((admin, name)) = self.pg.take() {
            crate::pg::drop_database(&admin, &name).await;
        }
    }
}

/// A console folder with a placeholder page: these tests need the API, not the built console.
pub fn console_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("om-console-stub-wh-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!DOCTYPE html><title>console</title>",
    )
    .unwrap();
    dir
}

pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

impl Server {
    /// Starts `vpn-console-server --demo --webhook-allow-private` and waits until it listens.
    pub fn start(database_url: &str, time_scale: f64, name: &str) -> Server {
        let mut child = Command::new(BIN)
            .env("REPLICA_NAME", name)
            .env("SECRETS_KEY_FILE", crate::pg::secrets_key_file())
            .args([
                "--listen",
                "127.0.0.1:0",
                "--demo",
                "--webhook-allow-private",
            ])
            .args(["--time-scale", &time_scale.to_string()])
            .arg("--console-dir")
            .arg(console_dir())
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            let line = lines.next().expect("server printed its address").unwrap();
            if let Some(rest) = line.split("console at ").nth(1) {
                break rest.trim().to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Server { child, url }
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.url)
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub async fn login(&self, email: &str) -> reqwest::Client {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let res = client
            .post(self.api("/session"))
            .json(&json!({"email": email, "password": "demo-password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "login of {email}");
        client
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: String,
    /// When the request arrived, on the test's own clock.
    pub at: Instant,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    pub fn id(&self) -> String {
        self.headers["webhook-id"].to_str().unwrap().to_owned()
    }
}

/// A webhook receiver on 127.0.0.1.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    answer: Arc<AtomicU16>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        Self::start_on(0).await
    }

    /// On a given port (0 for any), answering 200 until told otherwise.
    pub async fn start_on(port: u16) -> Receiver {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let answer = Arc::new(AtomicU16::new(200));
        let (r, a) = (received.clone(), answer.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (r, a) = (r.clone(), a.clone());
                async move {
                    r.lock().unwrap().push(Received {
                        headers,
                        body,
                        at: Instant::now(),
                    });
                    let status = StatusCode::from_u16(a.load(Ordering::SeqCst)).unwrap();
                    (status, "thanks ".repeat(400))
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            port,
            received,
            answer,
        }
    }

    /// A URL on which nothing listens yet (the port is free; [`Receiver::start_on`] takes it later).
    pub fn down() -> (String, u16) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        (format!("http://127.0.0.1:{port}/hook"), port)
    }

    pub fn answer(&self, status: u16) {
        self.answer.store(status, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `pred` holds for what was received, or panics after `timeout`.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if pred(&got) {
                return got;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out waiting for {what}; received {} requests",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Polls `f` until it returns Some, or panics after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, f: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
