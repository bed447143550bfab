//! The words of part two's planning (DESIGN.md 10.1, 10.2) in both languages: each function
//! matches on the language, so neither can be missing.

use vpn_console_domain::planning::{Advice, AdviceKind, Conflict};

use super::{duration, Lang};

/// The panel headings.
pub fn advice_heading(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "What you can do first",
        Lang::Zh => "建议先执行的操作",
    }
}

pub fn conflicts_heading(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Conflicts: both paths at once",
        Lang::Zh => "冲突：冗余路径同时中断",
    }
}

/// "Bring tunnel 2 of vco-… up first: worst interruption 10 minutes → under 1 minute".
/// `time` is the advised time, already in the viewer's zone.
pub fn advice_text(lang: Lang, a: &Advice, time: Option<String>) -> String {
    let conn = a
        .connection_id
        .as_ref()
        .map(|c| c.to_string())
        .unwrap_or_default();
    let index = a.tunnel_index.unwrap_or(0);
    let time = time.unwrap_or_default();
    let action = match (lang, a.kind) {
        (Lang::En, AdviceKind::BringOtherTunnelUp) => {
            format!("Bring tunnel {index} of {conn} up first")
        }
        (Lang::Zh, AdviceKind::BringOtherTunnelUp) => format!("请先启用 {conn} 的隧道 {index}"),
        (Lang::En, AdviceKind::MoveTrafficFirst) => {
            format!("Move the traffic to tunnel {index} of {conn} first")
        }
        (Lang::Zh, AdviceKind::MoveTrafficFirst) => {
            format!("请先将流量切换到 {conn} 的隧道 {index}")
        }
        (Lang::En, AdviceKind::UpgradeToDualTunnel) => format!("Upgrade {conn} to dual-tunnel"),
        (Lang::Zh, AdviceKind::UpgradeToDualTunnel) => format!("将 {conn} 升级为双隧道"),
        (Lang::En, AdviceKind::AddRedundantConnection) => {
            format!("Add a redundant connection next to {conn}")
        }
        (Lang::Zh, AdviceKind::AddRedundantConnection) => format!("为 {conn} 增加一条冗余连接"),
        (Lang::En, AdviceKind::MoveEarlierOutOfConflict) => {
            format!("Move this event to {time}, out of the conflict")
        }
        (Lang::Zh, AdviceKind::MoveEarlierOutOfConflict) => {
            format!("将此事件提前到 {time}，避开冲突")
        }
    };
    let (before, after) = (
        duration(lang, a.max_interruption_s_before),
        duration(lang, a.max_interruption_s_after),
    );
    match lang {
        Lang::En => format!("{action}: worst interruption {before} → {after}"),
        Lang::Zh => format!("{action}：最长中断 {before} → {after}"),
    }
}

/// Why a conflict matters, naming the other event and the customer gateways.
pub fn conflict_text(lang: Lang, c: &Conflict, time: String) -> String {
    let cgws: Vec<String> = c
        .customer_gateway_ids
        .iter()
        .map(|g| g.to_string())
        .collect();
    let cgws = cgws.join(", ");
    let (event, resource) = (c.event_id.to_string(), c.resource.id_str().to_owned());
    match lang {
        Lang::En => format!(
            "Runs together with O&M event {event} on {resource} (at {time}): customer gateway {cgws} would lose its redundant paths at once."
        ),
        Lang::Zh => format!(
            "与 {resource} 上的运维事件 {event}（{time}）同时执行：客户网关 {cgws} 的冗余路径将同时中断。"
        ),
    }
}

/// The offer of the nearest conflict-free time.
pub fn conflict_free_offer(lang: Lang, time: String) -> String {
    match lang {
        Lang::En => format!("Nearest time without a conflict: {time}"),
        Lang::Zh => format!("最近的无冲突时间：{time}"),
    }
}

/// The maintenance window's days, as the API names them.
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A day of `DAYS`, short, for the window's checkboxes.
pub fn day_name(lang: Lang, index: usize) -> &'static str {
    let names = match lang {
        Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        Lang::Zh => ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
    };
    names[index % 7]
}

/// The bulk dialog's combined impact: `[events, tunnels, connections, ssl_clients]` and the
/// worst interruption in seconds.
pub fn bulk_impact(
    lang: Lang,
    [events, tunnels, connections, ssl]: [usize; 4],
    worst: u32,
) -> String {
    let worst = duration(lang, worst);
    match lang {
        Lang::En => format!("{events} O&M events: {tunnels} tunnels of {connections} connections affected, {ssl} SSL clients disconnected, worst interruption {worst}."),
        Lang::Zh => format!("{events} 个运维事件：影响 {connections} 个连接的 {tunnels} 条隧道，断开 {ssl} 个 SSL 客户端，最长中断 {worst}。"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bulk_impact_reads_in_both_languages() {
        assert_eq!(
            bulk_impact(Lang::En, [2, 3, 2, 12], 600),
            "2 O&M events: 3 tunnels of 2 connections affected, 12 SSL clients disconnected, worst interruption 10 minutes."
        );
        assert_eq!(
            bulk_impact(Lang::Zh, [2, 3, 2, 12], 30),
            "2 个运维事件：影响 2 个连接的 3 条隧道，断开 12 个 SSL 客户端，最长中断 不到 1 分钟。"
        );
    }

    #[test]
    fn advice_reads_as_the_issue_says_in_both_languages() {
        let a = Advice {
            kind: AdviceKind::BringOtherTunnelUp,
            tunnel_id: Some("tun-x".parse().unwrap()),
            tunnel_index: Some(2),
            connection_id: Some("vco-abc".parse().unwrap()),
            max_interruption_s_before: 600,
            max_interruption_s_after: 60,
            execute_at: None,
        };
        assert_eq!(
            advice_text(Lang::En, &a, None),
            "Bring tunnel 2 of vco-abc up first: worst interruption 10 minutes → under 1 minute"
        );
        assert_eq!(
            advice_text(Lang::Zh, &a, None),
            "请先启用 vco-abc 的隧道 2：最长中断 10 分钟 → 不到 1 分钟"
        );
    }
}
