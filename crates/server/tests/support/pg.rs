//! Dropping a test's PostgreSQL database.

use sqlx::Connection;

/// FORCE cannot end an autovacuum worker that happens to be in the database (it is not ours to
/// signal); it is gone a moment later. A database left behind is dropped by scripts/postgres.sh
/// at the next run, so cleaning up never fails a test.
pub async fn drop_database(admin: &str, name: &str) {
    let mut conn = sqlx::AnyConnection::connect(admin).await.unwrap();
    for attempt in 1..=10 {
        match sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await
        {
            Ok(_) => return,
            Err(e) if attempt == 10 => eprintln!("left database {name} behind: {e}"),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(300)).await,
        }
    }
}
