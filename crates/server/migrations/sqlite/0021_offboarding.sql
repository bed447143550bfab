-- Offboarding (DESIGN.md 17): a disabled user's log-in is refused as a wrong password would be,
-- and every session and token of theirs stops working. The index lets each server's live
-- update tailer find the users disabled since it last looked, to end their streams at once.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
CREATE INDEX users_by_disabled_at ON users(disabled_at);
