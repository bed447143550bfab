-- Notifications (DESIGN.md section 9): webhook endpoints, their outbox of deliveries with every
-- attempt, the reminders of pending events, and each user's calendar feed.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- a JSON array of event types, or NULL for all of them
    event_types TEXT,
    -- kept as is: signing needs the secret itself, not a hash of it
    secret TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_by_account ON webhooks(account_id, enabled);

-- The outbox: a row is written in the transaction of the change it reports, so a crash loses none.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    om_event_id TEXT,
    -- the event object and the audit-log entry as they were in that transaction (JSON)
    event_json TEXT,
    log_entry TEXT,
    reminder TEXT,
    -- the body, composed at the first attempt and then sent unchanged on every retry
    body TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    -- attempts since the delivery was (re)started: indexes the retry schedule
    round_attempts BIGINT NOT NULL DEFAULT 0,
    last_status_code BIGINT,
    last_error TEXT,
    last_response TEXT,
    next_attempt_at BIGINT,
    -- the dispatcher holding this attempt, as for running events
    lease_until BIGINT,
    leased_by TEXT,
    delivered_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries(webhook_id, created_at);

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    status_code BIGINT,
    error TEXT,
    -- at most 1 KB of the receiver's answer
    response_body TEXT,
    next_attempt_at BIGINT
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts(delivery_id, id);

-- Reminders 24 h and 1 h ahead of a pending event's execution time. Armed for one execution
-- time at one moment; the dispatcher skips one whose moment had passed when it was armed.
CREATE TABLE event_reminders (
    event_id TEXT NOT NULL REFERENCES om_events(id),
    reminder TEXT NOT NULL CHECK (reminder IN ('24h', '1h')),
    armed_for BIGINT NOT NULL,
    armed_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('armed', 'sent', 'skipped')),
    PRIMARY KEY (event_id, reminder)
);
CREATE INDEX event_reminders_armed ON event_reminders(status, armed_for);

-- One secret calendar URL per user; only the token's hash is kept.
CREATE TABLE calendar_feeds (
    email TEXT PRIMARY KEY REFERENCES users(email),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
