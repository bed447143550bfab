//! Notifications (DESIGN.md sections 9 and 15): the account's webhooks and channels with their
//! delivery logs, and the user's calendar feed. Viewers see webhooks and channels read-only (the
//! server masks their targets); the calendar feed is each user's own.
//! Nothing here is fetched until the page is opened.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vpn_console_domain::notifications::{event_types, Delivery, NewWebhook, Webhook};

mod channels;

use vpn_console_core::api::notifications as notify_api;
use vpn_console_core::api::CallError;
use vpn_console_core::i18n::Msg;

use super::use_page;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let ctx = use_page();
    let t = move |m| ctx.t(m);
    view! {
        <h1>{move || t(Msg::Notifications)}</h1>
        <p class="muted">{move || t(Msg::NotificationsIntro)}</p>
        <Webhooks/>
        <channels::Channels/>
        <CalendarFeedSection/>
    }
}

/// Puts text on the clipboard; browsers that refuse simply leave the text selectable.
pub(super) fn copy_text(text: &str) {
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into());
    if let Ok(clipboard) = clipboard {
        if let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into()) {
            if let Some(write) = write.dyn_ref::<js_sys::Function>() {
                let _ = write.call1(&clipboard, &text.into());
            }
        }
    }
}

pub(super) fn failure(ctx: super::PageCtx, e: &CallError) -> String {
    e.message(ctx.lang)
}

#[component]
fn Webhooks() -> impl IntoView {
    let ctx = use_page();
    let t = move |m| ctx.t(m);
    let version = RwSignal::new(0u32);
    let hooks = LocalResource::new(move || {
        version.track();
        notify_api::webhooks()
    });
    let shown = RwSignal::new(None::<Webhook>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<Msg>);
    let refresh = move || version.update(|v| *v += 1);

    let act =
        move |call: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), CallError>>>>,
              done: Option<Msg>| {
            error.set(None);
            notice.set(None);
            spawn_local(async move {
                match call.await {
                    Ok(()) => {
                        notice.set(done);
                        refresh();
                    }
                    Err(e) => error.set(Some(failure(ctx, &e))),
                }
            });
        };

    view! {
        <section aria-labelledby="webhooks-title">
            <h2 id="webhooks-title">{move || t(Msg::Webhooks)}</h2>
            {move || (!ctx.can_change()).then(|| view! { <p class="muted" id="webhooks-read-only">{t(Msg::ViewerWebhooks)}</p> })}
            {move || ctx.can_change().then(|| view! { <AddWebhook on_added=Callback::new(move |_| refresh())/> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || notice.get().map(|m| view! { <p class="notice" role="status">{t(m)}</p> })}
            {move || match hooks.get() {
                None => view! { <p class="muted" role="status">{t(Msg::LoadingWebhooks)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{failure(ctx, &e)}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="empty">{t(Msg::NoWebhooks)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="list" id="webhooks-table">
                        <caption class="visually-hidden">{t(Msg::Webhooks)}</caption>
                        <thead><tr>
                            <th scope="col">{t(Msg::WebhookUrl)}</th>
                            <th scope="col">{t(Msg::WebhookDescription)}</th>
                            <th scope="col">{t(Msg::ColType)}</th>
                            <th scope="col">{t(Msg::Status)}</th>
                            <th scope="col">{t(Msg::Created)}</th>
                            <th scope="col">{t(Msg::ColActions)}</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|hook| {
                                let types = hook.event_types.clone()
                                    .map(|t| t.join(", "))
                                    .unwrap_or_else(|| ctx.t(Msg::AllEventTypes).to_owned());
                                let (test_id, delete_id) = (hook.id.clone(), hook.id.clone());
                                let row = hook.clone();
                                view! {
                                    <tr>
                                        <td class="mono">{hook.url.clone()}</td>
                                        <td>{hook.description.clone()}</td>
                                        <td class="mono">{types}</td>
                                        <td>{move || t(if hook.enabled { Msg::WebhookEnabled } else { Msg::WebhookDisabled })}</td>
                                        <td>{move || ctx.time(hook.created_at)}</td>
                                        <td class="actions">
                                            <button type="button" on:click=move |_| shown.set(Some(row.clone()))>{move || t(Msg::ShowDeliveries)}</button>
                                            {move || ctx.can_change().then(|| {
                                                let (test_id, delete_id) = (test_id.clone(), delete_id.clone());
                                                view! {
                                                    <button type="button" on:click=move |_| act(Box::pin(notify_api::test_webhook(test_id.clone())), Some(Msg::TestQueued))>{t(Msg::SendTest)}</button>
                                                    <button type="button" class="danger" on:click=move |_| {
                                                        if shown.with_untracked(|s| s.as_ref().is_some_and(|s| s.id == delete_id)) {
                                                            shown.set(None);
                                                        }
                                                        act(Box::pin(notify_api::delete_webhook(delete_id.clone())), None)
                                                    }>{t(Msg::Delete)}</button>
                                                }
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
            {move || shown.get().map(|hook| view! { <DeliveryLog channel=false id=hook.id label=hook.url version=version/> })}
        </section>
    }
}

#[component]
fn AddWebhook(on_added: Callback<()>) -> impl IntoView {
    let ctx = use_page();
    let t = move |m| ctx.t(m);
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let types = RwSignal::new(Vec::<String>::new());
    let secret = RwSignal::new(None::<String>);
    let copied = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = types.get_untracked();
        let new = NewWebhook {
            url: url.get_untracked().trim().to_owned(),
            description: Some(description.get_untracked()).filter(|d| !d.trim().is_empty()),
            event_types: (!chosen.is_empty()).then_some(chosen),
        };
        error.set(None);
        sending.set(true);
        spawn_local(async move {
            match notify_api::create_webhook(new).await {
                Ok(created) => {
                    secret.set(Some(created.secret));
                    copied.set(false);
                    url.set(String::new());
                    description.set(String::new());
                    types.set(Vec::new());
                    on_added.run(());
                }
                Err(e) => error.set(Some(failure(ctx, &e))),
            }
            sending.set(false);
        });
    };
    view! {
        <form class="webhook-form settings-form" on:submit=submit>
            <label>{move || t(Msg::WebhookUrl)}
                <input type="url" id="webhook-url" required placeholder="https://" prop:value=url on:input=move |ev| url.set(event_target_value(&ev))/>
            </label>
            <label>{move || t(Msg::WebhookDescription)}
                <input type="text" id="webhook-description" maxlength="200" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))/>
            </label>
            <fieldset>
                <legend>{move || t(Msg::EventTypes)}</legend>
                {event_types().into_iter().map(|kind| {
                    let (checked, changed) = (kind.clone(), kind.clone());
                    view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || types.with(|t| t.contains(&checked))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    types.update(|t| { t.retain(|k| *k != changed); if on { t.push(changed.clone()); } });
                                }/>
                            <span class="mono">{kind}</span>
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <button type="submit" class="primary" disabled=move || sending.get()>{move || t(Msg::AddWebhook)}</button>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </form>
        {move || secret.get().map(|s| {
            let value = s.clone();
            view! {
                <div class="secret" role="status">
                    <span>{t(Msg::WebhookSecret)}</span>" "
                    <code id="webhook-secret">{s}</code>" "
                    <button type="button" on:click=move |_| { copy_text(&value); copied.set(true); }>
                        {move || t(if copied.get() { Msg::Copied } else { Msg::Copy })}
                    </button>
                </div>
            }
        })}
    }
}

/// The delivery log of a webhook or (`channel`) of a channel, with why each last attempt
/// failed; a failed webhook delivery can be retried.
#[component]
pub(super) fn DeliveryLog(
    channel: bool,
    id: String,
    label: String,
    version: RwSignal<u32>,
) -> impl IntoView {
    let ctx = use_page();
    let t = move |m| ctx.t(m);
    let own = RwSignal::new(0u32);
    let hook_id = id.clone();
    let log = LocalResource::new(move || {
        version.track();
        own.track();
        let id = id.clone();
        async move {
            if channel {
                notify_api::channel_deliveries(id).await
            } else {
                notify_api::deliveries(id).await
            }
        }
    });
    let error = RwSignal::new(None::<String>);
    // A webhook's log and a channel's may be open together: their ids must differ.
    let prefix = if channel { "channel-" } else { "" };
    let retry = move |delivery: String| {
        let hook_id = hook_id.clone();
        error.set(None);
        spawn_local(async move {
            match notify_api::retry_delivery(hook_id, delivery).await {
                Ok(()) => own.update(|v| *v += 1),
                Err(e) => error.set(Some(failure(ctx, &e))),
            }
        });
    };
    let status_text = move |d: &Delivery| match d.status.as_str() {
        "delivered" => t(Msg::StatusDelivered),
        "failed" => t(Msg::StatusFailed),
        _ => t(Msg::StatusPending),
    };
    view! {
        <section aria-labelledby=format!("{prefix}deliveries-title") id=format!("{prefix}deliveries")>
            <h3 id=format!("{prefix}deliveries-title")>{move || t(Msg::DeliveriesOf)}" "<span class="mono">{label.clone()}</span></h3>
            <button type="button" on:click=move |_| own.update(|v| *v += 1)>{move || t(Msg::Refresh)}</button>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || match log.get() {
                None => view! { <p class="muted" role="status">{t(Msg::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{failure(ctx, &e)}</p> }.into_any(),
                Some(Ok(d)) if d.items.is_empty() => view! { <p class="empty">{t(Msg::NoDeliveries)}</p> }.into_any(),
                Some(Ok(d)) => {
                    let retry = retry.clone();
                    view! {
                        <table class="list" id=format!("{prefix}deliveries-table")>
                            <caption class="visually-hidden">{t(Msg::DeliveriesOf)}</caption>
                            <thead><tr>
                                <th scope="col">{t(Msg::ColType)}</th>
                                <th scope="col">{t(Msg::Status)}</th>
                                <th scope="col">{t(Msg::Attempts)}</th>
                                <th scope="col">{t(Msg::NextAttempt)}</th>
                                <th scope="col">{t(Msg::LastAnswer)}</th>
                                <th scope="col">{t(Msg::Created)}</th>
                                <th scope="col">{t(Msg::ColActions)}</th>
                            </tr></thead>
                            <tbody>
                                {d.items.into_iter().map(|d| {
                                    let answer = match (d.last_status_code, &d.last_error) {
                                        // Why a channel's message failed: the service's code and the server's words.
                                        (Some(code), Some(e)) if channel && !e.contains(&code.to_string()) => format!("{code}: {e}"),
                                        (Some(code), _) => code.to_string(),
                                        (None, Some(e)) => e.clone(),
                                        (None, None) => "—".to_owned(),
                                    };
                                    let failed = d.status == "failed";
                                    let id = d.id.clone();
                                    let retry = retry.clone();
                                    let next = d.next_attempt_at;
                                    let created = d.created_at;
                                    let badge = match d.status.as_str() { "delivered" => "badge ok", "failed" => "badge down", _ => "badge" };
                                    view! {
                                        <tr>
                                            <td class="mono">{d.event_type.clone()}</td>
                                            <td><span class=badge>{status_text(&d)}</span></td>
                                            <td>{d.attempts}</td>
                                            <td>{move || next.map(|n| ctx.time(n)).unwrap_or_else(|| "—".to_owned())}</td>
                                            <td class="mono">{answer}</td>
                                            <td>{move || ctx.time(created)}</td>
                                            <td>{(failed && !channel && ctx.can_change()).then(|| view! {
                                                <button type="button" on:click=move |_| retry(id.clone())>{t(Msg::Retry)}</button>
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn CalendarFeedSection() -> impl IntoView {
    let ctx = use_page();
    let t = move |m| ctx.t(m);
    let url = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<Msg>);
    let error = RwSignal::new(None::<String>);
    let copied = RwSignal::new(false);
    let create = move || {
        error.set(None);
        notice.set(None);
        spawn_local(async move {
            match notify_api::create_calendar_feed().await {
                Ok(feed) => {
                    url.set(Some(feed.url));
                    copied.set(false);
                }
                Err(e) => error.set(Some(failure(ctx, &e))),
            }
        });
    };
    let delete = move || {
        error.set(None);
        spawn_local(async move {
            match notify_api::delete_calendar_feed().await {
                Ok(()) => {
                    url.set(None);
                    notice.set(Some(Msg::FeedDeleted));
                }
                Err(e) => error.set(Some(failure(ctx, &e))),
            }
        });
    };
    view! {
        <section aria-labelledby="calendar-title">
            <h2 id="calendar-title">{move || t(Msg::CalendarFeed)}</h2>
            <p class="muted">{move || t(Msg::CalendarIntro)}</p>
            {move || match url.get() {
                None => view! {
                    <button type="button" class="primary" on:click=move |_| create()>{t(Msg::CreateFeed)}</button>
                    " "
                    <button type="button" on:click=move |_| delete()>{t(Msg::DeleteFeed)}</button>
                }.into_any(),
                Some(u) => {
                    let value = u.clone();
                    view! {
                        <label>{t(Msg::FeedUrl)}
                            <input type="text" id="calendar-url" readonly prop:value=u size="80"/>
                        </label>
                        <button type="button" on:click=move |_| { copy_text(&value); copied.set(true); }>
                            {move || t(if copied.get() { Msg::Copied } else { Msg::Copy })}
                        </button>
                        <button type="button" on:click=move |_| create()>{t(Msg::RotateFeed)}</button>
                        <button type="button" class="danger" on:click=move |_| delete()>{t(Msg::DeleteFeed)}</button>
                    }.into_any()
                }
            }}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || notice.get().map(|m| view! { <p class="notice" role="status">{t(m)}</p> })}
        </section>
    }
}
