//! Issue 14, "suspected" list: log-in has an Origin check (login CSRF), the Origin comparison
//! includes the scheme, `--allowed-host` refuses other host names, and behind an https proxy
//! the session cookie is `Secure` and answers carry HSTS. The real server binary, on SQLite and
//! on PostgreSQL.

#[allow(dead_code)]
mod hardening_support;
#[allow(dead_code)]
mod support;

use hardening_support::ServerProcess;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{Backend, PASSWORD};

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
    log_in_comes_from_the_consoles_own_origin,
    behind_an_https_proxy_under_allowed_hosts,
);

async fn log_in(server: &ServerProcess, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(server.url("/session"))
        .json(&json!({"email": "alice@acme.example", "password": PASSWORD}));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

async fn log_in_comes_from_the_consoles_own_origin(backend: Backend) {
    let server = ServerProcess::start(backend, &[]).await;
    let own = server.origin.clone();
    let https_own = own.replace("http://", "https://");
    for (why, headers, expected) in [
        (
            "another site's form",
            vec![("origin", "http://evil.example")],
            StatusCode::FORBIDDEN,
        ),
        (
            "the right host, another scheme",
            vec![("origin", https_own.as_str())],
            StatusCode::FORBIDDEN,
        ),
        (
            "a browser's cross-site fetch",
            vec![("sec-fetch-site", "cross-site"), ("origin", own.as_str())],
            StatusCode::FORBIDDEN,
        ),
        (
            "the console's own page",
            vec![("origin", own.as_str())],
            StatusCode::OK,
        ),
        (
            "a browser's same-origin fetch",
            vec![("sec-fetch-site", "same-origin")],
            StatusCode::OK,
        ),
        ("no browser at all (omctl, curl)", vec![], StatusCode::OK),
    ] {
        let res = log_in(&server, &headers).await;
        assert_eq!(res.status(), expected, "{why}");
        if expected == StatusCode::FORBIDDEN {
            assert!(res.headers().get("set-cookie").is_none(), "{why}");
            assert_eq!(
                res.json::<Value>().await.unwrap()["code"],
                "cross_origin",
                "{why}"
            );
        } else {
            let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
            // Plain HTTP: no Secure (the browser would drop the cookie), no HSTS.
            assert!(!cookie.contains("Secure"), "{why}: {cookie}");
            assert!(
                res.headers().get("strict-transport-security").is_none(),
                "{why}"
            );
        }
    }
    // X-Forwarded-Proto from anyone but a trusted proxy changes nothing.
    let res = log_in(
        &server,
        &[
            ("x-forwarded-proto", "https"),
            ("origin", https_own.as_str()),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = reqwest::Client::new()
        .get(server.url("/openapi.json"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("strict-transport-security").is_none());
    server.stop().await;
}

async fn behind_an_https_proxy_under_allowed_hosts(backend: Backend) {
    let server = ServerProcess::start(
        backend,
        &[
            "--trusted-proxy",
            "127.0.0.1",
            "--allowed-host",
            "console.example,ops.example",
        ],
    )
    .await;
    let https = [("host", "console.example"), ("x-forwarded-proto", "https")];
    // The console's page over https, through the proxy.
    let mut headers = https.to_vec();
    headers.push(("origin", "https://console.example"));
    let res = log_in(&server, &headers).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");
    let hsts = res.headers()["strict-transport-security"].to_str().unwrap();
    assert!(hsts.starts_with("max-age=31536000"), "{hsts}");
    // The same page over plain http is another origin.
    let mut headers = https.to_vec();
    headers.push(("origin", "http://console.example"));
    assert_eq!(
        log_in(&server, &headers).await.status(),
        StatusCode::FORBIDDEN
    );

    // Another host name: refused whatever the path (a rebound DNS name, a forged link).
    for (host, expected) in [
        ("evil.example", StatusCode::BAD_REQUEST),
        ("console.example.evil.example", StatusCode::BAD_REQUEST),
        ("ops.example:8443", StatusCode::OK),
        ("CONSOLE.EXAMPLE", StatusCode::OK),
    ] {
        let res = reqwest::Client::new()
            .get(server.url("/openapi.json"))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expected, "Host: {host}");
        if expected == StatusCode::BAD_REQUEST {
            assert_eq!(
                res.json::<Value>().await.unwrap()["code"],
                "host_not_allowed"
            );
        }
    }
    server.stop().await;
}
