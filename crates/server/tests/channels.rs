//! Channels (DESIGN.md 15) on both engines: the API's rules against the in-process server,
//! and deliveries made by the one dispatcher to real receivers on 127.0.0.1 (chat robots and a
//! fake PagerDuty as axum servers, a relay speaking SMTP over TCP), each payload read back and
//! its robot signature checked with the algorithm the service documents.

// support/ keeps its PostgreSQL helper private; the process helpers need it too.
#[allow(clippy::duplicate_mod)]
#[path = "support/pg.rs"]
mod pg;
#[allow(dead_code)]
#[path = "support/process.rs"]
mod process;
#[allow(dead_code)]
mod support;

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, Method, StatusCode as AxumStatus, Uri};
use base64::Engine as _;
use chrono::Duration;
use hmac::Mac as _;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{Backend, TestApp};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use vpn_console_domain::notifications::{ChannelFilters, ChannelKind};
use vpn_console_server::notify::channels::NewChannelRow;
use vpn_console_server::notify::mail::Mailer;
use vpn_console_server::notify::Dispatcher;

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
    channels_follow_their_rules,
    each_kind_receives_its_message_as_its_service_documents,
    filters_let_only_what_they_name_through,
    pagerduty_alerts_on_failures_and_resolves_on_verified,
    three_404s_in_a_row_disable_a_channel_and_a_2xx_resets_the_count,
    mail_goes_through_a_real_smtp_relay_with_the_ics_attached,
);

mod process_sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_kill_9_between_the_change_and_the_send_loses_nothing() {
        super::a_kill_9_between_the_change_and_the_send_loses_nothing(
            super::process::Engine::Sqlite,
        )
        .await;
    }
}

mod process_postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_kill_9_between_the_change_and_the_send_loses_nothing() {
        super::a_kill_9_between_the_change_and_the_send_loses_nothing(
            super::process::Engine::Postgres,
        )
        .await;
    }
}

#[derive(Debug, Clone)]
struct Hit {
    uri: Uri,
    body: String,
}

impl Hit {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// An HTTP receiver on 127.0.0.1 taking POSTs on any path, answering `status` with a robot's
/// "ok" body.
#[derive(Clone)]
struct Receiver {
    base: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    status: Arc<AtomicU16>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let status = Arc::new(AtomicU16::new(200));
        let (h, s) = (hits.clone(), status.clone());
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, _headers: HeaderMap, body: String| {
                let (h, s) = (h.clone(), s.clone());
                async move {
                    assert_eq!(method, Method::POST);
                    h.lock().unwrap().push(Hit { uri, body });
                    let status = AxumStatus::from_u16(s.load(Ordering::SeqCst)).unwrap();
                    (status, r#"{"errcode":0,"errmsg":"ok","code":0}"#)
                }
            },
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { base, hits, status }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn hits_on(&self, path: &str) -> Vec<Hit> {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.uri.path() == path)
            .cloned()
            .collect()
    }
}

fn dispatcher(app: &TestApp, pagerduty: &str, mailer: Option<Mailer>) -> Dispatcher {
    Dispatcher::new(
        app.store.clone(),
        Arc::new(app.clock.clone()),
        1.0,
        "test".into(),
        true,
        "https://console.example".into(),
    )
    .with_channels(pagerduty, mailer.map(Arc::new))
}

async fn drain(d: &Dispatcher) {
    while d.deliver_once().await.unwrap() > 0 {}
}

/// Stored directly: the in-process API (without --webhook-allow-private) refuses loopback
/// receivers, as it should.
async fn channel(
    app: &TestApp,
    kind: ChannelKind,
    target: &str,
    language: &str,
    time_zone: &str,
    filters: ChannelFilters,
    secret: Option<&str>,
) -> String {
    app.store
        .create_channel(
            "acme",
            &NewChannelRow {
                kind,
                name: kind.as_str(),
                target,
                language,
                time_zone,
                filters: &filters,
                secret,
            },
            app.now(),
        )
        .await
        .unwrap_or_else(|_| panic!("the channel is stored"))
        .id
}

/// Moves hq-dual-tunnel's event two hours from now; returns the event detail.
async fn reschedule(app: &TestApp, alice: &reqwest::Client) -> Value {
    let (detail, etag) = app.event_of(alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap();
    let res = alice
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", etag)
        .json(&json!({"mode": "at", "execute_at": app.now() + Duration::hours(2)}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    app.event_of_id(alice, id).await.0
}

async fn deliveries(app: &TestApp, client: &reqwest::Client, id: &str) -> Value {
    let res = client
        .get(app.url(&format!("/channels/{id}/deliveries")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn hmac_b64(key: &[u8], msg: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(msg);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn channels_follow_their_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let victor = app.login("victor@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let post = |client: &reqwest::Client, body: Value| {
        let req = client.post(app.url("/channels")).json(&body);
        async move { req.send().await.unwrap() }
    };
    let refused = |body: Value, code: &'static str| {
        let alice = alice.clone();
        let req = alice.post(app.url("/channels")).json(&body);
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let answer: Value = res.json().await.unwrap();
            assert_eq!(answer["code"], code, "{body}: {answer}");
        }
    };
    refused(
        json!({"kind": "email", "target": "not an address"}),
        "invalid_target",
    )
    .await;
    refused(
        json!({"kind": "slack", "target": "not a url"}),
        "invalid_target",
    )
    .await;
    refused(
        json!({"kind": "pagerduty", "target": "short"}),
        "invalid_target",
    )
    .await;
    for url in [
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://169.254.169.254/latest",
        "https://[::1]/x",
    ] {
        refused(
            json!({"kind": "teams", "target": url}),
            "webhook_url_not_allowed",
        )
        .await;
    }
    refused(
        json!({"kind": "slack", "target": "https://hooks.example.com/a", "secret": "s"}),
        "invalid_secret",
    )
    .await;
    refused(
        json!({"kind": "slack", "target": "https://hooks.example.com/a", "language": "fr"}),
        "invalid_language",
    )
    .await;
    refused(
        json!({"kind": "slack", "target": "https://hooks.example.com/a", "time_zone": "Mars/Olympus"}),
        "invalid_time_zone",
    )
    .await;
    refused(
        json!({"kind": "slack", "target": "https://hooks.example.com/a", "filters": {"event_types": ["ping"]}}),
        "invalid_event_types",
    )
    .await;
    refused(
        json!({"kind": "slack", "target": "https://hooks.example.com/a", "filters": {"regions": ["xx-nowhere"]}}),
        "invalid_regions",
    )
    .await;
    let res = post(
        &victor,
        json!({"kind": "slack", "target": "https://hooks.example.com/a"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = post(
        &alice,
        json!({"kind": "dingtalk", "name": "ops robot",
               "target": "https://hooks.example.com/robot/send?access_token=t0ken",
               "language": "zh-CN", "time_zone": "Asia/Shanghai", "secret": "SECabc",
               "filters": {"event_types": ["om_event.rescheduled"], "regions": ["cn-hangzhou"], "min_interruption_s": 60}}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert!(created.get("secret").is_none(), "{created}");
    assert_eq!(created["kind"], "dingtalk");
    assert_eq!(created["language"], "zh-CN");
    assert_eq!(created["time_zone"], "Asia/Shanghai");
    assert_eq!(created["enabled"], true);
    assert!(created["disabled_reason"].is_null());
    assert_eq!(created["filters"]["min_interruption_s"], 60);
    let id = created["id"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::seconds(1));
    let res = post(
        &alice,
        json!({"kind": "email", "target": "noc@acme.example"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let email: Value = res.json().await.unwrap();
    assert_eq!(email["language"], "en");
    assert_eq!(email["time_zone"], "UTC");

    // The secret is stored sealed.
    let stored: String = sqlx::query_scalar("SELECT secret FROM webhooks WHERE id = $1")
        .bind(&id)
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    assert!(!stored.contains("SECabc"));

    // Operators see targets whole, viewers masked, another account nothing.
    let list = |client: &reqwest::Client| {
        let req = client.get(app.url("/channels"));
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let seen = list(&alice).await;
    assert_eq!(seen.as_array().unwrap().len(), 2);
    assert_eq!(
        seen[0]["target"],
        "https://hooks.example.com/robot/send?access_token=t0ken"
    );
    let seen = list(&victor).await;
    assert_eq!(seen[0]["target"], "https://hooks.example.com/…");
    assert_eq!(seen[1]["target"], "…@acme.example");
    assert!(!seen.to_string().contains("t0ken"));
    assert!(!seen.to_string().contains("SECabc"));
    assert_eq!(list(&gina).await, json!([]));
    // Channels are not webhooks, and webhooks not channels.
    let hooks: Value = alice
        .get(app.url("/webhooks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hooks, json!([]));
    for (client, path, status) in [
        (
            &gina,
            format!("/channels/{id}/deliveries"),
            StatusCode::NOT_FOUND,
        ),
        (
            &victor,
            format!("/channels/{id}/deliveries"),
            StatusCode::OK,
        ),
        (
            &alice,
            format!("/webhooks/{id}/deliveries"),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let res = client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), status, "{path}");
    }

    // Tests: operators only, ten a minute.
    let test = |client: &reqwest::Client| {
        let req = client.post(app.url(&format!("/channels/{id}/test")));
        async move { req.send().await.unwrap() }
    };
    assert_eq!(test(&victor).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(test(&gina).await.status(), StatusCode::NOT_FOUND);
    for i in 0..10 {
        assert_eq!(
            test(&alice).await.status(),
            StatusCode::ACCEPTED,
            "test {i}"
        );
    }
    let res = test(&alice).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let d = deliveries(&app, &victor, &id).await;
    assert_eq!(d["total"], 10, "{d}");
    assert_eq!(d["items"][0]["type"], "ping");

    // The account audit log names each step.
    let res = alice
        .delete(app.url(&format!("/channels/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = alice
        .delete(app.url(&format!("/channels/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let audit: Value = alice
        .get(app.url("/audit-log?days=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in ["channel.created", "channel.tested", "channel.deleted"] {
        assert!(actions.contains(&action), "{action} missing: {actions:?}");
    }
    assert!(!audit.to_string().contains("t0ken"), "{audit}");

    // The 21st channel is refused.
    for i in 1..20 {
        let res = post(
            &alice,
            json!({"kind": "email", "target": format!("noc{i}@acme.example")}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED, "channel {i}");
    }
    refused(
        json!({"kind": "email", "target": "one-too-many@acme.example"}),
        "too_many_channels",
    )
    .await;
    app.stop().await;
}

async fn each_kind_receives_its_message_as_its_service_documents(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let receiver = Receiver::start().await;
    let mail_dir = tempfile::tempdir().unwrap();
    let all = ChannelFilters::default;
    let slack = channel(
        &app,
        ChannelKind::Slack,
        &receiver.url("/slack"),
        "en",
        "Asia/Shanghai",
        all(),
        None,
    )
    .await;
    let teams = channel(
        &app,
        ChannelKind::Teams,
        &receiver.url("/teams"),
        "en",
        "Europe/Berlin",
        all(),
        None,
    )
    .await;
    let wecom = channel(
        &app,
        ChannelKind::Wecom,
        &receiver.url("/wecom"),
        "zh-CN",
        "Asia/Shanghai",
        all(),
        None,
    )
    .await;
    let ding = channel(
        &app,
        ChannelKind::Dingtalk,
        &receiver.url("/robot/send?access_token=tok"),
        "zh-CN",
        "Asia/Shanghai",
        all(),
        Some("SECding"),
    )
    .await;
    let lark = channel(
        &app,
        ChannelKind::Lark,
        &receiver.url("/lark"),
        "en",
        "UTC",
        all(),
        Some("SEClark"),
    )
    .await;
    let pd = channel(
        &app,
        ChannelKind::Pagerduty,
        "R0UT1NGKEY0123456789ABCDEFGHIJKL",
        "en",
        "UTC",
        all(),
        None,
    )
    .await;
    let mail = channel(
        &app,
        ChannelKind::Email,
        "noc@acme.example",
        "en",
        "America/New_York",
        all(),
        None,
    )
    .await;
    let before = app.now();
    let detail = reschedule(&app, &alice).await;
    let event = &detail["event"];
    let event_id = event["id"].as_str().unwrap();
    let resource = event["resource"]["id"].as_str().unwrap();
    let at: chrono::DateTime<chrono::Utc> = event["execute_at"].as_str().unwrap().parse().unwrap();
    let zoned = |tz: chrono_tz::Tz| {
        use chrono::Offset as _;
        let off = at.with_timezone(&tz).offset().fix().local_minus_utc();
        vpn_console_domain::time::zoned_text_parenthesized(at, off)
    };
    let worst = vpn_console_domain::time::InterruptionWords::of(
        detail["summary"]["max_interruption_s"].as_u64().unwrap(),
    );
    let d = dispatcher(
        &app,
        &receiver.base,
        Some(Mailer::new(None, None, mail_dir.path().to_owned()).unwrap()),
    );
    drain(&d).await;

    let link = format!(
        "https://console.example/vpn-gateways?region=cn-hangzhou&q={resource}&event={event_id}"
    );
    let one = |path: &str| {
        let hits = receiver.hits_on(path);
        assert_eq!(hits.len(), 1, "{path}: {hits:?}");
        hits[0].clone()
    };
    // Slack: header, section with fields, actions with a button to the dialog.
    let s = one("/slack").json();
    assert_eq!(s["blocks"][0]["type"], "header");
    assert_eq!(s["blocks"][1]["type"], "section");
    let fields = s["blocks"][1]["fields"].to_string();
    for needle in [
        resource,
        "cn-hangzhou",
        &zoned(chrono_tz::Asia::Shanghai),
        &worst.english(),
    ] {
        assert!(fields.contains(needle), "{needle} not in {fields}");
    }
    assert_eq!(s["blocks"][2]["type"], "actions");
    assert_eq!(s["blocks"][2]["elements"][0]["type"], "button");
    assert_eq!(s["blocks"][2]["elements"][0]["url"], link.as_str());
    // Teams: the Workflows envelope around an Adaptive Card 1.4.
    let t = one("/teams").json();
    assert_eq!(t["type"], "message");
    let att = &t["attachments"][0];
    assert_eq!(
        att["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(att["content"]["type"], "AdaptiveCard");
    assert_eq!(att["content"]["version"], "1.4");
    assert!(att["content"]
        .to_string()
        .contains(&zoned(chrono_tz::Europe::Berlin)));
    // WeCom: markdown content, in Chinese.
    let w = one("/wecom").json();
    assert_eq!(w["msgtype"], "markdown");
    let content = w["markdown"]["content"].as_str().unwrap();
    assert!(
        content.contains("运维事件已改期") && content.contains(&worst.chinese()),
        "{content}"
    );
    // DingTalk: markdown, signed in the query as DingTalk documents.
    let hit = one("/robot/send");
    let q: std::collections::HashMap<String, String> = hit
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(q["access_token"], "tok");
    let ts = &q["timestamp"];
    assert_eq!(
        q["sign"],
        hmac_b64(b"SECding", format!("{ts}\nSECding").as_bytes())
    );
    let ts_ms: i64 = ts.parse().unwrap();
    assert!(
        (ts_ms - app.now().timestamp_millis()).abs() < 1000,
        "{ts_ms}"
    );
    let dt = hit.json();
    assert_eq!(dt["msgtype"], "markdown");
    assert!(dt["markdown"]["title"].as_str().unwrap().contains(resource));
    assert!(dt["markdown"]["text"].as_str().unwrap().contains(&link));
    // Lark: an interactive card, signed in the body as Lark documents.
    let l = one("/lark").json();
    assert_eq!(l["msg_type"], "interactive");
    assert!(l["card"]["elements"].is_array());
    let ts = l["timestamp"].as_str().expect("the timestamp is a string");
    assert_eq!(ts, app.now().timestamp().to_string());
    assert_eq!(
        l["sign"],
        hmac_b64(format!("{ts}\nSEClark").as_bytes(), b"")
    );
    // PagerDuty: a reschedule is a change event.
    let p = one("/v2/change/enqueue").json();
    assert_eq!(p["routing_key"], "R0UT1NGKEY0123456789ABCDEFGHIJKL");
    assert!(p["payload"]["summary"].as_str().unwrap().contains(resource));
    assert!(receiver.hits_on("/v2/enqueue").is_empty());
    // E-mail without a relay: an .eml file per mail, with the .ics of the pending event.
    let files: Vec<_> = std::fs::read_dir(mail_dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let raw = std::fs::read(&files[0]).unwrap();
    let parsed = mailparse::parse_mail(&raw).unwrap();
    let text = all_parts(&parsed);
    assert!(
        text.iter()
            .any(|(t, b)| t == "text/plain" && b.contains(&zoned(chrono_tz::America::New_York))),
        "{text:?}"
    );
    assert!(
        text.iter().any(
            |(t, b)| t == "text/calendar" && b.contains(&format!("UID:{event_id}@vpn-console"))
        ),
        "{text:?}"
    );

    // Each channel's log lists its delivery as delivered.
    for id in [&slack, &teams, &wecom, &ding, &lark, &pd, &mail] {
        let d = deliveries(&app, &alice, id).await;
        assert_eq!(d["total"], 1, "{id}: {d}");
        assert_eq!(d["items"][0]["status"], "delivered", "{id}: {d}");
        assert_eq!(d["items"][0]["type"], "om_event.rescheduled");
        assert!(
            chrono::DateTime::parse_from_rfc3339(d["items"][0]["created_at"].as_str().unwrap())
                .unwrap()
                >= before
        );
    }
    app.stop().await;
}

/// Every leaf part of a parsed mail: its type and decoded body.
fn all_parts(mail: &mailparse::ParsedMail) -> Vec<(String, String)> {
    if mail.subparts.is_empty() {
        vec![(mail.ctype.mimetype.clone(), mail.get_body().unwrap())]
    } else {
        mail.subparts.iter().flat_map(all_parts).collect()
    }
}

async fn filters_let_only_what_they_name_through(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let receiver = Receiver::start().await;
    let f = |types: Option<&[&str]>, regions: Option<&[&str]>, min: Option<u32>| ChannelFilters {
        event_types: types.map(|t| t.iter().map(|s| s.to_string()).collect()),
        regions: regions.map(|r| r.iter().map(|s| s.to_string()).collect()),
        min_interruption_s: min,
    };
    for (path, filters) in [
        (
            "/pass",
            f(
                Some(&["om_event.rescheduled"]),
                Some(&["cn-hangzhou"]),
                Some(1),
            ),
        ),
        ("/other-type", f(Some(&["om_event.started"]), None, None)),
        ("/other-region", f(None, Some(&["cn-shanghai"]), None)),
        ("/too-small", f(None, None, Some(24 * 3600))),
    ] {
        channel(
            &app,
            ChannelKind::Slack,
            &receiver.url(path),
            "en",
            "UTC",
            filters,
            None,
        )
        .await;
        // Listed in the order of creation.
        app.clock.advance(Duration::seconds(1));
    }
    reschedule(&app, &alice).await;
    drain(&dispatcher(&app, &receiver.base, None)).await;
    assert_eq!(receiver.hits_on("/pass").len(), 1);
    for path in ["/other-type", "/other-region", "/too-small"] {
        assert!(receiver.hits_on(path).is_empty(), "{path}");
    }
    // What a filter let pass by is no delivery either.
    let listed: Vec<Value> = alice
        .get(app.url("/channels"))
        .send()
        .await
        .unwrap()
        .json::<Vec<Value>>()
        .await
        .unwrap();
    let mut totals = Vec::new();
    for c in &listed {
        totals.push(
            deliveries(&app, &alice, c["id"].as_str().unwrap()).await["total"]
                .as_u64()
                .unwrap(),
        );
    }
    assert_eq!(totals, [1, 0, 0, 0]);
    // A test ignores the filters.
    let id = listed[3]["id"].as_str().unwrap();
    let res = alice
        .post(app.url(&format!("/channels/{id}/test")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    drain(&dispatcher(&app, &receiver.base, None)).await;
    let hits = receiver.hits_on("/too-small");
    assert_eq!(hits.len(), 1);
    assert!(hits[0].body.contains("vpn-sample"), "{}", hits[0].body);
    app.stop().await;
}

/// Outbox rows as `record_change` writes them for a failure, a reschedule and a verdict.
async fn pagerduty_alerts_on_failures_and_resolves_on_verified(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let pagerduty = Receiver::start().await;
    let id = channel(
        &app,
        ChannelKind::Pagerduty,
        "R0UT1NGKEY0123456789ABCDEFGHIJKL",
        "en",
        "UTC",
        ChannelFilters::default(),
        None,
    )
    .await;
    let (detail, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    let event = detail["event"].to_string();
    let event_id = detail["event"]["id"].as_str().unwrap().to_owned();
    let d = dispatcher(&app, &pagerduty.base, None);
    let mut n = 0;
    let mut enqueue = |event_type: &'static str| {
        n += 1;
        let (app, id, event, event_id) = (&app, id.clone(), event.clone(), event_id.clone());
        let created = app.now().timestamp_millis() - 1000 + n;
        async move {
            sqlx::query(
                "INSERT INTO webhook_deliveries (id, webhook_id, account_id, event_type, om_event_id, \
                 event_json, status, next_attempt_at, created_at) \
                 VALUES ($1, $2, 'acme', $3, $4, $5, 'pending', $6, $6)",
            )
            .bind(format!("msg_test{n}"))
            .bind(id)
            .bind(event_type)
            .bind(event_id)
            .bind(event)
            .bind(created)
            .execute(app.store.reader())
            .await
            .unwrap();
        }
    };
    // A verdict without an open alert is a change; a failure triggers; the next verified
    // resolves; anything else is a change.
    enqueue("om_event.verified").await;
    drain(&d).await;
    enqueue("om_event.verification_failed").await;
    drain(&d).await;
    enqueue("om_event.rescheduled").await;
    drain(&d).await;
    enqueue("om_event.verified").await;
    drain(&d).await;
    enqueue("om_event.failed").await;
    drain(&d).await;
    let alerts = pagerduty.hits_on("/v2/enqueue");
    let changes = pagerduty.hits_on("/v2/change/enqueue");
    assert_eq!(changes.len(), 2, "{changes:?}");
    let actions: Vec<Value> = alerts.iter().map(|h| h.json()).collect();
    assert_eq!(actions.len(), 3, "{actions:?}");
    assert_eq!(actions[0]["event_action"], "trigger");
    assert_eq!(actions[0]["dedup_key"], event_id.as_str());
    assert_eq!(actions[0]["payload"]["severity"], "error");
    assert_eq!(actions[1]["event_action"], "resolve");
    assert_eq!(actions[1]["dedup_key"], event_id.as_str());
    assert_eq!(actions[2]["event_action"], "trigger");
    for a in &actions {
        assert_eq!(a["routing_key"], "R0UT1NGKEY0123456789ABCDEFGHIJKL");
    }
    app.stop().await;
}

async fn three_404s_in_a_row_disable_a_channel_and_a_2xx_resets_the_count(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let receiver = Receiver::start().await;
    let id = channel(
        &app,
        ChannelKind::Teams,
        &receiver.url("/teams"),
        "en",
        "UTC",
        ChannelFilters::default(),
        None,
    )
    .await;
    let d = dispatcher(&app, &receiver.base, None);
    let test = || {
        let req = alice.post(app.url(&format!("/channels/{id}/test")));
        async { assert_eq!(req.send().await.unwrap().status(), StatusCode::ACCEPTED) }
    };
    let enabled = || {
        let req = alice.get(app.url("/channels"));
        async move {
            let list: Value = req.send().await.unwrap().json().await.unwrap();
            (
                list[0]["enabled"].as_bool().unwrap(),
                list[0]["disabled_reason"].clone(),
            )
        }
    };
    for status in [404, 410, 200, 404, 404] {
        receiver.status.store(status, Ordering::SeqCst);
        test().await;
        drain(&d).await;
    }
    assert_eq!(
        enabled().await,
        (true, Value::Null),
        "a 2xx in between resets the count"
    );
    assert_eq!(receiver.hits_on("/teams").len(), 5);
    receiver.status.store(410, Ordering::SeqCst);
    test().await;
    drain(&d).await;
    let (on, reason) = enabled().await;
    assert!(!on);
    assert!(reason.as_str().unwrap().contains("404 or 410"), "{reason}");
    // A disabled channel is sent no change (none is even queued).
    let before = receiver.hits_on("/teams").len();
    let logged = deliveries(&app, &alice, &id).await["total"].clone();
    reschedule(&app, &alice).await;
    drain(&d).await;
    assert_eq!(receiver.hits_on("/teams").len(), before);
    assert_eq!(deliveries(&app, &alice, &id).await["total"], logged);
    // A test answered 2xx enables it again.
    receiver.status.store(200, Ordering::SeqCst);
    test().await;
    drain(&d).await;
    assert_eq!(enabled().await, (true, Value::Null));
    app.stop().await;
}

/// What one SMTP session carried.
#[derive(Debug, Clone, Default)]
struct Session {
    auth: Option<String>,
    rcpt: Vec<String>,
    data: Vec<u8>,
}

/// A relay speaking enough SMTP (RFC 5321) for a client: EHLO with AUTH, MAIL, RCPT, DATA,
/// QUIT. `refuse` answers every recipient 550.
async fn smtp_relay(refuse: bool) -> (u16, Arc<Mutex<Vec<Session>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let sessions: Arc<Mutex<Vec<Session>>> = Arc::default();
    let kept = sessions.clone();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read);
                let mut session = Session::default();
                write.write_all(b"220 relay.test ESMTP\r\n").await.unwrap();
                let mut line = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await.unwrap() == 0 {
                        break;
                    }
                    let upper = line.to_ascii_uppercase();
                    let answer: &[u8] = if upper.starts_with("EHLO") {
                        b"250-relay.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("AUTH") {
                        session.auth = Some(line.trim().to_owned());
                        b"235 2.7.0 Authentication successful\r\n"
                    } else if upper.starts_with("MAIL FROM") {
                        b"250 2.1.0 Ok\r\n"
                    } else if upper.starts_with("RCPT TO") {
                        session.rcpt.push(line.trim().to_owned());
                        if refuse {
                            b"550 5.1.1 Recipient refused\r\n"
                        } else {
                            b"250 2.1.5 Ok\r\n"
                        }
                    } else if upper.starts_with("DATA") {
                        write
                            .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                            .await
                            .unwrap();
                        let mut data = Vec::new();
                        loop {
                            let mut l = Vec::new();
                            lines.read_until(b'\n', &mut l).await.unwrap();
                            if l == b".\r\n" || l.is_empty() {
                                break;
                            }
                            data.extend_from_slice(&l);
                        }
                        session.data = data;
                        b"250 2.0.0 Ok: queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        write.write_all(b"221 2.0.0 Bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 Ok\r\n"
                    };
                    write.write_all(answer).await.unwrap();
                }
                kept.lock().unwrap().push(session);
            });
        }
    });
    (port, sessions)
}

async fn mail_goes_through_a_real_smtp_relay_with_the_ics_attached(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (port, sessions) = smtp_relay(false).await;
    let mailer = Mailer::new(
        Some(&format!("smtp://relay-user:pa%24%24word@127.0.0.1:{port}")),
        Some("O&M console <om@console.example>"),
        std::path::PathBuf::from("/nonexistent"),
    )
    .unwrap();
    let id = channel(
        &app,
        ChannelKind::Email,
        "noc@acme.example",
        "zh-CN",
        "Asia/Shanghai",
        ChannelFilters::default(),
        None,
    )
    .await;
    let detail = reschedule(&app, &alice).await;
    let event_id = detail["event"]["id"].as_str().unwrap();
    drain(&dispatcher(&app, "http://127.0.0.1:9", Some(mailer))).await;
    let got = sessions.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let s = &got[0];
    // AUTH PLAIN: base64 of "\0user\0password", the password percent-decoded.
    let plain = s.auth.as_deref().unwrap().rsplit(' ').next().unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(plain)
        .unwrap();
    assert_eq!(decoded, b"\0relay-user\0pa$$word");
    assert!(s.rcpt[0].contains("noc@acme.example"));
    let parsed = mailparse::parse_mail(&s.data).unwrap();
    use mailparse::MailHeaderMap as _;
    assert_eq!(
        parsed.headers.get_first_value("To").unwrap(),
        "noc@acme.example"
    );
    assert!(parsed
        .headers
        .get_first_value("From")
        .unwrap()
        .contains("om@console.example"));
    assert!(parsed
        .headers
        .get_first_value("Subject")
        .unwrap()
        .contains("运维事件已改期"));
    assert_eq!(parsed.ctype.mimetype, "multipart/mixed");
    assert_eq!(parsed.subparts[0].ctype.mimetype, "multipart/alternative");
    let parts = all_parts(&parsed);
    let types: Vec<&str> = parts.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(types, ["text/plain", "text/html", "text/calendar"]);
    assert!(parts[0].1.contains("(UTC+08:00)"), "{}", parts[0].1);
    assert!(parts[1].1.contains("<table>"), "{}", parts[1].1);
    assert_eq!(parts[2].1.matches("BEGIN:VEVENT").count(), 1);
    assert!(parts[2].1.contains(&format!("UID:{event_id}@vpn-console")));
    let log = deliveries(&app, &alice, &id).await;
    assert_eq!(log["items"][0]["status"], "delivered", "{log}");

    // A relay that refuses: the delivery fails with the relay's words, never its password.
    let (port, _) = smtp_relay(true).await;
    let mailer = Mailer::new(
        Some(&format!("smtp://relay-user:pa%24%24word@127.0.0.1:{port}")),
        None,
        std::path::PathBuf::from("/nonexistent"),
    )
    .unwrap();
    app.clock.advance(Duration::seconds(1));
    let res = alice
        .post(app.url(&format!("/channels/{id}/test")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    drain(&dispatcher(&app, "http://127.0.0.1:9", Some(mailer))).await;
    let log = deliveries(&app, &alice, &id).await;
    let test = &log["items"][0];
    assert_eq!(test["type"], "ping");
    assert_eq!(test["status"], "failed", "{log}");
    let error = test["last_error"].as_str().unwrap();
    assert!(error.contains("refused"), "{error}");
    assert!(!log.to_string().contains("pa$$word") && !log.to_string().contains("pa%24%24word"));
    app.stop().await;
}

/// The real binary: a Slack channel added through the API (the server runs with
/// --webhook-allow-private), a change whose send cannot be made yet, a SIGKILL, and a restart
/// that sends it; an e-mail channel's mail is written beside the SQLite file.
async fn a_kill_9_between_the_change_and_the_send_loses_nothing(engine: process::Engine) {
    use process::{Database, Receiver as ProcessReceiver, Server};
    let db = Database::fresh(engine).await;
    let mut server = Server::start(&db.url, 1000.0, "ch");
    let alice = server.login("alice@acme.example").await;
    let (url, port) = ProcessReceiver::down();
    let res = alice
        .post(server.api("/channels"))
        .json(&json!({"kind": "slack", "target": url, "filters": {"event_types": ["om_event.rescheduled"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Mail without a relay goes beside the SQLite file; on PostgreSQL into the process's
    // working directory, which is not this test's to write into.
    let sqlite = db.url.starts_with("sqlite://");
    if sqlite {
        let res = alice
            .post(server.api("/channels"))
            .json(&json!({"kind": "email", "target": "noc@acme.example", "filters": {"event_types": ["om_event.rescheduled"]}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let list: Value = alice
        .get(server.api("/regions/cn-hangzhou/vpn-gateways?q=hq-dual-tunnel"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resource = list["items"][0]["id"].as_str().unwrap().to_owned();
    let event_id = list["items"][0]["om_events"]["current"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = alice
        .get(server.api(&format!("/om-events/{event_id}")))
        .send()
        .await
        .unwrap();
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = alice
        .post(server.api(&format!("/om-events/{event_id}/execution")))
        .header("If-Match", etag)
        .json(&json!({"mode": "at", "execute_at": chrono::Utc::now() + Duration::hours(3)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let pending: Value = alice
        .get(server.api(&format!("/channels/{id}/deliveries")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pending["total"], 1, "{pending}");
    server.kill9();

    let receiver = ProcessReceiver::start_on(port).await;
    let server = Server::start(&db.url, 1000.0, "ch-restarted");
    let got = receiver
        .wait_for(
            std::time::Duration::from_secs(30),
            "the message after the restart",
            |r| !r.is_empty(),
        )
        .await;
    let body = got[0].json();
    assert_eq!(body["blocks"][0]["type"], "header");
    assert!(body.to_string().contains(&resource), "{body}");
    let alice = server.login("alice@acme.example").await;
    let delivered = process::eventually(std::time::Duration::from_secs(30), "delivered", || {
        let req = alice.get(server.api(&format!("/channels/{id}/deliveries")));
        async move {
            let d: Value = req.send().await.unwrap().json().await.unwrap();
            (d["items"][0]["status"] == "delivered").then_some(d)
        }
    })
    .await;
    assert_eq!(delivered["total"], 1, "{delivered}");
    assert_eq!(delivered["items"][0]["id"], pending["items"][0]["id"]);
    if let Some(dir) = db
        .url
        .strip_prefix("sqlite://")
        .and_then(|f| std::path::Path::new(f).parent().map(|p| p.join("mail")))
    {
        let eml = process::eventually(std::time::Duration::from_secs(30), "an .eml file", || {
            let dir = dir.clone();
            async move {
                let files: Vec<_> = std::fs::read_dir(&dir)
                    .ok()?
                    .filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                    .collect();
                (!files.is_empty()).then_some(files)
            }
        })
        .await;
        assert_eq!(eml.len(), 1, "{eml:?}");
    }
    drop(server);
    db.drop().await;
}
