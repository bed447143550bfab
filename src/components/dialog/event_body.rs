//! The body of the O&M Events dialog: the event's facts, the resources it affects and how
//! (a table), and its log. Part two's advice and what-if panels sit below the table, each in a
//! file of its own next to this one.

use leptos::prelude::*;
use vpn_console_domain::api::EventDetail;
use vpn_console_domain::{AffectedItem, EventStatus};

use crate::api;
use crate::i18n::{self, Msg};
use crate::state::Ctx;

#[component]
pub fn EventBody(detail: EventDetail, json: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let d = detail;
    let e = d.event.clone();
    let summary_of = d.summary.clone();
    let summary = move || i18n::summary(ctx.lang.get(), &summary_of);
    let moved = e.is_rescheduled();
    let log_open = RwSignal::new(false);
    let log = LocalResource::new({
        let id = e.id.to_string();
        move || {
            let id = id.clone();
            let open = log_open.get();
            async move {
                if open {
                    api::event_log(&id).await.map(Some)
                } else {
                    Ok(None)
                }
            }
        }
    });
    let not_pending = e.status != EventStatus::Pending;
    let (hold, verification) = (d.hold.clone(), d.verification.clone());
    let planning = d.clone();
    let tunnels = d
        .affected
        .iter()
        .any(|i| matches!(i, AffectedItem::Tunnel { .. }));
    view! {
        <dl class="facts">
            <dt>{move || t(Msg::EventId)}</dt><dd class="mono" id="om-event-id">{e.id.to_string()}</dd>
            <dt>{move || t(Msg::Reason)}</dt><dd>{move || t(i18n::reason(e.reason))}</dd>
            <dt>{move || t(Msg::Status)}</dt><dd id="om-event-status">{move || t(i18n::status(e.status))}</dd>
            <dt>{move || t(Msg::DefaultExecutionTime)}</dt><dd>{move || ctx.time(e.default_execute_at)}</dd>
            {moved.then(|| view! { <dt>{move || t(Msg::ScheduledExecutionTime)}</dt><dd>{move || ctx.time(e.execute_at)}</dd> })}
            <dt>{move || t(Msg::GatewayIpAddress)}</dt>
            <dd><span class="mono">{e.gateway_ip.ip.to_string()}</span>" ("{move || t(i18n::role(e.gateway_ip.role))}")"</dd>
        </dl>
        {not_pending.then(|| view! {
            <p class="notice">{move || t(Msg::NoLongerPending)}</p>
        })}
        {hold.map(|hold| view! { <super::verification::HoldNotice hold=hold /> }.into_any())}
        {verification.map(|v| view! { <super::verification::VerificationPanel event_id=e.id.to_string() verification=v /> }.into_any())}
        <super::AdvicePanel detail=planning />
        <h3>{move || t(Msg::AffectedResources)}</h3>
        <p class="summary" id="om-summary"><strong>{summary}</strong></p>
        {if d.affected.is_empty() {
            view! { <p class="muted">{move || t(Msg::NothingAffected)}</p> }.into_any()
        } else {
            view! {
                <div class="affected-scroll" tabindex="0" role="region" aria-label=move || t(Msg::AffectedResources)>
                <table class="affected">
                    <caption class="visually-hidden">{move || t(Msg::AffectedCaption)}</caption>
                    <thead><tr>
                        <th scope="col">{move || t(Msg::ColResource)}</th>
                        <th scope="col">{move || t(Msg::ColIpAndCgw)}</th>
                        <th scope="col">{move || t(Msg::ColState)}</th>
                        <th scope="col">{move || t(Msg::ColImpact)}</th>
                        <th scope="col">{move || t(Msg::ColInterruption)}</th>
                        <th scope="col">{move || t(Msg::ColRecommendation)}</th>
                    </tr></thead>
                    <tbody>
                        {d.affected.into_iter().map(|item| affected_row(ctx, item)).collect_view()}
                    </tbody>
                </table>
                </div>
            }.into_any()
        }}
        {tunnels.then(|| view! { <crate::lazy_pages::WhatIfPanel json=json /> })}
        <details class="log" on:toggle=move |ev| {
            use wasm_bindgen::JsCast;
            let open = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()).is_some_and(|d| d.open());
            log_open.set(open);
        }>
            <summary>{move || t(Msg::EventLog)}</summary>
            {move || match log.get() {
                None | Some(Ok(None)) => view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e.message(ctx.lang.get_untracked())}</p> }.into_any(),
                Some(Ok(Some(entries))) => view! {
                    <ol>
                        {entries.into_iter().map(|en| view! {
                            <li>{ctx.time(en.at)}" · "{en.action.as_str()}" · "{en.actor}
                                {en.from.map(|f| format!(" · from {f}"))}{en.to.map(|t| format!(" to {t}"))}</li>
                        }).collect_view()}
                    </ol>
                }.into_any(),
            }}
        </details>
    }
}

fn affected_row(ctx: Ctx, item: AffectedItem) -> impl IntoView {
    let t = move |m| ctx.t(m);
    let lang = move || ctx.lang.get();
    match item {
        AffectedItem::Tunnel {
            id, connection_id, connection_name, index, gateway_ip, customer_gateway, state,
            effect, max_interruption_s, recommendation_key, ..
        } => view! {
            <tr class=format!("effect-{}", effect.as_str())>
                <td><div>{move || format!("{} {index}", t(Msg::Tunnel))}<span class="mono">" "{id.to_string()}</span></div>
                    <div class="label">{connection_name}" · "<span class="mono">{connection_id.to_string()}</span></div></td>
                <td><span class="mono">{gateway_ip.to_string()}</span>" ↔ "
                    <span class="mono">{format!("{} ({})", customer_gateway.id, customer_gateway.ip)}</span></td>
                <td>{move || t(if state == vpn_console_domain::TunnelState::Available { Msg::Available } else { Msg::Unavailable })}</td>
                <td><span class=format!("badge {}", effect.as_str())>{move || t(i18n::effect(effect))}</span></td>
                <td>{move || i18n::duration(lang(), max_interruption_s)}</td>
                <td class="recommendation">{move || i18n::recommendation(lang(), recommendation_key)}</td>
            </tr>
        }.into_any(),
        AffectedItem::SslClients { gateway_id, count, effect, max_interruption_s, recommendation_key, .. } => view! {
            <tr class="effect-disconnect">
                <td><div>{format!("{count} ")}{move || t(Msg::ColSslClients)}</div><div class="label mono">{gateway_id.to_string()}</div></td>
                <td>"—"</td>
                <td>{move || t(Msg::Connected)}</td>
                <td><span class="badge disconnect">{move || t(i18n::effect(effect))}</span></td>
                <td>{move || if count == 0 { t(Msg::DurNone).to_owned() } else { format!("{} {}", t(Msg::UpTo), i18n::duration(lang(), max_interruption_s)) }}</td>
                <td class="recommendation">{move || i18n::recommendation(lang(), recommendation_key)}</td>
            </tr>
        }.into_any(),
    }
}
