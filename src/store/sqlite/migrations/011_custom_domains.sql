-- Domains users bring themselves (custom domains). A row is one account's claim on a name:
-- several accounts may claim one name while it is pending, each with its own token; at most one
-- claim per name is verified (the unique index), and only that one takes mail and mailboxes.
CREATE TABLE custom_domains (
  name TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'failed')),
  created_at INTEGER NOT NULL,
  checked_at INTEGER,
  last_problem TEXT,
  verified_at INTEGER,
  next_check_at INTEGER NOT NULL,
  catch_all TEXT,
  PRIMARY KEY (name, user_id)
);
CREATE UNIQUE INDEX custom_domains_one_verified ON custom_domains (name) WHERE status = 'verified';
CREATE INDEX custom_domains_due ON custom_domains (next_check_at) WHERE status = 'pending';
CREATE INDEX custom_domains_of_user ON custom_domains (user_id);

-- Removing a custom domain removes every mailbox on it.
CREATE INDEX mailboxes_by_domain ON mailboxes (domain);
