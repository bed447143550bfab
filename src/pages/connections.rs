use leptos::prelude::*;
use vpn_console_domain::api::ConnectionItem;
use vpn_console_domain::{Attachment, TunnelMode, TunnelState};

use crate::components::om_select;
use crate::components::{list_page, ListSpec, OmAction, OmCell, RowContext};
use crate::i18n::Msg;
use crate::router::list_href;
use crate::state::Ctx;

const SPEC: ListSpec = ListSpec {
    path: crate::router::CONNECTIONS,
    title: Msg::IpsecConnections,
    search: Msg::SearchConnections,
    loading: Msg::LoadingConnections,
    table_id: "connections-table",
    caption: Msg::ConnectionsCaption,
    columns: &[
        Msg::ColConnection,
        Msg::ColAttachedTo,
        Msg::ColTunnels,
        Msg::ColOmEvents,
        Msg::ColActions,
    ],
    none: Msg::NoConnections,
    noun: Msg::ConnectionsNoun,
};

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    list_page(&SPEC, |item: ConnectionItem, rows: RowContext| {
        view! { <ConnectionRow item=item region=rows.region on_open=rows.on_open selected=rows.selected/> }
    })
}

#[component]
fn ConnectionRow(
    item: ConnectionItem,
    region: Signal<String>,
    on_open: Callback<String>,
    selected: RwSignal<Vec<String>>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t_untracked(m);
    let c = item.connection;
    let id = c.id.to_string();
    let row_key = id.clone();
    let attached = match &c.attached_to {
        Attachment::VpnGateway { id } => {
            let href = list_href(crate::router::GATEWAYS, &region.get_untracked(), id.as_str(), 1);
            view! { <div class="label">{t(Msg::VpnGateway)}</div><a class="mono" href=href>{id.to_string()}</a> }.into_any()
        }
        Attachment::TransitRouter { id } => {
            view! { <div class="label">{t(Msg::TransitRouter)}</div><span class="mono">{id.to_string()}</span> }.into_any()
        }
    };
    let mode = match c.tunnel_mode {
        TunnelMode::DualTunnel => Msg::DualTunnel,
        TunnelMode::SingleTunnel => Msg::SingleTunnel,
    };
    view! {
        <tr data-id=row_key>
            <td class="select">{om_select(&item.om_events, &id, selected)}</td>
            <td><div class="mono">{id.clone()}</div><div>{c.name}</div><div class="label">{t(mode)}</div></td>
            <td>{attached}</td>
            <td>
                <ul class="tunnels">
                    {c.tunnels.into_iter().map(|tunnel| {
                        let up = tunnel.state == TunnelState::Available;
                        view! {
                            <li>
                                <span class="label">{format!("{} {}", t(Msg::Tunnel), tunnel.index)}</span>" "
                                <span class="mono">{tunnel.gateway_ip.to_string()}</span>" ↔ "
                                <span class="mono" title=t(Msg::CustomerGateway)>{format!("{} ({})", tunnel.customer_gateway.id, tunnel.customer_gateway.ip)}</span>" "
                                <span class=if up { "badge ok" } else { "badge down" }>{t(if up { Msg::Available } else { Msg::Unavailable })}</span>
                                {tunnel.carries_traffic.then(|| view! { <span class="badge traffic">{t(Msg::Traffic)}</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </td>
            <td><OmCell cell=item.om_events.clone()/></td>
            <td><OmAction cell=item.om_events row_id=id.clone() on_open=on_open/></td>
        </tr>
    }
}
