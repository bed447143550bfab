-- DESIGN.md 16: a tunnel-down alert lasts until its tunnel is available again, so that the
-- availability report can count the minutes. Alerts raised before this are taken as cleared at
-- once, unless their tunnel is still unavailable; they were the maintenance's own.
ALTER TABLE alerts ADD COLUMN cleared_at BIGINT;
UPDATE alerts SET cleared_at = at
    WHERE resource_id NOT IN (SELECT id FROM tunnels WHERE state = 'unavailable');
CREATE INDEX alerts_by_account ON alerts(account_id, at);
