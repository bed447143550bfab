//! The first page drawn by the server (docs/first-page.md): a list page opened by a logged-in
//! viewer whose browser said how it shows the console (the view cookie) comes with its top bar
//! and rows already in the HTML, rendered by the console's own components. Any other request for
//! the page gets index.html as it is, and the console draws it in the browser.

use std::convert::Infallible;
use std::path::Path;
use std::str::FromStr;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::{DateTime, Offset, TimeZone, Utc};
use tower::ServiceExt;
use tower_http::services::ServeFile;
use vpn_console::first_page::{self, FirstPage, VIEW_COOKIE};

/// The page's own mark of its first row, for tests/bench/first_row.mjs, as the console sets it
/// when it draws the rows itself (`mark_first_row` in src/components/list_page.rs). Allowed by
/// its hash in the CSP.
pub const FIRST_ROW_MARK: &str = "performance.mark('first-row');console.debug('first-row')";

/// What goes before Trunk's `await init(` on a drawn page (see `Template::read`).
const WAIT_FOR_A_PAINT: &str = "await new Promise((painted) => requestAnimationFrame(() => requestAnimationFrame(painted)));\nconst wasm = await init(";

/// index.html, cut where the server's parts go.
#[derive(Clone)]
pub struct Template {
    /// Up to the first script of `<head>` (index.html's early-request script, which reads the
    /// answers block placed before it).
    head: String,
    /// From that script to `<body` (the server writes the tag's end).
    middle: String,
    /// From `</body>` on.
    tail: String,
}

impl Template {
    /// The inline scripts of the drawn page that index.html does not have, for the CSP: Trunk's
    /// module script as `read` rewrites it.
    pub fn inline_scripts(&self) -> Vec<String> {
        let mut scripts = Vec::new();
        let mut rest = self.middle.as_str();
        while let Some(start) = rest.find("<script type=\"module\">") {
            let body = &rest[start + "<script type=\"module\">".len()..];
            let Some(end) = body.find("</script>") else {
                break;
            };
            if body[..end].contains(WAIT_FOR_A_PAINT) {
                scripts.push(body[..end].to_owned());
            }
            rest = &body[end..];
        }
        scripts
    }

    /// `None` when index.html does not have the shape the console's build gives it: then the
    /// server never draws a first page.
    pub fn read(index: &Path) -> Option<Template> {
        let html = std::fs::read_to_string(index).ok()?;
        // Trunk's module script starts the wasm as soon as the page is parsed. On a drawn page
        // it waits two animation frames first: compiling 780 KB of wasm on every core would
        // otherwise hold back the paint of the page that is already there (measured cold:
        // first row painted at 428 ms without the wait, against the hand-written page's 216 ms).
        let html = html.replacen("const wasm = await init(", WAIT_FOR_A_PAINT, 1);
        let script = html.find("<script")?;
        let tag = html.find("<body>")?;
        let body = tag + "<body>".len();
        let end = html.find("</body>")?;
        (script < tag && body <= end && html[body..end].trim().is_empty()).then(|| Template {
            head: html[..script].to_owned(),
            middle: html[script..tag + "<body".len()].to_owned(),
            tail: html[end..].to_owned(),
        })
    }
}

/// What the page service needs: the API to ask (the same handlers the browser would reach),
/// the template, and index.html for every request it does not draw.
#[derive(Clone)]
pub struct FirstPageService {
    pub api: Router,
    pub template: Option<Template>,
    pub index: ServeFile,
}

impl FirstPageService {
    pub async fn serve(self, req: Request) -> Result<Response, Infallible> {
        if req.method() == Method::GET {
            if let Some(template) = &self.template {
                let (headers, uri) = (req.headers().clone(), req.uri().clone());
                if let Some(page) = draw(&self.api, template, &headers, &uri).await {
                    return Ok(page);
                }
            }
        }
        Ok(self.index.oneshot(req).await.into_response())
    }
}

/// How the viewer sees the console, from the view cookie: language tag, and `None` for UTC or
/// the zone. A zone chrono-tz does not know means no drawing: its times would be wrong.
fn view(headers: &HeaderMap) -> Option<(String, Option<chrono_tz::Tz>)> {
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == VIEW_COOKIE)?
        .value()
        .to_owned();
    let (lang, zone) = value.split_once('|')?;
    let zone = match zone {
        "UTC" => None,
        name => Some(chrono_tz::Tz::from_str(name).ok()?),
    };
    Some((lang.to_owned(), zone))
}

/// One API answer as the early script hands it to the console.
struct Answer {
    key: String,
    etag: Option<String>,
    body: serde_json::Value,
}

async fn ask(api: &Router, key: &str, cookies: &HeaderMap) -> Option<Answer> {
    let mut req = Request::get(format!("{}{key}", vpn_console_domain::api::API_PREFIX))
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .ok()?;
    for cookie in cookies.get_all(header::COOKIE) {
        req.headers_mut().append(header::COOKIE, cookie.clone());
    }
    let res = api.clone().oneshot(req).await.ok()?;
    if res.status() != StatusCode::OK {
        return None;
    }
    let etag = res
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = axum::body::to_bytes(res.into_body(), 4 * 1024 * 1024)
        .await
        .ok()?;
    Some(Answer {
        key: key.to_owned(),
        etag,
        body: serde_json::from_slice(&bytes).ok()?,
    })
}

async fn draw(
    api: &Router,
    template: &Template,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
) -> Option<Response> {
    crate::http::extract::session_cookie(headers)?;
    let (lang_tag, zone) = view(headers)?;
    let search = uri.query().unwrap_or_default();
    let keys = first_page::requests(uri.path(), search)?;
    let mut answers = Vec::with_capacity(keys.len());
    for key in &keys {
        answers.push(ask(api, key, headers).await?);
    }
    let has_rows = answers
        .last()
        .and_then(|list| list.body.get("items")?.as_array().map(|i| !i.is_empty()))
        .unwrap_or(false);
    let page = FirstPage {
        pathname: uri.path().to_owned(),
        search: search.to_owned(),
        lang_tag,
        utc: zone.is_none(),
        answers: answers
            .iter()
            .map(|a| (a.key.clone(), a.body.to_string()))
            .collect(),
    };
    // A page that cannot be drawn is left to the console, as any other.
    let body = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        first_page::render(
            page,
            Box::new(move |t: DateTime<Utc>| match zone {
                Some(tz) => tz
                    .offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc(),
                None => 0,
            }),
        )
    }))
    .map_err(|_| tracing::error!("drawing the first page of {uri} failed; index.html sent"))
    .ok()?;
    let html = format!(
        // `inert` until the console has taken the page over (src/main.rs): a click before that
        // would be lost, so the drawn page takes none.
        "{head}<script type=\"application/json\" id=\"om-first-page\">{data}</script>\n    {middle} inert>{body}{mark}{tail}",
        head = template.head,
        data = answers_block(&answers),
        middle = template.middle,
        mark = if has_rows {
            format!("<script>{FIRST_ROW_MARK}</script>")
        } else {
            String::new()
        },
        tail = template.tail,
    );
    Some(
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                // The viewer's own page: drawn from their session and their view cookie.
                (header::VARY, HeaderValue::from_static("cookie")),
            ],
            html,
        )
            .into_response(),
    )
}

/// The answers as index.html's early script reads them: `{key: {status, etag, body}}`, with
/// every `<` escaped so that no text in them can end the block or open a comment.
fn answers_block(answers: &[Answer]) -> String {
    let block: serde_json::Map<String, serde_json::Value> = answers
        .iter()
        .map(|a| {
            (
                a.key.clone(),
                serde_json::json!({ "status": 200, "etag": a.etag, "body": a.body }),
            )
        })
        .collect();
    serde_json::Value::Object(block)
        .to_string()
        .replace('<', "\\u003c")
}
