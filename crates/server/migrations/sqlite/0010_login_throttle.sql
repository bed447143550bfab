-- Login attempts counted per throttle key in a fixed window: one row per key, incremented by an
-- upsert before any password is checked, so concurrent attempts cannot all slip under the limit.
-- It replaces login_failures, which counted only after the (slow) check.
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts BIGINT NOT NULL
);
DROP TABLE login_failures;
