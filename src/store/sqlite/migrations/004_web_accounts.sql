-- The web UI: administrators, login sessions, fixed-window rate limits, and indexes for the
-- admin statistics.

ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1));

-- A login session. Only the sha256 of the session token is stored.
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Fixed-window counters: hits on `key` in the window starting at `window_start`.
CREATE TABLE rate_limits (
  key TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (key, window_start)
) WITHOUT ROWID;
CREATE INDEX rate_limits_by_window ON rate_limits (window_start);

-- Admin statistics: messages per hour, and failed webhook deliveries (partial: only failed
-- attempts pay for it).
CREATE INDEX messages_by_received ON messages (received_at);
CREATE INDEX webhook_attempts_failed ON webhook_attempts (attempted_at) WHERE outcome = 'failed';

-- Lapsed quarantines are deleted by the sweeper.
CREATE INDEX released_addresses_by_until ON released_addresses (until);
