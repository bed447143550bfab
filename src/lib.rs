//! The VPN Gateway O&M Events console: a Leptos single-page app.

pub mod action;
pub mod app;
pub mod components;
pub mod first_page;
pub mod lazy_pages;
pub mod live;
pub mod pages;
pub mod router;
pub mod state;

pub use app::App;
// Shared with the lazily loaded pages (crates/console-core); named here as the console always did.
pub use vpn_console_core::{api, i18n, time};
