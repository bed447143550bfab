//! The tagged types read through flat structs (`AffectedItem`, `ResourceRef`, `Attachment`)
//! accept exactly what they write, and refuse a missing field, an unknown kind or a bad id with
//! a message naming it.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use vpn_console_domain::event::ResourceRef;
use vpn_console_domain::impact::AffectedItem;
use vpn_console_domain::topology::Attachment;

fn round_trip<T: Serialize + DeserializeOwned + std::fmt::Debug + PartialEq>(v: Value) {
    let read: T = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"));
    assert_eq!(serde_json::to_value(&read).unwrap(), v);
}

fn refused<T: DeserializeOwned + std::fmt::Debug>(v: Value, says: &str) {
    let e = serde_json::from_value::<T>(v.clone()).expect_err(&v.to_string());
    assert!(e.to_string().contains(says), "{v}: {e}");
}

fn tunnel() -> Value {
    json!({
        "kind": "tunnel", "id": "tun-a1", "connection_id": "vco-a1", "connection_name": "hq",
        "connection_tunnel_mode": "dual_tunnel", "index": 1, "gateway_ip": "47.1.2.3",
        "customer_gateway": {"id": "cgw-a1", "ip": "203.0.113.7", "ike_version": "ikev2",
            "startup_action": "start"}, "state": "available",
        "carries_traffic": true, "effect": "failover", "max_interruption_s": 3,
        "recommendation": "r", "recommendation_key": "auto_failover"
    })
}

#[test]
fn tagged_types_read_what_they_write() {
    round_trip::<AffectedItem>(tunnel());
    round_trip::<AffectedItem>(json!({
        "kind": "ssl_clients", "gateway_id": "vpn-a1", "count": 12, "effect": "disconnect",
        "max_interruption_s": 600, "recommendation": "r", "recommendation_key": "warn_ssl_users"
    }));
    round_trip::<ResourceRef>(json!({"kind": "vpn_gateway", "id": "vpn-a1"}));
    round_trip::<ResourceRef>(json!({"kind": "ipsec_connection", "id": "vco-a1"}));
    round_trip::<Attachment>(json!({"kind": "vpn_gateway", "id": "vpn-a1"}));
    round_trip::<Attachment>(json!({"kind": "transit_router", "id": "tr-a1"}));
}

#[test]
fn tagged_types_refuse_what_is_not_theirs() {
    let mut no_ip = tunnel();
    no_ip.as_object_mut().unwrap().remove("gateway_ip");
    refused::<AffectedItem>(no_ip, "gateway_ip");
    let mut no_effect = tunnel();
    no_effect.as_object_mut().unwrap().remove("effect");
    refused::<AffectedItem>(no_effect, "effect");
    let mut other_kind = tunnel();
    other_kind["kind"] = json!("router");
    refused::<AffectedItem>(other_kind, "router");
    refused::<ResourceRef>(json!({"kind": "vpn_gateway", "id": "vco-a1"}), "vpn-");
    refused::<ResourceRef>(json!({"kind": "vpn_gateway"}), "id");
    refused::<Attachment>(json!({"kind": "transit_router", "id": "vpn-a1"}), "tr-");
}
