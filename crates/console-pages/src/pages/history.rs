use leptos::prelude::*;
use vpn_console_domain::api::{API_PREFIX, MAX_HISTORY_DAYS};
use vpn_console_domain::EventStatus;

use vpn_console_core::api;
use vpn_console_core::i18n::{self, Msg};

use super::chart::AlertChart;
use super::use_page;

/// The O&M events of the region over the last days and its alert trend; read again on every
/// change the live stream reports, so status and times follow it.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let ctx = use_page();
    let region = ctx.region();
    // Before the console knows the region (a first log-in) there is nothing to ask for: the
    // page is mounted again with it.
    let known = !region.is_empty();
    let history = LocalResource::new(move || {
        ctx.refresh.track();
        let r = region.clone();
        async move {
            match known {
                true => Some(api::history(&r, MAX_HISTORY_DAYS).await),
                false => None,
            }
        }
    });
    let region = ctx.region();
    let trend = LocalResource::new(move || {
        let r = region.clone();
        async move {
            match known {
                true => Some(api::alert_trend(&r, MAX_HISTORY_DAYS).await),
                false => None,
            }
        }
    });
    let t = move |m| ctx.t(m);
    view! {
        <h1>{move || t(Msg::History)}</h1>
        <p class="muted">{move || t(Msg::HistoryIntro)}</p>
        <h2>{move || t(Msg::AlertTrend)}</h2>
        {move || match trend.get().flatten() {
            None => view! { <p class="muted" role="status">{t(Msg::LoadingAlerts)}</p> }.into_any(),
            Some(Ok(t)) => view! { <AlertChart days=t.days/> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.message(ctx.lang)}</p> }.into_any(),
        }}
        <h2>{move || t(Msg::Events)}</h2>
        // Plain links: the browser sends the session cookie and saves the file (DESIGN.md 16).
        <p class="downloads">
            <a class="download" download="" href=format!(
                "{API_PREFIX}{}",
                vpn_console_core::paths::region_days_api_path(&ctx.region(), "om-events.csv", MAX_HISTORY_DAYS).key()
            )>{move || t(Msg::DownloadCsvRegion)}</a>
            " · "
            <a class="download" download="" href=format!("{API_PREFIX}/om-events.csv?days={MAX_HISTORY_DAYS}")>
                {move || t(Msg::DownloadCsvAll)}
            </a>
        </p>
        {move || match history.get().flatten() {
            None => view! { <p class="muted" role="status">{t(Msg::LoadingEvents)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.message(ctx.lang)}</p> }.into_any(),
            Some(Ok(h)) if h.items.is_empty() => view! { <p class="empty">{move || t(Msg::NoEvents)}</p> }.into_any(),
            Some(Ok(h)) => view! {
                <table class="list" id="history-table">
                    <caption class="visually-hidden">{move || t(Msg::HistoryCaption)}</caption>
                    <thead><tr>
                        <th scope="col">{move || t(Msg::EventId)}</th>
                        <th scope="col">{move || t(Msg::ColResource)}</th>
                        <th scope="col">{move || t(Msg::GatewayIpAddress)}</th>
                        <th scope="col">{move || t(Msg::Reason)}</th>
                        <th scope="col">{move || t(Msg::Status)}</th>
                        <th scope="col">{move || t(Msg::DefaultExecutionTime)}</th>
                        <th scope="col">{move || t(Msg::ExecutionTime)}</th>
                        <th scope="col">{move || t(Msg::Finished)}</th>
                    </tr></thead>
                    <tbody>
                        {h.items.into_iter().map(|e| {
                            let now = StoredValue::new(e.clone());
                            let status_class = move || match now.with_value(|e| e.status) {
                                EventStatus::Completed => "badge ok",
                                EventStatus::Executing => "badge running",
                                EventStatus::Failed => "badge down",
                                _ => "badge",
                            };
                            let when = move || now.with_value(|e| e.started_at.unwrap_or(e.execute_at));
                            let kind = match e.resource {
                                vpn_console_domain::ResourceRef::VpnGateway { .. } => Msg::VpnGateway,
                                vpn_console_domain::ResourceRef::IpsecConnection { .. } => Msg::IpsecConnections,
                            };
                            view! {
                                <tr>
                                    <td>{
                                        let (id, open) = (e.id.to_string(), e.id.to_string());
                                        view! { <button type="button" class="link-button mono" on:click=move |_| ctx.open_event(&open)>{id}</button> }
                                    }</td>
                                    <td><div class="label">{move || t(kind)}</div><span class="mono">{e.resource.id_str().to_owned()}</span></td>
                                    <td><span class="mono">{e.gateway_ip.ip.to_string()}</span><div class="label">{move || t(i18n::role(e.gateway_ip.role))}</div></td>
                                    <td>{move || t(i18n::reason(e.reason))}</td>
                                    <td><span class=status_class>{move || t(i18n::status(now.with_value(|e| e.status)))}</span></td>
                                    <td>{move || ctx.time(e.default_execute_at)}</td>
                                    <td>{move || ctx.time(when())}</td>
                                    <td>{move || now.with_value(|e| e.finished_at).map(|f| ctx.time(f)).unwrap_or_else(|| "—".to_owned())}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
    }
}
