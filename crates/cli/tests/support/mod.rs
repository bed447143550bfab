//! The real server as a child process (fresh SQLite file, demo data, port 0), an API token from
//! its `create-token` operator command, and `omctl` run as a process against it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::Value;

pub const OMCTL: &str = env!("CARGO_BIN_EXE_omctl");
pub const OPERATOR: &str = "alice@acme.example";
pub const VIEWER: &str = "victor@acme.example";

/// `SERVER_BIN` (as for the e2e tests), else the server built next to omctl: `cargo test
/// --workspace` builds it for the server's own tests. A test cannot build it itself, since cargo
/// holds the target directory's lock while tests run.
fn server_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("SERVER_BIN") {
        return bin.into();
    }
    let bin = PathBuf::from(OMCTL).with_file_name(format!(
        "vpn-console-server{}",
        std::env::consts::EXE_SUFFIX
    ));
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo test --workspace` (or `cargo build -p vpn-console-server` first)",
        bin.display()
    );
    bin
}

pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, without `/api/v1`: omctl adds it.
    pub url: String,
    pub database_url: String,
    _dir: tempfile::TempDir,
}

impl Server {
    pub fn start() -> Server {
        Server::start_scaled(1.0)
    }

    /// A server whose maintenance runs `time_scale` times faster than real time.
    pub fn start_scaled(time_scale: f64) -> Server {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            "<!DOCTYPE html><title>c</title>",
        )
        .unwrap();
        let database_url = format!("sqlite://{}/console.db", dir.path().display());
        let mut child = Command::new(server_bin())
            .args(["--listen", "127.0.0.1:0", "--demo", "--console-dir"])
            .arg(dir.path())
            .args(["--time-scale", &time_scale.to_string()])
            .env("DATABASE_URL", &database_url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("the server printed its address")
                .unwrap();
            if let Some(rest) = line.split("console at ").nth(1) {
                break rest.trim().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            url,
            database_url,
            _dir: dir,
        }
    }

    /// A new API token for `email`, from the operator command on the same database.
    pub fn token(&self, email: &str) -> String {
        let out = Command::new(server_bin())
            .args(["create-token", "--email", email, "--name", "omctl-test"])
            .env("DATABASE_URL", &self.database_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .last()
            .expect("create-token printed the token")
            .trim()
            .to_owned()
    }

    /// Runs an operator command of the server on the same database; its stdout.
    pub fn operator(&self, args: &[&str]) -> String {
        self.operator_with(args, &[])
    }

    /// An operator command with more environment (e.g. a new user's password).
    fn operator_with(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = Command::new(server_bin())
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A second operator of Acme, from the operator command on the same database.
    pub fn create_operator(&self, email: &str) {
        self.operator_with(
            &[
                "create-user",
                "--account",
                "acme",
                "--email",
                email,
                "--role",
                "operator",
            ],
            &[("NEW_USER_PASSWORD", "a long enough password")],
        );
    }

    /// `PUT path` with a JSON body, without omctl: the answer's status.
    pub fn put(&self, token: &str, path: &str, body: &Value) -> u16 {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        agent
            .put(format!("{}/api/v1{path}", self.url))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .send(body.to_string())
            .unwrap()
            .status()
            .as_u16()
    }

    /// The API's own answer, read without omctl: `(status, etag, JSON)`.
    pub fn api(&self, token: &str, path: &str) -> (u16, Option<String>, Value) {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let mut res = agent
            .get(format!("{}/api/v1{path}", self.url))
            .header("authorization", format!("Bearer {token}"))
            .call()
            .unwrap();
        let etag = res
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = res.body_mut().read_to_string().unwrap();
        (
            res.status().as_u16(),
            etag,
            serde_json::from_str(&body).unwrap(),
        )
    }

    /// The first pending event of cn-hangzhou whose detail satisfies `pick`.
    pub fn pending_event(&self, token: &str, pick: impl Fn(&Value) -> bool) -> Value {
        let (_, _, history) = self.api(token, "/regions/cn-hangzhou/om-events?days=30");
        history["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["status"] == "pending")
            .map(|e| {
                self.api(token, &format!("/om-events/{}", e["id"].as_str().unwrap()))
                    .2
            })
            .find(|d| pick(d))
            .expect("the demo data has such a pending event")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs omctl with `OM_URL` and `OM_TOKEN`, stdin from nothing (no terminal), in Asia/Shanghai
/// so that shown times carry an offset.
pub fn omctl(url: &str, token: &str, args: &[&str]) -> Run {
    let out = Command::new(OMCTL)
        .args(args)
        .env("OM_URL", url)
        .env("OM_TOKEN", token)
        .env("TZ", "Asia/Shanghai")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        code: out.status.code().expect("omctl exited, not killed"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Runs omctl on a pseudo-terminal (util-linux `script`, part of every Debian) that is fed
/// `input`; what the terminal showed, prompt and messages alike, comes back as `stdout`.
pub fn on_a_terminal(url: &str, token: &str, args: &[&str], input: &str) -> Run {
    let command: Vec<String> = std::iter::once(OMCTL)
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let mut child = Command::new("script")
        .args(["--quiet", "--return", "--command"])
        .arg(command.join(" "))
        .arg("/dev/null")
        .env("OM_URL", url)
        .env("OM_TOKEN", token)
        .env("TZ", "Asia/Shanghai")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs omctl on a pseudo-terminal");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().expect("script exited, not killed"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A loopback port nothing listens on.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// One HTTP/1.1 message (head and a `content-length` body) from `from`; `None` at its end.
fn read_message(from: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut message = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if from.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
        message.extend_from_slice(line.as_bytes());
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    from.read_exact(&mut body).ok()?;
    message.extend(body);
    Some(message)
}

/// A proxy in front of the server that loses the answer to the first request whose first line
/// contains `lose`: the server gets and handles the request, the client sees the connection
/// closed without an answer, as on a network failure. Everything else passes through.
pub fn lossy_proxy(upstream: &str, lose: &'static str) -> String {
    let upstream = upstream.trim_start_matches("http://").to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let lost = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let (client, upstream, lost) = (client.unwrap(), upstream.clone(), lost.clone());
            std::thread::spawn(move || relay(client, &upstream, lose, &lost));
        }
    });
    url
}

fn relay(mut client: TcpStream, upstream: &str, lose: &str, lost: &std::sync::atomic::AtomicBool) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    while let Some(request) = read_message(&mut reader) {
        let mut server = TcpStream::connect(upstream).unwrap();
        server.write_all(&request).unwrap();
        let answer = read_message(&mut BufReader::new(server)).unwrap();
        let head = String::from_utf8_lossy(&request);
        let first_line = head.lines().next().unwrap_or_default();
        if first_line.contains(lose) && !lost.swap(true, std::sync::atomic::Ordering::SeqCst) {
            let _ = client.shutdown(std::net::Shutdown::Both);
            return;
        }
        client.write_all(&answer).unwrap();
    }
}

pub fn time(v: &Value) -> DateTime<Utc> {
    serde_json::from_value(v.clone()).unwrap()
}

/// How omctl shows `t` in Asia/Shanghai (the zone the tests run it in).
pub fn shanghai(t: DateTime<Utc>) -> String {
    let east8 = FixedOffset::east_opt(8 * 3600).unwrap();
    format!(
        "{} UTC+08:00",
        t.with_timezone(&east8).format("%Y-%m-%d %H:%M")
    )
}

pub fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

pub fn without_server_time(mut v: Value) -> Value {
    assert!(v["server_time"].is_string(), "{v}");
    v.as_object_mut().unwrap().remove("server_time");
    v
}

pub fn audit_actions(server: &Server, token: &str, id: &str) -> Vec<String> {
    let (_, _, log) = server.api(token, &format!("/om-events/{id}/log"));
    log.as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}
