//! The console's lazily loaded pages (docs/CONSOLE.md), a wasm module of their own: the console
//! imports it (`/console-pages.js`) only when one of them is opened, so none is part of its
//! first load (300 KB gzip budget). Pages, and the what-if part of the O&M Events dialog, are
//! Leptos components mounted by [`mount_page`]; the strings, times and API client are the
//! console's (crates/console-core).

// Leptos views nest deeply in their types: the Notifications page (webhooks, channels, calendar)
// goes past the default 128 when compiled natively by `cargo test --workspace`.
#![recursion_limit = "256"]

pub mod pages;

pub use pages::{mount_page, MountedPage};
