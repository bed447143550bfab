-- Planning ahead (DESIGN.md section 10): the account's maintenance window and freeze periods,
-- where the window last placed each event, and which current events conflict.

-- One window per account; days as "mon,tue,…", start as "HH:MM" in time_zone (IANA).
CREATE TABLE maintenance_windows (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    time_zone TEXT NOT NULL,
    days TEXT NOT NULL,
    start_time TEXT NOT NULL,
    duration_minutes BIGINT NOT NULL CHECK (duration_minutes BETWEEN 60 AND 1440),
    updated_at BIGINT NOT NULL
);

CREATE TABLE freeze_periods (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL CHECK (ends_at > starts_at),
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX freeze_periods_by_account ON freeze_periods(account_id, starts_at);

-- The window's last placement of a pending event whose time no person chose: window_fit 0
-- when no opening fitted and the event stayed at its default time.
CREATE TABLE event_placements (
    event_id TEXT PRIMARY KEY REFERENCES om_events(id),
    window_fit BIGINT NOT NULL,
    placed_at BIGINT NOT NULL
);

-- Pairs of events that conflicted when one of them was last given a time, both directions.
-- Rows of events no longer current are ignored on reading (joined with om_events.status).
CREATE TABLE event_conflicts (
    event_id TEXT NOT NULL REFERENCES om_events(id),
    other_event_id TEXT NOT NULL REFERENCES om_events(id),
    PRIMARY KEY (event_id, other_event_id)
);
CREATE INDEX event_conflicts_by_other ON event_conflicts(other_event_id);

-- The events that may conflict with one are found through the customer gateways its tunnels end at.
CREATE INDEX tunnels_by_customer_gateway ON tunnels(customer_gateway_id);
