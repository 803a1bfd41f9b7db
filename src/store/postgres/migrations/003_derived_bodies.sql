-- What is made from a mail's HTML once, in a worker thread, instead of on every read: the plain
-- text of HTML-only mail, the sanitised document the web UI shows and its count of remote
-- images. No row = not made yet (mail stored before this version): made on its first read.

CREATE TABLE mail_derived (
  mail_id bigint PRIMARY KEY REFERENCES mails (id) ON DELETE CASCADE,
  remote_images integer NOT NULL,
  html_text text NOT NULL,
  html_document bytea NOT NULL
);

-- The `content` and `html` of big mail as JSON string literals, in chunks read one at a time,
-- so that sending them neither holds the event loop for one big read nor escapes them again.
CREATE TABLE mail_json_chunks (
  mail_id bigint NOT NULL REFERENCES mails (id) ON DELETE CASCADE,
  field text NOT NULL,
  seq integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (mail_id, field, seq)
);
