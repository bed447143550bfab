//! The provider's side: operator commands publishing and cancelling events, and the audit log.

use crate::support::{Backend, TestApp};
use chrono::Duration;
use serde_json::Value;

both_backends!(
    the_audit_log_is_append_only,
    the_provider_publishes_and_cancels_events,
);

async fn the_audit_log_is_append_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let update = sqlx::query("UPDATE event_log SET actor = 'mallory'")
        .execute(app.store.reader())
        .await;
    assert!(update.is_err(), "an UPDATE of the audit log went through");
    let delete = sqlx::query("DELETE FROM event_log")
        .execute(app.store.reader())
        .await;
    assert!(delete.is_err(), "a DELETE of the audit log went through");
    app.stop().await;
}

async fn the_provider_publishes_and_cancels_events(backend: Backend) {
    use vpn_console_server::operator::publish_event;
    let app = TestApp::spawn(backend).await;
    let alice = app.login("alice@acme.example").await;
    let list: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?q=staging-no-connections"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let gateway = list["items"][0]["id"].as_str().unwrap().to_owned();
    let later = app.now() + Duration::days(3);
    // Bad input is refused with a reason, and nothing is written.
    let refusals = [
        (
            gateway.as_str(),
            "ipsec_address_3",
            "system_upgrade",
            later,
            "unknown address role",
        ),
        (
            gateway.as_str(),
            "ipsec_address_1",
            "reboot",
            later,
            "unknown reason",
        ),
        (
            gateway.as_str(),
            "ipsec_address_1",
            "system_upgrade",
            app.now() - Duration::hours(1),
            "not in the future",
        ),
        (
            gateway.as_str(),
            "gateway_address",
            "system_upgrade",
            later,
            "no Gateway address",
        ),
        (
            gateway.as_str(),
            "ssl_address",
            "system_upgrade",
            later,
            "SSL",
        ),
        (
            "vpn-bp1doesnotexist000000",
            "ipsec_address_1",
            "system_upgrade",
            later,
            "no VPN gateway",
        ),
        // It already has a pending event.
        (
            gateway.as_str(),
            "ipsec_address_1",
            "system_upgrade",
            later,
            "already has",
        ),
    ];
    for (resource, role, reason, at, expected) in refusals {
        let err = publish_event(&app.store, resource, role, reason, at, app.now())
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains(expected),
            "{resource} {role} {reason}: {err}"
        );
    }
    // Cancel the current event, then a new one can be published.
    let current: vpn_console_domain::EventId = list["items"][0]["om_events"]["current"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let cancelled = app.store.cancel_event(&current, app.now()).await.unwrap();
    assert_eq!(cancelled.status, vpn_console_domain::EventStatus::Cancelled);
    assert!(
        app.store.cancel_event(&current, app.now()).await.is_err(),
        "cancelling twice is refused"
    );
    let event = publish_event(
        &app.store,
        &gateway,
        "ipsec_address_1",
        "hardware_upgrade",
        later,
        app.now(),
    )
    .await
    .unwrap();
    assert_eq!(event.status, vpn_console_domain::EventStatus::Pending);
    assert_eq!(event.default_execute_at, later);
    let log = app.log_of(&alice, current.as_str()).await;
    let actions = crate::support::actions(&log);
    assert_eq!(actions, ["published", "cancelled"]);
    let list: Value = alice
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?q=staging-no-connections"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"][0]["om_events"]["current"]["id"],
        event.id.as_str()
    );
    app.stop().await;
}
