//! Issue 14, item 4: a connection whose headers never finish arriving (slowloris), or that sits
//! idle, is closed by the real server binary within its header-read timeout (10 s).

#[allow(dead_code)]
mod hardening_support;
#[allow(dead_code)]
mod support;

use std::time::{Duration, Instant};

use hardening_support::ServerProcess;
use support::Backend;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Scheduling slack on a busy machine.
const SLACK: Duration = Duration::from_secs(5);

/// How long until the server closes the connection (reads until end of stream), or `None` if
/// it is still open after the timeout and the slack.
async fn closed_after(
    stream: &mut (impl AsyncReadExt + Unpin),
    since: Instant,
) -> Option<Duration> {
    let mut buf = [0u8; 4096];
    let deadline = HEADER_READ_TIMEOUT + SLACK + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at((since + deadline).into(), stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(since.elapsed()),
            Ok(Ok(_)) => continue,
        }
    }
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Sqlite).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Postgres).await; })*
        }
    };
}

both_backends!(slow_and_idle_connections_are_closed);

async fn slow_and_idle_connections_are_closed(backend: Backend) {
    let server = ServerProcess::start(backend, &[]).await;

    // Slowloris: the request line and half a header, then a byte a second.
    let (mut slow_rd, mut slow_wr) = TcpStream::connect(server.addr).await.unwrap().into_split();
    let since = Instant::now();
    slow_wr
        .write_all(b"GET /api/v1/regions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: ")
        .await
        .unwrap();
    let dribble = async {
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if slow_wr.write_all(b"a").await.is_err() {
                break;
            }
        }
    };
    // Meanwhile a connection that says nothing at all.
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let silent_since = Instant::now();
    let (slow_closed, silent_closed) = tokio::select! {
        closed = async {
            tokio::join!(closed_after(&mut slow_rd, since), closed_after(&mut silent, silent_since))
        } => closed,
        () = async { dribble.await; std::future::pending::<()>().await } => unreachable!(),
    };
    println!("{backend:?}: slowloris closed after {slow_closed:?}, a silent connection after {silent_closed:?}");
    let slow_closed = slow_closed.expect("a slowloris connection stayed open");
    assert!(
        slow_closed <= HEADER_READ_TIMEOUT + SLACK,
        "{slow_closed:?}"
    );
    let silent_closed = silent_closed.expect("a silent connection stayed open");
    assert!(
        silent_closed <= HEADER_READ_TIMEOUT + SLACK,
        "{silent_closed:?}"
    );

    // An idle kept-alive connection: one request answered, then nothing more.
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 12];
    idle.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    let since = Instant::now();
    let idle_closed = closed_after(&mut idle, since)
        .await
        .expect("an idle kept-alive connection stayed open");
    println!("idle keep-alive closed after {idle_closed:?}");
    assert!(
        idle_closed <= HEADER_READ_TIMEOUT + SLACK,
        "{idle_closed:?}"
    );

    // And the server still answers.
    let res = reqwest::get(format!("{}/api/v1/openapi.json", server.origin))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_gets_its_413_not_a_broken_connection() {
    oversized_bodies(Backend::Sqlite).await;
}

/// A body over the limit is answered 413 at once, before it has all arrived. The client is then
/// still writing: were the connection closed with the rest unread, the kernel would reset it and
/// the client would see a broken pipe instead of the answer. The server reads the rest first.
async fn oversized_bodies(backend: Backend) {
    let server = ServerProcess::start(backend, &[]).await;
    let big = format!(r#"{{"mode":"now","pad":"{}"}}"#, "x".repeat(200_000));
    let url = server.url("/om-events/om-bp1aaaaaaaaaaaaaaaaa/execution");
    let login = |client: reqwest::Client| {
        let url = server.url("/session");
        async move {
            let res = client
                .post(url)
                .json(&serde_json::json!({"email": "alice@acme.example", "password": "demo-password"}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            client
        }
    };
    let new_client = |idle| {
        reqwest::Client::builder()
            .cookie_store(true)
            .pool_max_idle_per_host(idle)
            .build()
            .unwrap()
    };
    // One kept-alive client, as a script would use, and a new connection each time.
    let kept = login(new_client(usize::MAX)).await;
    let other = login(new_client(0)).await;
    for round in 0..40 {
        let client = if round % 2 == 0 {
            kept.clone()
        } else {
            other.clone()
        };
        let res = client
            .post(&url)
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e:?}"));
        assert_eq!(res.status(), 413, "round {round}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "payload_too_large", "round {round}");
        // And the kept-alive connection goes on serving.
        let res = kept
            .get(server.url("/openapi.json"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("round {round}, next request: {e:?}"));
        assert_eq!(res.status(), 200);
    }
    server.stop().await;
}
