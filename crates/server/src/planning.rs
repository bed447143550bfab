//! The planning rules of DESIGN.md section 10 as the server applies them: the domain crate's
//! functions, called again with the server's own clock and what the store holds (the IANA zones
//! come from chrono-tz here; the console has its own zone type).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use vpn_console_domain::api::{CurrentEvent, EventDetail, OmEventsCell};
use vpn_console_domain::planning::{
    self, Conflict, FreezePeriod, MaintenanceWindow, MaintenanceWindowSpec, PlannedEvent,
    PlanningContext, PlanningError, WindowMove,
};
use vpn_console_domain::{Connection, CustomerGatewayId, EventId, EventStatus, OmEvent};

use crate::store::planning::PlannedWithTopology;
use crate::store::Store;

/// An IANA zone by name (`Europe/Berlin`).
pub fn zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// A window checked by the domain, with its zone.
pub fn parse_window(
    spec: &MaintenanceWindowSpec,
) -> Result<(MaintenanceWindow, Tz), PlanningError> {
    MaintenanceWindow::parse(spec, zone)
}

/// What the rules consult about one event: the event with its topology, the account's freeze
/// periods and the other current events that could conflict with it.
pub struct EventPlanning {
    pub this: PlannedWithTopology,
    pub freezes: Vec<FreezePeriod>,
    pub others: Vec<PlannedEvent>,
    /// The connections of the others, for the advice about a shared site.
    pub other_connections: Vec<Connection>,
}

impl EventPlanning {
    pub async fn load(store: &Store, account: &str, event: &OmEvent) -> sqlx::Result<Self> {
        let this = store.planned_event(account, event).await?;
        let freezes = store.freeze_periods(account).await?;
        let candidates = store.conflict_candidates(account, &this.planned).await?;
        let mut others = Vec::with_capacity(candidates.len());
        let mut other_connections = Vec::new();
        for c in candidates {
            others.push(c.planned);
            other_connections.extend(c.connections);
        }
        Ok(EventPlanning {
            this,
            freezes,
            others,
            other_connections,
        })
    }

    pub fn ctx(&self, now: DateTime<Utc>) -> PlanningContext<'_> {
        PlanningContext {
            now,
            freezes: &self.freezes,
            others: &self.others,
        }
    }

    /// Fills the planning part of the event detail (advice, conflicts, freeze flag).
    pub fn fill(&self, detail: &mut EventDetail, now: DateTime<Utc>) {
        let ctx = self.ctx(now);
        let event = &self.this.planned.event;
        detail.conflicts = planning::conflicts(&self.this.planned, &self.others);
        if event.status == EventStatus::Pending {
            let mut connections = self.this.connections.clone();
            connections.extend(self.other_connections.iter().cloned());
            detail.advice = planning::advice(event, self.this.gateway.as_ref(), &connections, &ctx);
            detail.freeze = planning::freeze_flag(&self.this.planned, &ctx);
        }
    }
}

/// The planning part of `GET /om-events/{id}` for a current event: advice, conflicts, the
/// freeze flag and, when the window placed it, `window_fit`.
pub async fn fill_detail(
    store: &Store,
    account: &str,
    detail: &mut EventDetail,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    if !detail.event.status.is_current() {
        return Ok(());
    }
    let planning = EventPlanning::load(store, account, &detail.event).await?;
    planning.fill(detail, now);
    if detail.event.status == EventStatus::Pending
        && !store.time_chosen_by_person(&detail.event.id).await?
    {
        detail.window_fit = store.window_fit(&detail.event.id).await?;
    }
    Ok(())
}

/// Marks the list rows whose current event conflicts with another (`om_events.current.conflict`).
pub async fn mark_conflicts<'a>(
    store: &Store,
    cells: impl IntoIterator<Item = &'a mut OmEventsCell>,
) -> sqlx::Result<()> {
    let mut cells: Vec<&mut CurrentEvent> = cells
        .into_iter()
        .filter_map(|c| c.current.as_mut())
        .collect();
    let ids: Vec<EventId> = cells.iter().map(|c| c.id.clone()).collect();
    let marked = store.conflicting(&ids).await?;
    for c in cells.iter_mut() {
        c.conflict = marked.contains(&c.id);
    }
    Ok(())
}

/// Where each pending event whose time no person chose goes under `window` (`None`: no window,
/// so back to its default time), the rest keeping theirs. Returns the account's current events
/// at their new times too, for the conflict marks.
pub async fn plan_window(
    store: &Store,
    account: &str,
    window: Option<&(MaintenanceWindow, Tz)>,
    now: DateTime<Utc>,
) -> sqlx::Result<(Vec<(PlannedEvent, WindowMove)>, Vec<PlannedEvent>)> {
    let all = store.account_planned_events(account).await?;
    let chosen = store.chosen_by_person(account).await?;
    let freezes = store.freeze_periods(account).await?;
    let (movable, keep): (Vec<PlannedEvent>, Vec<PlannedEvent>) = all
        .into_iter()
        .partition(|p| p.event.status == EventStatus::Pending && !chosen.contains(&p.event.id));
    let moves: Vec<(DateTime<Utc>, Option<bool>)> = match window {
        Some((window, tz)) => {
            let ctx = PlanningContext {
                now,
                freezes: &freezes,
                others: &keep,
            };
            planning::place_all(&movable, window, tz, &ctx)
                .into_iter()
                .map(|p| (p.execute_at, Some(p.window_fit)))
                .collect()
        }
        // Without a window, the events it placed go back to their default times; the others
        // keep theirs.
        None => {
            let placed = store.placed_events(account).await?;
            movable
                .iter()
                .map(|p| match placed.contains(&p.event.id) {
                    true => (p.event.default_execute_at, None),
                    false => (p.event.execute_at, None),
                })
                .collect()
        }
    };
    let mut after = keep;
    let mut planned = Vec::with_capacity(movable.len());
    for (p, (to, fit)) in movable.into_iter().zip(moves) {
        after.push(p.at(to));
        let m = WindowMove {
            event_id: p.event.id.clone(),
            from: p.event.execute_at,
            to,
            window_fit: fit,
        };
        planned.push((p, m));
    }
    Ok((planned, after))
}

/// Writes the account's window (`None` removes it) and places its events accordingly, all in
/// one transaction; returns the events that moved.
pub async fn apply_window(
    store: &Store,
    account: &str,
    spec: Option<&MaintenanceWindowSpec>,
    window: Option<&(MaintenanceWindow, Tz)>,
    on_behalf_of: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<WindowMove>> {
    let mut marks = store.begin_conflict_marks().await?;
    let (planned, after) = plan_window(store, account, window, now).await?;
    let ids: HashSet<&EventId> = planned.iter().map(|(p, _)| &p.event.id).collect();
    let conflicts = conflicts_of(&after, &ids);
    let tx = &mut marks.tx;
    store
        .write_maintenance_window(tx, account, spec, now)
        .await?;
    let mut moved = Vec::new();
    let mut placed = Vec::with_capacity(planned.len());
    for (p, m) in &planned {
        if m.from != m.to {
            if !store
                .move_for_window(tx, &p.event, m.to, on_behalf_of, now)
                .await?
            {
                // Changed meanwhile: left alone, its marks too.
                continue;
            }
            moved.push(m.clone());
        }
        placed.push((&p.event.id, m.window_fit));
    }
    let ids: Vec<&EventId> = placed.iter().map(|(id, _)| *id).collect();
    store.clear_planning_marks(tx, &ids).await?;
    let fits: Vec<(&EventId, bool)> = placed
        .iter()
        .filter_map(|(id, fit)| fit.map(|f| (*id, f)))
        .collect();
    store.insert_placements(tx, &fits, now).await?;
    let kept: HashSet<&EventId> = ids.iter().copied().collect();
    let conflicts: HashMap<EventId, Vec<Conflict>> = conflicts
        .into_iter()
        .filter(|(id, _)| kept.contains(id))
        .collect();
    store.insert_conflicts(tx, &conflicts).await?;
    store.commit(marks.tx).await?;
    Ok(moved)
}

/// The conflicts of each event of `which` among `events`, looked up by customer gateway so that
/// ten thousand events are not each compared with every other.
pub fn conflicts_of(
    events: &[PlannedEvent],
    which: &HashSet<&EventId>,
) -> HashMap<EventId, Vec<Conflict>> {
    let mut by_gateway: BTreeMap<&CustomerGatewayId, Vec<usize>> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        for cgw in e.customer_gateway_ids() {
            by_gateway.entry(cgw).or_default().push(i);
        }
    }
    let mut found = HashMap::new();
    for e in events.iter().filter(|e| which.contains(&e.event.id)) {
        let mut near: Vec<usize> = e
            .customer_gateway_ids()
            .into_iter()
            .filter_map(|c| by_gateway.get(c))
            .flatten()
            .copied()
            .collect();
        near.sort_unstable();
        near.dedup();
        let nearby: Vec<PlannedEvent> = near.into_iter().map(|i| events[i].clone()).collect();
        let c = planning::conflicts(e, &nearby);
        if !c.is_empty() {
            found.insert(e.event.id.clone(), c);
        }
    }
    found
}

/// A newly published event: placed in the account's window (if it has one) and its conflicts
/// recorded, so that publishing through the operator command and loading the demo treat it
/// alike. Returns the event as it is now.
pub async fn after_publish(
    store: &Store,
    account: &str,
    event: &OmEvent,
    now: DateTime<Utc>,
) -> anyhow::Result<OmEvent> {
    let mut marks = store.begin_conflict_marks().await?;
    let tx = &mut marks.tx;
    let planning = EventPlanning::load(store, account, event).await?;
    let window = match store.maintenance_window(account).await? {
        Some(spec) => Some(parse_window(&spec)?),
        None => None,
    };
    let mut at = event.execute_at;
    if let Some((window, tz)) = &window {
        let placement = planning::place(&planning.this.planned, window, tz, &planning.ctx(now));
        if store
            .write_placement(
                tx,
                event,
                placement.execute_at,
                Some(placement.window_fit),
                now,
            )
            .await?
        {
            at = placement.execute_at;
        }
    }
    let found = planning::conflicts(&planning.this.planned.at(at), &planning.others);
    store.record_conflicts(tx, &event.id, &found).await?;
    store.commit(marks.tx).await?;
    Ok(store
        .event(account, &event.id)
        .await?
        .unwrap_or_else(|| event.clone()))
}

/// Every current event of the account treated as just published (the demo's load): placed in
/// the window when the account has one, and the conflicts recorded.
pub async fn after_publish_all(
    store: &Store,
    account: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if let Some(spec) = store.maintenance_window(account).await? {
        let parsed = parse_window(&spec)?;
        apply_window(store, account, Some(&spec), Some(&parsed), None, now).await?;
        return Ok(());
    }
    let mut marks = store.begin_conflict_marks().await?;
    let all = store.account_planned_events(account).await?;
    let ids: HashSet<&EventId> = all.iter().map(|p| &p.event.id).collect();
    let conflicts = conflicts_of(&all, &ids);
    for (id, found) in &conflicts {
        store.record_conflicts(&mut marks.tx, id, found).await?;
    }
    store.commit(marks.tx).await?;
    Ok(())
}
