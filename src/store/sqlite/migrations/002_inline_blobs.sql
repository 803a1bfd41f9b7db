-- Bytes of small received messages (raw message + decoded attachments), kept in the database
-- and written in the same transaction as their rows: one fsync covers a whole batch.
CREATE TABLE inline_blobs (
  key TEXT PRIMARY KEY,
  data BLOB NOT NULL
);
