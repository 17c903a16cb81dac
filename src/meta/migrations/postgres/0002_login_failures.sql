-- Failed sign-ins, for the sign-in throttle the replicas share: one row per failure under each
-- key it counts against (a hash of the account and client address, or of the address alone).
-- Rows older than the throttle's window are deleted as failures come in.
CREATE TABLE login_failures (
  key TEXT COLLATE "C" NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (key, at);
CREATE INDEX login_failures_by_time ON login_failures (at);
