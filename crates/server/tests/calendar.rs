//! The calendar feed (DESIGN.md 9.2) on both engines, read by an independent RFC 5545 parser
//! (the `ical` crate) the way a calendar app reads it: without a cookie.

#[allow(dead_code)]
mod support;

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;
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
    the_feed_is_valid_rfc_5545_with_one_vevent_per_event,
    a_new_feed_url_retires_the_old_one,
);

async fn create_feed(client: &reqwest::Client, app: &TestApp) -> String {
    let res = client.post(app.url("/calendar-feed")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    let url = body["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&app.url("/calendar/")) && url.ends_with(".ics"),
        "{url}"
    );
    url
}

/// The feed as a calendar app gets it: no cookie.
async fn fetch(url: &str) -> (StatusCode, String, String) {
    let res = reqwest::get(url).await.unwrap();
    let status = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, res.text().await.unwrap())
}

fn parse(text: &str) -> ical::parser::ical::component::IcalCalendar {
    let mut calendars = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let calendar = calendars
        .next()
        .expect("one calendar")
        .expect("the feed parses");
    assert!(calendars.next().is_none());
    calendar
}

fn prop<'a>(props: &'a [ical::property::Property], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

fn ics_time(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn event_named<'a>(
    calendar: &'a ical::parser::ical::component::IcalCalendar,
    id: &str,
) -> &'a ical::parser::ical::component::IcalEvent {
    let uid = format!("{id}@vpn-console");
    calendar
        .events
        .iter()
        .find(|e| prop(&e.properties, "UID") == Some(uid.as_str()))
        .unwrap_or_else(|| panic!("no VEVENT {uid}"))
}

async fn the_feed_is_valid_rfc_5545_with_one_vevent_per_event(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let url = create_feed(&alice, &app).await;
    let (status, content_type, text) = fetch(&url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "text/calendar; charset=utf-8");

    // CRLF line ends only, every line at most 75 octets, continuation lines start with a space.
    assert!(text.ends_with("\r\n"));
    assert!(!text.replace("\r\n", "").contains('\n'), "a bare LF");
    let lines: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
    assert_eq!(lines[0], "BEGIN:VCALENDAR");
    assert!(lines.iter().all(|l| l.len() <= 75), "a line over 75 octets");
    assert!(
        lines.iter().any(|l| l.starts_with(' ')),
        "long lines are folded"
    );

    let calendar = parse(&text);
    assert_eq!(prop(&calendar.properties, "VERSION"), Some("2.0"));
    // One VEVENT per Acme event that is current or finished in the last 30 days.
    let since = (app.now() - Duration::days(30)).timestamp_millis();
    let rows = sqlx::query(
        "SELECT id, status FROM om_events WHERE account_id = 'acme' \
         AND (status IN ('pending', 'executing') OR finished_at >= $1)",
    )
    .bind(since)
    .fetch_all(app.store.reader())
    .await
    .unwrap();
    assert!(rows.len() > 10);
    assert_eq!(calendar.events.len(), rows.len());
    for row in &rows {
        let id: String = row.try_get("id").unwrap();
        let status: String = row.try_get("status").unwrap();
        let vevent = event_named(&calendar, &id);
        let expected = if status == "cancelled" {
            "CANCELLED"
        } else {
            "CONFIRMED"
        };
        assert_eq!(prop(&vevent.properties, "STATUS"), Some(expected), "{id}");
        assert_eq!(
            vevent.alarms.len(),
            usize::from(status == "pending"),
            "{id} ({status})"
        );
    }

    // The showcase event, field by field.
    let (detail, etag) = app.event_of(&alice, "hq-dual-tunnel").await;
    let event = &detail["event"];
    let id = event["id"].as_str().unwrap();
    let vevent = event_named(&calendar, id);
    let p = &vevent.properties;
    let execute_at: DateTime<Utc> = event["execute_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(prop(p, "DTSTART"), Some(ics_time(execute_at).as_str()));
    assert_eq!(
        prop(p, "DTEND"),
        Some(ics_time(execute_at + Duration::minutes(10)).as_str())
    );
    assert_eq!(
        prop(p, "SEQUENCE"),
        Some(event["version"].to_string().as_str())
    );
    assert!(prop(p, "LAST-MODIFIED").unwrap().ends_with('Z'));
    assert!(prop(p, "DTSTAMP").is_some());
    let summary = prop(p, "SUMMARY").unwrap();
    assert!(
        summary.contains("hq-dual-tunnel") && summary.contains("10 min"),
        "{summary}"
    );
    let description = prop(p, "DESCRIPTION").unwrap();
    assert!(
        description.contains(event["gateway_ip"]["ip"].as_str().unwrap()),
        "{description}"
    );
    assert!(description.contains("Recommendation"), "{description}");
    for tunnel in detail["affected"].as_array().unwrap() {
        assert!(
            description.contains(tunnel["id"].as_str().unwrap()),
            "{description}"
        );
    }
    // Text is escaped: newlines as \n, and no bare comma or semicolon in the value.
    assert!(description.contains("\\n"));
    let bare = description
        .replace("\\\\", "")
        .replace("\\,", "")
        .replace("\\;", "");
    assert!(!bare.contains(',') && !bare.contains(';'), "{description}");
    let link = prop(p, "URL").unwrap();
    assert!(
        link.contains(id) && link.starts_with("http://127.0.0.1:"),
        "{link}"
    );
    let alarm = &vevent.alarms[0].properties;
    assert_eq!(prop(alarm, "ACTION"), Some("DISPLAY"));
    // A day before the start, in any of RFC 5545's spellings of a day.
    let trigger = prop(alarm, "TRIGGER").unwrap();
    assert!(
        ["-P1D", "-PT24H", "-PT86400S"].contains(&trigger),
        "{trigger}"
    );

    // A reschedule moves the entry: a higher SEQUENCE, a new DTSTART.
    let earlier =
        (app.now() + Duration::hours(5)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let res = alice
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", etag)
        .json(&json!({"mode": "at", "execute_at": earlier}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let moved: Value = res.json().await.unwrap();
    let calendar = parse(&fetch(&url).await.2);
    let p = &event_named(&calendar, id).properties;
    assert_eq!(
        prop(p, "SEQUENCE"),
        Some(moved["version"].to_string().as_str())
    );
    let earlier: DateTime<Utc> = earlier.parse().unwrap();
    assert_eq!(prop(p, "DTSTART"), Some(ics_time(earlier).as_str()));

    // Globex's feed holds none of Acme's events.
    let gina = app.login("gina@globex.example").await;
    let globex = parse(&fetch(&create_feed(&gina, &app).await).await.2);
    assert!(!globex.events.is_empty());
    let acme_uid = format!("{id}@vpn-console");
    assert!(globex
        .events
        .iter()
        .all(|e| prop(&e.properties, "UID") != Some(acme_uid.as_str())));
    app.stop().await;
}

async fn a_new_feed_url_retires_the_old_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let victor = app.login("victor@acme.example").await;

    let res = reqwest::Client::new()
        .post(app.url("/calendar-feed"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let first = create_feed(&alice, &app).await;
    assert_eq!(fetch(&first).await.0, StatusCode::OK);
    // A viewer has a feed of their own.
    let viewers = create_feed(&victor, &app).await;
    assert_ne!(viewers, first);

    let second = create_feed(&alice, &app).await;
    assert_ne!(second, first);
    assert_eq!(
        fetch(&first).await.0,
        StatusCode::NOT_FOUND,
        "the old URL is retired"
    );
    assert_eq!(fetch(&second).await.0, StatusCode::OK);
    assert_eq!(
        fetch(&viewers).await.0,
        StatusCode::OK,
        "other users' feeds are untouched"
    );

    let res = alice
        .delete(app.url("/calendar-feed"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(fetch(&second).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&viewers).await.0, StatusCode::OK);

    // Not a token, or without the .ics: 404 either way.
    assert_eq!(
        fetch(&app.url("/calendar/cal_0000.ics")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fetch(viewers.trim_end_matches(".ics")).await.0,
        StatusCode::NOT_FOUND
    );

    // Only a hash of the token is stored.
    let token = viewers
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".ics")
        .to_owned();
    let rows = sqlx::query("SELECT token_hash FROM calendar_feeds")
        .fetch_all(app.store.reader())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let stored: String = rows[0].try_get("token_hash").unwrap();
    assert_ne!(stored, token);
    assert!(!stored.contains(&token));
    app.stop().await;
}
