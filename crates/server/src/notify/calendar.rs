//! The calendar feed (DESIGN.md 9.2): a secret URL per user serving the account's events as
//! RFC 5545, written with the `icalendar` crate (CRLF, folding at 75 octets, text escaping).

use chrono::{DateTime, Duration, Utc};
use icalendar::{Alarm, Calendar, Component, Event, EventLike, EventStatus as IcsStatus, Trigger};
use vpn_console_domain::impact::{Impact, EVENT_DURATION_S};

use crate::store::planning::EventImpact;
use vpn_console_domain::{AffectedItem, EventStatus, OmEvent, ResourceRef};

use super::dispatcher::console_url;
use crate::clock::to_millis;
use crate::store::accounts::{new_token, token_hash};
use crate::store::events::{event_from_row, EVENT_COLUMNS};
use crate::store::{text, Store};

/// Finished events stay in the feed this long.
pub const FINISHED_DAYS: i64 = 30;

impl Store {
    /// A new secret feed token for the user; the previous one, if any, stops working.
    pub async fn create_calendar_feed(
        &self,
        email: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<String> {
        let token = format!("cal_{}", new_token());
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM calendar_feeds WHERE email = $1")
            .bind(email)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO calendar_feeds (email, token_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(email)
        .bind(token_hash(&token))
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        Ok(token)
    }

    pub async fn delete_calendar_feed(&self, email: &str) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM calendar_feeds WHERE email = $1")
            .bind(email)
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await
    }

    /// The account whose feed this token opens, if it is a current token.
    pub async fn calendar_feed_account(&self, token: &str) -> sqlx::Result<Option<String>> {
        let row = sqlx::query(
            "SELECT u.account_id FROM calendar_feeds f JOIN users u ON u.email = f.email WHERE f.token_hash = $1",
        )
        .bind(token_hash(token))
        .fetch_optional(self.reader())
        .await?;
        row.map(|r| text(&r, "account_id")).transpose()
    }

    /// The account's events that are current or finished within the last 30 days.
    async fn calendar_events(
        &self,
        account: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Vec<OmEvent>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM om_events WHERE account_id = $1 \
             AND (status IN ('pending', 'executing') OR finished_at >= $2) ORDER BY execute_at, id LIMIT 5000"
        ))
        .bind(account)
        .bind(to_millis(now - Duration::days(FINISHED_DAYS)))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// The `.ics` of one event, as the feed writes it (one VEVENT): a mail's attachment.
    pub async fn event_ics(
        &self,
        account: &str,
        event: &OmEvent,
        now: DateTime<Utc>,
        public_url: &str,
    ) -> sqlx::Result<String> {
        let (name, impact) = self.name_and_impact(account, event).await?;
        Ok(single_event_ics(event, &name, &impact, now, public_url))
    }

    /// The feed's text.
    pub async fn calendar_feed(
        &self,
        account: &str,
        now: DateTime<Utc>,
        public_url: &str,
    ) -> sqlx::Result<String> {
        let mut calendar = new_calendar();
        for event in self.calendar_events(account, now).await? {
            let (name, impact) = self.name_and_impact(account, &event).await?;
            calendar.push(vevent(&event, &name, &impact, now, public_url));
        }
        Ok(calendar.done().to_string())
    }

    /// The resource's name and the impact as GET /om-events/{id} shows it.
    async fn name_and_impact(
        &self,
        account: &str,
        event: &OmEvent,
    ) -> sqlx::Result<(String, Impact)> {
        let EventImpact {
            impact,
            gateway,
            connections,
        } = self.event_impact(account, event).await?;
        let name = match &event.resource {
            ResourceRef::VpnGateway { id } => gateway
                .as_ref()
                .map(|g| g.name.clone())
                .unwrap_or_else(|| id.to_string()),
            ResourceRef::IpsecConnection { id } => connections
                .iter()
                .find(|c| &c.id == id)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| id.to_string()),
        };
        Ok((name, impact))
    }
}

fn new_calendar() -> Calendar {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//vpn-console//O&M events//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        .name("VPN gateway O&M events");
    calendar
}

/// A calendar of one event, written as the feed writes each of its events.
pub fn single_event_ics(
    event: &OmEvent,
    name: &str,
    impact: &Impact,
    now: DateTime<Utc>,
    public_url: &str,
) -> String {
    let mut calendar = new_calendar();
    calendar.push(vevent(event, name, impact, now, public_url));
    calendar.done().to_string()
}

fn vevent(
    event: &OmEvent,
    name: &str,
    impact: &Impact,
    now: DateTime<Utc>,
    public_url: &str,
) -> Event {
    let start = event.execute_at;
    let summary = &impact.summary;
    let mut vevent = Event::new();
    vevent
        .uid(&format!("{}@vpn-console", event.id))
        .timestamp(now)
        .starts(start)
        .ends(start + Duration::seconds(i64::from(EVENT_DURATION_S)))
        .sequence(event.version.max(0) as u32)
        .status(if event.status == EventStatus::Cancelled {
            IcsStatus::Cancelled
        } else {
            IcsStatus::Confirmed
        })
        .summary(&format!(
            "O&M {}: {name} ({}), interruption up to {}",
            event.reason.as_str().replace('_', " "),
            event.resource.id_str(),
            interruption(summary.max_interruption_s)
        ))
        .description(&description(event, impact))
        .url(&console_url(public_url, event))
        .last_modified(last_modified(event));
    if event.status == EventStatus::Pending {
        vevent.append_component(Alarm::display(
            &format!("O&M event on {name} tomorrow"),
            Trigger::before_start(Duration::days(1)),
        ));
    }
    vevent.done()
}

/// The latest moment the event is known to have changed.
fn last_modified(event: &OmEvent) -> DateTime<Utc> {
    [
        Some(event.published_at),
        event.started_at,
        event.finished_at,
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(event.published_at)
}

fn interruption(seconds: u32) -> String {
    match seconds {
        0 => "none".into(),
        s if s < 60 => format!("{s} s"),
        s => format!("{} min", s.div_ceil(60)),
    }
}

fn description(event: &OmEvent, impact: &Impact) -> String {
    let mut lines = vec![
        format!(
            "Gateway IP: {} ({})",
            event.gateway_ip.ip,
            event.gateway_ip.role.as_str()
        ),
        format!("Status: {}", event.status.as_str()),
    ];
    for item in &impact.affected {
        lines.push(match item {
            AffectedItem::Tunnel {
                id,
                connection_name,
                customer_gateway,
                effect,
                max_interruption_s,
                ..
            } => format!(
                "Tunnel {id} of {connection_name} (customer gateway {}): {}, up to {}",
                customer_gateway.ip,
                effect.as_str(),
                interruption(*max_interruption_s)
            ),
            AffectedItem::SslClients { count, .. } => {
                format!("SSL clients: {count} disconnected for the event's duration")
            }
        });
    }
    if impact.affected.is_empty() {
        lines.push("No tunnel or SSL client is affected.".into());
    }
    let first = impact.affected.first().map(|i| match i {
        AffectedItem::Tunnel { recommendation, .. }
        | AffectedItem::SslClients { recommendation, .. } => recommendation.clone(),
    });
    if let Some(r) = first {
        lines.push(format!("Recommendation: {r}"));
    }
    lines.join("\n")
}
