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

/// The secrets key file given to every server this test process starts and to its in-process
/// stores: PostgreSQL needs one, and replicas of one database must share it (DESIGN.md 17).
#[allow(dead_code)]
pub fn secrets_key_file() -> std::path::PathBuf {
    use base64::Engine;
    use rand::RngCore;
    static FILE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("om-test-secrets-{}.key", std::process::id()));
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        std::fs::write(&path, base64::engine::general_purpose::STANDARD.encode(key)).unwrap();
        path
    })
    .clone()
}
