//! A modal dialog shell, reusable by every dialog of the console: a backdrop, a title with a
//! close button, Escape to close, Tab kept inside, and focus given back on close to whatever
//! opened it.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;

use crate::i18n::Msg;
use crate::state::Ctx;

#[component]
pub fn Modal(
    /// The id of the title, which names the dialog (`aria-labelledby`).
    title_id: &'static str,
    title: Msg,
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move |m| ctx.t(m);
    let dialog_ref = NodeRef::<html::Div>::new();
    use_focus_restore();
    Effect::new(move |_| {
        if let Some(el) = dialog_ref.get() {
            let _ = el.focus();
        }
    });
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            on_close.run(());
        } else if ev.key() == "Tab" {
            trap_focus(&ev, dialog_ref);
        }
    };
    view! {
        <div class="backdrop" on:click=move |_| on_close.run(())></div>
        <div class="dialog" role="dialog" aria-modal="true" aria-labelledby=title_id
            tabindex="-1" node_ref=dialog_ref on:keydown=on_keydown>
            <header>
                <h2 id=title_id>{move || t(title)}</h2>
                <button type="button" class="close" aria-label=move || t(Msg::Close) on:click=move |_| on_close.run(())>"×"</button>
            </header>
            {children()}
        </div>
    }
}

/// Gives the focus back, when the calling view goes, to the element that had it when it came.
fn use_focus_restore() {
    let opener = document().active_element();
    on_cleanup(move || {
        if let Some(el) = &opener {
            if let Some(el) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(el) {
                let _ = el.focus();
            }
        }
    });
}

/// Keeps Tab and Shift+Tab inside the dialog.
fn trap_focus(ev: &KeyboardEvent, dialog: NodeRef<html::Div>) {
    use wasm_bindgen::JsCast;
    let Some(root) = dialog.get_untracked() else {
        return;
    };
    let Ok(list) = root.query_selector_all(
        "button:not([disabled]), input:not([disabled]), select:not([disabled]), a[href], [tabindex='0']",
    ) else {
        return;
    };
    let items: Vec<web_sys::HtmlElement> = (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .collect();
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        return;
    };
    let active = document().active_element();
    let is = |el: &web_sys::HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
    };
    if ev.shift_key()
        && (is(first)
            || active
                .as_ref()
                .is_some_and(|a| a == root.unchecked_ref::<web_sys::Element>()))
    {
        ev.prevent_default();
        let _ = last.focus();
    } else if !ev.shift_key() && is(last) {
        ev.prevent_default();
        let _ = first.focus();
    }
}
