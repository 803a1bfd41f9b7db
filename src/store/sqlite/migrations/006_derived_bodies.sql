-- What is made from a mail's HTML once, in a worker thread, instead of on every read: the plain
-- text of HTML-only mail, the sanitised document the web UI shows and its count of remote
-- images, and for big mail the APIs' `content` and `html` as JSON string literals. No row in
-- mail_derived = not made yet (mail stored before this version): made on its first read.
-- Small columns apart from big ones, and big values in chunks read one query each: reading
-- them never walks the pages of the mail's raw HTML, nor holds the event loop for one big read.

CREATE TABLE mail_derived (
  mail_id INTEGER PRIMARY KEY REFERENCES mails(id) ON DELETE CASCADE,
  remote_images INTEGER NOT NULL,
  html_text TEXT NOT NULL
);

-- part: 'document' (always), 'content' and 'html' (JSON, big mail only).
CREATE TABLE mail_chunks (
  mail_id INTEGER NOT NULL REFERENCES mails(id) ON DELETE CASCADE,
  part TEXT NOT NULL,
  seq INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (mail_id, part, seq)
);
