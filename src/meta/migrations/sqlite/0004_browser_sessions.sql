-- Web UI sign-in sessions. Only the SHA-256 of a session's secret is kept, like API tokens.
CREATE TABLE browser_sessions (
  session_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX browser_sessions_by_expiry ON browser_sessions (expires_at);
CREATE INDEX browser_sessions_by_user ON browser_sessions (user_id);
