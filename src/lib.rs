//! The VPN Gateway O&M Events console: a Leptos single-page app.

pub mod api;
pub mod app;

pub use app::App;
