//! The provider's own words in both languages: its Chinese region names, the gateway states it
//! reports and its advice (whose English is the domain's, sent by the API too).

use vpn_console_domain::impact::Recommendation;

use super::{Lang, Msg};

/// How to reduce an impact. The English is the domain's own text (the API's `recommendation`
/// field carries it too), so it is written once.
pub fn recommendation(lang: Lang, r: Recommendation) -> &'static str {
    match lang {
        Lang::En => r.text(),
        Lang::Zh => match r {
            Recommendation::AutoFailover => "请确保本端网关设备支持自动切换，否则流量切换到另一条隧道时网络会长时间中断。如需避免短暂中断，请在事件前将本端网关设备的流量全部切换到另一条隧道，事件结束后再切回。",
            Recommendation::KeepBothTunnelsAvailable => "请确保 IPsec-VPN 连接的两条隧道均可用，并在事件前将本端网关设备的流量全部切换到另一条隧道，事件结束后再切回。",
            Recommendation::RestoreOtherTunnel => "该隧道不可用，维护它不会影响您的网络。请确保 IPsec-VPN 连接的两条隧道均可用。",
            Recommendation::UpgradeToDualTunnel => "建议将 IPsec-VPN 连接升级为双隧道模式，并采用双隧道连接的方案。",
            Recommendation::RedundantConnections => "请在数据中心与转发路由器之间创建多条连接。事件前将流量切换到其他连接，事件结束后再切回。",
            Recommendation::WarnSslUsers => "事件执行期间 SSL 客户端会断开，结束后自动重连。请提前通知 SSL-VPN 用户维护时间。",
        },
    }
}

/// A region's name: in Chinese the provider's own (华东1（杭州）) for the regions it has, else
/// the server's name, which is English.
pub fn region_name<'a>(lang: Lang, id: &str, server_name: &'a str) -> &'a str {
    let zh = match (lang, id) {
        (Lang::En, _) => None,
        (Lang::Zh, "cn-hangzhou") => Some("华东1（杭州）"),
        (Lang::Zh, "cn-shanghai") => Some("华东2（上海）"),
        (Lang::Zh, "cn-beijing") => Some("华北2（北京）"),
        (Lang::Zh, "cn-shenzhen") => Some("华南1（深圳）"),
        (Lang::Zh, "ap-southeast-1") => Some("新加坡"),
        (Lang::Zh, "eu-central-1") => Some("德国（法兰克福）"),
        (Lang::Zh, "us-west-1") => Some("美国（硅谷）"),
        (Lang::Zh, _) => None,
    };
    zh.unwrap_or(server_name)
}

/// A gateway's provisioning status as the provider reports it (`active`), in words; a status
/// the console does not know is shown as sent.
pub fn gateway_status(lang: Lang, status: &str) -> &str {
    let m = match status {
        "active" => Msg::GatewayActive,
        "init" => Msg::GatewayInit,
        "provisioning" => Msg::GatewayProvisioning,
        "updating" => Msg::GatewayUpdating,
        "deleting" => Msg::GatewayDeleting,
        _ => return status,
    };
    lang.text(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_recommendation_reads_in_both_languages() {
        use Recommendation::*;
        for r in [
            AutoFailover,
            KeepBothTunnelsAvailable,
            RestoreOtherTunnel,
            UpgradeToDualTunnel,
            RedundantConnections,
            WarnSslUsers,
        ] {
            assert_eq!(recommendation(Lang::En, r), r.text());
            assert!(recommendation(Lang::Zh, r)
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
        }
    }

    #[test]
    fn regions_and_gateway_states_read_in_chinese() {
        assert_eq!(
            region_name(Lang::Zh, "cn-hangzhou", "China (Hangzhou)"),
            "华东1（杭州）"
        );
        assert_eq!(
            region_name(Lang::En, "cn-hangzhou", "China (Hangzhou)"),
            "China (Hangzhou)"
        );
        assert_eq!(
            region_name(Lang::Zh, "bench-1", "Benchmark (bench-1)"),
            "Benchmark (bench-1)"
        );
        assert_eq!(gateway_status(Lang::Zh, "active"), "正常");
        assert_eq!(gateway_status(Lang::En, "active"), "active");
        assert_eq!(gateway_status(Lang::Zh, "frozen"), "frozen");
    }
}
