//! The JSON shapes of notifications (DESIGN.md section 9): webhook endpoints, their deliveries
//! and the calendar feed, shared by the console and the server.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Every event type an endpoint may subscribe to: one per audit-log action
/// (`om_event.<action>`), the reminders and the test ping.
pub fn event_types() -> Vec<String> {
    let mut types: Vec<String> = crate::event::AuditAction::ALL
        .iter()
        .map(|a| a.event_type())
        .collect();
    types.push(REMINDER_TYPE.to_owned());
    types.push(PING_TYPE.to_owned());
    types
}

/// The type of the reminders sent 24 hours and 1 hour before an execution.
pub const REMINDER_TYPE: &str = "om_event.reminder";
/// The type of a test delivery.
pub const PING_TYPE: &str = "ping";

/// At most this many endpoints per account.
pub const MAX_WEBHOOKS: usize = 10;

/// `POST /webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWebhook {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Absent means every type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub description: String,
    /// `null` means every type.
    pub event_types: Option<Vec<String>>,
    /// False once the receiver answered 410 Gone.
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

/// The answer to `POST /webhooks`: the endpoint and its secret, shown only here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_` and the base64 of 32 random bytes: the key of the Standard Webhooks signature.
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// Also the `webhook-id` header, the same on every attempt.
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub om_event_id: Option<String>,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub last_status_code: Option<u16>,
    /// Why the last attempt failed, in a few words; never the receiver's answer (DESIGN.md 17).
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deliveries {
    pub items: Vec<Delivery>,
    pub total: u64,
}

/// The answer to `POST /calendar-feed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarFeed {
    pub url: String,
}
