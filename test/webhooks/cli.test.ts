// The `burnbox webhook …` commands, against the same data as a running `burnbox serve`, which
// picks up a test event queued by the command (another process) on its own.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { assertOnTestBackend, installationSettings, removeInstallation } from '../support/harness.ts';
import { runCli, startServe } from '../support/process.ts';
import { until } from '../support/until.ts';
import { expectedSignature, startReceiver } from './helpers.ts';

test('webhook show, set, test, log and rotate-secret', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-webhook-cli-'));
  t.after(() => removeInstallation(dataDir));
  // The server and the commands on the test backend (a PostgreSQL schema in the PostgreSQL pass).
  const serve = await startServe({
    BURNBOX_DATA_DIR: dataDir,
    ...installationSettings(dataDir),
    BURNBOX_WEBHOOK_ALLOW_PRIVATE: 'true',
  });
  t.after(() => serve.stop());
  const hook = await startReceiver();
  t.after(() => hook.close());
  const cli = (...args: string[]) => {
    const result = runCli(args, serve.env);
    assert.equal(result.status, 0, result.stderr);
    return result.stdout;
  };
  cli('user', 'create', 'hooks@example.org');
  assertOnTestBackend(dataDir);

  const shown = cli('webhook', 'show', 'hooks@example.org');
  assert.match(shown, /^url\t\(none\)$/m);
  assert.match(shown, /^enabled\tfalse$/m);
  const secret = /^secret\t(\S+)$/m.exec(shown)?.[1] ?? '';
  assert.ok(secret.length >= 20);

  assert.match(cli('webhook', 'set', 'hooks@example.org', hook.url), /webhook on, http:\/\/127\.0\.0\.1/);
  assert.match(cli('webhook', 'show', 'hooks@example.org'), /^enabled\ttrue$/m);
  assert.match(cli('webhook', 'log', 'hooks@example.org'), /no delivery attempts yet/);

  assert.match(cli('webhook', 'test', 'hooks@example.org'), /queued test event [0-9a-f-]{36}/);
  // The server looks at the outbox at least every 5 s, so rows from other processes go out.
  const [req] = await hook.waitFor(1);
  assert.ok(req);
  assert.equal(req.headers['x-webhook-test'], 'true');
  const ts = String(req.headers['x-webhook-timestamp']);
  assert.equal(req.headers['x-webhook-signature'], expectedSignature(secret, ts, req.body));

  // The log line is written right after the response.
  let log = '';
  await until(() => {
    log = cli('webhook', 'log', 'hooks@example.org');
    return log.includes('delivered');
  }, 'the delivery is logged');
  assert.match(
    log,
    /^\d{4}-\d\d-\d\dT\S+Z\t#1\tHTTP 200\t\d+ ms\tdelivered\tnew_message:test\t[0-9a-f-]{36}$/m,
  );

  const rotated = cli('webhook', 'rotate-secret', 'hooks@example.org').trim();
  assert.notEqual(rotated, secret);
  assert.match(cli('webhook', 'show', 'hooks@example.org'), new RegExp(`^secret\\t${rotated}$`, 'm'));

  assert.match(cli('webhook', 'set', 'hooks@example.org', hook.url, '--disabled'), /webhook off/);
  assert.match(cli('webhook', 'show', 'hooks@example.org'), /^enabled\tfalse$/m);

  const bad = runCli(['webhook', 'set', 'hooks@example.org', 'ftp://x'], serve.env);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^burnbox: The webhook URL must start with http/);
  const nobody = runCli(['webhook', 'show', 'nobody@example.org'], serve.env);
  assert.equal(nobody.status, 1);
});
