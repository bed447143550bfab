//! The dialog's planning panels (DESIGN.md 10.1, 10.2), shown before the affected resources:
//! the advice, best first, and the conflicts with the nearest conflict-free time offered.

use leptos::prelude::*;
use vpn_console_domain::api::EventDetail;
use vpn_console_domain::planning::AdviceKind;

use crate::i18n;
use crate::state::Ctx;

#[component]
pub fn AdvicePanel(detail: EventDetail) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = move || ctx.lang.get();
    let advice = detail.advice.clone();
    let conflicts = detail.conflicts.clone();
    // The conflict advice carries the latest time before this one without a conflict.
    let offer = advice
        .iter()
        .find(|a| a.kind == AdviceKind::MoveEarlierOutOfConflict)
        .and_then(|a| a.execute_at);
    view! {
        {(!advice.is_empty()).then(|| view! {
            <section class="advice" id="om-advice" aria-labelledby="om-advice-title">
                <h3 id="om-advice-title">{move || i18n::advice_heading(lang())}</h3>
                <ul>
                    {advice.into_iter().map(|a| { let class = format!("advice-{}", a.kind.as_str()); view! {
                        <li class=class>
                            {move || i18n::advice_text(lang(), &a, a.execute_at.map(|t| ctx.time(t)))}
                        </li>
                    }}).collect_view()}
                </ul>
            </section>
        })}
        {(!conflicts.is_empty()).then(|| view! {
            <section class="conflicts" id="om-conflicts" aria-labelledby="om-conflicts-title">
                <h3 id="om-conflicts-title">{move || i18n::conflicts_heading(lang())}</h3>
                <ul>
                    {conflicts.into_iter().map(|c| view! {
                        <li>{move || i18n::conflict_text(lang(), &c, ctx.time(c.execute_at))}</li>
                    }).collect_view()}
                </ul>
                {offer.map(|t| view! {
                    <p class="offer" id="om-conflict-free">{move || i18n::conflict_free_offer(lang(), ctx.time(t))}</p>
                })}
            </section>
        })}
    }
}
