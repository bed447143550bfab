//! The server of the VPN gateway O&M events console: HTTP API, storage and scheduler.

pub mod approvals;
pub mod clock;
pub mod demo;
pub mod execution;
pub mod http;
pub mod live;
pub mod notify;
pub mod operator;
pub mod overview;
pub mod planning;
pub mod scheduler;
pub mod serve;
pub mod store;

use std::path::Path;
use std::sync::Arc;

use tokio::sync::Notify;

pub use http::AppState;

/// Everything a running server needs, for `main` and for tests alike.
pub fn state(store: store::Store, clock: Arc<dyn clock::Clock>) -> AppState {
    state_with(
        store,
        clock,
        http::client::Deployment::default(),
        notify::Settings::default(),
    )
}

/// The same, deployed behind proxies and with the notification settings of
/// `--webhook-allow-private` and `--public-url`.
pub fn state_with(
    store: store::Store,
    clock: Arc<dyn clock::Clock>,
    deployment: http::client::Deployment,
    notify: notify::Settings,
) -> AppState {
    AppState::new(http::AppStateParts {
        deployment,
        notify,
        list_pages: store::read_cache::ReadCache::new(store.changes().clone()),
        live: live::Hub::new(store.clone()),
        store,
        clock,
        scheduler_wake: Arc::new(Notify::new()),
    })
}

pub fn router(state: AppState, console_dir: &Path) -> axum::Router {
    http::app(state, console_dir)
}
