//! The public API over HTTP(S), and how each kind of failure ends the process.

use std::time::Duration;

use serde_json::Value;
use vpn_console_domain::api::{ApiError, API_PREFIX};
use vpn_console_domain::ScheduleError;

/// Why a command did not get done; each maps to one exit code of DESIGN.md section 11.
#[derive(Debug)]
pub enum Failure {
    /// Refused here or at the server (not found, changed meanwhile, not confirmed): exit 1.
    Refused(String),
    /// The domain's rule refused it before anything was sent: exit 1.
    Rule(ScheduleError),
    /// A bad flag or value: exit 2.
    Usage(String),
    /// No token, a wrong one, or not allowed: exit 3.
    Auth(String),
    /// No answer, or the server failed: exit 4.
    Network(String),
    /// One of the above as the server answered it, with its `{code, message}` body.
    Answered { failure: Box<Failure>, body: String },
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Refused(_) | Failure::Rule(_) => 1,
            Failure::Usage(_) => 2,
            Failure::Auth(_) => 3,
            Failure::Network(_) => 4,
            Failure::Answered { failure, .. } => failure.exit_code(),
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Failure::Refused(m) | Failure::Usage(m) | Failure::Auth(m) | Failure::Network(m) => m,
            Failure::Rule(e) => &e.message,
            Failure::Answered { failure, .. } => failure.message(),
        }
    }

    /// For `--json`: the server's error answer unchanged, or one of the same `{code, message}`
    /// shape (the domain's code for a rule's refusal), so that scripts read every failure alike.
    pub fn json(&self) -> String {
        let code = match self {
            Failure::Answered { body, .. } => return body.trim_end().to_owned(),
            Failure::Rule(e) => e.code.as_str(),
            Failure::Refused(_) => "refused",
            Failure::Usage(_) => "usage",
            Failure::Auth(_) => "unauthenticated",
            Failure::Network(_) => "network",
        };
        serde_json::json!({ "code": code, "message": self.message() }).to_string()
    }
}

pub type Outcome<T = ()> = Result<T, Failure>;

/// A 2xx answer.
pub struct Answer {
    /// 202 is a change sent for approval rather than made.
    pub status: u16,
    pub etag: Option<String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Outcome<Value> {
        serde_json::from_str(&self.body)
            .map_err(|e| Failure::Network(format!("the server's answer is not JSON: {e}")))
    }
}

pub struct Api {
    base: String,
    token: String,
    agent: ureq::Agent,
}

/// Whether a request may be sent again after a network failure (only with an Idempotency-Key).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    Never,
    OnceOnNetworkFailure,
}

impl Api {
    pub fn new(url: &str, token: &str) -> Outcome<Api> {
        let trimmed = url.trim().trim_end_matches('/');
        if !(trimmed.starts_with("https://") || trimmed.starts_with("http://")) {
            return Err(Failure::Usage(format!(
                "--url / OM_URL must start with https:// (or http:// for a local server), not '{trimmed}'"
            )));
        }
        let base = if trimmed.ends_with(API_PREFIX) {
            trimmed.to_owned()
        } else {
            format!("{trimmed}{API_PREFIX}")
        };
        let agent = ureq::Agent::config_builder()
            // Error statuses are answers with a `{code, message}` body, read like any other.
            .http_status_as_error(false)
            // A token must not follow a redirect to another host.
            .max_redirects(0)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(30)))
            .user_agent(concat!("omctl/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Ok(Api {
            base,
            token: token.to_owned(),
            agent,
        })
    }

    pub fn get(&self, path: &str) -> Outcome<Answer> {
        self.send("GET", path, &[], None, Retry::Never)
    }

    /// Sends one request; `path` starts with `/` and is under `/api/v1`.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
        retry: Retry,
    ) -> Outcome<Answer> {
        match self.send_once(method, path, headers, body) {
            Err(Failure::Network(first)) if retry == Retry::OnceOnNetworkFailure => {
                eprintln!("omctl: {first}; trying once more with the same Idempotency-Key");
                self.send_once(method, path, headers, body)
            }
            other => other,
        }
    }

    fn send_once(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Outcome<Answer> {
        let url = format!("{}{path}", self.base);
        let bearer = format!("Bearer {}", self.token);
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header("authorization", &bearer)
            .header("accept", "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let bytes = match body {
            Some(b) => {
                request = request.header("content-type", "application/json");
                serde_json::to_vec(b).expect("a JSON value serializes")
            }
            None => Vec::new(),
        };
        let request = request
            .body(bytes)
            .map_err(|e| Failure::Usage(format!("cannot build a request to {url}: {e}")))?;
        let mut response = self
            .agent
            .run(request)
            .map_err(|e| network_failure(&url, e))?;
        let status = response.status().as_u16();
        let etag = response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| network_failure(&url, e))?;
        if (200..300).contains(&status) {
            return Ok(Answer { status, etag, body });
        }
        Err(status_failure(method, path, status, &body))
    }
}

fn network_failure(url: &str, e: ureq::Error) -> Failure {
    Failure::Network(format!("no answer from {url}: {e}"))
}

/// An error answer as the failure it stands for; the server's own message is kept.
fn status_failure(method: &str, path: &str, status: u16, body: &str) -> Failure {
    let api: Option<ApiError> = serde_json::from_str(body).ok();
    let text = match &api {
        Some(e) => format!("{} ({status} {})", e.message, e.code),
        None => format!("{method} {path} answered {status}"),
    };
    let failure = match status {
        401 => Failure::Auth(format!(
            "{text}; check OM_TOKEN / --token (an API token from the server's create-token)"
        )),
        // The two-person rule refuses a decision, it does not doubt who asks.
        403 if api
            .as_ref()
            .is_some_and(|e| e.code == "own_request" || e.code == "not_requester") =>
        {
            Failure::Refused(text)
        }
        403 => Failure::Auth(text),
        404 if api.as_ref().is_some_and(|e| e.code == "not_found") && unknown_route(path) => {
            Failure::Refused(format!(
                "{text}; this server has no {path} yet (it may be older than this omctl)"
            ))
        }
        400 | 413 | 415 => Failure::Usage(text),
        s if s >= 500 => Failure::Network(text),
        _ => Failure::Refused(text),
    };
    match api {
        Some(_) => Failure::Answered {
            failure: Box::new(failure),
            body: body.to_owned(),
        },
        None => failure,
    }
}

/// The endpoints of DESIGN.md sections 9.1, 9.2 and 16, which an older server does not have.
fn unknown_route(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    path == "/webhooks"
        || path == "/calendar-feed"
        || path == "/overview"
        || path.ends_with("/om-events.csv")
}
