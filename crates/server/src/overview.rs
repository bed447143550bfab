//! All regions at once (DESIGN.md 16) as the server answers it: the domain's rules called with
//! the server's clock and what the store holds. Conflicts, the window and freezes come from the
//! same functions the event detail and the placement use (`crate::planning`); holds, approvals
//! and verdicts from the one seam of sections 12–14, [`Store::part_three_marks`].

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use vpn_console_domain::impact::{AffectedItem, Effect, Impact, EVENT_DURATION_S};
use vpn_console_domain::overview::{
    self, availability_csv_record, event_csv_record, in_range, region_counts, risk_reasons,
    site_availability, site_downtime, window_openings, AtRisk, AvailabilityReport, Csv, DownSpan,
    Month, Opening, Overview, OverviewEvent, RiskInput, SiteExecution, AVAILABILITY_CSV_HEADER,
    EVENTS_CSV_HEADER,
};
use vpn_console_domain::planning::PlannedEvent;
use vpn_console_domain::{CustomerGatewayId, EventId};

use crate::store::overview::EventWithRecord;
use crate::store::Store;

/// `GET /overview?days=`: `days` already checked (1–90).
pub async fn overview(
    store: &Store,
    account: &str,
    days: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<Overview> {
    let until = now + Duration::days(i64::from(days));
    let topology = store.account_topology_index(account).await?;
    let current = store.current_events_with_record(account).await?;
    let impacts: Vec<Impact> = current
        .iter()
        .map(|e| topology.impact(&e.event, e.recorded.clone()))
        .collect();
    // Conflicts among every current event, those just outside the range included: an event at
    // the range's edge may conflict with one beyond it.
    let planned: Vec<PlannedEvent> = current
        .iter()
        .zip(&impacts)
        .map(|(e, impact)| PlannedEvent::new(e.event.clone(), impact))
        .collect();
    let shown: Vec<usize> = (0..current.len())
        .filter(|&i| in_range(&current[i].event, now, until))
        .collect();
    let shown_ids: HashSet<&EventId> = shown.iter().map(|&i| &current[i].event.id).collect();
    let conflicts = crate::planning::conflicts_of(&planned, &shown_ids);

    let window = match store.maintenance_window(account).await? {
        Some(spec) => Some(crate::planning::parse_window(&spec)?),
        None => None,
    };
    let freezes = store.freeze_periods(account).await?;
    let shown_events: Vec<&vpn_console_domain::OmEvent> =
        shown.iter().map(|&i| &current[i].event).collect();
    let marks = store.part_three_marks(account, &shown_events).await?;

    let mut events = Vec::with_capacity(shown.len());
    let mut at_risk = Vec::new();
    for &i in &shown {
        let event = &current[i].event;
        let impact = &impacts[i];
        let own = marks.of(&event.id);
        let conflict = conflicts.contains_key(&event.id);
        let openings: Option<Vec<Opening>> = window.as_ref().map(|(w, tz)| {
            window_openings(
                w,
                tz,
                event.execute_at,
                event.execute_at + overview::planned_duration(),
            )
        });
        let connections = topology.connections_of(&event.resource);
        let reasons = risk_reasons(&RiskInput {
            event,
            impact,
            connections: &connections,
            now,
            conflict,
            held: own.hold.is_some(),
            awaiting_approval: own.approval_id.is_some(),
            window_openings: openings.as_deref(),
            previous_verdict: marks
                .previous_verdicts
                .get(event.resource.id_str())
                .copied(),
        });
        if !reasons.is_empty() {
            at_risk.push(AtRisk {
                event_id: event.id.clone(),
                reasons,
            });
        }
        events.push(OverviewEvent {
            event: event.clone(),
            resource_name: topology.resource_name(&event.resource),
            max_interruption_s: impact.summary.max_interruption_s,
            duration_s: EVENT_DURATION_S,
            conflict,
            hold: own.hold,
            approval_id: own.approval_id,
            verification_status: own.verification_status,
            customer_gateway_ids: planned[i]
                .customer_gateway_ids()
                .into_iter()
                .cloned()
                .collect(),
        });
    }
    let risky: HashSet<&EventId> = at_risk.iter().map(|r| &r.event_id).collect();
    let regions = region_counts(
        store
            .regions()
            .await?
            .into_iter()
            .map(|r| (r.id.to_string(), r.name)),
        events.iter().map(|e| (e, risky.contains(&e.event.id))),
    );
    let window_openings = window
        .as_ref()
        .map(|(w, tz)| window_openings(w, tz, now, until))
        .unwrap_or_default();
    let freeze_periods = freezes
        .into_iter()
        .filter(|f| f.starts_at < until && now < f.ends_at)
        .collect();
    Ok(Overview {
        days,
        server_time: now,
        regions,
        events,
        freeze_periods,
        window_openings,
        at_risk,
    })
}

/// The events CSV of `GET /om-events.csv` (`region` `None`) and `GET
/// /regions/{region}/om-events.csv`: the events the history lists for the last `days` days.
pub async fn events_csv(
    store: &Store,
    account: &str,
    region: Option<&str>,
    days: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let since = now - Duration::days(i64::from(days));
    let events = store.history_for_export(account, region, since).await?;
    let topology = store.account_topology_index(account).await?;
    let listed: Vec<&vpn_console_domain::OmEvent> = events.iter().map(|e| &e.event).collect();
    let marks = store.part_three_marks(account, &listed).await?;
    let mut csv = Csv::new();
    csv.record(EVENTS_CSV_HEADER);
    for EventWithRecord { event, recorded } in events {
        let impact = topology.impact(&event, recorded);
        let name = topology.resource_name(&event.resource);
        let verdict = marks.of(&event.id).verification_status;
        csv.record(event_csv_record(
            &event,
            &name,
            impact.summary.max_interruption_s,
            verdict,
        ));
    }
    Ok(csv.finish())
}

/// `GET /reports/availability?month=`.
pub async fn availability(
    store: &Store,
    account: &str,
    month: Month,
    now: DateTime<Utc>,
) -> anyhow::Result<AvailabilityReport> {
    let (from, until) = (month.starts_at(), month.ends_at());
    let topology = store.account_topology_index(account).await?;
    let mut interrupted: BTreeMap<CustomerGatewayId, Vec<SiteExecution>> = BTreeMap::new();
    type Span = (DateTime<Utc>, DateTime<Utc>);
    let mut touched: BTreeMap<CustomerGatewayId, Vec<Span>> = BTreeMap::new();
    for EventWithRecord { event, recorded } in
        store.executions_between(account, from, until).await?
    {
        let Some(started_at) = event.started_at else {
            continue;
        };
        let impact = topology.impact(&event, recorded);
        // The largest interruption per site, when one execution hits several of its tunnels.
        let mut worst: BTreeMap<&CustomerGatewayId, u32> = BTreeMap::new();
        for item in &impact.affected {
            if let AffectedItem::Tunnel {
                customer_gateway,
                effect,
                max_interruption_s,
                ..
            } = item
            {
                if *effect == Effect::None {
                    continue;
                }
                touched
                    .entry(customer_gateway.id.clone())
                    .or_default()
                    .push((started_at, event.finished_at.unwrap_or(now)));
                if *effect == Effect::Interruption {
                    let w = worst.entry(&customer_gateway.id).or_default();
                    *w = (*w).max(*max_interruption_s);
                }
            }
        }
        for (cgw, max_interruption_s) in worst {
            interrupted
                .entry(cgw.clone())
                .or_default()
                .push(SiteExecution {
                    started_at,
                    finished_at: event.finished_at,
                    max_interruption_s,
                });
        }
    }
    let mut down: BTreeMap<String, Vec<DownSpan>> = BTreeMap::new();
    for alert in store.site_alerts(account, from, until).await? {
        down.entry(alert.customer_gateway_id)
            .or_default()
            .push(DownSpan {
                from: alert.at,
                until: alert.cleared_at,
            });
    }
    let mut sites = Vec::new();
    for site in store.sites(account).await? {
        let Ok(id) = site.customer_gateway_id.parse::<CustomerGatewayId>() else {
            continue;
        };
        let downtime = site_downtime(
            month,
            now,
            interrupted.get(&id).map(Vec::as_slice).unwrap_or(&[]),
            touched.get(&id).map(Vec::as_slice).unwrap_or(&[]),
            down.get(&site.customer_gateway_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
        );
        sites.push(site_availability(
            month,
            id,
            site.customer_gateway_ip,
            site.region,
            downtime,
        ));
    }
    Ok(AvailabilityReport {
        month: month.to_string(),
        minutes_in_month: month.minutes(),
        sites,
    })
}

/// The availability report as CSV.
pub fn availability_csv(report: &AvailabilityReport) -> String {
    let mut csv = Csv::new();
    csv.record(AVAILABILITY_CSV_HEADER);
    for site in &report.sites {
        csv.record(availability_csv_record(site));
    }
    csv.finish()
}
