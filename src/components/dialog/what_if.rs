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

use std::net::{IpAddr, Ipv4Addr};

use leptos::prelude::*;
use vpn_console_domain::api::EventDetail;
use vpn_console_domain::impact::Recommendation;
use vpn_console_domain::planning::{what_if, with_changes, AdviceKind, TunnelChange};
use vpn_console_domain::{
    Addresses, AffectedItem, Attachment, Connection, Effect, Gateway, GatewayIpRole, OmEvent,
    ResourceRef, Tunnel, TunnelId, TunnelMode, TunnelState,
};

use crate::i18n::{self, Msg};
use crate::state::Ctx;

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

#[component]
pub fn WhatIfPanel(detail: EventDetail) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let (gateway, base) = topology_of(&detail);
    if base.is_empty() {
        return ().into_any();
    }
    let event = detail.event;
    let changes = RwSignal::new(Vec::<TunnelChange>::new());
    // Recomputed on every read rather than memoized: a few tunnels, and a memo of each new
    // type is compiled into the wasm of every first load.
    let base_rows = base.clone();
    let shown = {
        let base = base.clone();
        move || changes.with(|c| with_changes(&base, c))
    };
    let impact = move || changes.with(|c| what_if(&event, gateway.as_ref(), &base, c).summary);
    let (impact2, impact3) = (impact.clone(), impact.clone());
    let flip = move |id: TunnelId, state: Option<TunnelState>, carries: Option<bool>| {
        changes.update(|c| {
            c.push(TunnelChange {
                tunnel_id: id,
                state,
                carries_traffic: carries,
            })
        })
    };
    // Built once from the real topology, the checkboxes only following the changes: rebuilding
    // them would take the keyboard focus away from the one just toggled.
    let tunnel = move |id: &TunnelId| {
        let (id, shown) = (id.clone(), shown.clone());
        move || {
            shown()
                .iter()
                .flat_map(|c| &c.tunnels)
                .find(|t| t.id == id)
                .map(|t| (t.state == TunnelState::Available, t.carries_traffic))
                .unwrap_or_default()
        }
    };
    let rows = base_rows
        .iter()
        .flat_map(|c| c.tunnels.iter().map(move |tn| (format!("{} ({})", c.name, c.id), tn)))
        .map(|(name, tn)| {
            let (now, now2, now3) = (tunnel(&tn.id), tunnel(&tn.id), tunnel(&tn.id));
            let (a, b) = (tn.id.clone(), tn.id.clone());
            let index = tn.index;
            view! {
                <fieldset class="what-if-tunnel">
                    <legend>{move || format!("{} {index} · {name}", t(Msg::Tunnel))}</legend>
                    <label class="check"><input type="checkbox" prop:checked=move || now().0
                        on:change=move |ev| {
                            let s = if event_target_checked(&ev) { TunnelState::Available } else { TunnelState::Unavailable };
                            flip(a.clone(), Some(s), None)
                        }/>{move || t(Msg::WhatIfUp)}</label>
                    <label class="check"><input type="checkbox" prop:checked=move || now2().1 disabled=move || !now3().0
                        on:change=move |ev| flip(b.clone(), None, Some(event_target_checked(&ev)))/>{move || t(Msg::WhatIfTraffic)}</label>
                </fieldset>
            }
        })
        .collect_view();
    view! {
        <details class="what-if" id="om-what-if">
            <summary>{move || t(Msg::WhatIfTitle)}</summary>
            <p class="muted">{move || t(Msg::WhatIfIntro)}</p>
            {rows}
            <dl class="facts what-if-result" role="status" aria-live="polite">
                <dt>{move || t(Msg::WhatIfTunnels)}</dt>
                <dd id="om-what-if-tunnels">{move || impact().tunnels}</dd>
                <dt>{move || t(Msg::WhatIfWorst)}</dt>
                <dd id="om-what-if-worst">{move || i18n::duration(ctx.lang.get(), impact2().max_interruption_s)}</dd>
                <dt>{move || t(Msg::AffectedResources)}</dt>
                <dd id="om-what-if-summary">{move || i18n::summary(ctx.lang.get(), &impact3())}</dd>
            </dl>
            <button type="button" id="om-what-if-reset" disabled=move || changes.with(Vec::is_empty)
                on:click=move |_| changes.set(Vec::new())>{move || t(Msg::WhatIfReset)}</button>
        </details>
    }
    .into_any()
}
