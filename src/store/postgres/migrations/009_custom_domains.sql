-- Domains users bring themselves (custom domains), as in SQLite's 011. A row is one account's
-- claim on a name: several accounts may claim one name while it is pending, each with its own
-- token; at most one claim per name is verified (the unique index), and only that one takes
-- mail and mailboxes.
CREATE TABLE custom_domains (
  name text COLLATE "C" NOT NULL,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'verified', 'failed')),
  created_at bigint NOT NULL,
  checked_at bigint,
  last_problem text,
  verified_at bigint,
  next_check_at bigint NOT NULL,
  catch_all text,
  PRIMARY KEY (name, user_id)
);
CREATE UNIQUE INDEX custom_domains_one_verified ON custom_domains (name) WHERE status = 'verified';
CREATE INDEX custom_domains_due ON custom_domains (next_check_at) WHERE status = 'pending';
CREATE INDEX custom_domains_of_user ON custom_domains (user_id);

-- Removing a custom domain removes every mailbox on it.
CREATE INDEX mailboxes_by_domain ON mailboxes (domain);
