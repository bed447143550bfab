//! The console's components in a real browser (wasm-bindgen-test in headless Chromium). The
//! dialog talks to a stand-in `fetch` that answers like the API and records every request, so
//! these tests can prove what is and is not sent; the journeys in tests/e2e use the real server.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use vpn_console::components::{OmAction, OmCell, OmEventDialog};
use vpn_console::i18n::Lang;
use vpn_console::state::Ctx;
use vpn_console::time::Zone;
use vpn_console_domain::api::{CurrentEvent, OmEventsCell, Role, SessionInfo};
use vpn_console_domain::EventStatus;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn session(role: Role) -> SessionInfo {
    SessionInfo {
        email: "alice@acme.example".into(),
        account: "acme".into(),
        role,
        expires_at: "2099-01-01T00:00:00Z".parse().unwrap(),
    }
}

fn provide(role: Role) {
    // The dialog's lazily mounted parts read the region from the address, as in the app.
    vpn_console::router::provide_location();
    provide_context(Ctx::new(Some(session(role)), Zone::Utc, Lang::En));
}

/// A fresh container in the document.
fn container() -> web_sys::HtmlElement {
    let doc = document();
    let div = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits until `f` holds, up to two seconds.
async fn until(what: &str, f: impl Fn() -> bool) {
    for _ in 0..100 {
        if f() {
            return;
        }
        sleep(20).await;
    }
    panic!("timed out waiting for {what}");
}

const EVENT: &str = r#"{"event":{"id":"om-bp1test0000000000001","region":"cn-hangzhou","resource":{"kind":"vpn_gateway","id":"vpn-bp1test0000000000001"},"gateway_ip":{"role":"ipsec_address_1","ip":"47.96.0.1"},"reason":"system_upgrade","status":"pending","default_execute_at":"2099-12-01T18:00:00Z","execute_at":"2099-12-01T18:00:00Z","published_at":"2099-11-20T00:00:00Z","started_at":null,"finished_at":null,"version":3},
"affected":[{"kind":"tunnel","id":"tun-bp1a","connection_id":"vco-bp1a","connection_name":"branch-a","connection_tunnel_mode":"dual_tunnel","index":1,"gateway_ip":"47.96.0.1","customer_gateway":{"id":"cgw-bp1a","ip":"116.62.0.4"},"state":"available","carries_traffic":true,"effect":"failover","max_interruption_s":60,"recommendation":"Make sure that your local gateway device supports auto failover.","recommendation_key":"auto_failover"}],
"summary":{"max_interruption_s":60,"tunnels":1,"connections":1,"ssl_clients":12,"tunnels_failover":1,"tunnels_interrupted":0,"tunnels_unaffected":0},
"server_time":"2099-11-26T00:00:00Z"}"#;

/// Replaces `fetch` with one that answers the event detail (ETag "3") and records requests in
/// `window.__requests`.
fn stand_in_fetch() {
    let script = format!(
        r#"window.__requests = []; window.__postMode = 'ok';
        window.fetch = async (req) => {{
          const method = req.method, url = new URL(req.url).pathname;
          const body = method === 'GET' ? null : await req.text();
          // The dialog reads the account's approval policy and pending requests (DESIGN.md 14): answered
          // without being counted among the requests the tests look at.
          if (method === 'GET' && url === '/api/v1/approval-policy') {{
            return new Response('{{"require_for":[],"min_approvals":1}}', {{ status: 200, headers: {{ 'Content-Type': 'application/json' }} }});
          }}
          if (method === 'GET' && url === '/api/v1/approvals') {{
            return new Response('{{"items":[],"total":0}}', {{ status: 200, headers: {{ 'Content-Type': 'application/json' }} }});
          }}
          window.__requests.push({{ method, url, body, ifMatch: req.headers.get('If-Match'), key: req.headers.get('Idempotency-Key') }});
          if (method === 'POST' && window.__postMode === 'network') {{ throw new TypeError('Failed to fetch'); }}
          if (method === 'POST' && window.__postMode === 'stale') {{
            return new Response('{{"code":"stale","message":"changed"}}', {{ status: 412, headers: {{ 'Content-Type': 'application/json' }} }});
          }}
          if (method === 'GET' && url.startsWith('/api/v1/om-events/')) {{
            return new Response({EVENT:?}, {{ status: 200, headers: {{ 'ETag': '"3"', 'Content-Type': 'application/json' }} }});
          }}
          if (method === 'POST') {{
            return new Response(JSON.stringify(JSON.parse({EVENT:?}).event), {{ status: 200, headers: {{ 'ETag': '"4"', 'Content-Type': 'application/json' }} }});
          }}
          return new Response('{{"code":"not_found","message":"no"}}', {{ status: 404 }});
        }};"#
    );
    js_sys::eval(&script).unwrap();
}

fn requests(method: &str) -> usize {
    let all = js_sys::Reflect::get(&window(), &"__requests".into()).unwrap();
    js_sys::Array::from(&all)
        .iter()
        .filter(|r| {
            js_sys::Reflect::get(r, &"method".into())
                .unwrap()
                .as_string()
                .as_deref()
                == Some(method)
        })
        .count()
}

fn click(root: &web_sys::HtmlElement, selector: &str) {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
}

fn disabled(root: &web_sys::HtmlElement, selector: &str) -> bool {
    root.query_selector(selector)
        .unwrap()
        .map(|e| e.has_attribute("disabled"))
        .unwrap_or(false)
}

#[wasm_bindgen_test]
fn om_cell_shows_default_scheduled_and_previous_times() {
    let root = container();
    let cell = OmEventsCell {
        current: Some(CurrentEvent {
            id: "om-bp1cell".parse().unwrap(),
            default_execute_at: "2026-12-01T18:00:00Z".parse().unwrap(),
            execute_at: "2026-11-30T18:00:00Z".parse().unwrap(),
            status: EventStatus::Pending,
            conflict: false,
        }),
        previous_executed_at: Some("2026-11-01T18:00:00Z".parse().unwrap()),
        previous_verdict: None,
    };
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide(Role::Operator);
        view! { <OmCell cell=cell/> }
    });
    let text = root.text_content().unwrap();
    assert!(text.contains("om-bp1cell"), "{text}");
    assert!(text.contains("Default: 2026-12-01 18:00 UTC"), "{text}");
    assert!(text.contains("Scheduled: 2026-11-30 18:00 UTC"), "{text}");
    assert!(text.contains("Previous: 2026-11-01 18:00 UTC"), "{text}");
    drop(handle);
}

#[wasm_bindgen_test]
fn om_cell_marks_a_conflict_in_words_with_its_reason() {
    let root = container();
    let event = |conflict| CurrentEvent {
        id: "om-bp1conflict".parse().unwrap(),
        default_execute_at: "2026-12-01T18:00:00Z".parse().unwrap(),
        execute_at: "2026-12-01T18:00:00Z".parse().unwrap(),
        status: EventStatus::Pending,
        conflict,
    };
    let (marked, plain) = (
        OmEventsCell {
            current: Some(event(true)),
            previous_executed_at: None,
            previous_verdict: None,
        },
        OmEventsCell {
            current: Some(event(false)),
            previous_executed_at: None,
            previous_verdict: None,
        },
    );
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide(Role::Operator);
        view! { <div id="marked"><OmCell cell=marked/></div><div id="plain"><OmCell cell=plain/></div> }
    });
    let badge = root
        .query_selector("#marked .badge.conflict")
        .unwrap()
        .expect("a conflict mark");
    assert_eq!(badge.text_content().unwrap(), "⚠ Conflict");
    let title = badge.get_attribute("title").unwrap();
    assert!(
        title.contains("same time as another event on the same customer gateway"),
        "{title}"
    );
    assert!(root
        .query_selector("#plain .badge.conflict")
        .unwrap()
        .is_none());
    drop(handle);
}

#[wasm_bindgen_test]
fn the_action_is_disabled_with_a_reason_when_there_is_no_event() {
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide(Role::Operator);
        view! { <OmAction cell=OmEventsCell::default() row_id="vpn-bp1x".into() on_open=Callback::new(|_| {})/> }
    });
    let button = root.query_selector("button").unwrap().unwrap();
    assert!(button.has_attribute("disabled"));
    let reason_id = button.get_attribute("aria-describedby").unwrap();
    let reason = document().get_element_by_id(&reason_id).unwrap();
    assert_eq!(reason.text_content().unwrap(), "No pending O&M event");
    drop(handle);
}

#[wasm_bindgen_test]
async fn the_dialog_previews_and_cancel_sends_nothing() {
    stand_in_fetch();
    let root = container();
    let closed = RwSignal::new(false);
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide(Role::Operator);
        view! { <OmEventDialog event_id="om-bp1test0000000000001".into()
        on_close=Callback::new(move |_| closed.set(true)) on_changed=Callback::new(|_| {})/> }
    });
    until("the event", || {
        root.query_selector("#om-event-id").unwrap().is_some()
    })
    .await;
    let text = root.text_content().unwrap();
    assert!(
        text.contains("1 tunnel fail over, at most under 1 minute; 12 SSL clients disconnect"),
        "{text}"
    );
    assert!(text.contains("IPsec Address 1"));
    let now_radio: web_sys::HtmlInputElement = root
        .query_selector("input[value=now]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert!(now_radio.checked(), "Execute Now is the default");
    click(&root, "#om-cancel");
    assert!(closed.get_untracked());
    assert_eq!(requests("POST"), 0);
    drop(handle);
}

#[wasm_bindgen_test]
async fn execute_now_needs_a_second_confirmation() {
    stand_in_fetch();
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide(Role::Operator);
        view! { <OmEventDialog event_id="om-bp1test0000000000001".into()
        on_close=Callback::new(|_| {}) on_changed=Callback::new(|_| {})/> }
    });
    until("the event", || {
        root.query_selector("#om-event-id").unwrap().is_some()
    })
    .await;
    click(&root, "#om-ok");
    until("the confirmation", || {
        root.text_content()
            .unwrap()
            .contains("Execute this O&M event now?")
    })
    .await;
    assert_eq!(
        requests("POST"),
        0,
        "OK alone sends nothing for Execute Now"
    );
    click(&root, "#om-ok");
    until("the request", || requests("POST") == 1).await;
    let all = js_sys::Reflect::get(&window(), &"__requests".into()).unwrap();
    let post = js_sys::Array::from(&all)
        .iter()
        .find(|r| js_sys::Reflect::get(r, &"method".into()).unwrap() == "POST")
        .unwrap();
    assert_eq!(
        js_sys::Reflect::get(&post, &"body".into())
            .unwrap()
            .as_string()
            .unwrap(),
        r#"{"mode":"now"}"#
    );
    assert_eq!(
        js_sys::Reflect::get(&post, &"ifMatch".into())
            .unwrap()
            .as_string()
            .unwrap(),
        "\"3\""
    );
    drop(handle);
}

#[wasm_bindgen_test]
async fn a_time_after_the_default_keeps_ok_disabled() {
    stand_in_fetch();
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide(Role::Operator);
        view! { <OmEventDialog event_id="om-bp1test0000000000001".into()
        on_close=Callback::new(|_| {}) on_changed=Callback::new(|_| {})/> }
    });
    until("the event", || {
        root.query_selector("#om-event-id").unwrap().is_some()
    })
    .await;
    let at: web_sys::HtmlInputElement = root
        .query_selector("input[value=at]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    at.click();
    until("the time input", || {
        root.query_selector("#om-execute-at").unwrap().is_some()
    })
    .await;
    let input: web_sys::HtmlInputElement = root
        .query_selector("#om-execute-at")
        .unwrap()
        .unwrap()
        .unchecked_into();
    // Prefilled with the default execution time: valid.
    assert_eq!(input.value(), "2099-12-01T18:00");
    until("OK enabled", || !disabled(&root, "#om-ok")).await;
    input.set_value("2099-12-01T18:01");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    until("the refusal", || {
        root.text_content()
            .unwrap()
            .contains("must not be later than the default execution time")
    })
    .await;
    assert!(disabled(&root, "#om-ok"));
    assert_eq!(requests("POST"), 0);
    drop(handle);
}

#[wasm_bindgen_test]
async fn a_viewer_cannot_press_ok() {
    stand_in_fetch();
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide(Role::Viewer);
        view! { <OmEventDialog event_id="om-bp1test0000000000001".into()
        on_close=Callback::new(|_| {}) on_changed=Callback::new(|_| {})/> }
    });
    until("the event", || {
        root.query_selector("#om-event-id").unwrap().is_some()
    })
    .await;
    assert!(disabled(&root, "#om-ok"));
    assert!(root.text_content().unwrap().contains("Your role is viewer"));
    drop(handle);
}

fn set_post_mode(mode: &str) {
    js_sys::Reflect::set(&window(), &"__postMode".into(), &mode.into()).unwrap();
}

fn recorded(method: &str, field: &str) -> Vec<String> {
    let all = js_sys::Reflect::get(&window(), &"__requests".into()).unwrap();
    js_sys::Array::from(&all)
        .iter()
        .filter(|r| {
            js_sys::Reflect::get(r, &"method".into())
                .unwrap()
                .as_string()
                .as_deref()
                == Some(method)
        })
        .map(|r| {
            js_sys::Reflect::get(&r, &field.into())
                .unwrap()
                .as_string()
                .unwrap_or_default()
        })
        .collect()
}

async fn open_dialog_with_time(root: &web_sys::HtmlElement) {
    until("the event", || {
        root.query_selector("#om-event-id").unwrap().is_some()
    })
    .await;
    let at: web_sys::HtmlInputElement = root
        .query_selector("input[value=at]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    at.click();
    until("OK enabled", || !disabled(root, "#om-ok")).await;
}

#[wasm_bindgen_test]
async fn a_stale_version_reloads_the_event_and_says_so() {
    stand_in_fetch();
    set_post_mode("stale");
    let root = container();
    let changed = RwSignal::new(false);
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide(Role::Operator);
        view! { <OmEventDialog event_id="om-bp1test0000000000001".into()
        on_close=Callback::new(|_| {}) on_changed=Callback::new(move |_| changed.set(true))/> }
    });
    open_dialog_with_time(&root).await;
    click(&root, "#om-ok");
    until("the notice", || {
        root.text_content().unwrap().contains("changed meanwhile")
    })
    .await;
    until("the reload", || requests("GET") >= 2).await;
    assert!(!changed.get_untracked(), "nothing reported as changed");
    assert!(
        root.query_selector("#om-event-id").unwrap().is_some(),
        "the dialog stays open"
    );
    drop(handle);
}

#[wasm_bindgen_test]
async fn a_network_failure_keeps_the_dialog_and_retries_with_the_same_key() {
    stand_in_fetch();
    set_post_mode("network");
    let root = container();
    let closed = RwSignal::new(false);
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide(Role::Operator);
        view! { <OmEventDialog event_id="om-bp1test0000000000001".into()
        on_close=Callback::new(move |_| closed.set(true)) on_changed=Callback::new(|_| {})/> }
    });
    open_dialog_with_time(&root).await;
    click(&root, "#om-ok");
    until("the retry offer", || {
        root.query_selector("#om-ok")
            .unwrap()
            .and_then(|b| b.text_content())
            .as_deref()
            == Some("Retry")
    })
    .await;
    assert!(!closed.get_untracked(), "the dialog stays");
    set_post_mode("ok");
    click(&root, "#om-ok");
    until("the dialog to close", || closed.get_untracked()).await;
    let keys = recorded("POST", "key");
    assert_eq!(keys.len(), 2);
    assert_eq!(
        keys[0], keys[1],
        "the retry is the same request to the server"
    );
    assert!(!keys[0].is_empty());
    drop(handle);
}
