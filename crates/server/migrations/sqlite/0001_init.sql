-- Times are epoch milliseconds (BIGINT) and flags 0/1 (BIGINT) so that one query text serves
-- SQLite and PostgreSQL alike through sqlx's Any driver.
CREATE TABLE regions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    position BIGINT NOT NULL
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE users (
    email TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator'))
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL REFERENCES users(email),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL REFERENCES users(email),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE gateways (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    region_id TEXT NOT NULL REFERENCES regions(id),
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    spec TEXT NOT NULL,
    tunnel_mode TEXT NOT NULL CHECK (tunnel_mode IN ('dual_tunnel', 'single_tunnel')),
    ipsec_address_1 TEXT,
    ipsec_address_2 TEXT,
    ssl_address TEXT,
    gateway_address TEXT,
    ssl_clients BIGINT NOT NULL DEFAULT 0,
    previous_executed_at BIGINT
);
CREATE INDEX gateways_by_region ON gateways(account_id, region_id, id);

CREATE TABLE connections (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    region_id TEXT NOT NULL REFERENCES regions(id),
    name TEXT NOT NULL,
    tunnel_mode TEXT NOT NULL CHECK (tunnel_mode IN ('dual_tunnel', 'single_tunnel')),
    attached_kind TEXT NOT NULL CHECK (attached_kind IN ('vpn_gateway', 'transit_router')),
    attached_id TEXT NOT NULL,
    previous_executed_at BIGINT
);
CREATE INDEX connections_by_region ON connections(account_id, region_id, id);
CREATE INDEX connections_by_attachment ON connections(attached_id);

CREATE TABLE tunnels (
    id TEXT PRIMARY KEY,
    connection_id TEXT NOT NULL REFERENCES connections(id),
    idx BIGINT NOT NULL,
    gateway_ip TEXT NOT NULL,
    customer_gateway_id TEXT NOT NULL,
    customer_gateway_ip TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('available', 'unavailable')),
    carries_traffic BIGINT NOT NULL
);
CREATE INDEX tunnels_by_connection ON tunnels(connection_id);

CREATE TABLE om_events (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    region_id TEXT NOT NULL REFERENCES regions(id),
    resource_kind TEXT NOT NULL CHECK (resource_kind IN ('vpn_gateway', 'ipsec_connection')),
    resource_id TEXT NOT NULL,
    gateway_ip_role TEXT NOT NULL,
    gateway_ip TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'executing', 'completed', 'failed', 'cancelled')),
    default_execute_at BIGINT NOT NULL,
    execute_at BIGINT NOT NULL CHECK (execute_at <= default_execute_at),
    published_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    -- when the running maintenance ends (started_at + duration / time scale)
    completes_at BIGINT,
    version BIGINT NOT NULL,
    -- which server process started it, to tell a resumed execution from its own
    executed_by TEXT,
    -- the impact and the prior state of every touched resource, taken when the event started,
    -- so that finishing it (also after a crash) restores exactly what it changed
    execution_snapshot TEXT
);
-- At most one current event per resource, enforced by the database.
CREATE UNIQUE INDEX om_events_one_current ON om_events(resource_id) WHERE status IN ('pending', 'executing');
CREATE INDEX om_events_due ON om_events(status, execute_at);
CREATE INDEX om_events_by_region ON om_events(account_id, region_id, published_at);

CREATE TABLE event_log (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES om_events(id),
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_value TEXT,
    to_value TEXT
);
CREATE INDEX event_log_by_event ON event_log(event_id, id);

CREATE TABLE idempotency_keys (
    account_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    etag TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, idempotency_key)
);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL,
    region_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    resource_id TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE INDEX alerts_by_region ON alerts(account_id, region_id, at);
