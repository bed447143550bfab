-- Search finds a case-insensitive substring of a resource's ID or name. The lowered text is kept
-- in the region index, so a search reads that index alone instead of every row of the table.
-- New rows get it from the server (Unicode lowering); rows already here from SQLite's lower().
ALTER TABLE gateways ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
UPDATE gateways SET search_key = lower(id || char(10) || name);
DROP INDEX gateways_by_region;
CREATE INDEX gateways_by_region ON gateways(account_id, region_id, id, search_key);

ALTER TABLE connections ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
UPDATE connections SET search_key = lower(id || char(10) || name);
DROP INDEX connections_by_region;
CREATE INDEX connections_by_region ON connections(account_id, region_id, id, search_key);
