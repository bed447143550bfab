-- Failed logins, per account email and per client address, for throttling. In the database so
-- that every replica sees the same count.
CREATE TABLE login_failures (
    throttle_key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures(throttle_key, at);

-- The audit log is append-only, whatever code or person connects.
CREATE FUNCTION event_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER event_log_no_change BEFORE UPDATE OR DELETE ON event_log
    FOR EACH ROW EXECUTE FUNCTION event_log_append_only();
