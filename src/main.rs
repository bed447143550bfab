fn main() {
    console_error_panic_hook::set_once();
    // Mounted once the answers index.html asked for are in, so that the first paint is the page
    // itself rather than an empty shell followed by the page (issue 20: one paint, not two).
    wasm_bindgen_futures::spawn_local(async {
        vpn_console::api::early_answers().await;
        // The page the server drew (docs/first-page.md) gives way to the live console in this
        // same task, so no frame is painted between the two.
        if let Some(body) = leptos::prelude::document().body() {
            body.set_text_content(None);
            let _ = body.remove_attribute("inert");
        }
        leptos::mount::mount_to_body(vpn_console::App);
        // When the page answers clicks: tests/bench/first_row.mjs reports it beside the first row.
        vpn_console::components::mark_console_live();
    });
}
