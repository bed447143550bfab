//! Security and caching headers on every answer, the console's files and the API alike.
//!
//! A plain tower layer rather than `axum::middleware::from_fn`: that one clones the whole inner
//! router and boxes a future on every request, a measurable share of a cached list request.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::{header, HeaderValue, Request, Response};
use tower::{Layer, Service};

use super::client::Deployment;

#[derive(Clone)]
pub struct SecurityHeadersLayer {
    csp: HeaderValue,
    deployment: Arc<Deployment>,
}

impl SecurityHeadersLayer {
    pub fn new(csp: HeaderValue, deployment: Deployment) -> Self {
        SecurityHeadersLayer {
            csp,
            deployment: Arc::new(deployment),
        }
    }
}

/// A year, and no preload: the operator decides about preloading, which is hard to undo.
const HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000; includeSubDomains");

impl<S> Layer<S> for SecurityHeadersLayer {
    type Service = SecurityHeaders<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SecurityHeaders {
            inner,
            csp: self.csp.clone(),
            deployment: self.deployment.clone(),
        }
    }
}

#[derive(Clone)]
pub struct SecurityHeaders<S> {
    inner: S,
    csp: HeaderValue,
    deployment: Arc<Deployment>,
}

/// How long a browser may keep an answer, from the path alone.
#[derive(Clone, Copy)]
enum Caching {
    /// API answers are per user and change with every write.
    NoStore,
    /// Trunk names built files with a content hash, so they never change under their name.
    Immutable,
    /// index.html and the rest: revalidated on every load, so a new build shows at once.
    Revalidate,
}

impl Caching {
    fn of(path: &str) -> Self {
        // The list pages may be drawn by the server for the viewer (docs/first-page.md).
        if path.starts_with("/api/")
            || path == vpn_console::router::GATEWAYS
            || path == vpn_console::router::CONNECTIONS
        {
            return Caching::NoStore;
        }
        let file = path.rsplit('/').next().unwrap_or_default();
        if file.contains('-')
            && (file.ends_with(".wasm") || file.ends_with(".js") || file.ends_with(".css"))
        {
            Caching::Immutable
        } else {
            Caching::Revalidate
        }
    }

    fn header(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Caching::NoStore => "no-store",
            Caching::Immutable => "public, max-age=31536000, immutable",
            Caching::Revalidate => "no-cache",
        })
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SecurityHeaders<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = WithHeaders<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let caching = Caching::of(req.uri().path());
        // Strict-Transport-Security only on answers that went out over https: browsers ignore
        // it over plain HTTP, and a server reached without TLS must stay reachable.
        let peer = req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let hsts = self.deployment.over_https(peer, req.headers());
        WithHeaders {
            inner: self.inner.call(req),
            caching,
            csp: Some(self.csp.clone()),
            hsts,
        }
    }
}

pin_project_lite::pin_project! {
    pub struct WithHeaders<F> {
        #[pin]
        inner: F,
        caching: Caching,
        csp: Option<HeaderValue>,
        hsts: bool,
    }
}

impl<F, ResBody, E> Future for WithHeaders<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = std::task::ready!(this.inner.poll(cx))?;
        let h = res.headers_mut();
        if let Some(csp) = this.csp.take() {
            h.insert(header::CONTENT_SECURITY_POLICY, csp);
        }
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(header::CACHE_CONTROL, this.caching.header());
        if *this.hsts {
            h.insert(header::STRICT_TRANSPORT_SECURITY, HSTS);
        }
        Poll::Ready(Ok(res))
    }
}
