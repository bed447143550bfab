-- Failed logins, per account email and per client address, for throttling. In the database so
-- that every replica sees the same count.
CREATE TABLE login_failures (
    throttle_key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures(throttle_key, at);

-- The audit log is append-only, whatever code or person connects.
CREATE TRIGGER event_log_no_update BEFORE UPDATE ON event_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER event_log_no_delete BEFORE DELETE ON event_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
