//! The one execution service (DESIGN.md "How a change flows"): every change of an event's
//! execution time — Execute Now or Specify Execution Time, one event or a bulk of them, from
//! the console, `omctl` or a token — is decided and written here. A single request is a bulk
//! of one (10.4).
//!
//! In one write transaction, under the conflict marks' lock: the `Idempotency-Key` is looked
//! up once, the events are read once, the domain decides once with the server's clock
//! (sections 5, 10.2, 10.3), the accepted changes are written with their audit entries
//! ([`record_change`]) and the conflict marks of the moved events, and the answer is saved
//! for retries. Either all of it commits, or none.
//!
//! Deciding and applying are two steps, so that a change the approval policy covers (DESIGN.md
//! 14) is decided here, stored as a request instead of applied, and, once approved, decided
//! again and applied here too.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use vpn_console_domain::api::ApiError;
use vpn_console_domain::approval::{
    self, ApprovalRefusal, ApprovalRequest, ApprovalStatus, RequestedChange,
};
use vpn_console_domain::planning::{
    decide_bulk, validate_bulk, BulkExecutionRequest, BulkItem, BulkResult, Decision,
    ExecutionBody, FreezePeriod, PlannedEvent, PlanningContext, PlanningError,
};
use vpn_console_domain::{AuditAction, EventId, OmEvent, Summary};

use crate::planning::conflicts_of;
use crate::store::approvals::{self, StoredApproval};
use crate::store::events::{
    audit_time, event_from_row, record_change, update_event, Change, EVENT_COLUMNS,
};
use crate::store::idempotency::{IdempotentRequest, NextAction, SavedAnswer};
use crate::store::{placeholders, Store, Tx};

/// Who asks: the account and the person (or token's user) the audit log names.
#[derive(Debug, Clone, Copy)]
pub struct Requester<'a> {
    pub account: &'a str,
    pub actor: &'a str,
    /// `token:<name>` for a request through an API token, which its log entries say.
    pub via: Option<&'a str>,
}

/// An accepted change as written: the new time, whether it is Execute Now, and whether it
/// overrides a hold.
#[derive(Debug, Clone, Copy)]
struct Moved {
    execute_at: DateTime<Utc>,
    execute_now: bool,
    override_hold: bool,
}

/// One event of a request and the version its sender saw (`If-Match`); `None` is
/// `If-Match: *`, any version.
#[derive(Debug, Clone)]
pub struct Target {
    pub id: String,
    pub expected_version: Option<i64>,
}

/// What [`Execution::begin`] found.
pub enum Begun<'s> {
    /// New (or without a key): decide it.
    Proceed(Execution<'s>),
    /// A retry with a known key: the first answer again, before anything else is checked.
    Replay(SavedAnswer),
    /// The key was used with another request.
    KeyReused,
}

/// One item decided, and the event as it stands after an accepted change.
pub struct Decided {
    pub result: BulkResult,
    pub event: Option<OmEvent>,
}

/// The decisions of a request, before anything is written.
pub struct Decisions {
    pub results: Vec<BulkResult>,
    /// The change starts held events anyway (13).
    override_hold: bool,
    events: HashMap<String, OmEvent>,
    others: Vec<PlannedEvent>,
    summaries: HashMap<String, Summary>,
}

/// How a change requested by a person or a token ended.
pub enum Settled {
    /// Decided and written (each item as 10.4 answers it).
    Applied(Vec<Decided>),
    /// 202: the policy covers it. The items that failed their checks are answered as without
    /// approval; the request covers the others, whose `event` is `None`.
    SentForApproval {
        request: Box<ApprovalRequest>,
        decided: Vec<Decided>,
    },
}

/// A change refused as a whole.
pub enum Refused {
    Rule(PlanningError),
    Approval(ApprovalRefusal),
}

/// A request under way: its write transaction, holding the conflict marks' lock.
pub struct Execution<'s> {
    store: &'s Store,
    tx: Tx,
    idempotent: Option<IdempotentRequest>,
    account: String,
    actor: String,
    via: Option<String>,
    // Dropped after the transaction ends (fields drop in order): see
    // Store::begin_conflict_marks.
    _marks: tokio::sync::OwnedMutexGuard<()>,
}

impl<'s> Execution<'s> {
    /// Begins a request: the marks' lock (the process's side first, so that at most one
    /// connection per process waits for the database's), the write transaction, and the
    /// idempotency key looked up in it.
    pub async fn begin(
        store: &'s Store,
        requester: Requester<'_>,
        idempotent: Option<IdempotentRequest>,
    ) -> sqlx::Result<Begun<'s>> {
        let marks = store.conflict_marks_guard().await;
        let mut tx = match store
            .begin_idempotent(requester.account, requester.actor, idempotent.as_ref())
            .await?
        {
            NextAction::Proceed(tx) => tx,
            NextAction::Replay(answer) => return Ok(Begun::Replay(answer)),
            NextAction::KeyReused => return Ok(Begun::KeyReused),
        };
        store.lock_conflict_marks(&mut tx).await?;
        Ok(Begun::Proceed(Execution {
            store,
            tx,
            idempotent,
            account: requester.account.to_owned(),
            actor: requester.actor.to_owned(),
            via: requester.via.map(str::to_owned),
            _marks: marks,
        }))
    }

    /// Decides `change` for every target, in order, each exactly as a single request with its
    /// `If-Match` (an accepted item moves its event, in the decision, before the next is
    /// decided), and writes nothing. A request refused as a whole (no events, too many, an id
    /// twice) is the error. An event whose change waits for approval is 409
    /// `approval_pending` before any other check of its item.
    pub async fn decide(
        &mut self,
        change: &ExecutionBody,
        targets: &[Target],
        now: DateTime<Utc>,
    ) -> sqlx::Result<Result<Decisions, PlanningError>> {
        let shape = BulkExecutionRequest::new(
            change.request(),
            change.allow_conflict(),
            targets
                .iter()
                .map(|t| BulkItem {
                    id: t.id.clone(),
                    version: t.expected_version.unwrap_or_default(),
                })
                .collect(),
        );
        if let Err(e) = validate_bulk(&shape) {
            return Ok(Err(e));
        }
        let account = self.account.clone();
        let events = self.read_events(&account, targets).await?;
        // `If-Match: *` asks for the version there is.
        let items: Vec<BulkItem> = targets
            .iter()
            .map(|t| BulkItem {
                id: t.id.clone(),
                version: t
                    .expected_version
                    .or_else(|| events.get(&t.id).map(|e| e.version))
                    .unwrap_or_default(),
            })
            .collect();
        let request = BulkExecutionRequest::new(change.request(), change.allow_conflict(), items);
        let found_ids: Vec<&str> = events.keys().map(String::as_str).collect();
        let awaiting: HashSet<String> = approvals::awaiting_approval(&mut self.tx, &found_ids, now)
            .await?
            .into_iter()
            .collect();

        // What the rules consult, read beside the transaction (on SQLite it holds the only
        // writer, so nothing changes meanwhile; on PostgreSQL the marks' lock keeps other
        // planning writers out).
        let freezes: Vec<FreezePeriod> = self.store.freeze_periods(&account).await?;
        let mut found: HashMap<String, PlannedEvent> = HashMap::new();
        let mut summaries: HashMap<String, Summary> = HashMap::new();
        let mut others: HashMap<EventId, PlannedEvent> = HashMap::new();
        for (id, event) in &events {
            let this = self.store.event_impact(&account, event).await?;
            let planned = PlannedEvent::new(event.clone(), &this.impact);
            summaries.insert(id.clone(), this.impact.summary);
            for o in self.store.conflict_candidates(&account, &planned).await? {
                others
                    .entry(o.planned.event.id.clone())
                    .or_insert(o.planned);
            }
            if event.status.is_current() {
                others.insert(event.id.clone(), planned.clone());
            }
            found.insert(id.clone(), planned);
        }
        let others: Vec<PlannedEvent> = others.into_values().collect();
        let ctx = PlanningContext {
            now,
            freezes: &freezes,
            others: &others,
        };
        // An event waiting for approval is left out of the decision, as if not there, and
        // answered `approval_pending`: the items after it are decided without its move.
        let results = match decide_bulk(
            &request,
            |id| found.get(id).filter(|_| !awaiting.contains(id)),
            &ctx,
        ) {
            Ok(results) => results,
            Err(e) => return Ok(Err(e)),
        };
        let results = results
            .into_iter()
            .map(|r| match r.decision {
                Decision::NotFound if awaiting.contains(&r.id) => BulkResult {
                    id: r.id,
                    decision: Decision::ApprovalPending,
                },
                _ => r,
            })
            .collect();
        Ok(Ok(Decisions {
            results,
            override_hold: change.override_hold(),
            events,
            others,
            summaries,
        }))
    }

    /// Writes the accepted changes of `decisions` with their audit entries (naming
    /// `approved_by` for a change applied after approval) and the conflict marks of the moved
    /// events.
    pub async fn apply(
        &mut self,
        decisions: Decisions,
        now: DateTime<Utc>,
        approved_by: &[String],
    ) -> sqlx::Result<Vec<Decided>> {
        let account = self.account.clone();
        let Decisions {
            results,
            override_hold,
            events,
            others,
            ..
        } = decisions;
        let mut decided = Vec::with_capacity(results.len());
        for result in results {
            let event = match (&result.decision, events.get(&result.id)) {
                (Decision::Accepted(plan), Some(event)) => {
                    let moved = Moved {
                        execute_at: plan.execute_at,
                        execute_now: plan.execute_now,
                        override_hold,
                    };
                    self.write(&account, event, &moved, now, approved_by)
                        .await?
                }
                _ => None,
            };
            let result = match (&result.decision, &event) {
                // Another writer won between the read and the write (PostgreSQL replicas).
                (Decision::Accepted(_), None) => BulkResult {
                    id: result.id.clone(),
                    decision: Decision::VersionMismatch {
                        current: events.get(&result.id).map_or(0, |e| e.version + 1),
                    },
                },
                _ => result,
            };
            decided.push(Decided { result, event });
        }

        // The conflict marks of the moved events at their new times, in the same transaction.
        let moved_to: HashMap<&EventId, DateTime<Utc>> = decided
            .iter()
            .filter_map(|d| d.event.as_ref().map(|e| (&e.id, e.execute_at)))
            .collect();
        if !moved_to.is_empty() {
            let after: Vec<PlannedEvent> = others
                .iter()
                .map(|o| match moved_to.get(&o.event.id) {
                    Some(t) => o.at(*t),
                    None => o.clone(),
                })
                .collect();
            let moved: HashSet<&EventId> = moved_to.keys().copied().collect();
            let conflicts = conflicts_of(&after, &moved);
            let moved: Vec<&EventId> = moved.into_iter().collect();
            self.store
                .clear_planning_marks(&mut self.tx, &moved)
                .await?;
            self.store
                .insert_conflicts(&mut self.tx, &conflicts)
                .await?;
        }
        Ok(decided)
    }

    /// A change as a person or a token asks for it: decided, then applied, or, when the
    /// account's approval policy covers it, stored as an approval request instead (DESIGN.md
    /// 14.2) — after the same checks with the same answers, then `reason_required` and
    /// `too_late_for_approval`. The request covers the items that passed their checks; the
    /// others are answered as they would be without it. Creating it changes no event.
    pub async fn request(
        &mut self,
        change: &ExecutionBody,
        targets: &[Target],
        bulk: bool,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Result<Settled, Refused>> {
        let decisions = match self.decide(change, targets, now).await? {
            Ok(decisions) => decisions,
            Err(e) => return Ok(Err(Refused::Rule(e))),
        };
        let policy = self.store.approval_policy(&self.account).await?;
        let accepted: Vec<&OmEvent> = decisions
            .results
            .iter()
            .filter(|r| matches!(r.decision, Decision::Accepted(_)))
            .filter_map(|r| decisions.events.get(&r.id))
            .collect();
        if accepted.is_empty() || !policy.covers(change, bulk) {
            return Ok(Ok(Settled::Applied(self.apply(decisions, now, &[]).await?)));
        }
        let Some(reason) = change.reason() else {
            return Ok(Err(Refused::Approval(ApprovalRefusal::ReasonRequired)));
        };
        let expires_at = match approval::expires_at(
            change.execute_at(),
            accepted.iter().map(|e| e.execute_at),
            now,
        ) {
            Ok(t) => t,
            Err(e) => return Ok(Err(Refused::Approval(e))),
        };
        let risk = approval::risk(
            decisions
                .results
                .iter()
                .filter(|r| matches!(r.decision, Decision::Accepted(_)))
                .filter_map(|r| decisions.summaries.get(&r.id)),
        );
        let stored = StoredApproval {
            request: ApprovalRequest {
                id: format!("apr-{}", &uuid::Uuid::new_v4().simple().to_string()[..16]),
                event_ids: accepted.iter().map(|e| e.id.to_string()).collect(),
                requested_by: self.actor.clone(),
                requested_at: now,
                change: RequestedChange::of(change),
                reason: reason.to_owned(),
                ticket: change.ticket().map(str::to_owned),
                risk,
                expires_at,
                status: ApprovalStatus::Pending,
                decisions: Vec::new(),
                error: None,
            },
            account: self.account.clone(),
            via: self.via.clone(),
            min_approvals: policy.min_approvals(),
            versions: accepted.iter().map(|e| e.version).collect(),
        };
        approvals::insert_approval(&mut self.tx, &stored).await?;
        approvals::record_on_events(
            &mut self.tx,
            &stored,
            AuditAction::ApprovalRequested,
            &self.actor,
            self.via.as_deref(),
            ApprovalStatus::Pending,
            now,
        )
        .await?;
        let decided = decisions
            .results
            .into_iter()
            .map(|result| Decided {
                result,
                event: None,
            })
            .collect();
        Ok(Ok(Settled::SentForApproval {
            request: Box::new(stored.request),
            decided,
        }))
    }

    /// Applies an approved request's change, decided again by `now` exactly as a new request
    /// would be, with the versions its events had when it was asked (a request whose event
    /// changed meanwhile has failed already). All its events or none: the first refusal is
    /// the error, and nothing is written then.
    pub async fn apply_approved(
        &mut self,
        stored: &StoredApproval,
        approved_by: &[String],
        now: DateTime<Utc>,
    ) -> sqlx::Result<Result<Vec<Decided>, ApiError>> {
        let r = &stored.request;
        let change = r.change.body(Some(r.reason.clone()), r.ticket.clone());
        let targets: Vec<Target> = r
            .event_ids
            .iter()
            .zip(&stored.versions)
            .map(|(id, version)| Target {
                id: id.clone(),
                expected_version: Some(*version),
            })
            .collect();
        let decisions = match self.decide(&change, &targets, now).await? {
            Ok(decisions) => decisions,
            Err(e) => {
                return Ok(Err(ApiError {
                    code: e.code.as_str().to_owned(),
                    message: e.message,
                }))
            }
        };
        if let Some(error) = decisions
            .results
            .iter()
            .find_map(|r| r.decision.api_error())
        {
            return Ok(Err(error));
        }
        let decided = self.apply(decisions, now, approved_by).await?;
        // A writer outside the marks' lock (the scheduler, the provider) won a race for one of
        // them: the others are written in this transaction already, and the refusal says which.
        if let Some(error) = decided.iter().find_map(|d| d.result.decision.api_error()) {
            return Ok(Err(error));
        }
        Ok(Ok(decided))
    }

    /// The write transaction, for what an approval decision records beside the change.
    pub(crate) fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// Commits, with the answer saved for retries of the same key.
    pub async fn commit(mut self, answer: SavedAnswer, now: DateTime<Utc>) -> sqlx::Result<()> {
        if let Some(idempotent) = &self.idempotent {
            self.store
                .save_answer(
                    &mut self.tx,
                    &self.account,
                    &self.actor,
                    idempotent,
                    &answer,
                    now,
                )
                .await?;
        }
        self.store.commit(self.tx).await
    }

    /// Commits a change that no `Idempotency-Key` names (an approval's decision).
    pub async fn commit_without_answer(self) -> sqlx::Result<()> {
        self.store.commit(self.tx).await
    }

    /// The targets' events of the account, by the id as sent, in one read under the
    /// transaction (a malformed id is simply not found).
    async fn read_events(
        &mut self,
        account: &str,
        targets: &[Target],
    ) -> sqlx::Result<HashMap<String, OmEvent>> {
        let ids: Vec<&str> = targets
            .iter()
            .filter(|t| t.id.parse::<EventId>().is_ok())
            .map(|t| t.id.as_str())
            .collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM om_events WHERE account_id = $1 AND id IN ({})",
            placeholders(2, ids.len())
        );
        let mut q = sqlx::query(&sql).bind(account);
        for id in &ids {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(&mut *self.tx).await?;
        rows.iter()
            .map(|r| event_from_row(r).map(|e| (e.id.to_string(), e)))
            .collect()
    }

    /// Writes one accepted change and its audit entry; `None` when the event changed since it
    /// was read.
    ///
    /// Holds (DESIGN.md 13): moving an event later ends its hold (a later one is logged
    /// again); `override_hold` lets the scheduler start it although it would be held.
    async fn write(
        &mut self,
        account: &str,
        event: &OmEvent,
        moved: &Moved,
        now: DateTime<Utc>,
        approved_by: &[String],
    ) -> sqlx::Result<Option<OmEvent>> {
        let Moved {
            execute_at,
            execute_now,
            override_hold,
        } = *moved;
        let sql = format!(
            "UPDATE om_events SET execute_at = $1, version = version + 1, \
             hold = CASE WHEN $1 > execute_at THEN NULL ELSE hold END, \
             held_since = CASE WHEN $1 > execute_at THEN NULL ELSE held_since END, \
             override_hold = CASE WHEN $5 = 1 THEN 1 ELSE override_hold END \
             WHERE id = $2 AND version = $3 AND status = 'pending' AND account_id = $4 \
             RETURNING {EVENT_COLUMNS}"
        );
        let query = sqlx::query(&sql)
            .bind(crate::clock::to_millis(execute_at))
            .bind(event.id.as_str())
            .bind(event.version)
            .bind(account)
            .bind(i64::from(override_hold));
        let Some((moved, _)) = update_event(&mut self.tx, query).await? else {
            return Ok(None);
        };
        let action = if execute_now {
            AuditAction::ExecuteNow
        } else {
            AuditAction::Rescheduled
        };
        record_change(
            &mut self.tx,
            &Change {
                account,
                event: &moved,
                at: now,
                actor: &self.actor,
                action,
                from: Some(audit_time(event.execute_at)),
                to: Some(audit_time(moved.execute_at)),
                via: self.via.as_deref(),
                on_behalf_of: None,
                approved_by,
            },
        )
        .await?;
        Ok(Some(moved))
    }
}
