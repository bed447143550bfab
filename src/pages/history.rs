use leptos::prelude::*;
use vpn_console_domain::api::MAX_HISTORY_DAYS;
use vpn_console_domain::EventStatus;

use crate::api;
use crate::app::{use_region, Ctx};
use crate::components::AlertChart;
use crate::time::format_time;

#[component]
pub fn HistoryPage() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let region = use_region();
    let history = LocalResource::new(move || {
        let r = region.get();
        async move { api::history(&r, MAX_HISTORY_DAYS).await }
    });
    let trend = LocalResource::new(move || {
        let r = region.get();
        async move { api::alert_trend(&r, MAX_HISTORY_DAYS).await }
    });
    view! {
        <h1>"O&M event history"</h1>
        <p class="muted">"O&M events of the last 30 days in this region, and the alerts raised for your VPN gateway resources."</p>
        <h2>"Alert trend"</h2>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading alerts…"</p> }>
            {move || Suspend::new(async move {
                match trend.await {
                    Ok(t) => view! { <AlertChart days=t.days/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <h2>"Events"</h2>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading O&M events…"</p> }>
            {move || Suspend::new(async move {
                match history.await {
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(h) if h.items.is_empty() => view! { <p class="empty">"No O&M events in the last 30 days."</p> }.into_any(),
                    Ok(h) => view! {
                        <table class="list" id="history-table">
                            <caption class="visually-hidden">"O&M events of the last 30 days, newest first"</caption>
                            <thead><tr>
                                <th scope="col">"Event ID"</th>
                                <th scope="col">"Resource"</th>
                                <th scope="col">"Gateway IP address"</th>
                                <th scope="col">"Reason"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Default execution time"</th>
                                <th scope="col">"Execution time"</th>
                                <th scope="col">"Finished"</th>
                            </tr></thead>
                            <tbody>
                                {h.items.into_iter().map(|e| {
                                    let status_class = match e.status {
                                        EventStatus::Completed => "badge ok",
                                        EventStatus::Executing => "badge running",
                                        EventStatus::Failed => "badge down",
                                        _ => "badge",
                                    };
                                    let when = e.started_at.unwrap_or(e.execute_at);
                                    view! {
                                        <tr>
                                            <td class="mono">{e.id.to_string()}</td>
                                            <td><div class="label">{e.resource.kind_str().replace('_', " ")}</div><span class="mono">{e.resource.id_str().to_owned()}</span></td>
                                            <td><span class="mono">{e.gateway_ip.ip.to_string()}</span><div class="label">{e.gateway_ip.role.label()}</div></td>
                                            <td>{e.reason.label()}</td>
                                            <td><span class=status_class>{e.status.label()}</span></td>
                                            <td>{move || format_time(e.default_execute_at, ctx.zone.get())}</td>
                                            <td>{move || format_time(when, ctx.zone.get())}</td>
                                            <td>{move || e.finished_at.map(|t| format_time(t, ctx.zone.get())).unwrap_or_else(|| "—".to_owned())}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
