-- What is made from a mail's HTML once, in a worker thread, instead of on every read: the plain
-- text of HTML-only mail, the sanitised document the web UI shows and its count of remote
-- images. No row = not made yet (mail stored before this version): made on its first read.
-- A table of its own, small columns first: reading the document does not walk through the
-- pages of the mail's raw HTML, nor the document's pages to reach the count.

CREATE TABLE mail_derived (
  mail_id INTEGER PRIMARY KEY REFERENCES mails(id) ON DELETE CASCADE,
  remote_images INTEGER NOT NULL,
  html_text TEXT NOT NULL,
  html_document BLOB NOT NULL
);

-- The `content` and `html` of big mail as JSON string literals, in chunks read one at a time,
-- so that sending them neither holds the event loop for one big read nor escapes them again.
CREATE TABLE mail_json_chunks (
  mail_id INTEGER NOT NULL REFERENCES mails(id) ON DELETE CASCADE,
  field TEXT NOT NULL,
  seq INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (mail_id, field, seq)
);
