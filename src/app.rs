//! The shell: top bar with the region selector.

use leptos::prelude::*;

use crate::api;

#[component]
pub fn App() -> impl IntoView {
    let regions = LocalResource::new(api::regions);
    let (region, set_region) = signal(String::new());
    view! {
        <header class="topbar">
            <span class="brand">"VPN Gateway"</span>
            <label class="region">
                <span class="visually-hidden">"Region"</span>
                <Suspense fallback=|| view! { <span class="muted">"Loading regions…"</span> }>
                    {move || Suspend::new(async move {
                        match regions.await {
                            Ok(list) => {
                                if region.get_untracked().is_empty() {
                                    if let Some(first) = list.first() {
                                        set_region.set(first.id.to_string());
                                    }
                                }
                                view! {
                                    <select
                                        id="region-selector"
                                        aria-label="Region"
                                        on:change=move |ev| set_region.set(event_target_value(&ev))
                                        prop:value=move || region.get()
                                    >
                                        {list.into_iter().map(|r| view! {
                                            <option value=r.id.to_string()>{r.name}</option>
                                        }).collect_view()}
                                    </select>
                                }.into_any()
                            }
                            Err(e) => view! { <span class="error" role="alert">{e.to_string()}</span> }.into_any(),
                        }
                    })}
                </Suspense>
            </label>
        </header>
        <main class="content">
            <h1>"VPN Gateways"</h1>
            <p>"Region: " {move || region.get()}</p>
        </main>
    }
}
