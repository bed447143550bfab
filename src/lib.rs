//! The VPN Gateway O&M Events console: a Leptos single-page app.
// The views of the O&M Events dialog nest deeply enough that the native (ssr) build needs more
// than the default depth to lay out their types.
#![recursion_limit = "256"]

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
