//! Accepting connections: hyper's HTTP/1 server with the timeouts that `axum::serve` leaves out.
//!
//! `axum::serve` gives hyper no timer, so hyper's header-read timeout never fires: a client that
//! sends headers a byte at a time (slowloris), or opens connections and sends nothing, holds a
//! connection for as long as it likes, and the request timeout only starts once the headers are
//! in. Here every connection has [`HEADER_READ_TIMEOUT`] to deliver a request's headers, which
//! also bounds how long an idle kept-alive connection waits for its next request.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::{Body as _, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How long a client has to send a request's headers, and how long a kept-alive connection may
/// sit idle between requests.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` completes, then lets the requests in flight
/// finish. Handlers see the TCP peer as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    // Every connection holds a receiver: `closed()` on the sender tells when all have ended.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Without TCP_NODELAY a response written in two parts (headers, then a file's body) on a
        // kept-alive connection waits for the client's delayed ACK: about 40 ms per static file.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY: {e}");
        }
        tokio::spawn(serve_connection(tcp, peer, app.clone(), stop_rx.clone()));
    }
    drop(listener);
    drop(stop_rx);
    stop_tx.send_replace(());
    stop_tx.closed().await;
    Ok(())
}

/// How much of a request body the handler left unread is read (and dropped) before the answer
/// goes out, and for how long. A body refused early (too large, unauthenticated) is still on
/// its way: closing the connection with it unread makes the kernel reset the connection, and
/// the client sees a broken pipe or a closed connection instead of the answer. Beyond these
/// bounds the connection is closed anyway.
const UNREAD_BODY_DRAIN_BYTES: usize = 1024 * 1024;
const UNREAD_BODY_DRAIN_TIME: Duration = Duration::from_secs(5);

/// A request body that, dropped before its end, hands itself back for draining.
struct ReturnedIfUnread {
    body: Option<Incoming>,
    unread: Arc<Mutex<Option<Incoming>>>,
}

impl hyper::body::Body for ReturnedIfUnread {
    type Data = <Incoming as hyper::body::Body>::Data;
    type Error = <Incoming as hyper::body::Body>::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        match self.body.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body
            .as_ref()
            .map_or_else(|| hyper::body::SizeHint::with_exact(0), |b| b.size_hint())
    }
}

impl Drop for ReturnedIfUnread {
    fn drop(&mut self) {
        if let Some(body) = self.body.take().filter(|b| !b.is_end_stream()) {
            *self.unread.lock().unwrap_or_else(|e| e.into_inner()) = Some(body);
        }
    }
}

/// Reads and drops what is left of `body`, within the bounds above.
async fn drain(mut body: Incoming) {
    let mut read = 0;
    let reading = async {
        while read <= UNREAD_BODY_DRAIN_BYTES {
            match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
                Some(Ok(frame)) => read += frame.data_ref().map_or(0, |d| d.len()),
                Some(Err(_)) | None => break,
            }
        }
    };
    let _ = tokio::time::timeout(UNREAD_BODY_DRAIN_TIME, reading).await;
}

async fn serve_connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    app: Router,
    mut stop: tokio::sync::watch::Receiver<()>,
) {
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        // Most requests (every GET) have no body: nothing to watch, nothing to allocate.
        let unread = (!req.body().is_end_stream()).then(|| Arc::new(Mutex::new(None)));
        let mut req = req.map(|body| match &unread {
            Some(slot) => axum::body::Body::new(ReturnedIfUnread {
                body: Some(body),
                unread: slot.clone(),
            }),
            None => axum::body::Body::new(body),
        });
        req.extensions_mut().insert(ConnectInfo(peer));
        let answer = app.clone().oneshot(req);
        async move {
            let res = answer.await;
            let left =
                unread.and_then(|slot| slot.lock().unwrap_or_else(|e| e.into_inner()).take());
            if let Some(body) = left {
                drain(body).await;
            }
            res
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(tcp), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!("connection from {peer}: {e}");
            }
            return;
        }
        _ = stop.changed() => conn.as_mut().graceful_shutdown(),
    }
    if let Err(e) = conn.await {
        tracing::debug!("connection from {peer}: {e}");
    }
}
