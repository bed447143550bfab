//! A value the domain does not know, found in the database, is an error: never a guess (an
//! unknown role read as a viewer, an unknown resource kind read as a connection).

#[allow(dead_code)] // each test file uses a part of the support
mod support;

use reqwest::StatusCode;
use sqlx::{AnyConnection, Connection};
use support::{Backend, TestApp};

/// Another connection to the test's database, as an operator with a SQL shell would have,
/// past the schema's CHECK constraints (the decoding is the check after them: a database of
/// another version, or a column without one, like `reason` and `gateway_ip_role`).
async fn corrupt(app: &TestApp, sql: &str) {
    let mut db = AnyConnection::connect(&app.db_url).await.unwrap();
    if app.db_url.starts_with("sqlite:") {
        sqlx::query("PRAGMA ignore_check_constraints = ON")
            .execute(&mut db)
            .await
            .unwrap();
    } else {
        for (table, constraint) in [
            ("om_events", "om_events_status_check"),
            ("om_events", "om_events_resource_kind_check"),
            ("users", "users_role_check"),
        ] {
            sqlx::query(&format!(
                "ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {constraint}"
            ))
            .execute(&mut db)
            .await
            .unwrap();
        }
    }
    let done = sqlx::query(sql).execute(&mut db).await.unwrap();
    assert!(done.rows_affected() > 0, "{sql} changed nothing");
    db.close().await.unwrap();
}

async fn unknown_values_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let (detail, _) = app.event_of(&alice, "hq-dual-tunnel").await;
    let id = detail["event"]["id"].as_str().unwrap().to_owned();
    let event = app.url(&format!("/om-events/{id}"));
    assert_eq!(
        alice.get(&event).send().await.unwrap().status(),
        StatusCode::OK
    );

    for (sql, restore) in [
        (
            format!("UPDATE om_events SET status = 'paused' WHERE id = '{id}'"),
            format!("UPDATE om_events SET status = 'pending' WHERE id = '{id}'"),
        ),
        (
            format!("UPDATE om_events SET resource_kind = 'router' WHERE id = '{id}'"),
            format!("UPDATE om_events SET resource_kind = 'vpn_gateway' WHERE id = '{id}'"),
        ),
        (
            format!("UPDATE om_events SET gateway_ip_role = 'ipsec_address_3' WHERE id = '{id}'"),
            format!("UPDATE om_events SET gateway_ip_role = 'ipsec_address_1' WHERE id = '{id}'"),
        ),
    ] {
        corrupt(&app, &sql).await;
        let res = alice.get(&event).send().await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "after {sql}"
        );
        corrupt(&app, &restore).await;
        let res = alice.get(&event).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "after {restore}");
    }

    // A user whose role is unknown is not let in as a viewer.
    corrupt(
        &app,
        "UPDATE users SET role = 'admin' WHERE email = 'victor@acme.example'",
    )
    .await;
    let res = reqwest::Client::new()
        .post(app.url("/session"))
        .json(&serde_json::json!({"email": "victor@acme.example", "password": support::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_unknown_values_are_refused() {
    unknown_values_are_refused(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_unknown_values_are_refused() {
    unknown_values_are_refused(Backend::Postgres).await;
}
