-- Delivery records and attempts are kept 30 days (DESIGN.md 17): the scheduler's hourly prune
-- finds the old ones by these instead of reading both tables whole.
CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries(created_at);
CREATE INDEX webhook_attempts_by_age ON webhook_attempts(at);
