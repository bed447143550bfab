//! The real server binary as a process, for what only a process shows: its memory, its own
//! connection handling, its messages on stderr.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sqlx::Connection;

use crate::support::{pg, Backend};

/// The binary under test; `HARDENING_SERVER_BIN` runs the same tests against another build
/// (an older one, to see them fail before a fix).
pub fn server_bin() -> String {
    std::env::var("HARDENING_SERVER_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_vpn-console-server").to_owned())
}

pub struct ServerProcess {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    pub addr: std::net::SocketAddr,
    _dir: tempfile::TempDir,
    pg_database: Option<(String, String)>,
}

/// A fresh database URL for `backend`, and the PostgreSQL database to drop afterwards.
pub async fn fresh_database(
    backend: Backend,
    dir: &std::path::Path,
) -> (String, Option<(String, String)>) {
    match backend {
        Backend::Sqlite => (format!("sqlite://{}/console.db", dir.display()), None),
        Backend::Postgres => {
            sqlx::any::install_default_drivers();
            let admin = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL");
            // A counter as well: two tests of one binary can start within the same microsecond.
            static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let name = format!(
                "om_h_{}_{}_{}",
                std::process::id(),
                chrono::Utc::now().timestamp_micros(),
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            );
            let mut conn = sqlx::AnyConnection::connect(&admin).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
            let base = admin.rsplit_once('/').unwrap().0;
            (format!("{base}/{name}"), Some((admin, name)))
        }
    }
}

impl ServerProcess {
    /// Starts the server with the demo data on a free port, with `args` added.
    pub async fn start(backend: Backend, args: &[&str]) -> ServerProcess {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            "<!doctype html><title>t</title>",
        )
        .unwrap();
        let (db_url, pg_database) = fresh_database(backend, dir.path()).await;
        let mut child = Command::new(server_bin())
            .args(["--listen", "127.0.0.1:0", "--demo"])
            .arg("--console-dir")
            .arg(dir.path())
            .args(args)
            .env("DATABASE_URL", &db_url)
            .env("SECRETS_KEY_FILE", crate::support::pg::secrets_key_file())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads stdout to its end, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("VPN Gateway O&M console at http://") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let addr = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(120)))
            .await
            .unwrap()
            .expect("the server did not start");
        ServerProcess {
            child,
            origin: format!("http://{addr}"),
            addr: addr.parse().unwrap(),
            _dir: dir,
            pg_database,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.origin)
    }

    /// `(VmRSS, VmHWM)` of the server process in KiB: its memory now and at its peak.
    pub fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or_else(|| panic!("no {name} in /proc/PID/status"))
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some((admin, name)) = self.pg_database.take() {
            pg::drop_database(&admin, &name).await;
        }
    }
}

/// A test that fails midway must not leave its server running.
impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
