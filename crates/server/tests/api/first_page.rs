//! The list pages drawn by the server (docs/first-page.md): when a page is drawn, what it holds,
//! and that every other request gets index.html unchanged.

use reqwest::header::{
    HeaderMap, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, VARY,
};
use serde_json::Value;

use crate::support::{Backend, TestApp, CONSOLE_INDEX, PASSWORD};

both_backends!(
    a_returning_viewers_list_page_is_drawn_from_the_apis_own_answers,
    the_page_is_drawn_in_the_viewers_language_and_zone,
    any_other_request_gets_index_html_as_it_is,
    text_from_the_address_cannot_end_a_script,
);

/// The session cookie (`om_session=…`) of a fresh log-in.
async fn session_of(app: &TestApp, email: &str) -> String {
    let res = reqwest::Client::new()
        .post(app.url("/session"))
        .json(&serde_json::json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let set = res.headers()["set-cookie"].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

async fn page(app: &TestApp, path: &str, cookies: &str) -> (HeaderMap, String) {
    let mut req = reqwest::Client::new().get(app.page_url(path));
    if !cookies.is_empty() {
        req = req.header(COOKIE, cookies);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let headers = res.headers().clone();
    (headers, res.text().await.unwrap())
}

/// The answers block of a drawn page, parsed.
fn answers(html: &str) -> Value {
    let start = html
        .find("<script type=\"application/json\" id=\"om-first-page\">")
        .expect("a drawn page has its answers block");
    let rest = &html[start..];
    let json = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    serde_json::from_str(json).unwrap()
}

async fn a_returning_viewers_list_page_is_drawn_from_the_apis_own_answers(backend: Backend) {
    let app = TestApp::spawn_with_console(backend).await;
    let session = session_of(&app, "alice@acme.example").await;
    let cookies = format!("{session}; om-view=en-US|Asia/Shanghai");
    let (h, html) = page(&app, "/vpn-gateways?region=cn-hangzhou", &cookies).await;
    assert_eq!(h[CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(h[CACHE_CONTROL], "no-store");
    assert_eq!(h[VARY], "cookie");

    // The answers are the API's own, under the keys index.html's script files them under.
    let list: Value = app
        .login("alice@acme.example")
        .await
        .get(app.url("/regions/cn-hangzhou/vpn-gateways?q=&page=1&page_size=20"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let block = answers(&html);
    let drawn = &block["/regions/cn-hangzhou/vpn-gateways?q=&page=1&page_size=20"];
    assert_eq!(drawn["status"], 200);
    assert_eq!(drawn["body"]["items"], list["items"]);
    assert_eq!(block["/session"]["body"]["email"], "alice@acme.example");
    assert!(block["/regions"]["body"].as_array().unwrap().len() > 1);

    // The page as the console draws it: the top bar, the navigation, every row, the pager.
    assert!(
        html.contains("<span class=\"brand\">VPN Gateway</span>"),
        "{html}"
    );
    assert!(html.contains("alice@acme.example · acme (operator)"));
    assert!(html.contains("<option value=\"cn-hangzhou\" selected>China (Hangzhou)</option>"));
    assert!(html.contains("aria-current=\"page\">VPN Gateways</a>"));
    for item in list["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        assert!(
            html.contains(&format!("<tr data-id=\"{id}\">")),
            "row of {id}"
        );
    }
    assert!(html.contains("UTC+08:00"), "times in the viewer's zone");
    let total = list["total"].as_u64().unwrap();
    assert!(html.contains(&format!("{total} VPN gateways · page 1 of")));
    // The benchmark's mark after the rows, allowed by its hash; the template's script kept.
    let rows_end = html.find("</tbody>").unwrap();
    let mark = "<script>performance.mark('first-row');console.debug('first-row')</script>";
    assert!(html.find(mark).unwrap() > rows_end);
    assert!(html.contains("<script>window.early = 1;</script>"));
    let csp = h[CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert_eq!(csp.matches("'sha256-").count(), 2, "{csp}");

    // The other list, and a later page of it.
    let (_, html) = page(
        &app,
        "/ipsec-connections?region=cn-hangzhou&page=2",
        &cookies,
    )
    .await;
    let block = answers(&html);
    assert_eq!(
        block["/regions/cn-hangzhou/ipsec-connections?q=&page=2&page_size=20"]["body"]["page"],
        2
    );
    assert!(html.contains("<table id=\"connections-table\""), "{html}");

    // Every row of the demo, in both languages, draws (each kind of event and tunnel).
    for lang in ["en", "zh-CN"] {
        let cookies = format!("{session}; om-view={lang}|Europe/Berlin");
        for list in ["vpn-gateways", "ipsec-connections"] {
            for n in 1..=5 {
                let (_, html) = page(
                    &app,
                    &format!("/{list}?region=cn-hangzhou&page={n}"),
                    &cookies,
                )
                .await;
                let block = answers(&html);
                let key = format!("/regions/cn-hangzhou/{list}?q=&page={n}&page_size=20");
                assert_eq!(block[&key]["body"]["page"], n, "{list} page {n} in {lang}");
            }
        }
    }
    app.stop().await;
}

async fn the_page_is_drawn_in_the_viewers_language_and_zone(backend: Backend) {
    let app = TestApp::spawn_with_console(backend).await;
    let session = session_of(&app, "alice@acme.example").await;
    let (_, zh) = page(
        &app,
        "/vpn-gateways?region=cn-hangzhou",
        &format!("{session}; om-view=zh-CN|UTC"),
    )
    .await;
    assert!(
        zh.contains("华东1（杭州）"),
        "the provider's own region name"
    );
    assert!(zh.contains("<h1>VPN 网关</h1>"));
    assert!(
        zh.contains(" UTC<") || zh.contains(" UTC</"),
        "times in UTC"
    );
    assert!(!zh.contains("UTC+"), "no time in another zone");

    // A viewer's page is the viewer's: their account and role.
    let viewer = session_of(&app, "victor@acme.example").await;
    let (_, html) = page(
        &app,
        "/vpn-gateways?region=cn-hangzhou",
        &format!("{viewer}; om-view=en|UTC"),
    )
    .await;
    assert!(
        html.contains("victor@acme.example · acme (viewer)"),
        "{html}"
    );
    assert!(answers(&html)["/session"]["body"]["role"] == "viewer");

    // New York in winter is five hours behind UTC.
    let (_, ny) = page(
        &app,
        "/vpn-gateways?region=cn-hangzhou",
        &format!("{session}; om-view=en|America/New_York"),
    )
    .await;
    assert!(ny.contains("UTC-05:00") || ny.contains("UTC-04:00"), "{ny}");
    app.stop().await;
}

async fn any_other_request_gets_index_html_as_it_is(backend: Backend) {
    let app = TestApp::spawn_with_console(backend).await;
    let session = session_of(&app, "alice@acme.example").await;
    let view = "om-view=en|Asia/Shanghai";
    for (path, cookies, why) in [
        (
            "/vpn-gateways?region=cn-hangzhou",
            view.to_owned(),
            "no session",
        ),
        (
            "/vpn-gateways?region=cn-hangzhou",
            format!("om_session=not-a-session; {view}"),
            "a session that does not exist",
        ),
        (
            "/vpn-gateways?region=cn-hangzhou",
            session.clone(),
            "no view cookie",
        ),
        (
            "/vpn-gateways?region=cn-hangzhou",
            format!("{session}; om-view=en|Mars/Olympus"),
            "a zone nobody knows",
        ),
        (
            "/vpn-gateways",
            format!("{session}; {view}"),
            "no region in the address",
        ),
        (
            "/vpn-gateways?region=xx-nowhere",
            format!("{session}; {view}"),
            "a region that does not exist (the console shows its error)",
        ),
        (
            "/history?region=cn-hangzhou",
            format!("{session}; {view}"),
            "a page that is not a list",
        ),
    ] {
        let (_, html) = page(&app, path, &cookies).await;
        assert_eq!(html, CONSOLE_INDEX, "{why}");
    }
    app.stop().await;
}

async fn text_from_the_address_cannot_end_a_script(backend: Backend) {
    let app = TestApp::spawn_with_console(backend).await;
    let session = session_of(&app, "alice@acme.example").await;
    let q = "</script><script>alert(1)</script><!--";
    let path = format!(
        "/vpn-gateways?region=cn-hangzhou&q={}",
        url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
    );
    let (_, html) = page(&app, &path, &format!("{session}; om-view=en|UTC")).await;
    // The template's script and the answers block: nothing else opens or ends a script.
    assert_eq!(html.matches("</script>").count(), 2, "{html}");
    assert!(!html.contains("alert(1)</script>"));
    // The search box shows the search, as the console would.
    assert!(
        html.contains("value=\"&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--\""),
        "{html}"
    );
    app.stop().await;
}
