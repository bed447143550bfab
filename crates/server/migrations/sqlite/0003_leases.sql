-- The replica running an event holds it until lease_until and extends the lease while alive;
-- another replica finishes it only after the lease lapsed (the holder died).
ALTER TABLE om_events ADD COLUMN lease_until BIGINT;
