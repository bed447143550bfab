//! The dialog's what-if (DESIGN.md 10.1): the user flips a tunnel's state or its traffic and
//! sees the impact recomputed at once by the domain crate's own rules, in the browser: no
//! request is sent and nothing changes; "reset" goes back to the real topology.
//!
//! The topology comes from the event detail alone (the console passes the detail it shows to
//! `mount_page`), so opening the panel asks nothing of the server. The detail lists the tunnels
//! the event maintains; the other tunnel of a dual-tunnel connection is known only through what
//! the preview says about the maintained one: it fails over, so the other is up; it is
//! interrupted, so the other is down (or missing). When the maintained tunnel is down the
//! preview says nothing about the other, which is then assumed up (the panel says so).
//!
//! Flipping a tunnel sets only the checkboxes' properties and the result's texts, nothing is
//! drawn again, so the keyboard focus stays where it is.

use std::net::{IpAddr, Ipv4Addr};

use leptos::prelude::*;
use vpn_console_core::i18n::{self, Msg};
use vpn_console_domain::api::EventDetail;
use vpn_console_domain::impact::Recommendation;
use vpn_console_domain::planning::{what_if, AdviceKind, TunnelChange};
use vpn_console_domain::{
    Addresses, AffectedItem, Attachment, Connection, Effect, Gateway, GatewayIpRole, OmEvent,
    ResourceRef, Tunnel, TunnelMode, TunnelState,
};

use super::use_page;

/// One tunnel's two checkboxes, as the user set them.
#[derive(Clone, Copy)]
struct Flip {
    up: RwSignal<bool>,
    traffic: RwSignal<bool>,
}

#[component]
pub fn WhatIfPanel() -> impl IntoView {
    let page = use_page();
    let t = move |m| page.t(m);
    let detail = match page.detail::<EventDetail>() {
        Ok(d) => d,
        Err(e) => return view! { <p class="error" role="alert">{e}</p> }.into_any(),
    };
    let (gateway, base) = topology_of(&detail);
    let tunnels: Vec<(Connection, Tunnel)> = base
        .iter()
        .flat_map(|c| c.tunnels.iter().map(move |tn| (c.clone(), tn.clone())))
        .collect();
    // The console offers the panel only for a detail with tunnels; nothing to flip otherwise.
    if tunnels.is_empty() {
        return ().into_any();
    }
    let real = |tn: &Tunnel| (tn.state == TunnelState::Available, tn.carries_traffic);
    let flips: Vec<Flip> = tunnels
        .iter()
        .map(|(_, tn)| {
            let (up, traffic) = real(tn);
            Flip {
                up: RwSignal::new(up),
                traffic: RwSignal::new(traffic),
            }
        })
        .collect();
    let flips = StoredValue::new(flips);
    let ids = StoredValue::new(tunnels.iter().map(|(_, tn)| tn.clone()).collect::<Vec<_>>());
    let event = detail.event;
    let summary = Memo::new(move |_| {
        let changes: Vec<TunnelChange> = ids.with_value(|ids| {
            flips.with_value(|flips| {
                ids.iter()
                    .zip(flips)
                    .map(|(tn, f)| TunnelChange {
                        tunnel_id: tn.id.clone(),
                        state: Some(if f.up.get() {
                            TunnelState::Available
                        } else {
                            TunnelState::Unavailable
                        }),
                        carries_traffic: Some(f.traffic.get()),
                    })
                    .collect()
            })
        });
        what_if(&event, gateway.as_ref(), &base, &changes).summary
    });
    let reset = move |_| {
        ids.with_value(|ids| {
            flips.with_value(|flips| {
                for (tn, f) in ids.iter().zip(flips) {
                    let (up, traffic) = real(tn);
                    f.up.set(up);
                    f.traffic.set(traffic);
                }
            })
        })
    };
    let lang = page.lang;
    let fieldsets = tunnels
        .into_iter()
        .enumerate()
        .map(|(i, (c, tn))| {
            let Flip { up, traffic } = flips.with_value(|f| f[i]);
            view! {
                <fieldset class="what-if-tunnel">
                    <legend>{t(Msg::Tunnel)}" "{tn.index}" · "{c.name}" ("{c.id.to_string()}")"</legend>
                    <label class="check">
                        <input type="checkbox" id=format!("wi-up-{i}") prop:checked=move || up.get()
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                // A tunnel that is down carries nothing (as `with_changes` has it).
                                if !on {
                                    traffic.set(false);
                                }
                                up.set(on);
                            }/>
                        {t(Msg::WhatIfUp)}
                    </label>
                    <label class="check">
                        <input type="checkbox" id=format!("wi-traffic-{i}")
                            prop:checked=move || traffic.get() prop:disabled=move || !up.get()
                            on:change=move |ev| traffic.set(event_target_checked(&ev))/>
                        {t(Msg::WhatIfTraffic)}
                    </label>
                </fieldset>
            }
        })
        .collect_view();
    view! {
        <p class="muted">{t(Msg::WhatIfIntro)}</p>
        {fieldsets}
        <div role="status" aria-live="polite">
            <dl class="facts what-if-result">
                <dt>{t(Msg::WhatIfTunnels)}</dt>
                <dd id="om-what-if-tunnels">{move || summary.with(|s| s.tunnels.to_string())}</dd>
                <dt>{t(Msg::WhatIfWorst)}</dt>
                <dd id="om-what-if-worst">{move || summary.with(|s| i18n::duration(lang, s.max_interruption_s))}</dd>
                <dt>{t(Msg::AffectedResources)}</dt>
                <dd id="om-what-if-summary">{move || summary.with(|s| i18n::summary(lang, s))}</dd>
            </dl>
        </div>
        <button type="button" id="om-what-if-reset" on:click=reset>{t(Msg::WhatIfReset)}</button>
    }
    .into_any()
}

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
            health: None,
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
        health: None,
    }
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
                ike_version: Default::default(),
                startup_action: Default::default(),
            },
            state,
            carries_traffic: traffic,
            health: None,
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
            verification: None,
            hold: None,
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
