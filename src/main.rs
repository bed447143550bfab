fn main() {
    console_error_panic_hook::set_once();
    // Mounted once the answers index.html asked for are in, so that the first paint is the page
    // itself rather than an empty shell followed by the page (issue 20: one paint, not two).
    wasm_bindgen_futures::spawn_local(async {
        vpn_console::api::early_answers().await;
        leptos::mount::mount_to_body(vpn_console::App);
    });
}
