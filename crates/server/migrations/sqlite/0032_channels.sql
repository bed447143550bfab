-- Channels (DESIGN.md 15) are one more kind of endpoint: they live beside the webhooks in one
-- table, so that one outbox, one lease, one retry schedule, one fairness rule and one pruning
-- serve both. `url` holds a channel's target (a URL, an e-mail address or a PagerDuty routing
-- key); `secret` its robot's signing secret, sealed as every secret (an empty one sealed when
-- the channel has none).
ALTER TABLE webhooks ADD COLUMN kind TEXT NOT NULL DEFAULT 'webhook';
ALTER TABLE webhooks ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN language TEXT;
ALTER TABLE webhooks ADD COLUMN time_zone TEXT;
-- a JSON array of region ids, or NULL for all of them
ALTER TABLE webhooks ADD COLUMN regions TEXT;
ALTER TABLE webhooks ADD COLUMN min_interruption_s BIGINT;
ALTER TABLE webhooks ADD COLUMN disabled_reason TEXT;
-- attempts in a row answered 404 or 410; the third disables a channel
ALTER TABLE webhooks ADD COLUMN gone_in_a_row BIGINT NOT NULL DEFAULT 0;
CREATE INDEX webhooks_by_account_kind ON webhooks(account_id, kind);
