//! What stands between a log-in attempt and the password check: the throttle and a bound on the
//! password hashes computed at once.
//!
//! Throttling follows OWASP's Authentication Cheat Sheet ("Login Throttling", and its warning
//! that locking an account lets anyone deny it to its owner): wrong passwords are counted per
//! account *from one address* and per address, never per account alone, so an attacker
//! elsewhere cannot lock a user out; the address is the client's as a trusted proxy reports it
//! (see `client.rs`), so users behind one load balancer do not share a count.

use std::net::IpAddr;
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use super::{AppError, AppState, Result};
use crate::store::Principal;

/// Wrong passwords within the window (15 minutes) that lock an account from one address.
pub const MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: i64 = 5;
/// Wrong passwords within the window that lock an address, for every account: higher, since
/// many users can share one address (a NAT).
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

/// Argon2 as configured takes about 19 MiB per hash: at most this many run at once, so a flood
/// of attempts costs a bounded amount of memory and blocking threads, not one hash each.
pub const MAX_PASSWORD_CHECKS_AT_ONCE: usize = 4;
/// How long an attempt may wait for a free password check before it is turned away.
const CHECK_QUEUE_WAIT: Duration = Duration::from_secs(3);

static PASSWORD_CHECKS: Semaphore = Semaphore::const_new(MAX_PASSWORD_CHECKS_AT_ONCE);

/// `Ok(Ok(principal))`: the password is right. `Ok(Err(response))`: refused, with the answer to
/// give (401 wrong, 429 throttled or busy).
pub async fn check_log_in(
    state: &AppState,
    client: IpAddr,
    email: &str,
    password: &str,
) -> Result<std::result::Result<Principal, Response>> {
    let now = state.clock.now();
    let client = throttled_address(client);
    let keys = [
        (
            format!("account+addr:{email} {client}"),
            MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS,
        ),
        (format!("addr:{client}"), MAX_FAILURES_PER_ADDRESS),
    ];
    if let Some(wait) = state.store.count_login_attempt(&keys, now).await? {
        return Ok(Err(too_many_attempts(wait)));
    }
    let counted: Vec<String> = keys.into_iter().map(|(k, _)| k).collect();
    let Ok(Ok(permit)) = tokio::time::timeout(CHECK_QUEUE_WAIT, PASSWORD_CHECKS.acquire()).await
    else {
        state.store.refund_login_attempt(&counted, now).await?;
        return Ok(Err(busy()));
    };
    // On a task of its own, holding the permit: were the request dropped midway (the client
    // gone, the request timeout), the hash would run on while its permit went back.
    let (store, email, password) = (state.store.clone(), email.to_owned(), password.to_owned());
    let principal = tokio::spawn(async move {
        let _permit = permit;
        store.check_password(&email, &password).await
    })
    .await
    .map_err(|e| AppError::internal("password check", e))?;
    match principal? {
        Some(principal) => {
            state.store.refund_login_attempt(&counted, now).await?;
            Ok(Ok(principal))
        }
        None => Ok(Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "The email or password is wrong.",
        )
        .into_response())),
    }
}

/// What the throttle counts an address as: an IPv4 address alone, an IPv6 client by its /64
/// (DESIGN.md 17). One subscriber or host is handed a whole /64 and can rotate through its
/// 2^64 addresses, each with a fresh count.
fn throttled_address(client: IpAddr) -> String {
    match client {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let prefix = u128::from(v6) & !(u128::from(u64::MAX));
                format!("{}/64", std::net::Ipv6Addr::from(prefix))
            }
        },
    }
}

fn too_many_attempts(wait_s: i64) -> Response {
    with_retry_after(
        AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!(
                "Too many failed log-ins. Try again in {} minute(s).",
                (wait_s + 59) / 60
            ),
        ),
        wait_s,
    )
}

fn busy() -> Response {
    with_retry_after(
        AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_log_ins_at_once",
            "Too many log-ins at once. Try again in a few seconds.",
        ),
        2,
    )
}

fn with_retry_after(error: AppError, wait_s: i64) -> Response {
    let mut res = error.into_response();
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_str(&wait_s.to_string()).expect("digits"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::throttled_address;

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        for (client, counted) in [
            ("203.0.113.7", "203.0.113.7"),
            ("::ffff:203.0.113.7", "203.0.113.7"),
            ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
            ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
            ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ] {
            assert_eq!(throttled_address(client.parse().unwrap()), counted);
        }
    }
}
