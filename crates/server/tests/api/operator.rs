//! The server's operator commands run as processes against the test server's database, as an
//! operator runs them beside a live server.

use std::process::{Command, Output};

use crate::support::{Backend, TestApp};
use chrono::Duration;
use serde_json::Value;

both_backends!(
    generate_region_twice_adds_only_what_is_missing,
    publish_event_prints_only_its_json,
    a_disabled_user_is_out_at_once_and_back_when_enabled,
    webhook_secrets_are_sealed_at_rest,
    the_calendar_token_never_reaches_a_log,
);

const BIN: &str = env!("CARGO_BIN_EXE_vpn-console-server");

/// Runs an operator command on the app's database, logging at the default level.
pub fn operator(app: &TestApp, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", &app.db_url)
        .env_remove("RUST_LOG")
        .output()
        .expect("the server binary runs")
}

fn succeeded(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

async fn gateways_in(app: &TestApp, region: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM gateways WHERE region_id = $1")
        .bind(region)
        .fetch_one(app.store.reader())
        .await
        .unwrap()
}

/// Issue 25: a second run failed with "UNIQUE constraint failed: gateways.id" (fixed seeds).
async fn generate_region_twice_adds_only_what_is_missing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let run = |region: &str, n: &str| {
        operator(
            &app,
            &[
                "generate-region",
                "--account",
                "acme",
                "--region",
                region,
                "--gateways",
                n,
            ],
        )
    };
    let first = succeeded(&run("bench-1", "30"));
    assert!(first.starts_with("added 31 gateways"), "{first}");
    let second = succeeded(&run("bench-1", "30"));
    assert!(second.starts_with("added 0 gateways"), "{second}");
    assert_eq!(gateways_in(&app, "bench-1").await, 31);
    // More than before: the rest, in a batch of its own.
    let third = succeeded(&run("bench-1", "45"));
    assert!(third.starts_with("added 15 gateways"), "{third}");
    assert_eq!(gateways_in(&app, "bench-1").await, 46);
    // Another region of the same size makes ids of its own.
    succeeded(&run("bench-2", "30"));
    assert_eq!(gateways_in(&app, "bench-2").await, 31);
    app.stop().await;
}

/// Issue 25: `publish-event` printed a log line on stdout before its JSON.
async fn publish_event_prints_only_its_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let list: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?q=staging-no-connections"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let gateway = list["items"][0]["id"].as_str().unwrap().to_owned();
    let current = list["items"][0]["om_events"]["current"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // With a window, publishing places the event (and logs about it).
    let res = alice
        .put(app.url("/maintenance-window"))
        .json(&serde_json::json!({"time_zone": "Asia/Shanghai", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "01:00", "duration_minutes": 240}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let stdout = succeeded(&operator(&app, &["cancel-event", &current]));
    let cancelled: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not only JSON ({e}): {stdout}"));
    assert_eq!(cancelled["status"], "cancelled");
    let at = (app.now() + Duration::days(3)).to_rfc3339();
    let out = operator(
        &app,
        &[
            "publish-event",
            "--resource",
            &gateway,
            "--address",
            "ipsec_address_1",
            "--default-execute-at",
            &at,
        ],
    );
    let stdout = succeeded(&out);
    let event: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not only JSON ({e}): {stdout}"));
    assert_eq!(event["resource"]["id"], gateway.as_str());
    app.stop().await;
}

/// Issue 25, finding 7: no command disabled a user. `disable-user` ends the sessions and open
/// streams at once, revokes the tokens and the calendar URL, and refuses the log-in as a wrong
/// password is refused.
async fn a_disabled_user_is_out_at_once_and_back_when_enabled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let token = String::from_utf8(
        operator(
            &app,
            &[
                "create-token",
                "--email",
                "alice@acme.example",
                "--name",
                "laptop",
            ],
        )
        .stdout,
    )
    .unwrap()
    .trim()
    .to_owned();
    let feed: Value = alice
        .post(app.url("/calendar-feed"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let feed = feed["url"].as_str().unwrap().to_owned();
    let calendar = feed
        .split_once("/api/v1")
        .map(|(_, path)| app.url(path))
        .unwrap();
    assert_eq!(reqwest::get(&calendar).await.unwrap().status(), 200);
    let bearer = reqwest::Client::new();
    let by_token = || bearer.get(app.url("/regions")).bearer_auth(&token).send();
    assert_eq!(by_token().await.unwrap().status(), 200);
    // Two open streams, one by session and one by token.
    let mut streams = Vec::new();
    for req in [
        alice.get(app.url("/stream")),
        bearer.get(app.url("/stream")).bearer_auth(&token),
    ] {
        let mut res = req.send().await.unwrap();
        assert_eq!(res.status(), 200);
        res.chunk().await.unwrap().unwrap(); // the position frame
        streams.push(res);
    }

    let disabled = succeeded(&operator(
        &app,
        &["disable-user", "--email", "alice@acme.example"],
    ));
    let disabled: Value = serde_json::from_str(&disabled).unwrap();
    assert_eq!(disabled["tokens_revoked"], serde_json::json!(["laptop"]));
    // The streams end at once: well before their 5-second check.
    for mut body in streams {
        let ended = tokio::time::timeout(std::time::Duration::from_secs(3), async {
            while let Ok(Some(_)) = body.chunk().await {}
        })
        .await;
        assert!(ended.is_ok(), "a stream of the disabled user is still open");
    }
    // Allow the read cache's time to live (1 s) for the session.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        alice
            .get(app.url("/regions"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(by_token().await.unwrap().status(), 401);
    assert_eq!(reqwest::get(&calendar).await.unwrap().status(), 404);
    let log_in = |password: &str| {
        reqwest::Client::new()
            .post(app.url("/session"))
            .json(&serde_json::json!({"email": "alice@acme.example", "password": password}))
            .send()
    };
    let refused = log_in(crate::support::PASSWORD).await.unwrap();
    let wrong = log_in("not-her-password").await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        refused.json::<Value>().await.unwrap(),
        wrong.json::<Value>().await.unwrap(),
        "a disabled user is refused exactly as a wrong password is"
    );
    let tokens: Value = serde_json::from_str(&succeeded(&operator(
        &app,
        &["list-tokens", "--email", "alice@acme.example"],
    )))
    .unwrap();
    assert_eq!(tokens[0]["name"], "laptop", "{tokens}");
    assert!(tokens[0]["revoked_at"].is_string(), "{tokens}");
    assert!(
        !tokens.to_string().contains(&token),
        "the token itself is never shown"
    );

    succeeded(&operator(
        &app,
        &["enable-user", "--email", "alice@acme.example"],
    ));
    assert_eq!(
        log_in(crate::support::PASSWORD).await.unwrap().status(),
        200
    );
    assert_eq!(
        by_token().await.unwrap().status(),
        401,
        "revoked tokens stay revoked"
    );
    let unknown = operator(&app, &["disable-user", "--email", "nobody@acme.example"]);
    assert!(!unknown.status.success());
    app.stop().await;
}

/// Issue 25, finding 8: webhook secrets sat in the database as they were.
async fn webhook_secrets_are_sealed_at_rest(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let res = alice
        .post(app.url("/webhooks"))
        .json(&serde_json::json!({"url": "https://hooks.example.com/om"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap();
    let stored: String = sqlx::query_scalar("SELECT secret FROM webhooks WHERE id = $1")
        .bind(created["id"].as_str().unwrap())
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    assert!(stored.starts_with("enc:v1:"), "{stored}");
    assert!(!stored.contains(&secret["whsec_".len()..]), "{stored}");
    assert_eq!(
        app.store.secret_box().unwrap().open(&stored).unwrap(),
        secret
    );

    // A secret written in clear before this is sealed at the next start.
    let clear = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    sqlx::query(
        "INSERT INTO webhooks (id, account_id, url, description, event_types, secret, enabled, created_at) \
         VALUES ('wh-old', 'acme', 'https://hooks.example.com/old', '', NULL, $1, 1, 0)",
    )
    .bind(clear)
    .execute(app.store.reader())
    .await
    .unwrap();
    let key = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(crate::support::pg::secrets_key_file()),
    };
    let restarted = vpn_console_server::store::Store::connect_with(&app.db_url, key.as_deref())
        .await
        .unwrap();
    let sealed: String = sqlx::query_scalar("SELECT secret FROM webhooks WHERE id = 'wh-old'")
        .fetch_one(restarted.reader())
        .await
        .unwrap();
    assert!(sealed.starts_with("enc:v1:"), "{sealed}");
    assert_eq!(
        restarted.secret_box().unwrap().open(&sealed).unwrap(),
        clear
    );
    restarted.close().await;

    match backend {
        Backend::Sqlite => {
            // No key file given: one is made beside the database, readable by its owner only.
            let db = app.db_url.trim_start_matches("sqlite://");
            let key = std::path::Path::new(db).with_file_name("secrets.key");
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", key.display());
        }
        Backend::Postgres => {
            // Without a key the server does not start on PostgreSQL, and says why.
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
            let out = Command::new(BIN)
                .args(["--listen", "127.0.0.1:0", "--console-dir"])
                .arg(dir.path())
                .env("DATABASE_URL", &app.db_url)
                .env_remove("SECRETS_KEY_FILE")
                .output()
                .unwrap();
            assert!(!out.status.success());
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("--secrets-key-file"), "{stderr}");
        }
    }
    app.stop().await;
}

/// Issue 25, finding 8: the calendar token was in the request span's `path`, so in every log
/// line of the request.
async fn the_calendar_token_never_reaches_a_log(backend: Backend) {
    use std::io::{BufRead, BufReader};
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let feed: Value = alice
        .post(app.url("/calendar-feed"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let feed = feed["url"].as_str().unwrap();
    let token = feed
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".ics")
        .to_owned();
    // A second server on the same database, logging everything it may.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
    let log = dir.path().join("stderr.log");
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--console-dir"])
        .arg(dir.path())
        .env("DATABASE_URL", &app.db_url)
        .env("SECRETS_KEY_FILE", crate::support::pg::secrets_key_file())
        .env("RUST_LOG", "trace")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let origin = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        if let Some(rest) = line.split("console at ").nth(1) {
            break rest.trim().to_owned();
        }
    };
    let ics = format!("{origin}/api/v1/calendar/{token}.ics");
    assert_eq!(reqwest::get(&ics).await.unwrap().status(), 200);
    let wrong = format!(
        "{origin}/api/v1/calendar/{}x.ics",
        &token[..token.len() - 1]
    );
    assert_eq!(reqwest::get(&wrong).await.unwrap().status(), 404);
    child.kill().unwrap();
    child.wait().unwrap();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("/api/v1/calendar/"),
        "the requests were logged: {logged}"
    );
    assert!(!logged.contains(&token[..20]), "the token is in the log");
    app.stop().await;
}
