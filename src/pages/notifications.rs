//! Notifications (DESIGN.md sections 9 and 15): the account's webhooks and channels with their
//! delivery logs, and the user's calendar feed. Viewers see webhooks and channels read-only; the
//! calendar feed is each user's own.
//! Nothing here is fetched until the page is opened.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vpn_console_domain::notifications::{
    event_types, Channel, ChannelFilters, ChannelKind, Delivery, NewChannel, NewWebhook,
};

use crate::api::notifications as notify_api;
use crate::api::CallError;
use crate::i18n::Msg;
use crate::state::Ctx;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    view! {
        <h1>{move || t(Msg::Notifications)}</h1>
        <p class="muted">{move || t(Msg::NotificationsIntro)}</p>
        // Each section erased to one type: three nested views overflow the compiler's
        // query depth when the server draws the page (ssr).
        {view! { <Webhooks/> }.into_any()}
        {view! { <Channels/> }.into_any()}
        {view! { <CalendarFeedSection/> }.into_any()}
    }
}

/// Puts text on the clipboard; browsers that refuse simply leave the text selectable.
fn copy_text(text: &str) {
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

fn failure(ctx: Ctx, e: &CallError) -> String {
    e.message(ctx.lang.get_untracked())
}

#[component]
fn Webhooks() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let version = RwSignal::new(0u32);
    let hooks = LocalResource::new(move || {
        version.track();
        notify_api::webhooks()
    });
    let shown = RwSignal::new(None::<(String, String)>);
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
                                let row = (hook.id.clone(), hook.url.clone());
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
                                                    <button type="button" on:click=move |_| act(Box::pin(notify_api::test_endpoint("/webhooks", test_id.clone())), Some(Msg::TestQueued))>{t(Msg::SendTest)}</button>
                                                    <button type="button" class="danger" on:click=move |_| {
                                                        if shown.with_untracked(|s| s.as_ref().is_some_and(|s| s.0 == delete_id)) {
                                                            shown.set(None);
                                                        }
                                                        act(Box::pin(notify_api::delete_endpoint("/webhooks", delete_id.clone())), None)
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
            {move || shown.get().map(|(id, label)| view! { <DeliveryLog base="/webhooks" id=id label=label version=version/> })}
        </section>
    }
}

/// A channel's target as the list shows it, for every role: the scheme and host of a URL, the
/// domain of an address, nothing of a routing key. Operators typed it; nobody needs it again on
/// screen, where a chat URL's token would be one screenshot away.
fn masked(target: &str) -> String {
    if let Some((scheme, rest)) = target.split_once("://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        format!("{scheme}://{host}/…")
    } else if let Some((_, domain)) = target.rsplit_once('@') {
        format!("…@{domain}")
    } else {
        "…".to_owned()
    }
}

fn kind_name(kind: ChannelKind, zh: bool) -> &'static str {
    match (kind, zh) {
        (ChannelKind::Email, false) => "E-mail",
        (ChannelKind::Email, true) => "邮件",
        (ChannelKind::Teams, _) => "Microsoft Teams",
        (ChannelKind::Dingtalk, false) => "DingTalk",
        (ChannelKind::Dingtalk, true) => "钉钉",
        (ChannelKind::Wecom, false) => "WeCom",
        (ChannelKind::Wecom, true) => "企业微信",
        (ChannelKind::Lark, false) => "Lark",
        (ChannelKind::Lark, true) => "飞书",
        (ChannelKind::Slack, _) => "Slack",
        (ChannelKind::Pagerduty, _) => "PagerDuty",
    }
}

#[component]
fn Channels() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let zh = move || ctx.lang.get() == crate::i18n::Lang::Zh;
    let version = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        version.track();
        notify_api::channels()
    });
    let shown = RwSignal::new(None::<(String, String)>);
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
        <section aria-labelledby="channels-title">
            <h2 id="channels-title">{move || t(Msg::Channels)}</h2>
            {move || (!ctx.can_change()).then(|| view! { <p class="muted">{t(Msg::ViewerChannels)}</p> })}
            {move || ctx.can_change().then(|| view! { <AddChannel on_added=Callback::new(move |_| refresh())/> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || notice.get().map(|m| view! { <p class="notice" role="status">{t(m)}</p> })}
            {move || match list.get() {
                None => view! { <p class="muted" role="status">{t(Msg::LoadingChannels)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{failure(ctx, &e)}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="empty">{t(Msg::NoChannels)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="list" id="channels-table">
                        <caption class="visually-hidden">{t(Msg::Channels)}</caption>
                        <thead><tr>
                            <th scope="col">{t(Msg::ColType)}</th>
                            <th scope="col">{t(Msg::ChannelName)}</th>
                            <th scope="col">{t(Msg::ColTarget)}</th>
                            <th scope="col">{t(Msg::Language)}</th>
                            <th scope="col">{t(Msg::TimeZone)}</th>
                            <th scope="col">{t(Msg::Status)}</th>
                            <th scope="col">{t(Msg::ColActions)}</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|c: Channel| {
                                let target = masked(&c.target);
                                let row = (c.id.clone(), format!("{} {target}", kind_name(c.kind, false)));
                                let (test_id, delete_id) = (c.id.clone(), c.id.clone());
                                let status = if c.enabled {
                                    t(Msg::WebhookEnabled).to_owned()
                                } else {
                                    format!("{}: {}", t(Msg::ChannelDisabled), c.disabled_reason.clone().unwrap_or_default())
                                };
                                view! {
                                    <tr>
                                        <td>{move || kind_name(c.kind, zh())}</td>
                                        <td>{c.name.clone()}</td>
                                        <td class="mono">{target}</td>
                                        <td>{c.language.clone()}</td>
                                        <td>{c.time_zone.clone()}</td>
                                        <td>{status}</td>
                                        <td class="actions">
                                            <button type="button" on:click=move |_| shown.set(Some(row.clone()))>{move || t(Msg::ShowDeliveries)}</button>
                                            {move || ctx.can_change().then(|| {
                                                let (test_id, delete_id) = (test_id.clone(), delete_id.clone());
                                                view! {
                                                    <button type="button" on:click=move |_| act(Box::pin(notify_api::test_endpoint("/channels", test_id.clone())), Some(Msg::TestQueued))>{t(Msg::SendTest)}</button>
                                                    <button type="button" class="danger" on:click=move |_| {
                                                        if shown.with_untracked(|s| s.as_ref().is_some_and(|s| s.0 == delete_id)) {
                                                            shown.set(None);
                                                        }
                                                        act(Box::pin(notify_api::delete_endpoint("/channels", delete_id.clone())), None)
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
            {move || shown.get().map(|(id, label)| view! { <DeliveryLog base="/channels" id=id label=label version=version/> })}
        </section>
    }
}

/// Adds a channel: the form asks for what its kind needs (an address, a URL, a routing key;
/// a signing secret for DingTalk and Lark robots).
#[component]
fn AddChannel(on_added: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let zh = move || ctx.lang.get() == crate::i18n::Lang::Zh;
    let kind = RwSignal::new(ChannelKind::Slack);
    let name = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let language = RwSignal::new(ctx.lang.get_untracked().tag().to_owned());
    let zone = RwSignal::new("UTC".to_owned());
    let error = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewChannel {
            kind: kind.get_untracked(),
            name: name.get_untracked().trim().to_owned(),
            target: target.get_untracked().trim().to_owned(),
            language: Some(language.get_untracked()),
            time_zone: Some(zone.get_untracked().trim().to_owned()),
            filters: ChannelFilters::default(),
            secret: Some(secret.get_untracked().trim().to_owned())
                .filter(|s| !s.is_empty() && kind.get_untracked().takes_secret()),
        };
        error.set(None);
        sending.set(true);
        spawn_local(async move {
            match notify_api::create_channel(new).await {
                Ok(_) => {
                    name.set(String::new());
                    target.set(String::new());
                    secret.set(String::new());
                    on_added.run(());
                }
                Err(e) => error.set(Some(failure(ctx, &e))),
            }
            sending.set(false);
        });
    };
    let target_label = move || {
        t(match kind.get() {
            ChannelKind::Email => Msg::TargetEmail,
            ChannelKind::Pagerduty => Msg::TargetRoutingKey,
            _ => Msg::TargetUrl,
        })
    };
    let target_type = move || match kind.get() {
        ChannelKind::Email => "email",
        ChannelKind::Pagerduty => "text",
        _ => "url",
    };
    view! {
        <form class="channel-form settings-form" on:submit=submit>
            <label>{move || t(Msg::ColType)}
                <select id="channel-kind" on:change=move |ev| {
                    if let Some(k) = ChannelKind::parse(&event_target_value(&ev)) { kind.set(k); }
                }>
                    {ChannelKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=move || kind.get() == k>{move || kind_name(k, zh())}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>{move || t(Msg::ChannelName)}
                <input type="text" id="channel-name" maxlength="100" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <label>{target_label}
                <input type=target_type id="channel-target" required prop:value=target on:input=move |ev| target.set(event_target_value(&ev))/>
            </label>
            {move || kind.get().takes_secret().then(|| view! {
                <label>{t(Msg::ChannelSecret)}
                    <input type="password" id="channel-secret" autocomplete="off" prop:value=secret on:input=move |ev| secret.set(event_target_value(&ev))/>
                </label>
            })}
            <label>{move || t(Msg::Language)}
                <select id="channel-language" on:change=move |ev| language.set(event_target_value(&ev))>
                    <option value="en" selected=move || language.get() == "en">"English"</option>
                    <option value="zh-CN" selected=move || language.get() == "zh-CN">"简体中文"</option>
                </select>
            </label>
            <label>{move || t(Msg::TimeZone)}
                <input type="text" id="channel-time-zone" required placeholder="Asia/Shanghai" prop:value=zone on:input=move |ev| zone.set(event_target_value(&ev))/>
            </label>
            <button type="submit" class="primary" disabled=move || sending.get()>{move || t(Msg::AddChannel)}</button>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </form>
    }
}

#[component]
fn AddWebhook(on_added: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
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

/// The delivery log of a webhook or a channel (`base`), with why each last attempt failed;
/// a failed webhook delivery can be retried.
#[component]
fn DeliveryLog(
    base: &'static str,
    id: String,
    label: String,
    version: RwSignal<u32>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let own = RwSignal::new(0u32);
    let hook_id = id.clone();
    let log = LocalResource::new(move || {
        version.track();
        own.track();
        notify_api::deliveries(base, id.clone())
    });
    let error = RwSignal::new(None::<String>);
    // A webhook's log and a channel's may be open together: their ids must differ.
    let prefix = if base == "/channels" { "channel-" } else { "" };
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
                                        (Some(code), Some(e)) if base == "/channels" && !e.contains(&code.to_string()) => format!("{code}: {e}"),
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
                                            <td>{(failed && base == "/webhooks" && ctx.can_change()).then(|| view! {
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
    let ctx = expect_context::<Ctx>();
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
