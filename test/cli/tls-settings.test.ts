// The TLS files are checked when serve starts: a file that cannot be read, that holds no
// certificate or key, a key that is not the certificate's, or only one of the two settings
// stops the start with one line naming the setting (exit code 1), before any port is opened.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeCertificate, type TestCertificate } from '../support/certificates.ts';
import { freePort, runCli } from '../support/process.ts';

let dir: string;
let env: Record<string, string>;
let good: TestCertificate;
let other: TestCertificate;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-tls-settings-'));
  good = makeCertificate(dir, 'good');
  other = makeCertificate(dir, 'other');
  env = {
    BURNBOX_DATA_DIR: path.join(dir, 'data'),
    BURNBOX_SMTP_HOST: '127.0.0.1',
    BURNBOX_HTTP_HOST: '127.0.0.1',
    BURNBOX_SMTP_PORT: String(await freePort()),
    BURNBOX_HTTP_PORT: String(await freePort()),
    BURNBOX_LOG_LEVEL: 'silent',
  };
});
after(() => rmSync(dir, { recursive: true, force: true }));

function serve(vars: Record<string, string>, args: string[] = []) {
  return runCli(['serve', ...args], { ...env, ...vars });
}

function assertOneLine(result: ReturnType<typeof runCli>, message: string) {
  assert.equal(result.status, 1, result.stderr);
  assert.equal(result.stderr, `burnbox: ${message}\n`);
}

test('only one of the two settings is one line naming the one given and the one missing', () => {
  assertOneLine(
    serve({ BURNBOX_TLS_CERT: good.certFile }),
    `Invalid setting BURNBOX_TLS_CERT="${good.certFile}": must be set together with BURNBOX_TLS_KEY (both or neither)`,
  );
  assertOneLine(
    serve({ BURNBOX_TLS_KEY: good.keyFile }),
    `Invalid setting BURNBOX_TLS_KEY="${good.keyFile}": must be set together with BURNBOX_TLS_CERT (both or neither)`,
  );
  assertOneLine(
    serve({}, ['--tls-cert', good.certFile]),
    `Invalid setting --tls-cert="${good.certFile}": must be set together with BURNBOX_TLS_KEY (both or neither)`,
  );
});

test('a missing or unreadable file is one line naming its setting', () => {
  const missing = path.join(dir, 'missing.pem');
  assertOneLine(
    serve({ BURNBOX_TLS_CERT: missing, BURNBOX_TLS_KEY: good.keyFile }),
    `Invalid setting BURNBOX_TLS_CERT="${missing}": cannot read the file: no such file`,
  );
  assertOneLine(
    serve({ BURNBOX_TLS_CERT: good.certFile, BURNBOX_TLS_KEY: missing }),
    `Invalid setting BURNBOX_TLS_KEY="${missing}": cannot read the file: no such file`,
  );
  assertOneLine(
    serve({ BURNBOX_TLS_CERT: dir, BURNBOX_TLS_KEY: good.keyFile }),
    `Invalid setting BURNBOX_TLS_CERT="${dir}": cannot read the file: a directory, not a file`,
  );
  // Root reads any file whatever its mode: the permission case only exists for other users.
  if (process.getuid?.() !== 0) {
    const locked = path.join(dir, 'locked.key.pem');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0o000);
    assertOneLine(
      serve({ BURNBOX_TLS_CERT: good.certFile, BURNBOX_TLS_KEY: locked }),
      `Invalid setting BURNBOX_TLS_KEY="${locked}": cannot read the file: permission denied (the server runs as a user that cannot read it)`,
    );
  }
});

test('a file without a PEM certificate or key is one line naming its setting', () => {
  const junk = path.join(dir, 'junk.pem');
  writeFileSync(junk, 'not a certificate\n');
  assertOneLine(
    serve({ BURNBOX_TLS_CERT: junk, BURNBOX_TLS_KEY: good.keyFile }),
    `Invalid setting BURNBOX_TLS_CERT="${junk}": the file holds no PEM certificate`,
  );
  assertOneLine(
    serve({ BURNBOX_TLS_CERT: good.certFile, BURNBOX_TLS_KEY: junk }),
    `Invalid setting BURNBOX_TLS_KEY="${junk}": the file holds no PEM private key (or it is encrypted)`,
  );
  // The files swapped: a certificate is no key.
  assertOneLine(
    serve({ BURNBOX_TLS_CERT: good.certFile, BURNBOX_TLS_KEY: good.certFile }),
    `Invalid setting BURNBOX_TLS_KEY="${good.certFile}": the file holds no PEM private key (or it is encrypted)`,
  );
});

test("a key that is not the certificate's is one line naming both files", () => {
  assertOneLine(
    serve({ BURNBOX_TLS_CERT: good.certFile, BURNBOX_TLS_KEY: other.keyFile }),
    `Invalid setting BURNBOX_TLS_KEY="${other.keyFile}": the key does not match the certificate in BURNBOX_TLS_CERT="${good.certFile}"`,
  );
});
