//! Notifications (DESIGN.md sections 9 and 15): signed webhooks and channels (e-mail, chat
//! robots, PagerDuty) fed by one outbox and one dispatcher, reminders ahead of pending events,
//! and a per-user calendar feed.

pub mod calendar;
pub mod channels;
pub mod dispatcher;
pub mod mail;
pub mod messages;
pub mod outbox;
pub mod reminders;
pub mod signing;
pub mod ssrf;
pub mod webhooks;

pub use dispatcher::Dispatcher;

/// What the HTTP side of notifications needs to know about the running server.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--webhook-allow-private`: endpoints may be plain http and reach private addresses.
    pub allow_private: bool,
    /// `--public-url`: where users reach the console; without it, the request's Host.
    pub public_url: Option<String>,
}
