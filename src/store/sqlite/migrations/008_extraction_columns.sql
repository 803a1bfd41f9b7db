-- A mail's codes and links move into two columns of `mails` (NULL = not read yet: mail stored
-- before they were kept is read on its first request, and saved): written with the mail's own
-- row, a delivery no longer adds a second row, and its index entry, to every commit.

ALTER TABLE mails ADD COLUMN codes TEXT;
ALTER TABLE mails ADD COLUMN links TEXT;
UPDATE mails SET codes = e.codes, links = e.links FROM mail_extractions e WHERE e.mail_id = mails.id;
DROP TABLE mail_extractions;
