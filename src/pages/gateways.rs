use leptos::prelude::*;
use vpn_console_domain::api::GatewayItem;
use vpn_console_domain::{Addresses, TunnelMode};

use crate::api;
use crate::app::Ctx;
use crate::components::{
    needs_follow, refresh_later, use_list_page, EmptyList, EventDialogHost, ListError, ListPage,
    ListToolbar, OmAction, OmCell, Pager, PAGE_SIZE,
};
use crate::i18n::Msg;

const PATH: &str = "/vpn-gateways";

#[component]
pub fn GatewaysPage() -> impl IntoView {
    let ListPage {
        region,
        q,
        data,
        tick,
        refresh,
        open_event,
        on_open,
    } = use_list_page(|r, q, p| async move { api::gateways(&r, &q, p, PAGE_SIZE).await });
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);

    view! {
        <h1>{move || t(Msg::VpnGateways)}</h1>
        <ListToolbar path=PATH region=region q=q placeholder=Msg::SearchGateways on_refresh=refresh/>
        // Read as it stands rather than awaited in a Suspense: a reload keeps showing the last
        // answer until the next one is there, as a Transition would, and the first page renders
        // without the Suspense machinery on the start-up path (time to first row).
        {move || {
            // The rows are plain text in the language and zone of the moment.
            ctx.track_language_and_zone();
            match data.get() {
                None => view! { <p class="muted" role="status">{t(Msg::LoadingGateways)}</p> }.into_any(),
                Some(Err(e)) => view! { <ListError error=e on_retry=refresh/> }.into_any(),
                Some(Ok(p)) => {
                    if needs_follow(p.items.iter().map(|i| &i.om_events), p.server_time) {
                        refresh_later(tick, 1500);
                    }
                    let empty = p.items.is_empty();
                    if !empty { Effect::new(mark_first_row); }
                    view! {
                        <table class="list" id="gateways-table">
                            <caption class="visually-hidden">{t(Msg::GatewaysCaption)}</caption>
                            <thead><tr>
                                <th scope="col">{t(Msg::ColInstance)}</th>
                                <th scope="col">{t(Msg::ColStatus)}</th>
                                <th scope="col">{t(Msg::ColTunnelMode)}</th>
                                <th scope="col">{t(Msg::ColAddresses)}</th>
                                <th scope="col">{t(Msg::ColSslClients)}</th>
                                <th scope="col">{t(Msg::ColOmEvents)}</th>
                                <th scope="col">{t(Msg::ColActions)}</th>
                            </tr></thead>
                            <tbody>
                                {p.items.into_iter().map(|g| view! { <GatewayRow item=g on_open=on_open/> }).collect_view()}
                            </tbody>
                        </table>
                        {empty.then(|| view! { <EmptyList q=q none=Msg::NoGateways/> })}
                        <Pager path=PATH region=region q=q page=p.page total=p.total noun=Msg::GatewaysNoun/>
                    }.into_any()
                }
            }
        }}
        <EventDialogHost open_event=open_event on_changed=refresh/>
    }
}

#[component]
fn GatewayRow(item: GatewayItem, on_open: Callback<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t_now(m);
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
            <td><div class="mono">{id.clone()}</div><div>{g.name}</div></td>
            <td><span class="badge ok">{g.status}</span></td>
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

/// Marks the moment the first rows are in the document, once per load: the
/// `performance.mark("first-row")` that the first-row benchmark (tests/bench/first_row.mjs) reads,
/// then a debug message on the console that tells it the mark is there, so that the benchmark
/// runs nothing in the page while it loads. Called from an effect, which runs after the rows
/// are mounted and before the browser paints.
fn mark_first_row() {
    static MARKED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !MARKED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        performance_mark("first-row");
        console_debug("first-row");
    }
}

// Bound here rather than through web-sys's `Performance` feature, which would rebuild web-sys
// and every crate above it for two calls.
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = mark)]
    fn performance_mark(name: &str);
    #[wasm_bindgen(js_namespace = console, js_name = debug)]
    fn console_debug(message: &str);
}
