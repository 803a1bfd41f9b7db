-- How the sending server delivered each mail: over_tls 1 = over TLS (STARTTLS), with the
-- protocol (TLSv1.3) and cipher suite; 0 = plain text; NULL = not recorded (mail stored before
-- this version).

ALTER TABLE mails ADD COLUMN over_tls INTEGER;
ALTER TABLE mails ADD COLUMN tls_protocol TEXT;
ALTER TABLE mails ADD COLUMN tls_cipher TEXT;
