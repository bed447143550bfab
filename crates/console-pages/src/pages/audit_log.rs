//! The account audit log (DESIGN.md 17) for operators: who changed what in the account, and
//! how, newest first, a page at a time.

use leptos::prelude::*;
use vpn_console_core::api::{self, CallError};
use vpn_console_core::i18n::Msg;

use super::use_page;

const PAGE_SIZE: u32 = 20;
const PERIODS: [u32; 3] = [7, 30, 90];

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let page_ctx = use_page();
    let t = move |m| page_ctx.t(m);
    let days = RwSignal::new(30u32);
    let page = RwSignal::new(1u32);
    let entries = LocalResource::new(move || {
        let (days, page) = (days.get(), page.get());
        async move { api::audit_log(days, page, PAGE_SIZE).await }
    });
    let period_label = move |d: u32| match page_ctx.lang {
        vpn_console_core::i18n::Lang::En => format!("Last {d} days"),
        vpn_console_core::i18n::Lang::Zh => format!("最近 {d} 天"),
    };
    view! {
        <h1>{t(Msg::AuditLog)}</h1>
        <p class="muted">{t(Msg::AuditLogIntro)}</p>
        <div class="toolbar">
            <label>
                {t(Msg::LastDays)}" "
                <select id="audit-days" on:change=move |ev| {
                    if let Ok(d) = event_target_value(&ev).parse() {
                        days.set(d);
                        page.set(1);
                    }
                }>
                    {PERIODS.into_iter().map(|d| view! {
                        <option value=d.to_string() selected=d == 30>{period_label(d)}</option>
                    }).collect_view()}
                </select>
            </label>
        </div>
        {move || match entries.get() {
            None => view! { <p class="muted" role="status">{t(Msg::LoadingAuditLog)}</p> }.into_any(),
            Some(Err(CallError::Api { status: 403, .. })) => {
                view! { <p class="empty">{t(Msg::AuditLogOperatorsOnly)}</p> }.into_any()
            }
            Some(Err(e)) => view! { <p class="error" role="alert">{e.message(page_ctx.lang)}</p> }.into_any(),
            Some(Ok(p)) if p.items.is_empty() => view! { <p class="empty">{t(Msg::NoAuditEntries)}</p> }.into_any(),
            Some(Ok(p)) => {
                let pages = p.total.div_ceil(u64::from(PAGE_SIZE)).max(1) as u32;
                let current = page.get_untracked();
                view! {
                    <table class="list" id="audit-log-table">
                        <caption class="visually-hidden">{t(Msg::AuditLogCaption)}</caption>
                        <thead><tr>
                            <th scope="col">{t(Msg::ColWhen)}</th>
                            <th scope="col">{t(Msg::ColActor)}</th>
                            <th scope="col">{t(Msg::ColVia)}</th>
                            <th scope="col">{t(Msg::ColAction)}</th>
                            <th scope="col">{t(Msg::ColTarget)}</th>
                            <th scope="col">{t(Msg::ColDetail)}</th>
                        </tr></thead>
                        <tbody>
                            {p.items.into_iter().map(|e| view! {
                                <tr>
                                    <td>{page_ctx.time(e.at)}</td>
                                    <td>{e.actor}</td>
                                    <td class="mono">{e.via}</td>
                                    <td class="mono">{e.action}</td>
                                    <td class="mono">{e.target.unwrap_or_else(|| "—".to_owned())}</td>
                                    <td>{e.detail.unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <nav class="pager" aria-label=t(Msg::PageOf)>
                        <button type="button" disabled=current <= 1
                            on:click=move |_| page.update(|n| *n = n.saturating_sub(1).max(1))>
                            {t(Msg::Previous)}
                        </button>
                        <span>{format!("{current} / {pages}")}</span>
                        <button type="button" disabled=current >= pages
                            on:click=move |_| page.update(|n| *n += 1)>
                            {t(Msg::Next)}
                        </button>
                    </nav>
                }.into_any()
            }
        }}
    }
}
