//! Why a pending event waits (DESIGN.md 13) and whether a completed one came back (12.2): the
//! holding event and the reason, then the verdict and a row per tunnel with its health before
//! and after, its result and what to do, in the words a network engineer acts on.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vpn_console_domain::hold::Hold;
use vpn_console_domain::verification::{Verification, VerificationStatus};

use crate::api::{self, CallError};
use crate::i18n::{self, Msg};
use crate::state::Ctx;

#[component]
pub fn HoldNotice(hold: Hold) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let cgws = hold
        .customer_gateway_ids
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <p class="notice held" id="om-hold">
            {move || t(Msg::HeldBy)}" "<span class="mono">{hold.partner_event_id.to_string()}</span>
            " — "{move || t(i18n::hold_reason(hold.reason))}" (" <span class="mono">{cgws}</span>"). "
            {move || t(Msg::HoldThen)}
        </p>
    }
}

/// The verification of a completed event, with a Re-check button for those who may change
/// events: the server checks the tunnels at once and its answer replaces the table in place.
#[component]
pub fn VerificationPanel(event_id: String, verification: Verification) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let current = RwSignal::new(verification);
    let busy = RwSignal::new(false);
    let refusal = RwSignal::new(None::<String>);
    let recheck = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        refusal.set(None);
        let id = event_id.clone();
        spawn_local(async move {
            let answer = api::recheck_verification(&id).await;
            let lang = ctx.lang.get_untracked();
            let _ = busy.try_set(false);
            match answer {
                Ok(v) => {
                    let _ = current.try_set(v);
                }
                Err(e) => {
                    let text = match &e {
                        CallError::Api { error, .. } if error.code == "forbidden" => {
                            lang.text(Msg::ErrForbidden).to_owned()
                        }
                        CallError::Api { error, .. } if error.code == "not_completed" => {
                            lang.text(Msg::NotCompletedYet).to_owned()
                        }
                        _ => e.message(lang),
                    };
                    let _ = refusal.try_set(Some(text));
                }
            }
        });
    };
    view! {
        <div class="verification-panel" id="om-verification" aria-busy=move || busy.get().to_string()>
            {move || view! { <VerificationTable verification=current.get() /> }}
            {ctx.can_change().then(|| view! {
                <p class="actions">
                    <button type="button" id="om-recheck" disabled=move || busy.get() on:click=recheck>
                        {move || t(if busy.get() { Msg::Rechecking } else { Msg::Recheck })}
                    </button>
                </p>
            })}
            <p class="notice" role="alert" id="om-recheck-refusal">{move || refusal.get()}</p>
        </div>
    }
    .into_any()
}

#[component]
pub fn VerificationTable(verification: Verification) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let v = verification;
    let status = v.status;
    let deadline = v.deadline;
    view! {
        <h3>{move || t(Msg::VerificationHeading)}</h3>
        <p class=format!("verdict {}", status.as_str()) id="om-verdict">
            {move || t(i18n::verdict_line(status))}
            {(status == VerificationStatus::Pending).then_some(move || format!(" {}.", ctx.time(deadline)))}
        </p>
        {(!v.tunnels.is_empty()).then(|| view! {
            <div class="affected-scroll" tabindex="0" role="region" aria-label=move || t(Msg::VerificationHeading)>
            <table class="affected verification">
                <caption class="visually-hidden">{move || t(Msg::VerificationCaption)}</caption>
                <thead><tr>
                    <th scope="col">{move || t(Msg::Tunnel)}</th>
                    <th scope="col">{move || t(Msg::ColBefore)}</th>
                    <th scope="col">{move || t(Msg::ColAfter)}</th>
                    <th scope="col">{move || t(Msg::ColResult)}</th>
                    <th scope="col">{move || t(Msg::ColWhatToDo)}</th>
                </tr></thead>
                <tbody>
                    {v.tunnels.into_iter().map(|r| {
                        let cgw = r.customer_gateway_id.to_string();
                        let hint_cgw = cgw.clone();
                        let (before, after, result, hint) = (r.before, r.after, r.result, r.hint);
                        view! {
                            <tr class=format!("result-{}", result.as_str())>
                                <td><span class="mono">{r.tunnel_id.to_string()}</span><div class="label mono">{cgw}</div></td>
                                <td>{move || i18n::health(ctx.lang.get(), &before)}</td>
                                <td>{move || i18n::health(ctx.lang.get(), &after)}</td>
                                <td>{move || t(i18n::tunnel_result(result))}</td>
                                <td class="recommendation">{move || hint.map_or_else(|| "—".to_owned(), |h| i18n::hint(ctx.lang.get(), h, &hint_cgw))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        })}
    }
}
