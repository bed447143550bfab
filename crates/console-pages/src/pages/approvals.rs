//! The Approvals page (DESIGN.md 14): the account's approval requests, pending first, each with
//! its events, the change it asks for, who asked and why, the risk in words, the time left and
//! its decisions; operators other than the requester approve or reject it with a comment, the
//! requester withdraws it. Read again on every live change.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use vpn_console_core::api::{self, approvals};
use vpn_console_core::i18n::{duration, Lang, Msg};
use vpn_console_domain::approval::{ApprovalRequest, ApprovalStatus, Risk, Verdict};
use vpn_console_domain::planning::ExecutionMode;

use super::use_page;

/// The browser's clock (chrono's `Utc::now` has none on wasm32).
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

fn status_msg(s: ApprovalStatus) -> Msg {
    match s {
        ApprovalStatus::Pending => Msg::ApprovalStatusPending,
        ApprovalStatus::Approved => Msg::ApprovalStatusApproved,
        ApprovalStatus::Rejected => Msg::ApprovalStatusRejected,
        ApprovalStatus::Expired => Msg::ApprovalStatusExpired,
        ApprovalStatus::Cancelled => Msg::ApprovalStatusCancelled,
        ApprovalStatus::Failed => Msg::ApprovalStatusFailed,
    }
}

/// "3 tunnels at risk, at most under 1 minute; 24 SSL clients disconnect".
fn risk_words(lang: Lang, r: &Risk) -> String {
    let mut text = match (lang, r.tunnels) {
        (_, 0) => lang.text(Msg::NoTunnelAffected).to_owned(),
        (Lang::En, 1) => "1 tunnel affected".to_owned(),
        (Lang::En, n) => format!("{n} tunnels affected"),
        (Lang::Zh, n) => format!("{n} 条隧道受影响"),
    };
    if r.max_interruption_s > 0 {
        let (sep, at_most) = match lang {
            Lang::En => (", ", "at most"),
            Lang::Zh => ("，", "最长中断"),
        };
        text.push_str(&format!(
            "{sep}{at_most} {}",
            duration(lang, r.max_interruption_s)
        ));
    }
    if r.ssl_clients > 0 {
        text.push_str(&match (lang, r.ssl_clients) {
            (Lang::En, 1) => "; 1 SSL client disconnects".to_owned(),
            (Lang::En, n) => format!("; {n} SSL clients disconnect"),
            (Lang::Zh, n) => format!("；{n} 个 SSL 客户端断开"),
        });
    }
    text
}

/// "25 minutes", "under 1 minute" before `expires_at`; "—" once past.
fn time_left(lang: Lang, expires_at: DateTime<Utc>) -> String {
    let secs = (expires_at - now()).num_seconds();
    if secs <= 0 {
        return "—".to_owned();
    }
    duration(lang, u32::try_from(secs).unwrap_or(u32::MAX))
}

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let ctx = use_page();
    let t = move |m| ctx.t(m);
    let reload = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<Msg>);
    let me = LocalResource::new(|| async { api::session().await.map(|s| s.email) });
    let list = LocalResource::new(move || {
        ctx.refresh.track();
        reload.track();
        async move { approvals::approvals(None).await }
    });
    view! {
        <h1>{t(Msg::ApprovalsNav)}</h1>
        <p class="muted">{t(Msg::ApprovalsIntro)}</p>
        <div aria-live="polite">
            {move || notice.get().map(|m| view! { <p class="notice" role="status">{t(m)}</p> })}
        </div>
        {move || match list.get() {
            None => view! { <p class="muted" role="status">{t(Msg::LoadingApprovals)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.message(ctx.lang)}</p> }.into_any(),
            Some(Ok(l)) if l.items.is_empty() => view! { <p class="empty">{t(Msg::NoApprovals)}</p> }.into_any(),
            Some(Ok(l)) => {
                let me = me.get().and_then(Result::ok).unwrap_or_default();
                let (pending, earlier): (Vec<_>, Vec<_>) =
                    l.items.into_iter().partition(|r| r.status == ApprovalStatus::Pending);
                let card = {
                    let me = me.clone();
                    move |r: ApprovalRequest| {
                        let own = r.requested_by == me;
                        view! { <ApprovalCard request=r own=own reload=reload notice=notice/> }
                    }
                };
                view! {
                    <section aria-labelledby="approvals-pending-h">
                        <h2 id="approvals-pending-h">{t(Msg::PendingApprovalsHeading)}</h2>
                        {if pending.is_empty() {
                            view! { <p class="empty">{t(Msg::NoPendingApprovals)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="approvals" id="approvals-pending">
                                    {pending.into_iter().map(card.clone()).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                    {(!earlier.is_empty()).then(|| view! {
                        <section aria-labelledby="approvals-earlier-h">
                            <h2 id="approvals-earlier-h">{t(Msg::EarlierApprovalsHeading)}</h2>
                            <ul class="approvals" id="approvals-earlier">
                                {earlier.into_iter().map(card).collect_view()}
                            </ul>
                        </section>
                    })}
                }.into_any()
            }
        }}
    }
}

#[component]
fn ApprovalCard(
    request: ApprovalRequest,
    own: bool,
    reload: RwSignal<u32>,
    notice: RwSignal<Option<Msg>>,
) -> impl IntoView {
    let ctx = use_page();
    let t = move |m| ctx.t(m);
    let lang = ctx.lang;
    let id = request.id.clone();
    let pending = request.status == ApprovalStatus::Pending;
    let comment = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let confirm_cancel = RwSignal::new(false);

    let decide = {
        let id = id.clone();
        move |verdict: Verdict| {
            let id = id.clone();
            let text = comment.get_untracked().trim().to_owned();
            busy.set(true);
            error.set(None);
            leptos::task::spawn_local(async move {
                let comment = (!text.is_empty()).then_some(text);
                match approvals::decide(id, verdict, comment).await {
                    Ok(_) => {
                        notice.set(Some(match verdict {
                            Verdict::Approve => Msg::ApprovedDone,
                            Verdict::Reject => Msg::RejectedDone,
                        }));
                        reload.update(|n| *n += 1);
                    }
                    Err(e) => error.set(Some(e.message(lang))),
                }
                busy.set(false);
            });
        }
    };
    let cancel = {
        let id = id.clone();
        move || {
            let id = id.clone();
            busy.set(true);
            error.set(None);
            leptos::task::spawn_local(async move {
                match api::cancel_approval(&id).await {
                    Ok(()) => {
                        notice.set(Some(Msg::CancelledDone));
                        reload.update(|n| *n += 1);
                    }
                    Err(e) => error.set(Some(e.message(lang))),
                }
                busy.set(false);
                confirm_cancel.set(false);
            });
        }
    };

    let change = {
        let c = &request.change;
        let mut words = match (c.mode, c.execute_at) {
            (ExecutionMode::At, Some(at)) => {
                format!("{} {}", t(Msg::ChangeExecuteAt), ctx.time(at))
            }
            _ => t(Msg::ExecuteNow).to_owned(),
        };
        let sep = match lang {
            Lang::En => ", ",
            Lang::Zh => "，",
        };
        if c.allow_conflict {
            words.push_str(sep);
            words.push_str(t(Msg::ChangeAllowConflict));
        }
        if c.override_hold {
            words.push_str(sep);
            words.push_str(t(Msg::ChangeOverrideHold));
        }
        words
    };
    let heading_id = format!("apr-h-{id}");
    let comment_id = format!("apr-comment-{id}");
    let status = request.status;
    let decisions = request.decisions.clone();
    let failure = request.error.clone();
    let ticket = request.ticket.clone();
    let decide_approve = decide.clone();
    let decide_reject = decide;
    let cancel_now = cancel;

    view! {
        <li class="approval" id=format!("approval-{id}")>
            <h3 id=heading_id>
                <span class=format!("badge status-{}", status.as_str())>{t(status_msg(status))}</span>
                " "{change.clone()}
            </h3>
            <dl class="facts">
                <dt>{t(Msg::Events)}</dt>
                <dd>
                    {request.event_ids.iter().map(|e| {
                        let e = e.clone();
                        let open = e.clone();
                        view! {
                            <button type="button" class="link-button mono"
                                on:click=move |_| ctx.open_event(&open)>{e}</button>" "
                        }
                    }).collect_view()}
                </dd>
                <dt>{t(Msg::ApprovalRequesterLabel)}</dt>
                <dd>{request.requested_by.clone()}" · "{ctx.time(request.requested_at)}</dd>
                <dt>{t(Msg::ApprovalReason)}</dt>
                <dd>{request.reason.clone()}</dd>
                {ticket.map(|tk| view! {
                    <dt>{t(Msg::ApprovalTicketLabel)}</dt>
                    <dd class="mono">{tk}</dd>
                })}
                <dt>{t(Msg::ApprovalRiskLabel)}</dt>
                <dd>{risk_words(lang, &request.risk)}</dd>
                {pending.then(|| view! {
                    <dt>{t(Msg::ApprovalTimeLeftLabel)}</dt>
                    <dd>{time_left(lang, request.expires_at)}" ("{t(Msg::ApprovalExpires)}" "{ctx.time(request.expires_at)}")"</dd>
                })}
                <dt>{t(Msg::ApprovalDecisionsLabel)}</dt>
                <dd>
                    {if decisions.is_empty() {
                        view! { <span class="muted">{t(Msg::NoDecisionsYet)}</span> }.into_any()
                    } else {
                        view! {
                            <ul class="decisions">
                                {decisions.into_iter().map(|d| view! {
                                    <li>
                                        {d.by}" "
                                        {t(match d.decision {
                                            Verdict::Approve => Msg::VerdictApproved,
                                            Verdict::Reject => Msg::VerdictRejected,
                                        })}
                                        " · "{ctx.time(d.at)}
                                        {d.comment.map(|c| view! { ": \u{201c}"{c}"\u{201d}" })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </dd>
                {failure.map(|e| view! {
                    <dt>{t(Msg::ApprovalErrorLabel)}</dt>
                    <dd class="error"><span class="mono">{e.code}</span>": "{e.message}</dd>
                })}
            </dl>
            {(pending && own).then(|| view! {
                <p class="muted">{t(Msg::OwnRequestNote)}</p>
                <div class="actions">
                    {move || if confirm_cancel.get() {
                        let cancel_now = cancel_now.clone();
                        view! {
                            <p role="alert">{t(Msg::ConfirmCancelApproval)}</p>
                            <button type="button" disabled=move || busy.get()
                                on:click=move |_| cancel_now()>{t(Msg::CancelRequest)}</button>
                            <button type="button" on:click=move |_| confirm_cancel.set(false)>
                                {t(Msg::KeepRequest)}
                            </button>
                        }.into_any()
                    } else {
                        view! {
                            <button type="button" on:click=move |_| confirm_cancel.set(true)>
                                {t(Msg::CancelRequest)}
                            </button>
                        }.into_any()
                    }}
                </div>
            })}
            {(pending && ctx.can_change() && !own).then(|| view! {
                <div class="actions decide">
                    <label for=comment_id.clone()>{t(Msg::DecisionComment)}</label>
                    <input type="text" id=comment_id maxlength="500"
                        prop:value=move || comment.get()
                        on:input=move |ev| comment.set(event_target_value(&ev))/>
                    <button type="button" class="primary" disabled=move || busy.get()
                        on:click=move |_| decide_approve(Verdict::Approve)>{t(Msg::ApproveButton)}</button>
                    <button type="button" disabled=move || busy.get()
                        on:click=move |_| decide_reject(Verdict::Reject)>{t(Msg::RejectButton)}</button>
                </div>
            })}
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </li>
    }
}
