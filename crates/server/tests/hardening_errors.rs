//! Issue 14, items 5 and 7 of the report (6 of the brief): what the server says when refusing
//! must follow the error contract and must not leak. On SQLite and on PostgreSQL.

#[allow(dead_code)]
mod hardening_support;
#[allow(dead_code)]
mod support;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{Backend, TestApp};

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Sqlite).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Postgres).await; })*
        }
    };
}

both_backends!(
    wrong_methods_get_405_with_the_error_shape_and_allow,
    refusals_do_not_echo_what_was_sent,
);

async fn wrong_methods_get_405_with_the_error_shape_and_allow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (detail, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap();
    let rows = [
        (Method::PUT, "/regions".to_owned(), &["GET"][..]),
        (
            Method::DELETE,
            format!("/om-events/{id}/execution"),
            &["POST"][..],
        ),
        (Method::POST, format!("/om-events/{id}"), &["GET"][..]),
        (
            Method::PATCH,
            "/session".to_owned(),
            &["GET", "POST", "DELETE"][..],
        ),
        (Method::DELETE, "/openapi.json".to_owned(), &["GET"][..]),
    ];
    for (method, path, allowed) in rows {
        // Anonymous and signed in alike: the method is wrong whoever asks.
        for client in [&reqwest::Client::new(), &alice] {
            let res = client
                .request(method.clone(), app.url(&path))
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            let allow = res
                .headers()
                .get("allow")
                .unwrap_or_else(|| panic!("{method} {path}: no Allow header"))
                .to_str()
                .unwrap()
                .to_owned();
            let listed: Vec<&str> = allow.split(',').map(str::trim).collect();
            for m in allowed {
                assert!(listed.contains(m), "{method} {path}: Allow: {allow}");
            }
            assert!(
                !listed.contains(&method.as_str()),
                "{method} {path}: Allow: {allow}"
            );
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["code"], "method_not_allowed", "{method} {path}");
            assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
    }
    app.stop().await;
}

async fn refusals_do_not_echo_what_was_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap();
    let long = "x".repeat(15_000);
    let mut unknown_field = serde_json::Map::new();
    unknown_field.insert("mode".into(), json!("now"));
    unknown_field.insert(long.clone(), json!(1));
    // Each message still says what was wrong: the start of the value, or the field's name.
    for (why, body, says) in [
        ("an unknown mode", json!({"mode": long}), "xxxxxxxxxx"),
        (
            "an unknown field",
            Value::Object(unknown_field),
            "xxxxxxxxxx",
        ),
        (
            "a time that is no time",
            json!({"mode": "at", "execute_at": long}),
            "execute_at",
        ),
    ] {
        let res = alice
            .post(app.url(&format!("/om-events/{id}/execution")))
            .header("If-Match", &etag)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{why}");
        let text = res.text().await.unwrap();
        assert!(text.len() < 600, "{why}: {} bytes back", text.len());
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["code"], "invalid_body", "{why}");
        assert!(
            answer["message"].as_str().unwrap().contains(says),
            "{why}: {text}"
        );
    }
    app.stop().await;
}

/// Item 5: no password of a database URL reaches the server's messages.
#[tokio::test]
async fn database_passwords_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
    let mut urls = vec![
        "mysql://admin:S3cretPw@db.example:3306/om".to_owned(),
        "mssql://admin:S3cretPw@db.example/om".to_owned(),
        "postgres://om@127.0.0.1:1/om?password=S3cretPw".to_owned(),
    ];
    if let Ok(admin) = std::env::var("TEST_POSTGRES_URL") {
        // A real PostgreSQL refusing the password.
        let (scheme, rest) = admin.split_once("://").unwrap();
        let (user_part, host) = rest.rsplit_once('@').unwrap();
        let user = user_part.split(':').next().unwrap();
        urls.push(format!("{scheme}://{user}:S3cretPw@{host}"));
    }
    for url in urls {
        let console_dir = dir.path().to_owned();
        let db_url = url.clone();
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(hardening_support::server_bin())
                .args(["--listen", "127.0.0.1:0", "--database-url", &db_url])
                .arg("--console-dir")
                .arg(console_dir)
                .env_remove("DATABASE_URL")
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        println!("{url} → {}", stderr.trim());
        assert!(!out.status.success(), "{url} was accepted");
        assert!(
            !stderr.contains("S3cretPw") && !stdout.contains("S3cretPw"),
            "{url}: {stderr}{stdout}"
        );
        assert!(
            stderr.contains("***"),
            "{url}: the URL is still named: {stderr}"
        );
    }
}
