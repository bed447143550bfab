//! The dialog's what-if (DESIGN.md 10.1): the user flips a tunnel's state or its traffic and
//! sees the impact recomputed at once by the domain crate's own rules, in the browser: no
//! request is sent and nothing changes; "reset" goes back to the real topology.
//!
//! The topology comes from the event detail alone, so opening the panel asks nothing of the
//! server. The detail lists the tunnels the event maintains; the other tunnel of a dual-tunnel
//! connection is known only through what the preview says about the maintained one: it fails
//! over, so the other is up; it is interrupted, so the other is down (or missing). When the
//! maintained tunnel is down the preview says nothing about the other, which is then assumed up
//! (the panel says so).

use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use vpn_console_domain::api::EventDetail;
use vpn_console_domain::impact::Recommendation;
use vpn_console_domain::planning::{what_if, AdviceKind, TunnelChange};
use vpn_console_domain::{
    Addresses, AffectedItem, Attachment, Connection, Effect, Gateway, GatewayIpRole, OmEvent,
    ResourceRef, Tunnel, TunnelMode, TunnelState,
};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement};

use crate::i18n::{self, escape_html, Msg};
use crate::{document, Ctx};

/// The gateway and connections the detail describes, as the impact rules take them.
pub fn topology_of(detail: &EventDetail) -> (Option<Gateway>, Vec<Connection>) {
    let event = &detail.event;
    let ssl_clients = detail
        .affected
        .iter()
        .find_map(|i| match i {
            AffectedItem::SslClients { count, .. } => Some(*count),
            _ => None,
        })
        .unwrap_or(0);
    let gateway = match &event.resource {
        ResourceRef::VpnGateway { id } => {
            let single = event.gateway_ip.role == GatewayIpRole::GatewayAddress;
            Some(Gateway {
                id: id.clone(),
                name: String::new(),
                status: String::new(),
                spec: String::new(),
                tunnel_mode: if single {
                    TunnelMode::SingleTunnel
                } else {
                    TunnelMode::DualTunnel
                },
                addresses: Addresses::Single {
                    gateway_address: None,
                },
                ssl_clients,
            })
        }
        ResourceRef::IpsecConnection { .. } => None,
    };
    let mut connections: Vec<Connection> = Vec::new();
    for item in &detail.affected {
        let AffectedItem::Tunnel {
            id,
            connection_id,
            connection_name,
            connection_tunnel_mode,
            index,
            gateway_ip,
            customer_gateway,
            state,
            carries_traffic,
            recommendation_key,
            ..
        } = item
        else {
            continue;
        };
        let tunnel = Tunnel {
            id: id.clone(),
            index: *index,
            gateway_ip: *gateway_ip,
            customer_gateway: customer_gateway.clone(),
            state: *state,
            carries_traffic: *carries_traffic,
        };
        match connections.iter_mut().find(|c| &c.id == connection_id) {
            Some(c) => c.tunnels.push(tunnel),
            None => connections.push(Connection {
                id: connection_id.clone(),
                name: connection_name.clone(),
                tunnel_mode: *connection_tunnel_mode,
                attached_to: attachment(event, *recommendation_key),
                tunnels: vec![tunnel],
            }),
        }
    }
    for c in &mut connections {
        if c.tunnel_mode == TunnelMode::DualTunnel && c.tunnels.len() == 1 {
            let partner = partner_of(detail, c);
            c.tunnels.push(partner);
        }
    }
    (gateway, connections)
}

/// The attachment only decides a single-tunnel connection's recommendation, which the detail
/// already gives.
fn attachment(event: &OmEvent, rec: Recommendation) -> Attachment {
    match (&event.resource, rec) {
        (ResourceRef::VpnGateway { id }, _) => Attachment::VpnGateway { id: id.clone() },
        (_, Recommendation::RedundantConnections) | (ResourceRef::IpsecConnection { .. }, _) => {
            Attachment::TransitRouter {
                id: "tr-whatif".parse().expect("a transit router ID"),
            }
        }
    }
}

/// The other tunnel of a dual-tunnel connection, as the preview of the maintained one reveals
/// it; its ID from the advice when the advice names it.
fn partner_of(detail: &EventDetail, c: &Connection) -> Tunnel {
    let maintained = &c.tunnels[0];
    let effect = detail.affected.iter().find_map(|i| match i {
        AffectedItem::Tunnel { id, effect, .. } if id == &maintained.id => Some(*effect),
        _ => None,
    });
    let state = if effect == Some(Effect::Interruption) {
        TunnelState::Unavailable
    } else {
        TunnelState::Available
    };
    let advised = detail.advice.iter().find_map(|a| {
        let kinds = [AdviceKind::BringOtherTunnelUp, AdviceKind::MoveTrafficFirst];
        (kinds.contains(&a.kind) && a.connection_id.as_ref() == Some(&c.id))
            .then(|| a.tunnel_id.clone())
            .flatten()
    });
    let id = advised.unwrap_or_else(|| format!("{}0", maintained.id).parse().expect("a tunnel ID"));
    Tunnel {
        id,
        index: if maintained.index == 2 { 1 } else { 2 },
        // An address no event maintains, so the rules see it as the one to fail over to.
        gateway_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        customer_gateway: maintained.customer_gateway.clone(),
        state,
        carries_traffic: state == TunnelState::Available && !maintained.carries_traffic,
    }
}

/// The event and the real topology the what-if starts from.
struct Model {
    event: OmEvent,
    gateway: Option<Gateway>,
    base: Vec<Connection>,
}

fn input(id: &str) -> Option<HtmlInputElement> {
    document().get_element_by_id(id)?.dyn_into().ok()
}

impl Model {
    fn tunnels(&self) -> impl Iterator<Item = (&Connection, &Tunnel)> {
        self.base
            .iter()
            .flat_map(|c| c.tunnels.iter().map(move |t| (c, t)))
    }

    /// The checkboxes, one pair per tunnel, as markup (see `WhatIfPanel`).
    fn markup(&self, ctx: Ctx) -> String {
        let t = |m| ctx.t_now(m);
        let mut h = format!(
            "<summary>{}</summary><p class=\"muted\">{}</p>",
            t(Msg::WhatIfTitle),
            t(Msg::WhatIfIntro)
        );
        for (i, (c, tn)) in self.tunnels().enumerate() {
            let up = if tn.state == TunnelState::Available {
                " checked"
            } else {
                ""
            };
            let traffic = if tn.carries_traffic { " checked" } else { "" };
            let _ = write!(
                h,
                "<fieldset class=\"what-if-tunnel\"><legend>{} {} · {} ({})</legend>\
                 <label class=\"check\"><input type=\"checkbox\" id=\"wi-up-{i}\"{up}>{}</label>\
                 <label class=\"check\"><input type=\"checkbox\" id=\"wi-traffic-{i}\"{traffic}>{}</label></fieldset>",
                t(Msg::Tunnel),
                tn.index,
                escape_html(&c.name),
                c.id,
                t(Msg::WhatIfUp),
                t(Msg::WhatIfTraffic)
            );
        }
        let _ = write!(
            h,
            "<div role=\"status\" aria-live=\"polite\"><dl class=\"facts what-if-result\">\
             <dt>{}</dt><dd id=\"om-what-if-tunnels\"></dd><dt>{}</dt><dd id=\"om-what-if-worst\"></dd>\
             <dt>{}</dt><dd id=\"om-what-if-summary\"></dd></dl></div>\
             <button type=\"button\" id=\"om-what-if-reset\">{}</button>",
            t(Msg::WhatIfTunnels),
            t(Msg::WhatIfWorst),
            t(Msg::AffectedResources),
            t(Msg::WhatIfReset)
        );
        h
    }

    /// Reads the checkboxes (all of them back to the real topology with `reset`), recomputes
    /// the impact with the domain's rules, and shows it.
    fn update(&self, ctx: Ctx, reset: bool) {
        let mut changes = Vec::new();
        for (i, (_, tn)) in self.tunnels().enumerate() {
            let (Some(up), Some(traffic)) = (
                input(&format!("wi-up-{i}")),
                input(&format!("wi-traffic-{i}")),
            ) else {
                return;
            };
            if reset {
                up.set_checked(tn.state == TunnelState::Available);
                traffic.set_checked(tn.carries_traffic);
            }
            let state = if up.checked() {
                TunnelState::Available
            } else {
                TunnelState::Unavailable
            };
            // A tunnel that is down carries nothing (as `with_changes` has it).
            if state == TunnelState::Unavailable {
                traffic.set_checked(false);
            }
            traffic.set_disabled(state == TunnelState::Unavailable);
            changes.push(TunnelChange {
                tunnel_id: tn.id.clone(),
                state: Some(state),
                carries_traffic: Some(traffic.checked()),
            });
        }
        let s = what_if(&self.event, self.gateway.as_ref(), &self.base, &changes).summary;
        let lang = ctx.lang;
        for (id, text) in [
            ("om-what-if-tunnels", s.tunnels.to_string()),
            (
                "om-what-if-worst",
                i18n::duration(lang, s.max_interruption_s),
            ),
            ("om-what-if-summary", i18n::summary(lang, &s)),
        ] {
            if let Some(e) = document().get_element_by_id(id) {
                e.set_text_content(Some(&text));
            }
        }
    }
}

/// Written as markup with one listener rather than as Leptos views (whose typed trees cost
/// this panel 9 KB gzip). Nothing is rendered again while the user flips tunnels, so the
/// keyboard focus stays where it is; the console mounts it anew from the real topology when the
/// language changes. `false` when the detail has no tunnel to flip.
pub fn mount(root: HtmlElement, detail: EventDetail, ctx: Ctx) -> bool {
    let (gateway, base) = topology_of(&detail);
    if base.is_empty() {
        return false;
    }
    let model = Arc::new(Model {
        event: detail.event,
        gateway,
        base,
    });
    root.set_inner_html(&model.markup(ctx));
    model.update(ctx, true);
    let m = model.clone();
    let change = Closure::<dyn Fn(web_sys::Event)>::new(move |_| m.update(ctx, false));
    let click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
        let reset = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| e.id() == "om-what-if-reset");
        if reset {
            model.update(ctx, true);
        }
    });
    // Handler properties: mounting again replaces them.
    root.set_onchange(Some(change.as_ref().unchecked_ref()));
    root.set_onclick(Some(click.as_ref().unchecked_ref()));
    change.forget();
    click.forget();
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpn_console_domain::{
        affected_resources, CustomerGateway, EventStatus, GatewayIp, Reason, TunnelId,
    };

    const MAINTAINED: &str = "47.96.0.1";
    const OTHER: &str = "47.96.0.2";

    fn tunnel(conn: &str, index: u8, ip: &str, state: TunnelState, traffic: bool) -> Tunnel {
        Tunnel {
            id: format!("tun-{conn}{index}").parse().unwrap(),
            index,
            gateway_ip: ip.parse().unwrap(),
            customer_gateway: CustomerGateway {
                id: format!("cgw-{conn}").parse().unwrap(),
                ip: "116.62.0.4".parse().unwrap(),
            },
            state,
            carries_traffic: traffic,
        }
    }

    /// The source page's figure: one connection of each case on a dual-tunnel gateway.
    fn real() -> (OmEvent, Gateway, Vec<Connection>) {
        use TunnelState::{Available as Up, Unavailable as Down};
        let gateway = Gateway {
            id: "vpn-bp1hq".parse().unwrap(),
            name: "hq".into(),
            status: "active".into(),
            spec: "10M".into(),
            tunnel_mode: TunnelMode::DualTunnel,
            addresses: Addresses::Dual {
                ipsec_address_1: MAINTAINED.parse().ok(),
                ipsec_address_2: OTHER.parse().ok(),
                ssl_address: "47.96.0.3".parse().ok(),
            },
            ssl_clients: 12,
        };
        let cases = [
            ("shanghai", (Up, true), (Up, false)),
            ("beijing", (Up, false), (Up, true)),
            ("shenzhen", (Up, true), (Down, false)),
            ("chengdu", (Down, false), (Up, true)),
        ];
        let connections = cases
            .iter()
            .map(|(name, one, two)| Connection {
                id: format!("vco-{name}").parse().unwrap(),
                name: (*name).into(),
                tunnel_mode: TunnelMode::DualTunnel,
                attached_to: Attachment::VpnGateway {
                    id: gateway.id.clone(),
                },
                tunnels: vec![
                    tunnel(name, 1, MAINTAINED, one.0, one.1),
                    tunnel(name, 2, OTHER, two.0, two.1),
                ],
            })
            .collect();
        let at = "2099-12-01T18:00:00Z".parse().unwrap();
        let event = OmEvent {
            id: "om-bp1test".parse().unwrap(),
            region: "cn-hangzhou".parse().unwrap(),
            resource: ResourceRef::VpnGateway {
                id: gateway.id.clone(),
            },
            gateway_ip: GatewayIp {
                role: GatewayIpRole::IpsecAddress1,
                ip: MAINTAINED.parse().unwrap(),
            },
            reason: Reason::SystemUpgrade,
            status: EventStatus::Pending,
            default_execute_at: at,
            execute_at: at,
            published_at: at,
            started_at: None,
            finished_at: None,
            version: 1,
        };
        (event, gateway, connections)
    }

    fn detail_of(event: &OmEvent, gateway: &Gateway, connections: &[Connection]) -> EventDetail {
        let impact = affected_resources(event, Some(gateway), connections);
        EventDetail {
            event: event.clone(),
            affected: impact.affected,
            summary: impact.summary,
            server_time: event.published_at,
            advice: Vec::new(),
            conflicts: Vec::new(),
            freeze: None,
            window_fit: None,
        }
    }

    fn change(id: &TunnelId, state: TunnelState) -> TunnelChange {
        TunnelChange {
            tunnel_id: id.clone(),
            state: Some(state),
            carries_traffic: None,
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn the_topology_read_from_the_detail_gives_the_detail_back() {
        let (event, gateway, real) = real();
        let detail = detail_of(&event, &gateway, &real);
        let (g, rebuilt) = topology_of(&detail);
        assert_eq!(
            affected_resources(&event, g.as_ref(), &rebuilt),
            affected_resources(&event, Some(&gateway), &real)
        );
        // Every dual-tunnel connection gets its other tunnel back.
        assert!(rebuilt.iter().all(|c| c.tunnels.len() == 2));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn flipping_a_tunnel_answers_as_the_real_topology_would() {
        let (event, gateway, real) = real();
        let detail = detail_of(&event, &gateway, &real);
        let (g, rebuilt) = topology_of(&detail);
        // For each connection, each tunnel up and then down, in both topologies.
        for (r, b) in real.iter().zip(&rebuilt) {
            for (rt, bt) in r.tunnels.iter().zip(&b.tunnels) {
                assert_eq!(rt.index, bt.index);
                for state in [TunnelState::Available, TunnelState::Unavailable] {
                    let want = what_if(&event, Some(&gateway), &real, &[change(&rt.id, state)]);
                    let got = what_if(&event, g.as_ref(), &rebuilt, &[change(&bt.id, state)]);
                    assert_eq!(got.summary, want.summary, "{} tunnel {}", r.name, rt.index);
                }
            }
        }
    }
}
