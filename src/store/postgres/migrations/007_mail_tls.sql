-- How the sending server delivered each mail: over_tls true = over TLS (STARTTLS), with the
-- protocol (TLSv1.3) and cipher suite; false = plain text; NULL = not recorded (mail stored
-- before this version).

ALTER TABLE mails ADD COLUMN over_tls boolean;
ALTER TABLE mails ADD COLUMN tls_protocol text;
ALTER TABLE mails ADD COLUMN tls_cipher text;
