-- The verification codes and action links read out of a mail (src/mail/extract), once, when it
-- is received, and shared by all its recipients' copies: waits, streams and the extract
-- endpoints read them instead of reading the mail again. Both columns are JSON arrays (codes:
-- [{value, kind}], links: [{url, kind}], best guess first), kept as text like `attachments`.
-- No row = not read yet (mail stored before this version): read on its first request and saved.

CREATE TABLE mail_extractions (
  mail_id bigint PRIMARY KEY REFERENCES mails (id) ON DELETE CASCADE,
  codes text NOT NULL,
  links text NOT NULL
);
