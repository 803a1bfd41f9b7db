-- What is made from a mail's HTML once, in a worker thread, instead of on every read: the plain
-- text of HTML-only mail, the sanitised document the web UI shows and its count of remote
-- images, and for big mail the APIs' `content` and `html` as JSON string literals. No row in
-- mail_derived = not made yet (mail stored before this version): made on its first read.
-- Big values are kept in chunks read one query each, so that no read of them is big.

CREATE TABLE mail_derived (
  mail_id bigint PRIMARY KEY REFERENCES mails (id) ON DELETE CASCADE,
  remote_images integer NOT NULL,
  html_text text NOT NULL
);

-- part: 'document' (always), 'content' and 'html' (JSON, big mail only).
CREATE TABLE mail_chunks (
  mail_id bigint NOT NULL REFERENCES mails (id) ON DELETE CASCADE,
  part text NOT NULL,
  seq integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (mail_id, part, seq)
);
