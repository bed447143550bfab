-- DESIGN.md 12.2: the list pages show the previous event's verdict beside its time, so a
-- resource remembers which event that was (written with previous_executed_at).
ALTER TABLE gateways ADD COLUMN previous_event_id TEXT;
ALTER TABLE connections ADD COLUMN previous_event_id TEXT;
