// A port that is taken stops `burnbox serve` with one line naming the listener and the setting
// to change, exit code 1, no stack trace, and no listener left open (the process ends).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, runCli } from '../support/process.ts';

let dataDir: string;
let occupier: net.Server;
let busyPort: number;

before(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-busy-'));
  occupier = net.createServer();
  await new Promise<void>((resolve) => occupier.listen(0, '127.0.0.1', resolve));
  busyPort = (occupier.address() as net.AddressInfo).port;
});
after(async () => {
  await new Promise((resolve) => occupier.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

async function serveOn(smtpPort: number, httpPort: number) {
  return runCli(['serve'], {
    BURNBOX_DATA_DIR: dataDir,
    BURNBOX_SMTP_HOST: '127.0.0.1',
    BURNBOX_HTTP_HOST: '127.0.0.1',
    BURNBOX_SMTP_PORT: String(smtpPort),
    BURNBOX_HTTP_PORT: String(httpPort),
  });
}

test('a busy HTTP port: one line naming BURNBOX_HTTP_PORT, exit code 1, the process ends', async () => {
  // The SMTP listener opens first: the failed start must close it again, or the process hangs.
  const result = await serveOn(await freePort(), busyPort);
  assert.equal(result.status, 1, `exit status (null: still running when killed)\n${result.stderr}`);
  assert.equal(
    result.stderr,
    `burnbox: HTTP port ${busyPort} is already in use on 127.0.0.1 (choose another with BURNBOX_HTTP_PORT or --http-port)\n`,
  );
  assert.doesNotMatch(result.stdout, /EADDRINUSE|\bat .*\(node:/, 'no stack trace in the log either');
});

test('a busy SMTP port: one line naming BURNBOX_SMTP_PORT, and no stack trace before it', async () => {
  const result = await serveOn(busyPort, await freePort());
  assert.equal(result.status, 1, result.stderr);
  assert.equal(
    result.stderr,
    `burnbox: SMTP port ${busyPort} is already in use on 127.0.0.1 (choose another with BURNBOX_SMTP_PORT or --smtp-port)\n`,
  );
  assert.doesNotMatch(result.stdout, /EADDRINUSE|"stack"/, 'no logged stack trace');
});
