//! The string forms of the domain's enums come from their serde names: `as_str` is what the API
//! sends, `parse` reads it back, and a name of no variant is refused.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::fmt::Debug;
use std::str::FromStr;

use serde::Serialize;
use vpn_console_domain::names::UnknownName;
use vpn_console_domain::{
    AttachmentKind, AuditAction, Effect, EventStatus, GatewayIpRole, Reason, ResourceKind,
    ScheduleErrorCode, TunnelMode, TunnelState,
};

/// Each value's `as_str` is its JSON string, `parse` and `FromStr` read it back, `Display`
/// writes it, and `unknown` is refused.
fn round_trips<T>(values: &[T], unknown: &str)
where
    T: Copy + Debug + PartialEq + Serialize + FromStr<Err = UnknownName> + std::fmt::Display,
    T: TryFrom<String, Error = UnknownName>,
{
    for v in values {
        let name = serde_json::to_value(v).unwrap();
        let as_str = name_of(*v);
        assert_eq!(name, serde_json::Value::String(as_str.to_owned()), "{v:?}");
        assert_eq!(as_str.parse::<T>().unwrap(), *v);
        assert_eq!(T::try_from(as_str.to_owned()).unwrap(), *v);
        assert_eq!(v.to_string(), as_str);
    }
    let err = unknown.parse::<T>().unwrap_err();
    assert_eq!(err.name, unknown);
    assert!(err.to_string().contains(unknown), "{err}");
}

fn name_of<T: Serialize>(v: T) -> &'static str {
    vpn_console_domain::names::name_of(&v)
}

#[test]
fn every_enum_has_its_serde_names_as_string_forms() {
    round_trips(&EventStatus::ALL, "paused");
    round_trips(&AuditAction::ALL, "deleted");
    round_trips(&GatewayIpRole::ALL, "ipsec_address_3");
    round_trips(&Reason::ALL, "whim");
    round_trips(
        &[TunnelMode::DualTunnel, TunnelMode::SingleTunnel],
        "triple_tunnel",
    );
    round_trips(
        &[TunnelState::Available, TunnelState::Unavailable],
        "Available",
    );
    round_trips(
        &[
            Effect::Failover,
            Effect::Interruption,
            Effect::None,
            Effect::Disconnect,
        ],
        "",
    );
    round_trips(
        &[
            ScheduleErrorCode::NotPending,
            ScheduleErrorCode::AfterDefaultExecutionTime,
            ScheduleErrorCode::InThePast,
            ScheduleErrorCode::NonexistentLocalTime,
            ScheduleErrorCode::AmbiguousLocalTime,
        ],
        "not pending",
    );
    round_trips(
        &[ResourceKind::VpnGateway, ResourceKind::IpsecConnection],
        "transit_router",
    );
    round_trips(
        &[AttachmentKind::VpnGateway, AttachmentKind::TransitRouter],
        "ipsec_connection",
    );
}

#[test]
fn the_names_are_the_contract_spellings() {
    // A few spelled out, so that a rename in the serde attributes is seen here too.
    assert_eq!(GatewayIpRole::IpsecAddress1.as_str(), "ipsec_address_1");
    assert_eq!(GatewayIpRole::SslAddress.as_str(), "ssl_address");
    assert_eq!(EventStatus::Cancelled.as_str(), "cancelled");
    assert_eq!(
        ScheduleErrorCode::AfterDefaultExecutionTime.as_str(),
        "after_default_execution_time"
    );
    assert_eq!(ResourceKind::IpsecConnection.as_str(), "ipsec_connection");
    assert_eq!(
        GatewayIpRole::parse("tunnel_address"),
        Some(GatewayIpRole::TunnelAddress)
    );
    assert_eq!(GatewayIpRole::parse("Tunnel address"), None);
}
