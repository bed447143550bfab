//! What every wasm module of the console shares: the strings ([`i18n`]), the time formatting
//! ([`time`]), the API's addresses ([`paths`]) and the one browser client of the API ([`api`]).
//! The console (the root package) and the lazily loaded pages (crates/console-pages) both use
//! these, so a page loaded later words, times and calls exactly as the first one.

pub mod api;
pub mod i18n;
pub mod paths;
pub mod time;
