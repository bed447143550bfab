-- Idempotency keys belong to the user who sent them, not to the whole account: another user of
-- the account who happens to pick the same key must neither get the first user's answer nor be
-- refused. The answers are kept for 48 hours only, so the table is recreated rather than
-- migrated: a retry across this upgrade is done again, under its If-Match.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    account_id TEXT NOT NULL,
    user_email TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    etag TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, user_email, idempotency_key)
);
