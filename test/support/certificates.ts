// Self-signed certificates made for a test with openssl (EC P-256: quick to make), written as
// PEM files the way certbot leaves them.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
  /** SHA-256 fingerprint, as a TLS peer certificate's `fingerprint256` gives it. */
  fingerprint: string;
}

/** A new key and self-signed certificate for `commonName`, as `<dir>/<name>.cert.pem` and `.key.pem`. */
export function makeCertificate(dir: string, name: string, commonName = 'mx.burnbox.test'): TestCertificate {
  const certFile = path.join(dir, `${name}.cert.pem`);
  const keyFile = path.join(dir, `${name}.key.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      `subjectAltName=DNS:${commonName}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  const cert = readFileSync(certFile);
  return {
    certFile,
    keyFile,
    cert,
    key: readFileSync(keyFile),
    fingerprint: new X509Certificate(cert).fingerprint256,
  };
}
