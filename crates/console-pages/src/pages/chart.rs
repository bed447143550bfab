//! The alert trend: one bar per day, drawn as SVG by the console.

use chrono::Datelike;
use leptos::prelude::*;
use vpn_console_domain::api::AlertDay;

use vpn_console_core::i18n::{Lang, Msg};

use super::use_page;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 160.0;
const PAD_LEFT: f64 = 32.0;
const PAD_BOTTOM: f64 = 22.0;

#[component]
pub fn AlertChart(days: Vec<AlertDay>) -> impl IntoView {
    let page_ctx = use_page();
    let max = days.iter().map(|d| d.count).max().unwrap_or(0).max(1);
    let n = days.len().max(1) as f64;
    let slot = (WIDTH - PAD_LEFT) / n;
    let plot_h = HEIGHT - PAD_BOTTOM - 8.0;
    let total: u32 = days.iter().map(|d| d.count).sum();
    let label = move || {
        let lang = page_ctx.lang;
        match lang {
            Lang::En => format!(
                "{}: {total} in all, at most {max} on one day.",
                lang.text(Msg::ChartLabel)
            ),
            Lang::Zh => format!(
                "{}：共 {total} {} {max} 条。",
                lang.text(Msg::ChartLabel),
                lang.text(Msg::ChartTotal)
            ),
        }
    };
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let h = plot_h * f64::from(d.count) / f64::from(max);
            let x = PAD_LEFT + i as f64 * slot + slot * 0.15;
            let y = HEIGHT - PAD_BOTTOM - h;
            let (date, count) = (d.date, d.count);
            let title = move || format!("{date}: {count} {}", page_ctx.t(Msg::ChartAlerts));
            view! {
                <rect class="bar" x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{:.1}", slot * 0.7) height=format!("{h:.1}")>
                    <title>{title}</title>
                </rect>
            }
        })
        .collect_view();
    let ticks = days
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 5 == 0)
        .map(|(i, d)| {
            let x = PAD_LEFT + i as f64 * slot + slot / 2.0;
            view! { <text class="tick" x=format!("{x:.1}") y=format!("{:.1}", HEIGHT - 6.0) text-anchor="middle">{format!("{:02}-{:02}", d.date.month(), d.date.day())}</text> }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label preserveAspectRatio="none">
                <line class="axis" x1=PAD_LEFT y1=HEIGHT - PAD_BOTTOM x2=WIDTH y2=HEIGHT - PAD_BOTTOM/>
                <text class="tick" x="4" y="14">{max.to_string()}</text>
                <text class="tick" x="4" y=format!("{:.1}", HEIGHT - PAD_BOTTOM)>"0"</text>
                {bars}
                {ticks}
            </svg>
            <figcaption class="muted">{label}</figcaption>
        </figure>
    }
}
