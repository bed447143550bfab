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

/// At most this many channels per account (DESIGN.md 15).
pub const MAX_CHANNELS: usize = 20;

/// Where a channel's messages go (DESIGN.md 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Email,
    Slack,
    Teams,
    Dingtalk,
    Wecom,
    Lark,
    Pagerduty,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 7] = [
        ChannelKind::Email,
        ChannelKind::Slack,
        ChannelKind::Teams,
        ChannelKind::Dingtalk,
        ChannelKind::Wecom,
        ChannelKind::Lark,
        ChannelKind::Pagerduty,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Email => "email",
            ChannelKind::Slack => "slack",
            ChannelKind::Teams => "teams",
            ChannelKind::Dingtalk => "dingtalk",
            ChannelKind::Wecom => "wecom",
            ChannelKind::Lark => "lark",
            ChannelKind::Pagerduty => "pagerduty",
        }
    }

    pub fn parse(s: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the target is a URL (and so passes the SSRF guard of 9.1).
    pub fn target_is_url(self) -> bool {
        !matches!(self, ChannelKind::Email | ChannelKind::Pagerduty)
    }

    /// The robots that sign their requests with a secret of their own.
    pub fn takes_secret(self) -> bool {
        matches!(self, ChannelKind::Dingtalk | ChannelKind::Lark)
    }
}

/// Which changes a channel reports; an absent field lets everything through.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelFilters {
    /// Names of 9.1: `om_event.<action>`, `om_event.reminder`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<String>>,
    /// Region ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
    /// Lets a message through when the event's `summary.max_interruption_s` is at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_interruption_s: Option<u32>,
}

impl ChannelFilters {
    /// Whether a change of this type in this region passes the filters that need no impact.
    pub fn passes(&self, event_type: &str, region: Option<&str>) -> bool {
        let typed = self
            .event_types
            .as_ref()
            .is_none_or(|types| types.iter().any(|t| t == event_type));
        let placed = match (&self.regions, region) {
            (Some(regions), Some(region)) => regions.iter().any(|r| r == region),
            _ => true,
        };
        typed && placed
    }

    /// Whether an event whose worst interruption is `max_interruption_s` passes.
    pub fn passes_interruption(&self, max_interruption_s: u32) -> bool {
        self.min_interruption_s
            .is_none_or(|min| max_interruption_s >= min)
    }
}

/// `POST /channels`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewChannel {
    pub kind: ChannelKind,
    #[serde(default)]
    pub name: String,
    /// An e-mail address, a webhook URL, or a PagerDuty Events API v2 routing key.
    pub target: String,
    /// `en` (the default) or `zh-CN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// IANA; `UTC` by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub filters: ChannelFilters,
    /// The robot's signing secret (`dingtalk`, `lark`): stored sealed, never shown again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Channel {
    pub id: String,
    pub kind: ChannelKind,
    pub name: String,
    /// Masked for viewers (DESIGN.md 17).
    pub target: String,
    pub language: String,
    pub time_zone: String,
    pub filters: ChannelFilters,
    pub enabled: bool,
    /// Why it was disabled (three attempts in a row answered 404 or 410).
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The languages a channel speaks.
pub const CHANNEL_LANGUAGES: [&str; 2] = ["en", "zh-CN"];

#[cfg(test)]
mod channel_tests {
    use super::*;

    #[test]
    fn absent_filters_let_everything_through() {
        let none = ChannelFilters::default();
        assert!(none.passes("om_event.started", Some("cn-hangzhou")));
        assert!(none.passes("ping", None));
        assert!(none.passes_interruption(0));
    }

    #[test]
    fn each_filter_refuses_what_it_does_not_name() {
        let f = ChannelFilters {
            event_types: Some(vec!["om_event.rescheduled".into()]),
            regions: Some(vec!["cn-shanghai".into()]),
            min_interruption_s: Some(600),
        };
        for (event_type, region, passes) in [
            ("om_event.rescheduled", Some("cn-shanghai"), true),
            ("om_event.started", Some("cn-shanghai"), false),
            ("om_event.rescheduled", Some("cn-hangzhou"), false),
            ("om_event.rescheduled", None, true),
        ] {
            assert_eq!(
                f.passes(event_type, region),
                passes,
                "{event_type} {region:?}"
            );
        }
        for (s, passes) in [
            (0, false),
            (60, false),
            (599, false),
            (600, true),
            (601, true),
        ] {
            assert_eq!(f.passes_interruption(s), passes, "{s}");
        }
    }

    #[test]
    fn kinds_read_back_their_names() {
        for kind in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert_eq!(ChannelKind::parse("sms"), None);
    }
}
