//! Issue 24: one reschedule goes through the one execution service, which reads the event row
//! at most twice and looks the `Idempotency-Key` up once (the path it replaced read the event
//! four times and opened the idempotency transaction twice). Counted from the statements sqlx
//! itself reports, through the real server, on SQLite and on PostgreSQL.
//!
//! A binary of its own: the statements are counted by a process-wide subscriber.

#[allow(dead_code)]
mod support;

use std::sync::{Arc, Mutex, OnceLock};

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;
use support::{Backend, TestApp};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

/// The text of every statement sqlx reported while recording is on.
#[derive(Default)]
struct Statements {
    recording: bool,
    seen: Vec<String>,
}

fn statements() -> &'static Arc<Mutex<Statements>> {
    static STATEMENTS: OnceLock<Arc<Mutex<Statements>>> = OnceLock::new();
    STATEMENTS.get_or_init(|| {
        let statements = Arc::new(Mutex::new(Statements::default()));
        let layer = Recorder(statements.clone());
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("the only subscriber of this binary");
        statements
    })
}

struct Recorder(Arc<Mutex<Statements>>);

struct Text(String);

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push_str(&format!(" {}={value}", field.name()));
    }
}

impl<S: tracing::Subscriber> Layer<S> for Recorder {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut statements = self.0.lock().unwrap();
        if statements.recording {
            let mut text = Text(String::new());
            event.record(&mut text);
            statements.seen.push(text.0);
        }
    }
}

/// Whether a statement reads an event's row by its id (`id = $n`, `id IN (…)`; not the
/// `id <> $n` of the other events a conflict check reads).
fn reads_event_row(statement: &str) -> bool {
    let s = statement.replace(['\n', '\t'], " ");
    let reads = s.contains("SELECT") && s.contains("FROM om_events");
    let by_id = s.match_indices("id ").any(|(i, _)| {
        let before = s[..i].chars().last();
        let is_column = !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.');
        let after = &s[i + 3..];
        is_column && (after.starts_with("= $") || after.starts_with("IN ("))
    });
    reads && by_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_reschedule_reads_the_event_at_most_twice_and_the_key_once() {
    let recorded = statements();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        let alice = app.login("alice@acme.example").await;
        let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
        let id = detail["event"]["id"].as_str().unwrap().to_owned();
        let default_at: chrono::DateTime<chrono::Utc> = detail["event"]["default_execute_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let at = (default_at - Duration::minutes(30)).max(app.now() + Duration::minutes(30));

        {
            let mut s = recorded.lock().unwrap();
            s.seen.clear();
            s.recording = true;
        }
        let res = alice
            .post(app.url(&format!("/om-events/{id}/execution")))
            .header("If-Match", &etag)
            .header("Idempotency-Key", "statements-1")
            .json(&json!({"mode": "at", "execute_at": at.to_rfc3339()}))
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body = res.text().await.unwrap();
        let seen = {
            let mut s = recorded.lock().unwrap();
            s.recording = false;
            std::mem::take(&mut s.seen)
        };
        assert_eq!(status, StatusCode::OK, "{backend:?}: {body}");

        let event_reads: Vec<&String> = seen.iter().filter(|s| reads_event_row(s)).collect();
        let key_reads: Vec<&String> = seen
            .iter()
            .filter(|s| s.contains("FROM idempotency_keys"))
            .collect();
        assert!(!seen.is_empty(), "{backend:?}: sqlx reported no statement");
        assert!(
            (1..=2).contains(&event_reads.len()),
            "{backend:?}: the event row was read {} times: {event_reads:#?}",
            event_reads.len()
        );
        assert_eq!(
            key_reads.len(),
            1,
            "{backend:?}: the idempotency record was looked up {} times: {key_reads:#?}",
            key_reads.len()
        );
        app.stop().await;
    }
}

#[test]
fn what_counts_as_reading_the_event_row() {
    for (statement, reads) in [
        ("summary=SELECT id FROM om_events WHERE id = $1", true),
        (
            "SELECT a FROM om_events WHERE account_id = $1 AND id IN ($2)",
            true,
        ),
        (
            "SELECT a FROM om_events WHERE id = $1 AND account_id = $2",
            true,
        ),
        (
            "SELECT a FROM om_events WHERE account_id = $1 AND id <> $2",
            false,
        ),
        (
            "SELECT a FROM event_log l JOIN om_events o ON o.id = l.event_id",
            false,
        ),
        ("UPDATE om_events SET x = 1 WHERE id = $2", false),
    ] {
        assert_eq!(reads_event_row(statement), reads, "{statement}");
    }
}
