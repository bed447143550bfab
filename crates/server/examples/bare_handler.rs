//! The baseline of the API throughput benchmark (scripts/bench.sh): a bare axum server that
//! answers every path with one fixed file's bytes as `application/json`, with none of the
//! console's middleware, authentication or database.
//!
//! `bare_handler FILE [ADDR]` (ADDR defaults to 127.0.0.1:0); prints `listening on http://ADDR`.

use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Router;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let file = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: bare_handler FILE [ADDR]"))?;
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let body = Bytes::from(std::fs::read(&file)?);
    let app = Router::new().fallback(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], body).into_response() }
    });
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
