//! The words of DESIGN.md 12 and 13 in both languages: a verdict beside the previous event's
//! time, a tunnel's health, its result and what to do about it, and why an event is held.

use vpn_console_domain::api::PreviousVerdict;
use vpn_console_domain::hold::HoldReason;
use vpn_console_domain::verification::{
    Bgp, Hint, Ike, TunnelHealth, TunnelResult, VerificationStatus,
};

use super::{Lang, Msg};

/// "✓ verified", "⚠ 1 tunnel did not come back", "… verifying".
pub fn previous_verdict(lang: Lang, v: &PreviousVerdict) -> String {
    let n = v.tunnels_not_back;
    let count = |one: Msg, many: Msg| {
        let words = lang.text(if n == 1 { one } else { many });
        format!("⚠ {n} {words}")
    };
    match v.status {
        VerificationStatus::Verified => lang.text(Msg::VerdictVerified).to_owned(),
        VerificationStatus::Pending => lang.text(Msg::VerdictVerifying).to_owned(),
        VerificationStatus::Failed => count(Msg::VerdictTunnelNotBack, Msg::VerdictTunnelsNotBack),
        VerificationStatus::Degraded => count(Msg::VerdictTunnelShort, Msg::VerdictTunnelsShort),
    }
}

/// The verdict as the dialog's first line says it (pending: followed by its deadline).
pub fn verdict_line(status: VerificationStatus) -> Msg {
    match status {
        VerificationStatus::Verified => Msg::VerificationVerified,
        VerificationStatus::Pending => Msg::VerificationPending,
        VerificationStatus::Degraded => Msg::VerificationDegraded,
        VerificationStatus::Failed => Msg::VerificationFailed,
    }
}

/// "IKE up, BGP established, 24 routes".
pub fn health(lang: Lang, h: &TunnelHealth) -> String {
    let mut parts = vec![lang
        .text(match h.ike {
            Ike::Up => Msg::IkeUp,
            Ike::Down => Msg::IkeDown,
        })
        .to_owned()];
    if let Some(bgp) = h.bgp {
        parts.push(
            lang.text(match bgp {
                Bgp::Established => Msg::BgpEstablished,
                Bgp::Down => Msg::BgpDown,
            })
            .to_owned(),
        );
    }
    if let Some(n) = h.routes_received {
        parts.push(format!("{n} {}", lang.text(Msg::Routes)));
    }
    parts.join(match lang {
        Lang::En => ", ",
        Lang::Zh => "，",
    })
}

pub fn tunnel_result(r: TunnelResult) -> Msg {
    match r {
        TunnelResult::Ok => Msg::ResultOk,
        TunnelResult::RoutesMissing => Msg::ResultRoutesMissing,
        TunnelResult::BgpDown => Msg::ResultBgpDown,
        TunnelResult::Down => Msg::ResultDown,
    }
}

/// What a network engineer does, naming the customer gateway.
pub fn hint(lang: Lang, hint: Hint, cgw: &str) -> String {
    let (before, after) = match hint {
        Hint::InitiateFromCustomerGateway => (Msg::HintInitiateBefore, Msg::HintInitiateAfter),
        Hint::CheckCustomerGateway => (Msg::HintCheckCgwBefore, Msg::HintCheckCgwAfter),
        Hint::CheckBgpAdvertisements => (Msg::HintBgpBefore, Msg::HintBgpAfter),
    };
    let gap = if lang == Lang::En && !lang.text(after).starts_with([':', '.']) {
        " "
    } else {
        ""
    };
    match lang {
        Lang::En => format!("{} {cgw}{gap}{}", lang.text(before), lang.text(after)),
        Lang::Zh => format!("{} {cgw} {}", lang.text(before), lang.text(after)),
    }
}

pub fn hold_reason(r: HoldReason) -> Msg {
    match r {
        HoldReason::PartnerExecuting => Msg::HoldPartnerExecuting,
        HoldReason::PartnerVerifying => Msg::HoldPartnerVerifying,
        HoldReason::PartnerFailed => Msg::HoldPartnerFailed,
    }
}
