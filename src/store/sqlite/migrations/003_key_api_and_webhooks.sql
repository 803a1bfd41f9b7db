-- The key dialect pages by (time desc, uuid desc); webhooks with a transactional outbox.

CREATE INDEX messages_by_mailbox_uuid ON messages (mailbox_id, received_at DESC, uuid DESC);
CREATE INDEX mailboxes_by_user_uuid ON mailboxes (user_id, created_at DESC, uuid DESC);

CREATE TABLE webhooks (
  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  secret TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Events waiting for delivery. Written in the same transaction as what caused them.
CREATE TABLE webhook_outbox (
  id INTEGER PRIMARY KEY,
  delivery_id TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  event TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  locked_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at);

-- The delivery log: one row per attempt, kept for the most recent attempts of each user.
CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  delivery_id TEXT NOT NULL,
  event TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  attempted_at INTEGER NOT NULL,
  url TEXT NOT NULL,
  status_code INTEGER,
  error TEXT,
  duration_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL
);
CREATE INDEX webhook_attempts_by_user ON webhook_attempts (user_id, id DESC);
