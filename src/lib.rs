//! The VPN Gateway O&M Events console: a Leptos single-page app.

pub mod action;
pub mod api;
pub mod app;
pub mod components;
pub mod first_page;
pub mod i18n;
pub mod live;
pub mod pages;
pub mod planning_ui;
pub mod router;
pub mod state;
pub mod time;

pub use app::App;
