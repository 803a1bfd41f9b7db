-- Burnbox schema, version 1. Times are Unix milliseconds.

CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE domains (
  name TEXT PRIMARY KEY,
  type TEXT NOT NULL CHECK (type IN ('free', 'premium')),
  created_at INTEGER NOT NULL
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT,
  plan TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  key_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE request_counts (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  period TEXT NOT NULL,
  used INTEGER NOT NULL,
  PRIMARY KEY (user_id, period)
) WITHOUT ROWID;

CREATE TABLE mailboxes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid TEXT NOT NULL UNIQUE,
  address TEXT NOT NULL UNIQUE,
  local_part TEXT NOT NULL,
  domain TEXT NOT NULL,
  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE INDEX mailboxes_by_user ON mailboxes (user_id, created_at);
CREATE INDEX mailboxes_by_expiry ON mailboxes (expires_at) WHERE expires_at IS NOT NULL;

-- An address whose mailbox was released stays reserved for its last owner until `until`.
CREATE TABLE released_addresses (
  address TEXT PRIMARY KEY,
  user_id INTEGER,
  until INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per received SMTP message, shared by all its recipients.
CREATE TABLE mails (
  id INTEGER PRIMARY KEY,
  subject TEXT NOT NULL,
  from_name TEXT NOT NULL,
  from_email TEXT NOT NULL,
  text_body TEXT NOT NULL,
  html_body TEXT NOT NULL,
  size INTEGER NOT NULL,
  blob_key TEXT NOT NULL,
  attachments TEXT NOT NULL -- JSON array of AttachmentRecord
);

-- One row per recipient mailbox.
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  public_id TEXT NOT NULL UNIQUE,
  uuid TEXT NOT NULL UNIQUE,
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  mail_id INTEGER NOT NULL REFERENCES mails(id),
  recipient TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  seen INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX messages_by_mailbox ON messages (mailbox_id, received_at DESC, id DESC);
CREATE INDEX messages_by_mail ON messages (mail_id);
