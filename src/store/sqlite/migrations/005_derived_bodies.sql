-- What is made from a mail's HTML once, in a worker thread, instead of on every read: the plain
-- text of HTML-only mail, the sanitised document the web UI shows and its count of remote
-- images. NULL = not made yet (mail stored before this version): made on its first read.

ALTER TABLE mails ADD COLUMN html_text TEXT;
ALTER TABLE mails ADD COLUMN html_document BLOB;
ALTER TABLE mails ADD COLUMN remote_images INTEGER;
