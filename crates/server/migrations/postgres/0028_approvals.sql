-- Approvals (DESIGN.md 14): the account's policy, the requests an execution becomes when the
-- policy covers it, their events and the decisions of people other than the requester.
CREATE TABLE approval_policies (
    account_id TEXT PRIMARY KEY,
    -- The covered kinds, comma separated (execute_now, reschedule, bulk, allow_conflict, override_hold).
    require_for TEXT NOT NULL,
    min_approvals BIGINT NOT NULL
);

CREATE TABLE approval_requests (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    -- token:<name> when asked through an API token; the applied change's entries say it too.
    via TEXT,
    requested_at BIGINT NOT NULL,
    -- The change as JSON: {mode, execute_at?, allow_conflict?, override_hold?}.
    change TEXT NOT NULL,
    reason TEXT NOT NULL,
    ticket TEXT,
    -- {max_interruption_s, tunnels, ssl_clients} as JSON.
    risk TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    -- The policy's at the time of the request: a request keeps the policy it was made under.
    min_approvals BIGINT NOT NULL,
    status TEXT NOT NULL,
    error_code TEXT,
    error_message TEXT
);
CREATE INDEX approval_requests_by_account ON approval_requests(account_id, requested_at);
CREATE INDEX approval_requests_by_status ON approval_requests(status, expires_at);

CREATE TABLE approval_events (
    approval_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    -- The event's version when the request was made: the approved change is decided with it.
    version BIGINT NOT NULL,
    PRIMARY KEY (approval_id, event_id)
);
CREATE INDEX approval_events_by_event ON approval_events(event_id);

-- The key makes "one decision per person" hold between replicas too.
CREATE TABLE approval_decisions (
    approval_id TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    at BIGINT NOT NULL,
    decision TEXT NOT NULL,
    comment TEXT,
    PRIMARY KEY (approval_id, decided_by)
);

-- The approvers of an approved change, as a JSON list of emails.
ALTER TABLE event_log ADD COLUMN approved_by TEXT;
