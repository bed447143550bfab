-- The account audit log (DESIGN.md 17): who changed what of an account that is not an event's
-- own log entry (log-ins, tokens, users, webhooks, the calendar feed, the window, freezes).
CREATE TABLE account_audit (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    -- session, token:<name> or cli
    via TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT
);
CREATE INDEX account_audit_by_account ON account_audit(account_id, at, id);
