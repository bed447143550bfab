//! All regions at once (DESIGN.md 16): the overview, the CSV exports read back by a real CSV
//! parser, and the availability report of a crafted month.

use std::collections::BTreeSet;

use crate::support::{Backend, TestApp};
use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(
    overview_has_every_region_the_events_in_range_and_why_they_are_at_risk,
    overview_shows_the_window_and_freezes_of_its_range,
    days_and_months_outside_the_contract_are_refused,
    events_csv_reads_back_as_the_history_lists_it,
    availability_counts_planned_and_other_minutes_of_a_crafted_month,
);

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

async fn get_json(client: &reqwest::Client, url: String) -> Value {
    let res = client.get(url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn reasons_of<'a>(overview: &'a Value, id: &str) -> Vec<&'a str> {
    overview["at_risk"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["event_id"] == id)
        .map(|r| {
            r["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap())
                .collect()
        })
        .unwrap_or_default()
}

async fn overview_has_every_region_the_events_in_range_and_why_they_are_at_risk(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let now = app.now();
    let ov = get_json(&alice, app.url("/overview?days=30")).await;
    assert_eq!(ov["days"], 30);

    // Every region GET /regions lists, in its order, zeros included.
    let regions = get_json(&alice, app.url("/regions")).await;
    let ids: Vec<&Value> = ov["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["id"])
        .collect();
    let listed: Vec<&Value> = regions
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert_eq!(ids, listed);
    let beijing = ov["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "cn-beijing")
        .unwrap();
    assert_eq!(
        beijing,
        &json!({"id": "cn-beijing", "name": "China (Beijing)", "pending": 0, "executing": 0,
            "held": 0, "awaiting_approval": 0, "at_risk": 0}),
        "acme has nothing in Beijing (globex has)"
    );

    // The events: pending or executing, overlapping [now, now + 30 days), acme's only.
    let events = ov["events"].as_array().unwrap();
    assert!(events.len() > 20, "{}", events.len());
    let until = now + Duration::days(30);
    for e in events {
        assert!(
            matches!(e["status"].as_str(), Some("pending" | "executing")),
            "{e}"
        );
        let start = at(&e["execute_at"]);
        assert_eq!(e["duration_s"], 600);
        assert!(start < until && now < start + Duration::seconds(600), "{e}");
        assert!(e["region"].is_string() && e["resource_name"].is_string());
        assert!(e["hold"].is_null() && e["approval_id"].is_null());
        assert!(e["verification_status"].is_null());
    }
    // The counts are those of the events listed.
    let sum = |field: &str| -> u64 {
        ov["regions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[field].as_u64().unwrap())
            .sum()
    };
    let count = |status: &str| events.iter().filter(|e| e["status"] == status).count() as u64;
    assert_eq!(sum("pending"), count("pending"));
    assert_eq!(sum("executing"), count("executing"));
    assert_eq!(
        sum("at_risk"),
        ov["at_risk"].as_array().unwrap().len() as u64
    );
    let hangzhou = &ov["regions"][0];
    assert_eq!(hangzhou["id"], "cn-hangzhou");
    assert_eq!(
        hangzhou["pending"].as_u64().unwrap() + hangzhou["executing"].as_u64().unwrap(),
        events
            .iter()
            .filter(|e| e["region"] == "cn-hangzhou")
            .count() as u64
    );
    // Another account's events are not there.
    let gina = app.login("gina@globex.example").await;
    let theirs = get_json(&gina, app.url("/overview?days=30")).await;
    let mine: BTreeSet<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    for e in theirs["events"].as_array().unwrap() {
        assert!(!mine.contains(e["id"].as_str().unwrap()));
    }

    // The reasons, as the rest of the API answers them.
    let (single, _) = app.event_of(&alice, "retail-single-tunnel").await;
    let single_id = single["event"]["id"].as_str().unwrap();
    let reasons = reasons_of(&ov, single_id);
    assert!(
        reasons.contains(&"single_tunnel") && reasons.contains(&"no_redundant_path"),
        "{reasons:?}"
    );
    let (hq, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    let hq_id = hq["event"]["id"].as_str().unwrap();
    let reasons = reasons_of(&ov, hq_id);
    assert!(
        reasons.contains(&"no_redundant_path"),
        "one tunnel up only: {reasons:?}"
    );
    assert!(!reasons.contains(&"single_tunnel"), "{reasons:?}");
    let (ssl, _) = app.event_of(&alice, "remote-access-ssl").await;
    let ssl_id = ssl["event"]["id"].as_str().unwrap();
    let reasons = reasons_of(&ov, ssl_id);
    assert!(
        !reasons.contains(&"single_tunnel") && !reasons.contains(&"no_redundant_path"),
        "SSL clients only: {reasons:?}"
    );
    let mut conflicting = 0;
    for e in events {
        let id = e["id"].as_str().unwrap();
        let reasons = reasons_of(&ov, id);
        // The conflict mark is the detail's answer.
        let (detail, _) = app.event_of_id(&alice, id).await;
        let in_detail = !detail["conflicts"].as_array().unwrap().is_empty();
        assert_eq!(e["conflict"], in_detail, "{id}");
        assert_eq!(reasons.contains(&"conflict"), in_detail, "{id}");
        conflicting += usize::from(in_detail);
        assert_eq!(
            e["max_interruption_s"], detail["summary"]["max_interruption_s"],
            "{id}"
        );
        let near =
            e["status"] == "pending" && at(&e["default_execute_at"]) - now < Duration::hours(48);
        assert_eq!(reasons.contains(&"deadline_within_48h"), near, "{id}");
        // No window: never outside it. Sections 12–14 are not there yet.
        for absent in [
            "outside_window",
            "held",
            "awaiting_approval",
            "last_verification_failed",
        ] {
            assert!(!reasons.contains(&absent), "{id}: {reasons:?}");
        }
    }
    assert!(conflicting >= 2, "the demo's conflicting pair");

    // A shorter range lists fewer events, all of them also in the longer one.
    let week = get_json(&alice, app.url("/overview?days=7")).await;
    let in_week: BTreeSet<&str> = week["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert!(in_week.is_subset(&mine));
    assert!(
        in_week.len() < mine.len(),
        "{} of {}",
        in_week.len(),
        mine.len()
    );
    // The default is 30 days.
    let default = get_json(&alice, app.url("/overview")).await;
    assert_eq!(default["days"], 30);
    assert_eq!(default["events"].as_array().unwrap().len(), events.len());
    app.stop().await;
}

async fn overview_shows_the_window_and_freezes_of_its_range(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let now = app.now();
    let ov = get_json(&alice, app.url("/overview?days=7")).await;
    assert_eq!(ov["window_openings"], json!([]));
    assert_eq!(ov["freeze_periods"], json!([]));

    // Tuesdays and Thursdays only: the window places what it can and some events stay out.
    let res = alice
        .put(app.url("/maintenance-window"))
        .json(&json!({"time_zone": "Asia/Shanghai", "days": ["tue", "thu"], "start": "01:00", "duration_minutes": 120}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let freeze_start = (now + Duration::days(3)).with_nanosecond(0).unwrap();
    let far = now + Duration::days(200);
    for (from, to) in [
        (freeze_start, freeze_start + Duration::hours(5)),
        (far, far + Duration::days(1)),
    ] {
        let res = alice
            .post(app.url("/freeze-periods"))
            .json(&json!({"starts_at": from, "ends_at": to, "reason": "sales"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let ov = get_json(&alice, app.url("/overview?days=14")).await;
    let freezes = ov["freeze_periods"].as_array().unwrap();
    assert_eq!(freezes.len(), 1, "only the one in range: {freezes:?}");
    assert_eq!(at(&freezes[0]["starts_at"]), freeze_start);
    assert!(freezes[0]["id"].as_str().unwrap().starts_with("frz-"));

    let until = now + Duration::days(14);
    let openings: Vec<(DateTime<Utc>, DateTime<Utc>)> = ov["window_openings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (at(&o["starts_at"]), at(&o["ends_at"])))
        .collect();
    // Two a week, each two hours long from 01:00 in Shanghai (17:00 UTC the day before).
    assert!((3..=5).contains(&openings.len()), "{openings:?}");
    for (s, e) in &openings {
        assert_eq!(*e - *s, Duration::hours(2));
        assert!(*s < until && now < *e);
        assert_eq!((s.hour(), s.minute()), (17, 0));
        let local = chrono_tz::Asia::Shanghai.from_utc_datetime(&s.naive_utc());
        assert!(
            matches!(local.weekday(), chrono::Weekday::Tue | chrono::Weekday::Thu),
            "{local}"
        );
    }
    // outside_window exactly for the events not inside one opening.
    let mut outside = 0;
    for e in ov["events"].as_array().unwrap() {
        let s = at(&e["execute_at"]);
        let inside = openings
            .iter()
            .any(|(a, b)| *a <= s && s + Duration::seconds(600) <= *b);
        let reasons = reasons_of(&ov, e["id"].as_str().unwrap());
        assert_eq!(reasons.contains(&"outside_window"), !inside, "{e}");
        outside += usize::from(!inside);
    }
    assert!(outside > 0, "events a person timed stay outside the window");
    app.stop().await;
}

async fn days_and_months_outside_the_contract_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    for path in [
        "/overview",
        "/om-events.csv",
        "/regions/cn-hangzhou/om-events.csv",
    ] {
        for days in ["0", "91", "-1", "100000000000"] {
            let res = alice
                .get(app.url(&format!("{path}?days={days}")))
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {days}"
            );
            let err: Value = res.json().await.unwrap();
            assert_eq!(err["code"], "invalid_days");
            assert!(err["message"].as_str().unwrap().contains("90"));
        }
        for days in ["1", "90"] {
            let res = alice
                .get(app.url(&format!("{path}?days={days}")))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{path} {days}");
        }
        let res = reqwest::get(app.url(path)).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let res = alice
        .get(app.url("/regions/mars-1/om-events.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    for path in ["/reports/availability", "/reports/availability.csv"] {
        for month in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-01",
            "2026-01-01",
            "last",
            "",
        ] {
            let res = alice
                .get(app.url(&format!("{path}?month={month}")))
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {month}"
            );
            let err: Value = res.json().await.unwrap();
            assert_eq!(err["code"], "invalid_month");
        }
        let res = reqwest::get(app.url(&format!("{path}?month=2026-01")))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // Every new path is in the OpenAPI document.
    let doc: Value = reqwest::get(app.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/overview",
        "/api/v1/om-events.csv",
        "/api/v1/regions/{region}/om-events.csv",
        "/api/v1/reports/availability",
        "/api/v1/reports/availability.csv",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    app.stop().await;
}

/// The CSV's body after its byte-order mark, checked to end every record in CRLF.
fn csv_records(body: &[u8]) -> Vec<csv::StringRecord> {
    assert_eq!(&body[..3], b"\xEF\xBB\xBF", "a UTF-8 byte-order mark");
    let text = std::str::from_utf8(&body[3..]).unwrap();
    assert!(text.ends_with("\r\n"));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // Every record ends in CRLF: as many CRLFs as records (the names hold no line break).
    assert_eq!(text.matches("\r\n").count(), records.len());
    assert_eq!(text.matches('\n').count(), records.len(), "no bare LF");
    records
}

async fn get_csv(client: &reqwest::Client, url: String) -> Vec<csv::StringRecord> {
    let res = client.get(url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    csv_records(&res.bytes().await.unwrap())
}

const HEADER: &str = "id,region,resource_kind,resource_id,resource_name,gateway_ip,gateway_ip_role,reason,status,default_execute_at,execute_at,started_at,finished_at,max_interruption_s,verification";

async fn events_csv_reads_back_as_the_history_lists_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    // A name with a comma, quotes and Chinese characters.
    let name = "hq, \"总部\" 杭州";
    let mut tx = app.store.begin().await.unwrap();
    sqlx::query("UPDATE gateways SET name = $1 WHERE name = 'hq-dual-tunnel'")
        .bind(name)
        .execute(&mut *tx)
        .await
        .unwrap();
    app.store.commit(tx).await.unwrap();

    let res = alice
        .get(app.url("/regions/cn-hangzhou/om-events.csv?days=30"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.bytes().await.unwrap();
    let text = std::str::from_utf8(&body[3..]).unwrap();
    assert!(
        text.starts_with(&format!("{HEADER}\r\n")),
        "the header exactly"
    );
    assert!(
        text.contains(",\"hq, \"\"总部\"\" 杭州\","),
        "quoted, quotes doubled"
    );
    let records = csv_records(&body);
    assert_eq!(records[0].iter().collect::<Vec<_>>().join(","), HEADER);
    let rows = &records[1..];

    let history = get_json(&alice, app.url("/regions/cn-hangzhou/om-events?days=30")).await;
    let items = history["items"].as_array().unwrap();
    assert_eq!(rows.len(), items.len());
    for (row, item) in rows.iter().zip(items) {
        assert_eq!(row.len(), 15);
        assert_eq!(&row[0], item["id"].as_str().unwrap(), "the same order");
        assert_eq!(&row[1], "cn-hangzhou");
        assert_eq!(&row[2], item["resource"]["kind"].as_str().unwrap());
        assert_eq!(&row[3], item["resource"]["id"].as_str().unwrap());
        assert_eq!(&row[5], item["gateway_ip"]["ip"].as_str().unwrap());
        assert_eq!(&row[6], item["gateway_ip"]["role"].as_str().unwrap());
        assert_eq!(&row[8], item["status"].as_str().unwrap());
        assert_eq!(
            row[10].parse::<DateTime<Utc>>().unwrap(),
            at(&item["execute_at"])
        );
        assert!(row[10].ends_with('Z'));
        match item["started_at"].as_str() {
            Some(t) => assert_eq!(
                row[11].parse::<DateTime<Utc>>().unwrap(),
                t.parse::<DateTime<Utc>>().unwrap()
            ),
            None => assert_eq!(&row[11], "", "null is an empty field"),
        }
        assert!(row[13].parse::<u32>().is_ok());
        assert_eq!(&row[14], "", "no verification before section 12");
    }
    let hq: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[4] == name).collect();
    assert!(
        !hq.is_empty(),
        "the renamed gateway's events read back whole"
    );
    let (detail, _) = app.event_of_id(&alice, &hq[0][0]).await;
    assert_eq!(
        hq[0][13],
        detail["summary"]["max_interruption_s"].to_string()
    );

    // Every region at once: the histories of every region together, acme's only.
    let all = get_csv(&alice, app.url("/om-events.csv?days=30")).await;
    let ids: BTreeSet<String> = all[1..].iter().map(|r| r[0].to_owned()).collect();
    let mut expected = BTreeSet::new();
    for region in get_json(&alice, app.url("/regions"))
        .await
        .as_array()
        .unwrap()
    {
        let h = get_json(
            &alice,
            app.url(&format!(
                "/regions/{}/om-events?days=30",
                region["id"].as_str().unwrap()
            )),
        )
        .await;
        for item in h["items"].as_array().unwrap() {
            expected.insert(item["id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(ids.len(), all.len() - 1, "each event once");
    assert_eq!(ids, expected);
    let regions: BTreeSet<&str> = all[1..].iter().map(|r| r.get(1).unwrap()).collect();
    assert!(regions.len() >= 3, "{regions:?}");
    // A shorter range, fewer rows.
    let day = get_csv(&alice, app.url("/om-events.csv?days=1")).await;
    assert!(day.len() < all.len());
    app.stop().await;
}

/// The first connection named so, with its first tunnel: (tunnel id, customer gateway id).
async fn first_tunnel(app: &TestApp, client: &reqwest::Client, name: &str) -> (String, String) {
    let list = get_json(
        client,
        app.url(&format!("/regions/cn-hangzhou/ipsec-connections?q={name}")),
    )
    .await;
    let t = &list["items"][0]["tunnels"][0];
    (
        t["id"].as_str().unwrap().to_owned(),
        t["customer_gateway"]["id"].as_str().unwrap().to_owned(),
    )
}

async fn availability_counts_planned_and_other_minutes_of_a_crafted_month(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Three hours of the month are needed: near its end, start in the next one.
    let now = app.now();
    if (now + Duration::hours(3)).month() != now.month() {
        let next = (now + Duration::hours(3)).date_naive();
        app.clock.set(
            Utc.with_ymd_and_hms(next.year(), next.month(), 1, 0, 1, 0)
                .unwrap(),
        );
    }
    let alice = app.login("alice@acme.example").await;
    let (tunnel_1, site_1) = first_tunnel(&app, &alice, "store-hangzhou-001").await;
    let (_, site_2) = first_tunnel(&app, &alice, "store-hangzhou-002").await;
    assert_ne!(site_1, site_2);

    // The single-tunnel gateway's event runs its whole 10 minutes: each site is interrupted
    // for its tunnel's 5 minutes.
    let (detail, etag) = app.event_of(&alice, "retail-single-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap();
    let res = alice
        .post(app.url(&format!("/om-events/{id}/execution")))
        .header("If-Match", &etag)
        .json(&json!({"mode": "now"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(app.scheduler("a").run_once().await.unwrap().started >= 1);
    let started = app.now();
    app.clock.advance(Duration::seconds(601));
    assert!(app.scheduler("a").run_once().await.unwrap().completed >= 1);
    // The tunnel-down alerts the start raised were cleared at the finish: an hour later they
    // add nothing.
    app.clock.advance(Duration::hours(1));
    // Site 1 also lost its tunnel for 30 minutes outside the maintenance.
    let outage = started + Duration::minutes(20);
    let mut tx = app.store.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO alerts (account_id, region_id, at, resource_id, kind, cleared_at) \
         VALUES ('acme', 'cn-hangzhou', $1, $2, 'tunnel_down', $3)",
    )
    .bind(outage.timestamp_millis())
    .bind(tunnel_1.as_str())
    .bind((outage + Duration::minutes(30)).timestamp_millis())
    .execute(&mut *tx)
    .await
    .unwrap();
    app.store.commit(tx).await.unwrap();

    let month = format!("{:04}-{:02}", started.year(), started.month());
    let report = get_json(
        &alice,
        app.url(&format!("/reports/availability?month={month}")),
    )
    .await;
    assert_eq!(report["month"], month);
    let first = Utc
        .with_ymd_and_hms(started.year(), started.month(), 1, 0, 0, 0)
        .unwrap();
    let next = if started.month() == 12 {
        Utc.with_ymd_and_hms(started.year() + 1, 1, 1, 0, 0, 0)
    } else {
        Utc.with_ymd_and_hms(started.year(), started.month() + 1, 1, 0, 0, 0)
    }
    .unwrap();
    let minutes = (next - first).num_minutes();
    assert_eq!(report["minutes_in_month"], minutes, "the whole month");
    let sites = report["sites"].as_array().unwrap();
    let site = |id: &str| {
        sites
            .iter()
            .find(|s| s["customer_gateway_id"] == id)
            .unwrap_or_else(|| panic!("{id} in {sites:?}"))
            .clone()
    };
    let round3 = |x: f64| (x * 1000.0).round() / 1000.0;
    let pct = |down_minutes: f64| round3(100.0 * (minutes as f64 - down_minutes) / minutes as f64);
    let one = site(&site_1);
    assert_eq!(one["region"], "cn-hangzhou");
    assert_eq!(one["planned_minutes"], 5.0);
    assert_eq!(one["other_minutes"], 30.0);
    assert_eq!(one["availability_pct"], pct(35.0));
    assert_eq!(one["availability_excluding_planned_pct"], pct(30.0));
    let two = site(&site_2);
    assert_eq!(two["planned_minutes"], 5.0);
    assert_eq!(two["other_minutes"], 0.0);
    assert_eq!(two["availability_excluding_planned_pct"], 100.0);
    // Every site of the account is listed, zeros included, percentages in [0, 100].
    let all_sites: BTreeSet<&str> = sites
        .iter()
        .map(|s| s["customer_gateway_id"].as_str().unwrap())
        .collect();
    assert_eq!(all_sites.len(), sites.len());
    assert!(sites.len() > 50, "{}", sites.len());
    for s in sites {
        for f in ["availability_pct", "availability_excluding_planned_pct"] {
            let v = s[f].as_f64().unwrap();
            assert!((0.0..=100.0).contains(&v), "{s}");
        }
    }
    // Globex sees none of acme's sites.
    let gina = app.login("gina@globex.example").await;
    let theirs = get_json(
        &gina,
        app.url(&format!("/reports/availability?month={month}")),
    )
    .await;
    assert!(theirs["sites"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| !all_sites.contains(s["customer_gateway_id"].as_str().unwrap())));

    // The CSV: the seven fields, a row per site, the same numbers.
    let records = get_csv(
        &alice,
        app.url(&format!("/reports/availability.csv?month={month}")),
    )
    .await;
    assert_eq!(
        records[0].iter().collect::<Vec<_>>(),
        [
            "customer_gateway_id",
            "customer_gateway_ip",
            "region",
            "planned_minutes",
            "other_minutes",
            "availability_pct",
            "availability_excluding_planned_pct"
        ]
    );
    assert_eq!(records.len() - 1, sites.len());
    let row = records[1..]
        .iter()
        .find(|r| &r[0] == site_1.as_str())
        .unwrap();
    assert_eq!(row[3].parse::<f64>().unwrap(), 5.0);
    assert_eq!(row[4].parse::<f64>().unwrap(), 30.0);
    assert_eq!(row[5].parse::<f64>().unwrap(), pct(35.0));
    app.stop().await;
}
