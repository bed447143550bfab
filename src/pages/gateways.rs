use leptos::html;
use leptos::prelude::*;
use vpn_console_domain::api::GatewayItem;
use vpn_console_domain::{Addresses, TunnelMode};

use crate::components::om_select;
use crate::components::{list_page, ListSpec, OmAction, OmCell, RowContext};
use crate::i18n::Msg;
use crate::state::Ctx;

const SPEC: ListSpec = ListSpec {
    path: crate::router::GATEWAYS,
    title: Msg::VpnGateways,
    search: Msg::SearchGateways,
    loading: Msg::LoadingGateways,
    table_id: "gateways-table",
    caption: Msg::GatewaysCaption,
    columns: &[
        Msg::ColInstance,
        Msg::ColStatus,
        Msg::ColTunnelMode,
        Msg::ColAddresses,
        Msg::ColSslClients,
        Msg::ColOmEvents,
        Msg::ColActions,
    ],
    none: Msg::NoGateways,
    noun: Msg::GatewaysNoun,
};

#[component]
pub fn GatewaysPage() -> impl IntoView {
    list_page(&SPEC, |item: GatewayItem, rows: RowContext| {
        view! { <GatewayRow item=item on_open=rows.on_open selected=rows.selected/> }
    })
}

#[component]
fn GatewayRow(
    item: GatewayItem,
    on_open: Callback<String>,
    selected: RwSignal<Vec<String>>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t_untracked(m);
    let g = item.gateway;
    let addresses = match &g.addresses {
        Addresses::Dual {
            ipsec_address_1,
            ipsec_address_2,
            ssl_address,
        } => view! {
            <div><span class="label">{t(Msg::IpsecAddress1)}": "</span>{ip_text(*ipsec_address_1)}</div>
            <div><span class="label">{t(Msg::IpsecAddress2)}": "</span>{ip_text(*ipsec_address_2)}</div>
            <div><span class="label">{t(Msg::SslAddress)}": "</span>{ip_text(*ssl_address)}</div>
        }
        .into_any(),
        Addresses::Single { gateway_address } => view! {
            <div><span class="label">{t(Msg::GatewayAddress)}": "</span>{ip_text(*gateway_address)}</div>
        }
        .into_any(),
    };
    let id = g.id.to_string();
    let row_key = id.clone();
    view! {
        <tr data-id=row_key>
            <td class="select">{om_select(&item.om_events, &id, selected)}</td>
            // `elementtiming`: when the row is first painted (Element Timing), which
            // tests/bench/first_row.mjs reports beside the page's own mark.
            <td>{html::div().class("mono").attr("elementtiming", "row").child(id.clone())}<div>{g.name}</div></td>
            <td><span class="badge ok">{crate::i18n::gateway_status(ctx.lang.get_untracked(), &g.status).to_owned()}</span></td>
            <td>{t(match g.tunnel_mode { TunnelMode::DualTunnel => Msg::DualTunnel, TunnelMode::SingleTunnel => Msg::SingleTunnel })}</td>
            <td class="addresses">{addresses}</td>
            <td class="num">{g.ssl_clients}</td>
            <td><OmCell cell=item.om_events.clone()/></td>
            <td><OmAction cell=item.om_events row_id=id.clone() on_open=on_open/></td>
        </tr>
    }
}

pub fn ip_text(ip: Option<std::net::IpAddr>) -> String {
    ip.map(|i| i.to_string()).unwrap_or_else(|| "—".to_owned())
}
