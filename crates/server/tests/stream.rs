//! Live updates (`GET /api/v1/stream`, DESIGN.md section 8) against the real server on both
//! engines: what arrives, what never does, resuming, and when a stream ends.

// Not every helper is used here.
#[allow(dead_code)]
mod support;

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
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
    another_accounts_change_never_arrives,
    a_resumed_stream_gets_what_it_missed_first,
    a_resume_from_the_start_replays_the_whole_log_page_by_page,
    a_garbage_last_event_id_is_a_fresh_start,
    the_stream_ends_on_log_out,
    the_stream_ends_when_its_token_is_revoked,
    the_schedulers_changes_arrive,
    an_operator_command_in_another_process_arrives_within_a_second,
    the_eleventh_stream_of_a_user_is_refused,
);

/// One frame of the stream: `id`, `event` and `data` as sent (a comment is not a frame).
#[derive(Debug)]
struct Frame {
    id: Option<String>,
    event: Option<String>,
    data: Option<Value>,
}

struct Sse {
    response: reqwest::Response,
    buffer: String,
}

impl Sse {
    async fn open(client: &reqwest::Client, url: &str, last_event_id: Option<&str>) -> Sse {
        let mut request = client.get(url);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Sse {
            response,
            buffer: String::new(),
        }
    }

    /// The next frame; `None` when the stream ended or nothing came within `wait`.
    async fn next(&mut self, wait: StdDuration) -> Option<Frame> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut frame = Frame {
                    id: None,
                    event: None,
                    data: None,
                };
                let mut comment = true;
                for line in block.lines().filter(|l| !l.is_empty()) {
                    let (field, value) = line.split_once(": ").unwrap_or((line, ""));
                    match field {
                        "id" => frame.id = Some(value.to_owned()),
                        "event" => frame.event = Some(value.to_owned()),
                        "data" => frame.data = Some(serde_json::from_str(value).unwrap()),
                        "" => {
                            assert_eq!(value, "keep-alive");
                            continue;
                        }
                        other => panic!("unexpected field {other}"),
                    }
                    comment = false;
                }
                if !comment {
                    return Some(frame);
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await;
            match chunk {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(std::str::from_utf8(&bytes).unwrap()),
                _ => return None,
            }
        }
    }

    /// The next `om_event` message, skipping a position frame.
    async fn message(&mut self, wait: StdDuration) -> Option<(i64, Value)> {
        loop {
            let frame = self.next(wait).await?;
            if frame.event.is_none() {
                assert!(frame.data.is_none(), "{frame:?}");
                continue;
            }
            assert_eq!(frame.event.as_deref(), Some("om_event"));
            let id = frame.id.expect("every message has an id").parse().unwrap();
            return Some((id, frame.data.unwrap()));
        }
    }

    /// Whether the server closed the stream within `wait`.
    async fn ended_within(&mut self, wait: StdDuration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Ok(Ok(Some(_))) => continue,
                Ok(Ok(None)) | Ok(Err(_)) => return true,
                Err(_) => return false,
            }
        }
    }
}

/// Ends the open streams first: a graceful shutdown waits for every connection.
async fn stop(app: TestApp) {
    app.state.live.close();
    app.stop().await;
}

const SOON: StdDuration = StdDuration::from_secs(3);

/// The first frame of a fresh stream: where it begins.
async fn position(sse: &mut Sse) -> i64 {
    let frame = sse.next(SOON).await.expect("a position frame");
    assert!(frame.event.is_none() && frame.data.is_none(), "{frame:?}");
    frame.id.unwrap().parse().unwrap()
}

/// A pending event of the caller's account in cn-hangzhou: its id and ETag.
async fn pending_event(app: &TestApp, client: &reqwest::Client, skip: usize) -> (String, String) {
    let list: Value = client
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?page_size=100"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["om_events"]["current"]["status"] == "pending")
        .nth(skip)
        .expect("a pending event")["om_events"]["current"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, etag) = app.event_of_id(client, &id).await;
    (id, etag)
}

async fn execute(
    app: &TestApp,
    client: &reqwest::Client,
    id: &str,
    etag: &str,
    body: Value,
) -> Value {
    let res = client
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// Moves the event one minute earlier than its default time.
async fn reschedule(app: &TestApp, client: &reqwest::Client, id: &str) -> Value {
    let (detail, etag) = app.event_of_id(client, id).await;
    let default: DateTime<Utc> = detail["event"]["default_execute_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let at = (default - Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    execute(
        app,
        client,
        id,
        &etag,
        json!({"mode": "at", "execute_at": at}),
    )
    .await
}

async fn another_accounts_change_never_arrives(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let mut alices = Sse::open(&alice, &app.url("/stream"), None).await;
    let mut ginas = Sse::open(&gina, &app.url("/stream"), None).await;
    position(&mut alices).await;
    position(&mut ginas).await;

    let (globex_event, _) = pending_event(&app, &gina, 0).await;
    let globex_change = reschedule(&app, &gina, &globex_event).await;
    let (acme_event, _) = pending_event(&app, &alice, 0).await;
    let acme_change = reschedule(&app, &alice, &acme_event).await;

    // The log is read in order, so a leak of Globex's (earlier) change would come first.
    let (_, data) = alices.message(SOON).await.expect("Acme's change");
    assert_eq!(data["event"], acme_change);
    assert_eq!(data["action"], "rescheduled");
    assert!(data["at"].as_str().unwrap().ends_with('Z'));
    let (_, data) = ginas.message(SOON).await.expect("Globex's change");
    assert_eq!(data["event"], globex_change);
    assert!(
        ginas.message(StdDuration::from_millis(600)).await.is_none(),
        "Acme's change reached Globex"
    );
    // A resume from the beginning replays only the account's own changes.
    let mut replay = Sse::open(&gina, &app.url("/stream"), Some("0")).await;
    while let Some((_, data)) = replay.message(StdDuration::from_millis(600)).await {
        assert_ne!(data["event"]["id"], acme_event.as_str());
    }
    stop(app).await;
}

async fn a_resumed_stream_gets_what_it_missed_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let mut first = Sse::open(&alice, &app.url("/stream"), None).await;
    let start = position(&mut first).await;
    let (id, _) = pending_event(&app, &alice, 1).await;
    reschedule(&app, &alice, &id).await;
    let (seen, _) = first.message(SOON).await.unwrap();
    assert!(seen > start, "ids increase: {seen} after {start}");
    drop(first);

    // Missed while away: a second reschedule, then Execute Now.
    let moved = reschedule(&app, &alice, &id).await;
    let etag = format!("\"{}\"", moved["version"]);
    let now = execute(&app, &alice, &id, &etag, json!({"mode": "now"})).await;

    let mut resumed = Sse::open(&alice, &app.url("/stream"), Some(&seen.to_string())).await;
    let (a, missed_1) = resumed.message(SOON).await.unwrap();
    let (b, missed_2) = resumed.message(SOON).await.unwrap();
    assert!(seen < a && a < b, "{seen} < {a} < {b}");
    assert_eq!(missed_1["action"], "rescheduled");
    assert_eq!(missed_2["action"], "execute_now");
    assert_eq!(missed_2["event"], now);
    // Then the live ones, none replayed twice.
    let (other, _) = pending_event(&app, &alice, 2).await;
    reschedule(&app, &alice, &other).await;
    let (c, live) = resumed.message(SOON).await.unwrap();
    assert!(c > b);
    assert_eq!(live["event"]["id"], other.as_str());
    // The query parameter does the same for a client that cannot send the header.
    let mut by_query = Sse::open(
        &alice,
        &app.url(&format!("/stream?last_event_id={b}")),
        None,
    )
    .await;
    assert_eq!(by_query.message(SOON).await.unwrap().0, c);
    stop(app).await;
}

/// DESIGN.md 17: a resume replays page by page (the server reads 200 at a time; the demo logs
/// over 300 for Acme), every missed
/// message once and in order, then the live ones.
async fn a_resume_from_the_start_replays_the_whole_log_page_by_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM event_log l JOIN om_events o ON o.id = l.event_id \
         WHERE o.account_id = 'acme'",
    )
    .fetch_one(app.store.reader())
    .await
    .unwrap();
    let logged: i64 = sqlx::Row::try_get(&row, "n").unwrap();
    assert!(
        logged > 200,
        "the demo's log spans more than a page: {logged}"
    );

    let mut replay = Sse::open(&alice, &app.url("/stream"), Some("0")).await;
    let mut ids = Vec::new();
    while ids.len() < logged as usize {
        let (id, data) = replay.message(SOON).await.expect("every missed message");
        assert!(data["event"]["region"].is_string());
        ids.push(id);
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order, once each");
    // Then the live ones.
    let (id, _) = pending_event(&app, &alice, 0).await;
    reschedule(&app, &alice, &id).await;
    let (live, data) = replay.message(SOON).await.expect("the live change");
    assert!(live > *ids.last().unwrap());
    assert_eq!(data["event"]["id"], id.as_str());
    stop(app).await;
}

async fn a_garbage_last_event_id_is_a_fresh_start(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let mut fresh = Sse::open(&alice, &app.url("/stream"), None).await;
    let start = position(&mut fresh).await;
    for garbage in ["abc", "-5", "99999999999999999999999", "1e9", " ", "🙂"] {
        let mut sse = Sse::open(&alice, &app.url("/stream"), Some(garbage)).await;
        assert_eq!(position(&mut sse).await, start, "{garbage:?}");
    }
    let res = alice
        .get(app.url("/stream?last_event_id=%00%ff"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // A position beyond the log replays nothing and still follows what comes.
    let mut ahead = Sse::open(&alice, &app.url("/stream"), Some("900000000")).await;
    let (id, _) = pending_event(&app, &alice, 0).await;
    reschedule(&app, &alice, &id).await;
    let (_, data) = ahead.message(SOON).await.unwrap();
    assert_eq!(data["event"]["id"], id.as_str());
    stop(app).await;
}

async fn the_stream_ends_on_log_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let other_session = app.login("alice@acme.example").await;
    let mut ending = Sse::open(&alice, &app.url("/stream"), None).await;
    let mut staying = Sse::open(&other_session, &app.url("/stream"), None).await;
    position(&mut ending).await;
    position(&mut staying).await;
    let res = alice.delete(app.url("/session")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let started = Instant::now();
    assert!(ending.ended_within(StdDuration::from_secs(2)).await);
    println!("stream ended {:?} after log-out", started.elapsed());
    // Only that session's stream.
    assert!(!staying.ended_within(StdDuration::from_millis(300)).await);
    let res = alice.get(app.url("/stream")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    stop(app).await;
}

async fn the_stream_ends_when_its_token_is_revoked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app
        .store
        .create_api_token("alice@acme.example", "live", app.now())
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let url = app.url("/stream");
    let res = client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let mut sse = Sse {
        response: client.get(&url).bearer_auth(&token).send().await.unwrap(),
        buffer: String::new(),
    };
    assert_eq!(sse.response.status(), StatusCode::OK);
    position(&mut sse).await;
    app.store
        .revoke_api_token("alice@acme.example", "live", app.now())
        .await
        .unwrap();
    // Checked every 5 s.
    assert!(sse.ended_within(StdDuration::from_secs(8)).await);
    stop(app).await;
}

async fn the_schedulers_changes_arrive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let mut sse = Sse::open(&alice, &app.url("/stream"), None).await;
    position(&mut sse).await;
    let (id, etag) = pending_event(&app, &alice, 0).await;
    execute(&app, &alice, &id, &etag, json!({"mode": "now"})).await;
    let scheduler = app.scheduler("live-test");
    assert!(scheduler.run_once().await.unwrap().started >= 1);
    app.clock
        .advance(scheduler.execution_duration() + Duration::seconds(1));
    assert!(scheduler.run_once().await.unwrap().completed >= 1);

    let mut actions = Vec::new();
    while let Some((_, data)) = sse.message(StdDuration::from_millis(800)).await {
        if data["event"]["id"] == id.as_str() {
            actions.push((
                data["action"].as_str().unwrap().to_owned(),
                data["event"]["status"].as_str().unwrap().to_owned(),
            ));
        }
    }
    let actions: Vec<&str> = actions.iter().map(|(a, _)| a.as_str()).collect();
    // Its tunnels are back at once, so its verdict comes with the completion (DESIGN.md 12).
    assert_eq!(actions, ["execute_now", "started", "completed", "verified"]);
    stop(app).await;
}

async fn an_operator_command_in_another_process_arrives_within_a_second(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let mut sse = Sse::open(&alice, &app.url("/stream"), None).await;
    position(&mut sse).await;
    let (id, _) = pending_event(&app, &alice, 3).await;
    let db_url = app.db_url.clone();
    let command_id = id.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_vpn-console-server"))
            .args(["cancel-event", &command_id])
            .env("DATABASE_URL", db_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{output:?}");
    let committed = Instant::now();
    let (_, data) = sse
        .message(StdDuration::from_secs(1))
        .await
        .expect("the provider's cancellation within a second");
    println!("arrived {:?} after the command exited", committed.elapsed());
    assert_eq!(data["action"], "cancelled");
    assert_eq!(data["event"]["id"], id.as_str());
    assert_eq!(data["event"]["status"], "cancelled");
    stop(app).await;
}

async fn the_eleventh_stream_of_a_user_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let mut open = Vec::new();
    for _ in 0..10 {
        open.push(Sse::open(&alice, &app.url("/stream"), None).await);
    }
    let res = alice.get(app.url("/stream")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "too_many_streams");
    assert!(body["message"].as_str().unwrap().contains("10"));
    // Per user: another user of the account is not counted against Alice.
    let victor = app.login("victor@acme.example").await;
    Sse::open(&victor, &app.url("/stream"), None).await;
    // Closing one frees its place.
    drop(open.pop());
    let deadline = Instant::now() + StdDuration::from_secs(3);
    loop {
        let res = alice.get(app.url("/stream")).send().await.unwrap();
        if res.status() == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the closed stream's place was not freed"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    stop(app).await;
}

#[tokio::test]
async fn the_stream_is_in_the_openapi_document() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc: Value = reqwest::get(app.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path = &doc["paths"]["/api/v1/stream"]["get"];
    assert!(
        path["responses"]["200"]["content"]["text/event-stream"].is_object(),
        "{path}"
    );
    assert!(path["responses"]["429"].is_object());
    assert!(doc["components"]["schemas"]["EventChange"].is_object());
    stop(app).await;
}
