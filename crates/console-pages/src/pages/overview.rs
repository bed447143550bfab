//! All regions at once (DESIGN.md 16): a timeline of the coming days drawn as SVG by this
//! component (a lane per site, and per resource for an event that reaches no site), the events
//! at risk with their reasons, and the counts per region; "Show as table" gives the same events
//! as a table for keyboards and screen readers.

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use vpn_console_core::api;
use vpn_console_core::i18n::{self, Msg};
use vpn_console_domain::overview::{Overview, OverviewEvent, RiskReason};

use super::{use_page, PageCtx};

const ZOOMS: [u32; 4] = [7, 14, 30, 90];
const WIDTH: f64 = 1000.0;
const LABELS: f64 = 190.0;
const LANE: f64 = 22.0;
const TOP: f64 = 22.0;

fn reason_msg(r: RiskReason) -> Msg {
    match r {
        RiskReason::SingleTunnel => Msg::RiskSingleTunnel,
        RiskReason::NoRedundantPath => Msg::RiskNoRedundantPath,
        RiskReason::DeadlineWithin48h => Msg::RiskDeadline,
        RiskReason::Conflict => Msg::RiskConflict,
        RiskReason::Held => Msg::RiskHeld,
        RiskReason::AwaitingApproval => Msg::RiskAwaitingApproval,
        RiskReason::OutsideWindow => Msg::RiskOutsideWindow,
        RiskReason::LastVerificationFailed => Msg::RiskLastVerificationFailed,
    }
}

/// The bar's colour: by its worst interruption, as the legend says.
fn severity(max_interruption_s: u32) -> &'static str {
    match max_interruption_s {
        0 => "tl-bar tl-none",
        1..=60 => "tl-bar tl-short",
        _ => "tl-bar tl-long",
    }
}

fn resource_text(e: &OverviewEvent) -> String {
    if e.resource_name.is_empty() {
        e.event.resource.id_str().to_owned()
    } else {
        format!("{} ({})", e.resource_name, e.event.resource.id_str())
    }
}

/// What a bar says to a screen reader: id, resource, time, worst interruption, marks.
fn bar_name(ctx: &PageCtx, e: &OverviewEvent) -> String {
    let mut parts = vec![
        e.event.id.to_string(),
        resource_text(e),
        ctx.time(e.event.execute_at),
        i18n::duration(ctx.lang, e.max_interruption_s),
    ];
    if e.conflict {
        parts.push(ctx.t(Msg::MarkConflict).to_owned());
    }
    if e.hold.is_some() {
        parts.push(ctx.t(Msg::MarkHeld).to_owned());
    }
    parts.join(", ")
}

/// The lanes, earliest first: each site an event reaches, else the event's resource.
fn lanes(events: &[OverviewEvent]) -> Vec<(String, Vec<usize>)> {
    let mut lanes: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let keys: Vec<String> = if e.customer_gateway_ids.is_empty() {
            vec![resource_text(e)]
        } else {
            e.customer_gateway_ids
                .iter()
                .map(|c| c.to_string())
                .collect()
        };
        for key in keys {
            match lanes.iter_mut().find(|(k, _)| *k == key) {
                Some((_, bars)) => bars.push(i),
                None => lanes.push((key, vec![i])),
            }
        }
    }
    lanes
}

#[component]
fn Timeline(ov: Overview) -> impl IntoView {
    let ctx = use_page();
    let from = ov.server_time;
    let until = from + Duration::days(i64::from(ov.days));
    let span = (until - from).num_seconds().max(1) as f64;
    let x = move |t: DateTime<Utc>| {
        let s = (t - from).num_seconds() as f64;
        LABELS + (s / span).clamp(0.0, 1.0) * (WIDTH - LABELS - 8.0)
    };
    let lanes = lanes(&ov.events);
    let height = TOP + LANE * lanes.len().max(1) as f64 + 4.0;
    let shade = move |a: DateTime<Utc>, b: DateTime<Utc>, class: &'static str| {
        let (x1, x2) = (x(a), x(b));
        view! { <rect class=class x=format!("{x1:.1}") y=format!("{TOP}") width=format!("{:.1}", (x2 - x1).max(0.0))
        height=format!("{:.1}", height - TOP)/> }
    };
    let step = (ov.days / 7).max(1);
    let ticks = (0..=ov.days).step_by(step as usize).map(|d| {
        let t = from + Duration::days(i64::from(d));
        let xt = x(t);
        view! {
            <line class="tl-tick" x1=format!("{xt:.1}") x2=format!("{xt:.1}") y1="14" y2=format!("{height:.1}")/>
            <text class="tl-label" x=format!("{:.1}", xt + 2.0) y="12">{format!("+{d}")}</text>
        }
    }).collect_view();
    let events = ov.events.clone();
    let rows = lanes.into_iter().enumerate().map(|(row, (name, bars))| {
        let y = TOP + LANE * row as f64;
        let bars = bars.into_iter().map(|i| {
            let e = events[i].clone();
            let x1 = x(e.event.execute_at);
            let x2 = x(e.event.execute_at + Duration::seconds(i64::from(e.duration_s)));
            let mut class = severity(e.max_interruption_s).to_owned();
            if e.conflict { class.push_str(" tl-conflict"); }
            if e.hold.is_some() { class.push_str(" tl-held"); }
            let label = bar_name(&ctx, &e);
            let title = label.clone();
            let id = e.event.id.to_string();
            let id_key = id.clone();
            view! {
                <g role="button" tabindex="0" class="tl-event" aria-label=label data-event-id=id
                    on:click=move |_| ctx.open_event(&id_key)
                    on:keydown={
                        let id = e.event.id.to_string();
                        move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Enter" || ev.key() == " " {
                                ev.prevent_default();
                                ctx.open_event(&id);
                            }
                        }
                    }>
                    <title>{title}</title>
                    <rect class=class x=format!("{x1:.1}") y=format!("{:.1}", y + 4.0)
                        width=format!("{:.1}", (x2 - x1).max(3.0)) height=format!("{:.1}", LANE - 8.0) rx="2"/>
                </g>
            }
        }).collect_view();
        view! {
            <text class="tl-lane" x="4" y=format!("{:.1}", y + LANE * 0.7)>{name}</text>
            <line class="tl-lane-line" x1="0" x2=format!("{WIDTH}") y1=format!("{:.1}", y + LANE) y2=format!("{:.1}", y + LANE)/>
            {bars}
        }
    }).collect_view();
    let openings = ov
        .window_openings
        .iter()
        .map(|o| shade(o.starts_at, o.ends_at, "tl-window"))
        .collect_view();
    let freezes = ov
        .freeze_periods
        .iter()
        .map(|f| shade(f.starts_at, f.ends_at, "tl-freeze"))
        .collect_view();
    let now_x = x(from);
    view! {
        <figure class="timeline">
            <svg id="overview-timeline" viewBox=format!("0 0 {WIDTH} {height:.0}") role="group"
                aria-label=ctx.t(Msg::TimelineLabel) width="100%">
                {openings}
                {freezes}
                {ticks}
                {rows}
                <line class="tl-now" x1=format!("{now_x:.1}") x2=format!("{now_x:.1}") y1="14" y2=format!("{height:.1}")/>
            </svg>
            <figcaption class="tl-legend">
                <span><i class="sw tl-none"></i>{ctx.t(Msg::LegendNone)}</span>
                <span><i class="sw tl-short"></i>{ctx.t(Msg::LegendShort)}</span>
                <span><i class="sw tl-long"></i>{ctx.t(Msg::LegendLong)}</span>
                <span><i class="sw tl-conflict-sw"></i>{ctx.t(Msg::MarkConflict)}</span>
                <span><i class="sw tl-held-sw"></i>{ctx.t(Msg::MarkHeld)}</span>
                <span><i class="sw tl-freeze"></i>{ctx.t(Msg::LegendFreeze)}</span>
                <span><i class="sw tl-window"></i>{ctx.t(Msg::LegendWindow)}</span>
                <span><i class="sw tl-now-sw"></i>{ctx.t(Msg::LegendNow)}</span>
            </figcaption>
        </figure>
    }
}

#[component]
fn EventsTable(ov: Overview) -> impl IntoView {
    let ctx = use_page();
    let t = move |m| ctx.t(m);
    let reasons = move |id: &vpn_console_domain::EventId| {
        ov.at_risk
            .iter()
            .find(|r| &r.event_id == id)
            .map(|r| {
                r.reasons
                    .iter()
                    .map(|x| t(reason_msg(*x)))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|| "—".to_owned())
    };
    let rows = ov.events.iter().map(|e| {
        let id = e.event.id.to_string();
        let open = id.clone();
        view! {
            <tr>
                <td><button type="button" class="link-button mono" on:click=move |_| ctx.open_event(&open)>{id}</button></td>
                <td>{e.event.region.to_string()}</td>
                <td>{resource_text(e)}</td>
                <td>{ctx.time(e.event.execute_at)}</td>
                <td>{i18n::duration(ctx.lang, e.max_interruption_s)}</td>
                <td>{t(i18n::status(e.event.status))}</td>
                <td>{reasons(&e.event.id)}</td>
            </tr>
        }
    }).collect_view();
    view! {
        <table class="list" id="overview-table">
            <caption class="visually-hidden">{t(Msg::OverviewTableCaption)}</caption>
            <thead><tr>
                <th scope="col">{t(Msg::EventId)}</th>
                <th scope="col">{t(Msg::ColRegion)}</th>
                <th scope="col">{t(Msg::ColResource)}</th>
                <th scope="col">{t(Msg::ExecutionTime)}</th>
                <th scope="col">{t(Msg::ColWorstInterruption)}</th>
                <th scope="col">{t(Msg::Status)}</th>
                <th scope="col">{t(Msg::ColWhyAtRisk)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let ctx = use_page();
    let t = move |m| ctx.t(m);
    let days = RwSignal::new(14u32);
    let as_table = RwSignal::new(false);
    let overview = LocalResource::new(move || {
        let d = days.get();
        // Read again whenever the live stream reports a change.
        ctx.refresh.track();
        async move { api::overview(d).await }
    });
    view! {
        <h1>{t(Msg::OverviewNav)}</h1>
        <p class="muted">{t(Msg::OverviewIntro)}</p>
        <div class="toolbar" role="group" aria-label=t(Msg::Zoom)>
            <span>{t(Msg::Zoom)}</span>
            {ZOOMS.into_iter().map(|d| view! {
                <button type="button" aria-pressed=move || (days.get() == d).to_string()
                    on:click=move |_| days.set(d)>{format!("{d} {}", t(Msg::DaysN))}</button>
            }).collect_view()}
            <span class="spacer"></span>
            <button type="button" id="overview-as-table" aria-pressed=move || as_table.get().to_string()
                on:click=move |_| as_table.update(|v| *v = !*v)>{t(Msg::ShowAsTable)}</button>
        </div>
        {move || match overview.get() {
            None => view! { <p class="muted" role="status">{t(Msg::LoadingOverview)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.message(ctx.lang)}</p> }.into_any(),
            Some(Ok(ov)) => {
                let by_id = |id: &vpn_console_domain::EventId| ov.events.iter().find(|e| &e.event.id == id).cloned();
                let risks = ov.at_risk.iter().filter_map(|r| {
                    let e = by_id(&r.event_id)?;
                    let id = e.event.id.to_string();
                    let open = id.clone();
                    let why = r.reasons.iter().map(|x| t(reason_msg(*x))).collect::<Vec<_>>().join(", ");
                    Some(view! {
                        <li>
                            <button type="button" class="link-button mono" on:click=move |_| ctx.open_event(&open)>{id}</button>
                            " "<span>{resource_text(&e)}</span>
                            <div class="muted">{ctx.time(e.event.execute_at)}" · "{why}</div>
                        </li>
                    })
                }).collect_view();
                let counts = ov.regions.iter().map(|r| {
                    let name = i18n::region_name(ctx.lang, &r.id, &r.name).to_owned();
                    view! {
                        <tr>
                            <th scope="row"><a href=format!("/vpn-gateways?region={}", r.id)>{name}</a></th>
                            <td>{r.pending}</td>
                            <td>{r.executing}</td>
                            <td>{r.held}</td>
                            <td>{r.awaiting_approval}</td>
                            <td>{r.at_risk}</td>
                        </tr>
                    }
                }).collect_view();
                let nothing_at_risk = ov.at_risk.is_empty();
                let empty = ov.events.is_empty();
                let shown = ov.clone();
                view! {
                    <div class="overview">
                        <section class="overview-main" aria-label=t(Msg::Timeline)>
                            <h2>{t(Msg::Timeline)}</h2>
                            {if empty {
                                view! { <p class="empty">{t(Msg::NoEventsInRange)}</p> }.into_any()
                            } else if as_table.get() {
                                view! { <EventsTable ov=shown/> }.into_any()
                            } else {
                                view! { <Timeline ov=shown/> }.into_any()
                            }}
                        </section>
                        <aside class="overview-side">
                            <h2>{t(Msg::AtRisk)}</h2>
                            {if nothing_at_risk {
                                view! { <p class="empty">{t(Msg::NothingAtRisk)}</p> }.into_any()
                            } else {
                                view! { <ul class="at-risk" id="at-risk-list">{risks}</ul> }.into_any()
                            }}
                            <h2>{t(Msg::CountsPerRegion)}</h2>
                            <table class="list" id="region-counts">
                                <caption class="visually-hidden">{t(Msg::CountsPerRegion)}</caption>
                                <thead><tr>
                                    <th scope="col">{t(Msg::ColRegion)}</th>
                                    <th scope="col">{t(Msg::ColPending)}</th>
                                    <th scope="col">{t(Msg::ColExecuting)}</th>
                                    <th scope="col">{t(Msg::ColHeld)}</th>
                                    <th scope="col">{t(Msg::ColAwaitingApproval)}</th>
                                    <th scope="col">{t(Msg::ColAtRisk)}</th>
                                </tr></thead>
                                <tbody>{counts}</tbody>
                            </table>
                        </aside>
                    </div>
                }.into_any()
            }
        }}
    }
}
