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
