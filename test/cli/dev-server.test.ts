// `burnbox dev` used as a CI job uses it: start it, read its one JSON line, send mail to its SMTP
// port, read the mail through its API with its key, stop it; nothing of it is left behind.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import nodemailer from 'nodemailer';
import { startDev } from '../support/dev-process.ts';
import { runCli } from '../support/process.ts';

async function sendTo(smtpPort: number, to: string, subject: string, text: string) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true });
  try {
    return await transport.sendMail({ from: 'Shop <noreply@shop.example>', to, subject, text });
  } finally {
    transport.close();
  }
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`burnbox dev prints one JSON line, serves mail and API, and leaves nothing behind on ${signal}`, async () => {
    const dev = await startDev();
    try {
      assert.deepEqual(Object.keys(dev.line).sort(), ['apiKey', 'domain', 'http', 'smtp']);
      assert.match(dev.line.http, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(typeof dev.line.smtp, 'number');
      assert.equal(dev.line.domain, 'burnbox.test');
      // Its data is in a temporary directory of its own, there while it runs.
      const [dataDir, ...others] = dev.tmpEntries();
      assert.match(dataDir ?? '', /^burnbox-dev-/);
      assert.deepEqual(others, []);

      const auth = { Authorization: `Bearer ${dev.line.apiKey}` };
      const created = await fetch(`${dev.line.http}/api/emails`, { method: 'POST', headers: auth });
      assert.equal(created.status, 200);
      const address = ((await created.json()) as { data: { email: string } }).data.email;
      assert.ok(address.endsWith('@burnbox.test'), address);

      const sent = await sendTo(dev.line.smtp, address, 'Welcome', 'Hello from the CI job');
      assert.deepEqual(sent.accepted, [address]);

      const listed = await fetch(`${dev.line.http}/api/messages?email=${encodeURIComponent(address)}`, {
        headers: auth,
      });
      assert.equal(listed.status, 200);
      const { messages } = (await listed.json()) as { messages: { subject: string; content: string }[] };
      assert.equal(messages.length, 1);
      assert.equal(messages[0]?.subject, 'Welcome');
      assert.match(messages[0]?.content ?? '', /Hello from the CI job/);

      assert.equal(await dev.stop(signal), 0);
      // Stdout held the line and nothing else; the data directory is gone.
      assert.equal(dev.stdoutLines.length, 1, dev.stdoutLines.join('\n'));
      assert.deepEqual(dev.tmpEntries(), []);
      assert.equal(existsSync(path.join(dev.tmpRoot, dataDir as string)), false);
    } finally {
      await dev.stop('SIGKILL');
      dev.cleanup();
    }
  });
}

test('burnbox dev --domain hosts that domain instead', async () => {
  const dev = await startDev(['--domain', 'ci.example']);
  try {
    assert.equal(dev.line.domain, 'ci.example');
    const domains = await fetch(`${dev.line.http}/api/email/domains`, {
      headers: { 'X-API-Key': dev.line.apiKey },
    });
    assert.deepEqual(await domains.json(), { domains: ['ci.example'] });
  } finally {
    await dev.stop();
    dev.cleanup();
  }
});

test('burnbox dev that cannot start says why in one line and leaves no directory behind', async () => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as net.AddressInfo).port;
  const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'burnbox-devtest-'));
  try {
    const result = runCli(['dev', '--http-port', String(port)], { TMPDIR: tmpRoot });
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      new RegExp(`^burnbox: HTTP port ${port} is already in use on 127\\.0\\.0\\.1`),
    );
    assert.deepEqual(readdirSync(tmpRoot), []);
  } finally {
    busy.close();
    rmSync(tmpRoot, { recursive: true, force: true });
  }
});
