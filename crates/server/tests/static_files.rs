//! The console's files as the real server sends them from a console folder (a temporary one with a
//! built file and its .br and .gz copies): the variant the client accepts, and
//! `Vary: Accept-Encoding` on every answer whose bytes depend on that header, so that a shared
//! cache in front of the server never hands one client's encoding to another.

use std::path::Path;
use std::sync::Arc;

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, IF_MODIFIED_SINCE, LAST_MODIFIED, VARY};
use reqwest::{Response, StatusCode};
use vpn_console_server::clock::SystemClock;
use vpn_console_server::store::Store;

const SCRIPT: &str = "/vpn-console-0123456789abcdef.js";
const PLAIN: &[u8] = b"console.log('the plain script');\n";
// Not real brotli and gzip: distinct bytes show which file was sent, and the client here
// decodes nothing (reqwest is built without its decompression features).
const BROTLI: &[u8] = b"brotli bytes of the script";
const GZIP: &[u8] = b"gzip bytes of the script";

struct Console {
    base: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Console {
    /// The real router on a loopback port, serving a console folder with index.html (plain and
    /// gzip) and one script with all three variants, beside a SQLite database.
    async fn spawn() -> Console {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let console = dir.path().join("console");
        std::fs::create_dir(&console).unwrap();
        let write = |name: &str, bytes: &[u8]| std::fs::write(console.join(name), bytes).unwrap();
        write("index.html", b"<!DOCTYPE html><title>Console</title>");
        write("index.html.gz", b"gzip bytes of index.html");
        let script = SCRIPT.trim_start_matches('/');
        write(script, PLAIN);
        write(&format!("{script}.br"), BROTLI);
        write(&format!("{script}.gz"), GZIP);

        let url = format!("sqlite://{}/console.db", dir.path().display());
        let store = Store::connect(&url).await.unwrap();
        let state = vpn_console_server::state(store, Arc::new(SystemClock));
        let app = vpn_console_server::router(state, Path::new(&console));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            vpn_console_server::serve::serve(listener, app, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Console {
            base,
            shutdown: Some(tx),
            server: Some(server),
            _dir: dir,
        }
    }

    async fn get(&self, path: &str, accept_encoding: Option<&str>) -> Response {
        let mut req = reqwest::Client::new().get(format!("{}{path}", self.base));
        if let Some(a) = accept_encoding {
            req = req.header(ACCEPT_ENCODING, a);
        }
        req.send().await.unwrap()
    }

    async fn stop(mut self) {
        let _ = self.shutdown.take().unwrap().send(());
        self.server.take().unwrap().await.unwrap();
    }
}

/// The header's values, lower case; `Vary` may come as several headers or as a list in one.
fn vary(res: &Response) -> Vec<String> {
    res.headers()
        .get_all(VARY)
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .collect()
}

fn encoding(res: &Response) -> Option<&str> {
    res.headers()
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_encoding_is_served_with_vary_accept_encoding() {
    let app = Console::spawn().await;
    // (Accept-Encoding, the Content-Encoding expected, the bytes expected)
    let cases: [(Option<&str>, Option<&str>, &[u8]); 5] = [
        (Some("gzip, deflate, br"), Some("br"), BROTLI),
        (Some("br"), Some("br"), BROTLI),
        (Some("gzip"), Some("gzip"), GZIP),
        (Some("identity"), None, PLAIN),
        (None, None, PLAIN),
    ];
    for (accept, expected, bytes) in cases {
        let res = app.get(SCRIPT, accept).await;
        assert_eq!(res.status(), StatusCode::OK, "{accept:?}");
        assert_eq!(encoding(&res), expected, "Content-Encoding for {accept:?}");
        assert!(
            vary(&res).iter().any(|v| v == "accept-encoding"),
            "Vary for {accept:?}: {:?}",
            vary(&res)
        );
        assert_eq!(res.bytes().await.unwrap().as_ref(), bytes, "{accept:?}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_and_not_modified_answers_carry_vary_too() {
    let app = Console::spawn().await;
    // index.html by its folder (negotiated: it has a .gz copy) and by a console address (the
    // single-page app's fallback).
    let index = app.get("/", Some("gzip")).await;
    assert_eq!(index.status(), StatusCode::OK);
    assert_eq!(encoding(&index), Some("gzip"));
    assert_eq!(vary(&index), ["accept-encoding"]);
    let plain = app.get("/", None).await;
    assert_eq!(encoding(&plain), None);
    assert_eq!(vary(&plain), ["accept-encoding"]);
    let route = app
        .get("/vpn-gateways?region=cn-hangzhou", Some("br"))
        .await;
    assert_eq!(route.status(), StatusCode::OK);
    assert!(route
        .text()
        .await
        .unwrap()
        .contains("<title>Console</title>"));

    // A revalidation answered 304 names the same Vary as the 200 it stands for (RFC 9110 15.4.5).
    let first = app.get(SCRIPT, Some("br")).await;
    let modified = first.headers()[LAST_MODIFIED].clone();
    let res = reqwest::Client::new()
        .get(format!("{}{SCRIPT}", app.base))
        .header(ACCEPT_ENCODING, "br")
        .header(IF_MODIFIED_SINCE, modified)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(vary(&res), ["accept-encoding"]);

    // The API negotiates no encoding and says nothing of it.
    let api = app.get("/api/v1/regions", Some("br")).await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    assert!(vary(&api).is_empty(), "{:?}", vary(&api));
    app.stop().await;
}
