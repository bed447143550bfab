-- DESIGN.md 12.1: a tunnel's health as the provider's monitoring reports it. IKE is the
-- tunnel's `state` (the contract ties them: `--ike up` makes it `available`); BGP and routes
-- are null for a tunnel without BGP. The customer gateway's IKE settings sit on each tunnel
-- row, as its id and address do. `comes_back_with_routes` is the data-plane simulation's knob:
-- the routes the site advertises after its next restart (null: as many as before).
ALTER TABLE tunnels ADD COLUMN bgp TEXT;
ALTER TABLE tunnels ADD COLUMN routes_received BIGINT;
ALTER TABLE tunnels ADD COLUMN health_checked_at BIGINT;
ALTER TABLE tunnels ADD COLUMN cgw_ike_version TEXT NOT NULL DEFAULT 'ikev2';
ALTER TABLE tunnels ADD COLUMN cgw_startup_action TEXT NOT NULL DEFAULT 'start';
ALTER TABLE tunnels ADD COLUMN comes_back_with_routes BIGINT;

-- 12.2: the baseline kept at the start, the verification (JSON of the detail's object) and
-- its status and deadline as columns the scheduler and the hold check query.
ALTER TABLE om_events ADD COLUMN health_baseline TEXT;
ALTER TABLE om_events ADD COLUMN verification TEXT;
ALTER TABLE om_events ADD COLUMN verification_status TEXT;
ALTER TABLE om_events ADD COLUMN verification_deadline BIGINT;
CREATE INDEX om_events_by_verification ON om_events(verification_status, verification_deadline);

-- 13: the hold of a pending event (JSON of the detail's object) and since when; an operator's
-- override; and, per started event, the customer gateways it interrupts or fails over, which
-- the hold check of the other events looks up.
ALTER TABLE om_events ADD COLUMN hold TEXT;
ALTER TABLE om_events ADD COLUMN held_since BIGINT;
ALTER TABLE om_events ADD COLUMN override_hold BIGINT NOT NULL DEFAULT 0;
CREATE TABLE event_paths (
    event_id TEXT NOT NULL REFERENCES om_events(id),
    customer_gateway_id TEXT NOT NULL,
    PRIMARY KEY (event_id, customer_gateway_id)
);
CREATE INDEX event_paths_by_customer_gateway ON event_paths(customer_gateway_id);
