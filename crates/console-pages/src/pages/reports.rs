//! The availability report (DESIGN.md 16): per site, a month's planned (O&M) and other minutes
//! down, and the availability with and without the planned minutes, each with a small bar.

use leptos::prelude::*;
use vpn_console_core::api;
use vpn_console_core::i18n::Msg;
use vpn_console_domain::api::API_PREFIX;

use super::use_page;

#[component]
pub fn ReportsPage() -> impl IntoView {
    let ctx = use_page();
    let t = move |m| ctx.t(m);
    // The browser's clock (chrono's `Utc::now` has none on wasm32): only the picker's first
    // month, in UTC as the report counts months.
    let today = js_sys::Date::new_0();
    let month = RwSignal::new(format!(
        "{:04}-{:02}",
        today.get_utc_full_year(),
        today.get_utc_month() + 1
    ));
    let report = LocalResource::new(move || {
        let m = month.get();
        ctx.refresh.track();
        async move { api::availability(&m).await }
    });
    view! {
        <h1>{t(Msg::ReportsNav)}</h1>
        <p class="muted">{t(Msg::ReportsIntro)}</p>
        <div class="toolbar">
            <label>{t(Msg::Month)}" "
                <input type="month" id="report-month" prop:value=move || month.get()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if !v.is_empty() { month.set(v); }
                    }/>
            </label>
            <a class="download" download="" href=move || format!("{API_PREFIX}/reports/availability.csv?month={}", month.get())>
                {t(Msg::DownloadCsv)}
            </a>
        </div>
        {move || match report.get() {
            None => view! { <p class="muted" role="status">{t(Msg::LoadingReport)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.message(ctx.lang)}</p> }.into_any(),
            Some(Ok(r)) if r.sites.is_empty() => view! { <p class="empty">{t(Msg::NoSites)}</p> }.into_any(),
            Some(Ok(r)) => view! {
                <table class="list" id="availability-table">
                    <caption class="visually-hidden">{t(Msg::ReportCaption)}</caption>
                    <thead><tr>
                        <th scope="col">{t(Msg::ColSite)}</th>
                        <th scope="col">{t(Msg::ColRegion)}</th>
                        <th scope="col">{t(Msg::ColPlannedMinutes)}</th>
                        <th scope="col">{t(Msg::ColOtherMinutes)}</th>
                        <th scope="col">{t(Msg::ColAvailability)}</th>
                        <th scope="col">{t(Msg::ColAvailabilityExcludingPlanned)}</th>
                    </tr></thead>
                    <tbody>
                        {r.sites.into_iter().map(|s| {
                            // The bar shows the downtime's share, planned and other, scaled so that
                            // one hour fills it: a month's share would be invisible.
                            let scale = |m: f64| (m / 60.0 * 100.0).clamp(0.0, 100.0);
                            let (p, o) = (scale(s.planned_minutes), scale(s.other_minutes));
                            view! {
                                <tr>
                                    <th scope="row"><span class="mono">{s.customer_gateway_id.to_string()}</span>
                                        <div class="label">{s.customer_gateway_ip.clone()}</div></th>
                                    <td>{s.region.clone()}</td>
                                    <td>{format!("{:.2}", s.planned_minutes)}</td>
                                    <td>{format!("{:.2}", s.other_minutes)}</td>
                                    <td>{format!("{:.3} %", s.availability_pct)}
                                        <svg class="downbar" viewBox="0 0 100 6" width="100" height="6" aria-hidden="true">
                                            <rect class="track" width="100" height="6"/>
                                            <rect class="planned" width=format!("{p:.1}") height="6"/>
                                            <rect class="other" x=format!("{p:.1}") width=format!("{:.1}", o.min(100.0 - p)) height="6"/>
                                        </svg>
                                    </td>
                                    <td>{format!("{:.3} %", s.availability_excluding_planned_pct)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
    }
}
