-- How a mail arrived (connecting IP, HELO name, MAIL FROM) and the verdicts of its sender checks
-- (SPF, DKIM, DMARC, ARC: see src/domain/sender-auth.ts), shared by all its recipients' copies.
-- The row is written with the mail; the verdicts come right after the 250, so NULL verdicts =
-- `pending` (finished by the next start if the process stopped first). from_domain is the
-- parsed From's domain until the checks replace it with the one DMARC looked at. No row = the
-- mail was not checked (stored before this version, or with BURNBOX_SENDER_AUTH off).

CREATE TABLE mail_auth (
  mail_id bigint PRIMARY KEY REFERENCES mails (id) ON DELETE CASCADE,
  client_ip text NOT NULL,
  helo text NOT NULL,
  envelope_from text NOT NULL,
  from_domain text NOT NULL,
  spf text,
  dkim text,
  dmarc text,
  arc text
);
CREATE INDEX mail_auth_pending ON mail_auth (mail_id) WHERE spf IS NULL;
