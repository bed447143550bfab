//! Words made from values: a status, an effect, a duration, an impact summary, a page count.

use vpn_console_domain::time::InterruptionWords;
use vpn_console_domain::{Effect, EventStatus, GatewayIpRole, Reason, Summary};

use super::{Lang, Msg};

pub fn reason(r: Reason) -> Msg {
    match r {
        Reason::SystemUpgrade => Msg::ReasonSystemUpgrade,
        Reason::HardwareUpgrade => Msg::ReasonHardwareUpgrade,
        Reason::IssueFix => Msg::ReasonIssueFix,
    }
}

pub fn status(s: EventStatus) -> Msg {
    match s {
        EventStatus::Pending => Msg::StatusPending,
        EventStatus::Executing => Msg::StatusExecuting,
        EventStatus::Completed => Msg::StatusCompleted,
        EventStatus::Failed => Msg::StatusFailed,
        EventStatus::Cancelled => Msg::StatusCancelled,
    }
}

pub fn role(r: GatewayIpRole) -> Msg {
    match r {
        GatewayIpRole::IpsecAddress1 => Msg::IpsecAddress1,
        GatewayIpRole::IpsecAddress2 => Msg::IpsecAddress2,
        GatewayIpRole::SslAddress => Msg::SslAddress,
        GatewayIpRole::GatewayAddress => Msg::GatewayAddress,
        GatewayIpRole::TunnelAddress => Msg::TunnelAddress,
    }
}

pub fn effect(e: Effect) -> Msg {
    match e {
        Effect::Failover => Msg::EffectFailover,
        Effect::Interruption => Msg::EffectInterruption,
        Effect::None => Msg::EffectNone,
        Effect::Disconnect => Msg::EffectDisconnect,
    }
}

/// `under 1 minute`, `10 minutes`, `none`.
pub fn duration(lang: Lang, seconds: u32) -> String {
    match InterruptionWords::of(u64::from(seconds)) {
        InterruptionWords::None => lang.text(Msg::DurNone).to_owned(),
        InterruptionWords::UnderAMinute => lang.text(Msg::DurUnderMinute).to_owned(),
        InterruptionWords::Minutes(minutes) => match lang {
            Lang::En => format!("{minutes} minutes"),
            Lang::Zh => format!("{minutes} 分钟"),
        },
    }
}

/// "3 tunnels fail over, at most under 1 minute; 12 SSL clients disconnect".
pub fn summary(lang: Lang, s: &Summary) -> String {
    let t = |m| lang.text(m);
    let count = |n: u32, what: Msg| match lang {
        Lang::En => format!(
            "{n} {} {}",
            if n == 1 { "tunnel" } else { "tunnels" },
            t(what)
        ),
        Lang::Zh => format!("{n} {}", t(what)),
    };
    let sep = match lang {
        Lang::En => ", ",
        Lang::Zh => "，",
    };
    let mut parts = Vec::new();
    if s.tunnels_failover > 0 {
        parts.push(count(s.tunnels_failover, Msg::SumFailover));
    }
    if s.tunnels_interrupted > 0 {
        parts.push(count(s.tunnels_interrupted, Msg::SumInterrupted));
    }
    if s.tunnels_unaffected > 0 {
        parts.push(count(s.tunnels_unaffected, Msg::SumUnaffected));
    }
    let mut text = if parts.is_empty() {
        t(Msg::NoTunnelAffected).to_owned()
    } else {
        parts.join(sep)
    };
    if s.max_interruption_s > 0 {
        text.push_str(&format!(
            "{sep}{} {}",
            t(Msg::SumAtMost),
            duration(lang, s.max_interruption_s)
        ));
    }
    if s.ssl_clients > 0 {
        let clients = match (lang, s.ssl_clients) {
            (Lang::En, 1) => "1 SSL client disconnects".to_owned(),
            (Lang::En, n) => format!("{n} {}", t(Msg::SumSslDisconnect)),
            (Lang::Zh, n) => format!("{n} {}", t(Msg::SumSslDisconnect)),
        };
        text.push_str(match lang {
            Lang::En => "; ",
            Lang::Zh => "；",
        });
        text.push_str(&clients);
    }
    text
}

/// "20 VPN gateways · page 1 of 3".
pub fn page_status(lang: Lang, total: u64, noun: Msg, page: u32, pages: u32) -> String {
    match lang {
        Lang::En => format!("{total} {} · page {page} of {pages}", lang.text(noun)),
        Lang::Zh => format!("共 {total} {} · 第 {page}/{pages} 页", lang.text(noun)),
    }
}
