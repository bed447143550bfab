//! A benchmark's PostgreSQL run: a database of its own, `om_bench_<what>_<pid>`, created on the
//! server TEST_POSTGRES_URL names and dropped afterwards (scripts/bench.sh drops those of
//! processes that died), or a line saying it was skipped when that is not set.

use std::future::Future;

use anyhow::Context;
use sqlx::Connection;

pub async fn on_postgres<T, F, Fut>(what: &str, measure: F) -> anyhow::Result<Option<T>>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let Ok(admin) = std::env::var("TEST_POSTGRES_URL") else {
        println!("PostgreSQL: skipped (TEST_POSTGRES_URL is not set)");
        return Ok(None);
    };
    let name = format!("om_bench_{what}_{}", std::process::id());
    let mut conn = sqlx::AnyConnection::connect(&admin).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    let base = admin.rsplit_once('/').context("TEST_POSTGRES_URL")?.0;
    let result = measure(format!("{base}/{name}")).await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    result.map(Some)
}
