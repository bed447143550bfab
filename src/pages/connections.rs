use leptos::prelude::*;
use vpn_console_domain::api::ConnectionItem;
use vpn_console_domain::{Attachment, TunnelMode, TunnelState};

use crate::api;
use crate::components::{
    needs_follow, refresh_later, use_list_page, EmptyList, EventDialogHost, ListError, ListPage,
    ListToolbar, OmAction, OmCell, Pager,
};
use crate::i18n::Msg;
use crate::router::list_href;
use crate::state::Ctx;

const PATH: &str = crate::router::CONNECTIONS;

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let ListPage {
        region,
        q,
        data,
        tick,
        refresh,
        open_event,
        on_open,
    } = use_list_page(|r, q, p| async move { api::list::<ConnectionItem>(PATH, &r, &q, p).await });
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);

    view! {
        <h1>{move || t(Msg::IpsecConnections)}</h1>
        <ListToolbar path=PATH region=region q=q placeholder=Msg::SearchConnections on_refresh=refresh/>
        {move || {
            // The rows are plain text in the language and zone of the moment.
            ctx.track_language_and_zone();
            match data.get() {
                None => view! { <p class="muted" role="status">{t(Msg::LoadingConnections)}</p> }.into_any(),
                Some(Err(e)) => view! { <ListError error=e on_retry=refresh/> }.into_any(),
                Some(Ok(p)) => {
                    if needs_follow(p.items.iter().map(|i| &i.om_events), p.server_time) {
                        refresh_later(tick, 1500);
                    }
                    let empty = p.items.is_empty();
                    view! {
                        <table class="list" id="connections-table">
                            <caption class="visually-hidden">{t(Msg::ConnectionsCaption)}</caption>
                            <thead><tr>
                                <th scope="col">{t(Msg::ColConnection)}</th>
                                <th scope="col">{t(Msg::ColAttachedTo)}</th>
                                <th scope="col">{t(Msg::ColTunnels)}</th>
                                <th scope="col">{t(Msg::ColOmEvents)}</th>
                                <th scope="col">{t(Msg::ColActions)}</th>
                            </tr></thead>
                            <tbody>
                                {p.items.into_iter().map(|c| view! { <ConnectionRow item=c region=region on_open=on_open/> }).collect_view()}
                            </tbody>
                        </table>
                        {empty.then(|| view! { <EmptyList q=q none=Msg::NoConnections/> })}
                        <Pager path=PATH region=region q=q page=p.page total=p.total noun=Msg::ConnectionsNoun/>
                    }.into_any()
                }
            }
        }}
        <EventDialogHost open_event=open_event on_changed=refresh/>
    }
}

#[component]
fn ConnectionRow(
    item: ConnectionItem,
    region: Signal<String>,
    on_open: Callback<String>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t_now(m);
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
