use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::i18n::Msg;
use crate::state::Ctx;

#[component]
pub fn LoginPage() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::log_in(email.get_untracked(), password.get_untracked()).await {
                Ok(s) => ctx.session.set(Some(s)),
                Err(e) => {
                    error.set(Some(e.message(ctx.lang.get_untracked())));
                    busy.set(false);
                }
            }
        });
    };
    let t = move |m| ctx.t(m);
    view! {
        <main class="login" id="main">
            <form class="login-card" on:submit=submit>
                <h1>{move || t(Msg::LoginTitle)}</h1>
                <p class="muted">{move || t(Msg::LoginIntro)}</p>
                <label for="email">{move || t(Msg::Email)}</label>
                <input id="email" name="email" type="email" autocomplete="username" required
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                <label for="password">{move || t(Msg::Password)}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                <p class="error" role="alert" aria-live="assertive">{move || error.get()}</p>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || t(if busy.get() { Msg::LoggingIn } else { Msg::LogIn })}
                </button>
            </form>
        </main>
    }
}
