//! Channels (DESIGN.md section 15): e-mail, chat robots and PagerDuty, listed beside the
//! webhooks. Operators add one by kind (the form asks for what that kind needs), send it a test
//! and delete it after a confirmation; everyone reads the list and each channel's deliveries.
//! Targets are shown as the server returns them: masked for viewers, whole for operators.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vpn_console_core::api::notifications as notify_api;
use vpn_console_core::i18n::{self, Lang, Msg};
use vpn_console_domain::notifications::{
    event_types, Channel, ChannelFilters, ChannelKind, NewChannel,
};

use super::{failure, DeliveryLog};
use crate::pages::use_page;

fn kind_msg(kind: ChannelKind) -> Msg {
    match kind {
        ChannelKind::Email => Msg::KindEmail,
        ChannelKind::Slack => Msg::KindSlack,
        ChannelKind::Teams => Msg::KindTeams,
        ChannelKind::Dingtalk => Msg::KindDingtalk,
        ChannelKind::Wecom => Msg::KindWecom,
        ChannelKind::Lark => Msg::KindLark,
        ChannelKind::Pagerduty => Msg::KindPagerduty,
    }
}

/// The target field's label and hint for a kind.
fn target_words(kind: ChannelKind) -> (Msg, Msg) {
    match kind {
        ChannelKind::Email => (Msg::TargetEmail, Msg::HintEmail),
        ChannelKind::Slack => (Msg::TargetSlack, Msg::HintSlack),
        ChannelKind::Teams => (Msg::TargetTeams, Msg::HintTeams),
        ChannelKind::Dingtalk => (Msg::TargetRobot, Msg::HintDingtalk),
        ChannelKind::Wecom => (Msg::TargetRobot, Msg::HintWecom),
        ChannelKind::Lark => (Msg::TargetRobot, Msg::HintLark),
        ChannelKind::Pagerduty => (Msg::TargetRoutingKey, Msg::HintPagerduty),
    }
}

/// The choices of the minimum interruption filter, in seconds (`None`: no filter).
const MIN_INTERRUPTIONS: [Option<u32>; 6] =
    [None, Some(1), Some(60), Some(300), Some(600), Some(1800)];

fn min_interruption_words(lang: Lang, min: Option<u32>) -> String {
    match min {
        None => lang.text(Msg::AnyInterruption).to_owned(),
        Some(1) => lang.text(Msg::SomeInterruption).to_owned(),
        Some(s) => format!("{} {}", lang.text(Msg::AtLeast), i18n::duration(lang, s)),
    }
}

/// One line per filter that is set; "all" when none is.
fn filters_text(lang: Lang, f: &ChannelFilters) -> String {
    let mut parts = Vec::new();
    if let Some(types) = &f.event_types {
        parts.push(types.join(", "));
    }
    if let Some(regions) = &f.regions {
        parts.push(regions.join(", "));
    }
    if f.min_interruption_s.is_some() {
        parts.push(min_interruption_words(lang, f.min_interruption_s));
    }
    if parts.is_empty() {
        lang.text(Msg::AllEventTypes).to_owned()
    } else {
        parts.join("; ")
    }
}

/// The browser's IANA zone, the form's first guess.
fn browser_zone() -> String {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()
        .and_then(|z| z.as_string())
        .unwrap_or_else(|| "UTC".to_owned())
}

/// The zones the browser knows (`Intl.supportedValuesOf`), offered as suggestions.
fn known_zones() -> Vec<String> {
    use wasm_bindgen::JsCast;
    let Ok(intl) = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()) else {
        return Vec::new();
    };
    js_sys::Reflect::get(&intl, &"supportedValuesOf".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call1(&intl, &"timeZone".into()).ok())
        .and_then(|list| list.dyn_into::<js_sys::Array>().ok())
        .map(|list| list.iter().filter_map(|z| z.as_string()).collect())
        .unwrap_or_default()
}

#[component]
pub fn Channels() -> impl IntoView {
    let ctx = use_page();
    let t = move |m| ctx.t(m);
    let version = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        version.track();
        notify_api::channels()
    });
    let shown = RwSignal::new(None::<(String, String)>);
    let confirming = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<Msg>);
    let refresh = move || version.update(|v| *v += 1);

    let test = move |id: String| {
        error.set(None);
        notice.set(None);
        spawn_local(async move {
            match notify_api::test_channel(id).await {
                Ok(()) => {
                    notice.set(Some(Msg::ChannelTestQueued));
                    refresh();
                }
                // 429 and every other refusal, as the server words it.
                Err(e) => error.set(Some(failure(ctx, &e))),
            }
        });
    };
    let delete = move |id: String| {
        error.set(None);
        notice.set(None);
        if shown.with_untracked(|s| s.as_ref().is_some_and(|s| s.0 == id)) {
            shown.set(None);
        }
        spawn_local(async move {
            match notify_api::delete_channel(id).await {
                Ok(()) => {
                    confirming.set(None);
                    refresh();
                }
                Err(e) => error.set(Some(failure(ctx, &e))),
            }
        });
    };

    view! {
        <section aria-labelledby="channels-title">
            <h2 id="channels-title">{move || t(Msg::Channels)}</h2>
            <p class="muted">{move || t(Msg::ChannelsIntro)}</p>
            {move || (!ctx.can_change()).then(|| view! { <p class="muted" id="channels-read-only">{t(Msg::ViewerChannels)}</p> })}
            {move || ctx.can_change().then(|| view! { <AddChannel on_added=Callback::new(move |_| refresh())/> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || notice.get().map(|m| view! { <p class="notice" role="status">{t(m)}</p> })}
            {move || match list.get() {
                None => view! { <p class="muted" role="status">{t(Msg::LoadingChannels)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{failure(ctx, &e)}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="empty" id="no-channels">{t(Msg::NoChannels)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="list" id="channels-table">
                        <caption class="visually-hidden">{t(Msg::Channels)}</caption>
                        <thead><tr>
                            <th scope="col">{t(Msg::ChannelKindLabel)}</th>
                            <th scope="col">{t(Msg::ChannelName)}</th>
                            <th scope="col">{t(Msg::ChannelTarget)}</th>
                            <th scope="col">{t(Msg::Language)}</th>
                            <th scope="col">{t(Msg::TimeZone)}</th>
                            <th scope="col">{t(Msg::ColFilters)}</th>
                            <th scope="col">{t(Msg::Status)}</th>
                            <th scope="col">{t(Msg::Created)}</th>
                            <th scope="col">{t(Msg::ColActions)}</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|c: Channel| {
                                let id = StoredValue::new(c.id.clone());
                                let label = format!("{} {}", t(kind_msg(c.kind)), if c.name.is_empty() { &c.target } else { &c.name });
                                let status = if c.enabled {
                                    t(Msg::WebhookEnabled).to_owned()
                                } else {
                                    match &c.disabled_reason {
                                        Some(why) => format!("{}: {why}", t(Msg::ChannelDisabled)),
                                        None => t(Msg::ChannelDisabled).to_owned(),
                                    }
                                };
                                let is_confirming = move || confirming.with(|c| id.with_value(|id| c.as_ref() == Some(id)));
                                let actions = move || ctx.can_change().then(|| {
                                    if is_confirming() {
                                        view! {
                                            <span role="alert">{t(Msg::ConfirmDeleteChannel)}</span>" "
                                            <button type="button" class="danger" on:click=move |_| delete(id.get_value())>{t(Msg::YesDelete)}</button>
                                            <button type="button" on:click=move |_| confirming.set(None)>{t(Msg::KeepIt)}</button>
                                        }.into_any()
                                    } else {
                                        view! {
                                            <button type="button" on:click=move |_| test(id.get_value())>{t(Msg::SendTest)}</button>
                                            <button type="button" class="danger" on:click=move |_| confirming.set(Some(id.get_value()))>{t(Msg::Delete)}</button>
                                        }.into_any()
                                    }
                                });
                                let language = if c.language == "zh-CN" { "简体中文" } else { "English" };
                                let language_tag = c.language.clone();
                                view! {
                                    <tr>
                                        <td>{t(kind_msg(c.kind))}</td>
                                        <td>{c.name.clone()}</td>
                                        <td class="mono">{c.target.clone()}</td>
                                        <td lang=language_tag>{language}</td>
                                        <td>{c.time_zone.clone()}</td>
                                        <td class="mono">{filters_text(ctx.lang, &c.filters)}</td>
                                        <td>{status}</td>
                                        <td>{ctx.time(c.created_at)}</td>
                                        <td class="actions">
                                            <button type="button" on:click=move |_| shown.set(Some((id.get_value(), label.clone())))>{t(Msg::ShowDeliveries)}</button>
                                            {actions}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
            {move || shown.get().map(|(id, label)| view! { <DeliveryLog channel=true id=id label=label version=version/> })}
        </section>
    }
}

/// Adds a channel: the form asks for what its kind needs (an address, a URL, a routing key; a
/// signing secret for DingTalk and Lark robots), its language and zone, and its filters.
#[component]
fn AddChannel(on_added: Callback<()>) -> impl IntoView {
    let ctx = use_page();
    let t = move |m| ctx.t(m);
    let kind = RwSignal::new(ChannelKind::Slack);
    let name = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let language = RwSignal::new(ctx.lang.tag().to_owned());
    let zone = RwSignal::new(browser_zone());
    let types = RwSignal::new(Vec::<String>::new());
    let regions = RwSignal::new(Vec::<String>::new());
    let min_interruption = RwSignal::new(None::<u32>);
    let error = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    let region_list = LocalResource::new(vpn_console_core::api::regions);
    let zones = StoredValue::new(known_zones());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let k = kind.get_untracked();
        let (chosen_types, chosen_regions) = (types.get_untracked(), regions.get_untracked());
        let new = NewChannel {
            kind: k,
            name: name.get_untracked().trim().to_owned(),
            target: target.get_untracked().trim().to_owned(),
            language: Some(language.get_untracked()),
            time_zone: Some(zone.get_untracked().trim().to_owned()),
            filters: ChannelFilters {
                event_types: (!chosen_types.is_empty()).then_some(chosen_types),
                regions: (!chosen_regions.is_empty()).then_some(chosen_regions),
                min_interruption_s: min_interruption.get_untracked(),
            },
            secret: Some(secret.get_untracked().trim().to_owned())
                .filter(|s| !s.is_empty() && k.takes_secret()),
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
    let target_type = move || match kind.get() {
        ChannelKind::Email => "email",
        ChannelKind::Pagerduty => "text",
        _ => "url",
    };
    let placeholder = move || match kind.get() {
        ChannelKind::Email => "ops@example.com",
        ChannelKind::Pagerduty => "",
        _ => "https://",
    };
    let check = |list: RwSignal<Vec<String>>, value: String, shown: AnyView| {
        let (checked, changed) = (value.clone(), value);
        view! {
            <label class="check">
                <input type="checkbox" prop:checked=move || list.with(|l| l.contains(&checked))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        list.update(|l| { l.retain(|k| *k != changed); if on { l.push(changed.clone()); } });
                    }/>
                {shown}
            </label>
        }
    };

    view! {
        <form class="channel-form settings-form" id="channel-form" on:submit=submit>
            <label>{t(Msg::ChannelKindLabel)}
                <select id="channel-kind" on:change=move |ev| {
                    if let Some(k) = ChannelKind::parse(&event_target_value(&ev)) { kind.set(k); }
                }>
                    {ChannelKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=move || kind.get() == k>{t(kind_msg(k))}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>{move || t(target_words(kind.get()).0)}
                <input type=target_type id="channel-target" required autocomplete="off" placeholder=placeholder
                    aria-describedby="channel-target-hint"
                    prop:value=target on:input=move |ev| target.set(event_target_value(&ev))/>
            </label>
            <small class="muted" id="channel-target-hint">{move || t(target_words(kind.get()).1)}</small>
            {move || kind.get().takes_secret().then(|| view! {
                <label>{t(Msg::ChannelSecret)}
                    <input type="password" id="channel-secret" autocomplete="off" prop:value=secret on:input=move |ev| secret.set(event_target_value(&ev))/>
                </label>
            })}
            <label>{t(Msg::ChannelName)}
                <input type="text" id="channel-name" maxlength="100" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <label>{t(Msg::ChannelLanguage)}
                <select id="channel-language" on:change=move |ev| language.set(event_target_value(&ev))>
                    <option value="en" lang="en" selected=move || language.get() == "en">"English"</option>
                    <option value="zh-CN" lang="zh-CN" selected=move || language.get() == "zh-CN">"简体中文"</option>
                </select>
            </label>
            <label>{t(Msg::TimeZone)}
                <input type="text" id="channel-time-zone" required list="channel-zones" autocomplete="off"
                    aria-describedby="channel-time-zone-hint"
                    prop:value=zone on:input=move |ev| zone.set(event_target_value(&ev))/>
            </label>
            <small class="muted" id="channel-time-zone-hint">{t(Msg::HintTimeZone)}</small>
            <datalist id="channel-zones">
                {zones.get_value().into_iter().map(|z| view! { <option value=z></option> }).collect_view()}
            </datalist>
            <fieldset>
                <legend>{t(Msg::ChannelFiltersLegend)}</legend>
                <fieldset>
                    <legend>{t(Msg::EventTypes)}</legend>
                    {event_types().into_iter().map(|kind| {
                        check(types, kind.clone(), view! { <span class="mono">{kind}</span> }.into_any())
                    }).collect_view()}
                </fieldset>
                <fieldset>
                    <legend>{t(Msg::ChannelRegions)}</legend>
                    {move || match region_list.get() {
                        None => view! { <p class="muted" role="status">{t(Msg::LoadingRegions)}</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="error" role="alert">{failure(ctx, &e)}</p> }.into_any(),
                        Some(Ok(list)) => list.into_iter().map(|r| {
                            let id = r.id.as_str().to_owned();
                            let shown = format!("{} ({id})", i18n::region_name(ctx.lang, &id, &r.name));
                            check(regions, id, view! { <span>{shown}</span> }.into_any())
                        }).collect_view().into_any(),
                    }}
                </fieldset>
                <label>{t(Msg::MinInterruption)}
                    <select id="channel-min-interruption" on:change=move |ev| {
                        min_interruption.set(event_target_value(&ev).parse().ok());
                    }>
                        {MIN_INTERRUPTIONS.into_iter().map(|m| view! {
                            <option value=m.map(|s| s.to_string()).unwrap_or_default()
                                selected=move || min_interruption.get() == m>{min_interruption_words(ctx.lang, m)}</option>
                        }).collect_view()}
                    </select>
                </label>
            </fieldset>
            <button type="submit" class="primary" disabled=move || sending.get()>{t(Msg::AddChannel)}</button>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </form>
    }
}
