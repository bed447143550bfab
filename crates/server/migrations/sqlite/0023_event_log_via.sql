-- DESIGN.md 17: an event's log entry made through an API token says so (`via: token:<name>`),
-- and one made by the maintenance window names the person whose change moved it.
ALTER TABLE event_log ADD COLUMN via TEXT;
ALTER TABLE event_log ADD COLUMN on_behalf_of TEXT;
