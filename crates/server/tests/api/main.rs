//! The API against a real server on a loopback port, a real SQLite file and a real PostgreSQL
//! database (a fresh one per test), with the scheduler driven by a controlled clock.
//! One test binary, a module per feature; each test runs once on each engine.

#[path = "../support/mod.rs"]
mod support;

/// Runs each named test once on SQLite and once on PostgreSQL, as `<module>::sqlite::<name>`
/// and `<module>::postgres::<name>`.
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

mod access;
mod approvals;
mod audit;
mod demo;
mod events;
mod first_page;
mod lists;
mod operator;
mod overview;
mod planning;
mod provider;
mod safety;
mod scheduler;
mod verification;
