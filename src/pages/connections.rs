use leptos::prelude::*;
use vpn_console_domain::api::ConnectionItem;
use vpn_console_domain::{Attachment, TunnelMode, TunnelState};

use crate::api;
use crate::app::list_href;
use crate::components::{
    needs_follow, refresh_later, use_list_query, ListToolbar, OmAction, OmCell, OmEventDialog,
    Pager, PAGE_SIZE,
};

const PATH: &str = "/ipsec-connections";

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let (region, q, page) = use_list_query();
    let tick = RwSignal::new(0u32);
    let data = LocalResource::new(move || {
        let (r, q, p) = (region.get(), q.get(), page.get());
        tick.track();
        async move { api::connections(&r, &q, p, PAGE_SIZE).await }
    });
    let open_event = RwSignal::new(None::<String>);
    let refresh = Callback::new(move |()| tick.update(|t| *t += 1));
    let on_open = Callback::new(move |id: String| open_event.set(Some(id)));

    view! {
        <h1>"IPsec Connections"</h1>
        <ListToolbar path=PATH region=region q=q placeholder="Search by connection ID or name" on_refresh=refresh/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading IPsec-VPN connections…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! {
                        <div class="error-box" role="alert">
                            <p>{e.to_string()}</p>
                            <button type="button" on:click=move |_| refresh.run(())>"Try again"</button>
                        </div>
                    }.into_any(),
                    Ok(p) => {
                        if needs_follow(p.items.iter().map(|i| &i.om_events), p.server_time) {
                            refresh_later(tick, 1500);
                        }
                        let empty = p.items.is_empty();
                        view! {
                            <table class="list" id="connections-table">
                                <caption class="visually-hidden">"IPsec-VPN connections in this region"</caption>
                                <thead><tr>
                                    <th scope="col">"Connection ID/Name"</th>
                                    <th scope="col">"Attached to"</th>
                                    <th scope="col">"Tunnels"</th>
                                    <th scope="col">"O&M Events"</th>
                                    <th scope="col">"Actions"</th>
                                </tr></thead>
                                <tbody>
                                    {p.items.into_iter().map(|c| view! { <ConnectionRow item=c region=region on_open=on_open/> }).collect_view()}
                                </tbody>
                            </table>
                            {empty.then(|| view! {
                                <p class="empty">{move || if q.with(String::is_empty) {
                                    "No IPsec-VPN connections in this region.".to_owned()
                                } else {
                                    format!("No IPsec-VPN connection matches “{}”.", q.get())
                                }}</p>
                            })}
                            <Pager path=PATH region=region q=q page=p.page total=p.total noun="IPsec-VPN connections"/>
                        }.into_any()
                    }
                }
            })}
        </Transition>
        {move || open_event.get().map(|id| view! {
            <OmEventDialog
                event_id=id
                on_close=Callback::new(move |()| open_event.set(None))
                on_changed=Callback::new(move |()| tick.update(|t| *t += 1))
            />
        })}
    }
}

#[component]
fn ConnectionRow(
    item: ConnectionItem,
    region: Signal<String>,
    on_open: Callback<String>,
) -> impl IntoView {
    let c = item.connection;
    let id = c.id.to_string();
    let row_key = id.clone();
    let attached = match &c.attached_to {
        Attachment::VpnGateway { id } => {
            let href = list_href("/vpn-gateways", &region.get_untracked(), id.as_str(), 1);
            view! { <div class="label">"VPN gateway"</div><a class="mono" href=href>{id.to_string()}</a> }.into_any()
        }
        Attachment::TransitRouter { id } => {
            view! { <div class="label">"Transit router"</div><span class="mono">{id.to_string()}</span> }.into_any()
        }
    };
    let mode = match c.tunnel_mode {
        TunnelMode::DualTunnel => "Dual-tunnel",
        TunnelMode::SingleTunnel => "Single-tunnel",
    };
    view! {
        <tr data-id=row_key>
            <td><div class="mono">{id.clone()}</div><div>{c.name}</div><div class="label">{mode}</div></td>
            <td>{attached}</td>
            <td>
                <ul class="tunnels">
                    {c.tunnels.into_iter().map(|t| {
                        let up = t.state == TunnelState::Available;
                        view! {
                            <li>
                                <span class="label">{format!("Tunnel {}", t.index)}</span>" "
                                <span class="mono">{t.gateway_ip.to_string()}</span>" ↔ "
                                <span class="mono" title="Customer gateway">{format!("{} ({})", t.customer_gateway.id, t.customer_gateway.ip)}</span>" "
                                <span class=if up { "badge ok" } else { "badge down" }>{if up { "Available" } else { "Unavailable" }}</span>
                                {t.carries_traffic.then(|| view! { <span class="badge traffic">"Traffic"</span> })}
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
