//! Issue 14, items 1 and 2: log-in throttling holds under concurrent attempts, bounds the
//! server's memory, and cannot be turned against a user who has the right password. Real
//! concurrent requests against the real server binary, on SQLite and on PostgreSQL.

#[allow(dead_code)]
mod hardening_support;
#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;

use hardening_support::ServerProcess;
use reqwest::StatusCode;
use serde_json::json;
use support::{Backend, PASSWORD};

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() { super::$name(super::Backend::Sqlite).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() { super::$name(super::Backend::Postgres).await; })*
        }
    };
}

both_backends!(
    simultaneous_attempts_cannot_pass_the_limit,
    an_attacker_elsewhere_cannot_lock_the_owner_out,
    a_flood_of_attempts_keeps_memory_bounded,
    ipv6_clients_are_counted_per_64,
);

/// The limits the server promises (see the README's security section).
const PER_ACCOUNT_AND_ADDRESS: usize = 5;
const PER_ADDRESS: usize = 20;

/// One log-in attempt per `(email, password, X-Forwarded-For)`, all sent at once, each on its
/// own connection; the answers' statuses in the same order.
async fn all_at_once(
    server: &ServerProcess,
    attempts: Vec<(String, String, Option<String>)>,
) -> Vec<StatusCode> {
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(attempts.len()));
    let mut tasks = Vec::new();
    for (email, password, forwarded_for) in attempts {
        let url = server.url("/session");
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap();
            let mut req = client
                .post(url)
                .json(&json!({"email": email, "password": password}));
            if let Some(xff) = forwarded_for {
                req = req.header("x-forwarded-for", xff);
            }
            start.wait().await;
            req.send().await.unwrap().status()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses
}

fn tally(statuses: &[StatusCode]) -> BTreeMap<u16, usize> {
    let mut counts = BTreeMap::new();
    for s in statuses {
        *counts.entry(s.as_u16()).or_default() += 1;
    }
    counts
}

async fn log_in(
    server: &ServerProcess,
    email: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> StatusCode {
    let mut req = reqwest::Client::new()
        .post(server.url("/session"))
        .json(&json!({"email": email, "password": password}));
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.unwrap().status()
}

async fn simultaneous_attempts_cannot_pass_the_limit(backend: Backend) {
    let server = ServerProcess::start(backend, &[]).await;
    // 60 wrong passwords for one user from one address, all at once.
    let wrong = (0..60)
        .map(|i| ("alice@acme.example".into(), format!("guess-{i}"), None))
        .collect();
    let statuses = all_at_once(&server, wrong).await;
    let counts = tally(&statuses);
    println!("60 simultaneous wrong passwords ({backend:?}): {counts:?}");
    let checked = counts.get(&401).copied().unwrap_or(0);
    assert!(
        (1..=PER_ACCOUNT_AND_ADDRESS).contains(&checked),
        "{counts:?}"
    );
    assert_eq!(
        counts.get(&429).copied().unwrap_or(0),
        60 - checked,
        "{counts:?}"
    );

    // 39 wrong and 1 right together, for another user: the right one is no way through.
    let mut burst: Vec<(String, String, Option<String>)> = (0..39)
        .map(|i| ("victor@acme.example".into(), format!("guess-{i}"), None))
        .collect();
    burst.insert(20, ("victor@acme.example".into(), PASSWORD.into(), None));
    let statuses = all_at_once(&server, burst).await;
    let counts = tally(&statuses);
    println!(
        "39 wrong + 1 right together ({backend:?}): {counts:?}; the right one: {}",
        statuses[20]
    );
    let wrong_checked = counts.get(&401).copied().unwrap_or(0);
    assert!(wrong_checked <= PER_ACCOUNT_AND_ADDRESS, "{counts:?}");
    assert!(
        [StatusCode::OK, StatusCode::TOO_MANY_REQUESTS].contains(&statuses[20]),
        "{}",
        statuses[20]
    );
    assert_eq!(
        wrong_checked
            + counts.get(&200).copied().unwrap_or(0)
            + counts.get(&429).copied().unwrap_or(0),
        40,
        "{counts:?}"
    );
    // Once the limit is reached, the right password waits like any other.
    while log_in(&server, "victor@acme.example", "guess-more", None).await
        == StatusCode::UNAUTHORIZED
    {}
    assert_eq!(
        log_in(&server, "victor@acme.example", PASSWORD, None).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    server.stop().await;
}

async fn an_attacker_elsewhere_cannot_lock_the_owner_out(backend: Backend) {
    // Behind a load balancer on 127.0.0.1: every request's TCP peer is the proxy.
    let server = ServerProcess::start(backend, &["--trusted-proxy", "127.0.0.1"]).await;
    let attacker = "203.0.113.66";
    // The attacker guesses Alice's password, forging the left part of X-Forwarded-For to look
    // like someone new each time; the proxy appends the address it really came from.
    for i in 0..12 {
        let xff = format!("10.9.9.{i}, {attacker}");
        let status = log_in(&server, "alice@acme.example", "guess", Some(&xff)).await;
        let expected = if i < PER_ACCOUNT_AND_ADDRESS {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(status, expected, "attempt {i}");
    }
    // Even with the right password the attacker's address waits…
    assert_eq!(
        log_in(&server, "alice@acme.example", PASSWORD, Some(attacker)).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // …but Alice, from her own address, is not locked out.
    assert_eq!(
        log_in(
            &server,
            "alice@acme.example",
            PASSWORD,
            Some("198.51.100.7")
        )
        .await,
        StatusCode::OK
    );

    // Spraying many accounts from one address locks that address for every account…
    let spray = (0..PER_ADDRESS + 10)
        .map(|i| {
            (
                format!("nobody-{i}@acme.example"),
                "guess".into(),
                Some(attacker.into()),
            )
        })
        .collect();
    let counts = tally(&all_at_once(&server, spray).await);
    println!("30 accounts sprayed from one address at once ({backend:?}): {counts:?}");
    // Five of the address's failures were Alice's above.
    assert!(
        counts.get(&401).copied().unwrap_or(0) <= PER_ADDRESS - PER_ACCOUNT_AND_ADDRESS,
        "{counts:?}"
    );
    assert_eq!(
        log_in(&server, "gina@globex.example", PASSWORD, Some(attacker)).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // …and no other.
    assert_eq!(
        log_in(
            &server,
            "gina@globex.example",
            PASSWORD,
            Some("198.51.100.8")
        )
        .await,
        StatusCode::OK
    );
    server.stop().await;

    // Without --trusted-proxy, X-Forwarded-For is anyone's to write and is ignored: a new
    // forged address per attempt does not escape the limit.
    let server = ServerProcess::start(backend, &[]).await;
    for i in 0..8 {
        let status = log_in(
            &server,
            "alice@acme.example",
            "guess",
            Some(&format!("192.0.2.{i}")),
        )
        .await;
        let expected = if i < PER_ACCOUNT_AND_ADDRESS {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(status, expected, "attempt {i} without a trusted proxy");
    }
    server.stop().await;
}

/// Issue 25, finding 6: a /64 holder rotated its addresses and guessed without limit.
async fn ipv6_clients_are_counted_per_64(backend: Backend) {
    let server = ServerProcess::start(backend, &["--trusted-proxy", "127.0.0.1"]).await;
    for i in 0..8 {
        let xff = format!("2001:db8:1:2::{:x}", i + 1);
        let status = log_in(&server, "alice@acme.example", "guess", Some(&xff)).await;
        let expected = if i < PER_ACCOUNT_AND_ADDRESS {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(status, expected, "attempt {i} from {xff}");
    }
    // Another /64 is someone else.
    assert_eq!(
        log_in(
            &server,
            "alice@acme.example",
            PASSWORD,
            Some("2001:db8:1:3::1")
        )
        .await,
        StatusCode::OK
    );
    server.stop().await;
}

async fn a_flood_of_attempts_keeps_memory_bounded(backend: Backend) {
    // 150 random e-mails at once from one address, then from 150 addresses behind the proxy (a
    // botnet): the address limit stops the first, only the bound on password checks at once
    // the second.
    for spread in [false, true] {
        let args: &[&str] = if spread {
            &["--trusted-proxy", "127.0.0.1"]
        } else {
            &[]
        };
        let server = ServerProcess::start(backend, args).await;
        // Warm up: one password check of each kind, so the baseline holds what a check needs.
        log_in(&server, "alice@acme.example", "guess", Some("198.19.0.1")).await;
        log_in(&server, "nobody@acme.example", "guess", Some("198.19.0.1")).await;
        let (baseline, _) = server.memory_kib();
        let flood = (0..150)
            .map(|i| {
                let xff = spread.then(|| format!("198.18.{}.{}", i / 200, i % 200 + 1));
                (
                    format!("random-{}-{i}@example.com", uuid_like()),
                    "guess".to_owned(),
                    xff,
                )
            })
            .collect();
        let counts = tally(&all_at_once(&server, flood).await);
        let (rss, peak) = server.memory_kib();
        println!(
            "150 simultaneous attempts {} ({backend:?}): {counts:?}; server memory {} MiB before, {} MiB after, peak {} MiB",
            if spread { "from 150 addresses" } else { "from one address" },
            baseline / 1024,
            rss / 1024,
            peak / 1024
        );
        assert!(counts.keys().all(|s| [401, 429].contains(s)), "{counts:?}");
        // Four Argon2 hashes of 19 MiB at once, and room for the rest of the server's work;
        // one hash per attempt would be 2.8 GiB.
        assert!(
            peak < baseline + 200 * 1024,
            "peak {} MiB over a baseline of {} MiB",
            peak / 1024,
            baseline / 1024
        );
        server.stop().await;
    }
}

fn uuid_like() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}
