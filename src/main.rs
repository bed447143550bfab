fn main() {
    console_error_panic_hook::set_once();
    // Mounted once the answers index.html asked for are in, so that the first paint is the page
    // itself rather than an empty shell followed by the page (issue 20: one paint, not two).
    wasm_bindgen_futures::spawn_local(async {
        vpn_console::api::early_answers().await;
        // The page the server drew (docs/first-page.md) is shown at least once, then gives way
        // to the live console in one task, so no frame is painted between the two.
        if let Some(body) = leptos::prelude::document().body() {
            if body.has_attribute("inert") {
                after_a_paint().await;
            }
            body.set_text_content(None);
            let _ = body.remove_attribute("inert");
        }
        leptos::mount::mount_to_body(vpn_console::App);
        // When the page answers clicks: tests/bench/first_row.mjs reports it beside the first row.
        vpn_console::components::mark_console_live();
    });
}

/// Resolves once the browser has painted a frame: after the next animation frame's callbacks,
/// which run just before it paints.
async fn after_a_paint() {
    use wasm_bindgen::JsCast;
    let painted = js_sys::Promise::new(&mut |resolve, _| {
        let Some(window) = web_sys::window() else {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
            return;
        };
        let after = wasm_bindgen::closure::Closure::once_into_js(move || {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback(&resolve);
            }
        });
        let _ = window.request_animation_frame(after.unchecked_ref());
    });
    let _ = wasm_bindgen_futures::JsFuture::from(painted).await;
}
