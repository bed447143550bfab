//! The server's operator commands run as processes against the test server's database, as an
//! operator runs them beside a live server.

use std::process::{Command, Output};

use crate::support::{Backend, TestApp};
use chrono::Duration;
use serde_json::Value;

both_backends!(
    generate_region_twice_adds_only_what_is_missing,
    publish_event_prints_only_its_json,
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
