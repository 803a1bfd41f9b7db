// Large messages are written to a spool file in the data directory while received (memory
// holds only a small window of them), arrive byte-exact, and leave no spool file behind:
// not after a delivery, not after a client leaving mid-message, not from a process that died.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, type FSWatcher, mkdirSync, readdirSync, statSync, watch, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  removeInstallation,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';
import { download, listMessages, sha256 } from './helpers.ts';
import { encodeData, RawSmtpClient } from './raw-client.ts';

const spoolBytes = 64 * 1024;
let server: TestServer;
before(async () => {
  server = await startTestServer({ BURNBOX_SMTP_SPOOL_BYTES: String(spoolBytes) });
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

const from = 'sender@example.org';
const spoolDir = () => path.join(server.dataDir, 'spool');

/** A message with a text part and one binary attachment of `size` random bytes. */
function messageWithAttachment(to: string, size: number) {
  const data = randomBytes(size);
  const lines = data.toString('base64').match(/.{1,76}/g) ?? [];
  const raw = Buffer.from(
    [
      'From: Big Sender <big@example.org>',
      `To: ${to}`,
      'Subject: spooled',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'See the attachment.',
      '.A line starting with a dot.',
      '--b',
      'Content-Type: application/octet-stream; name="data.bin"',
      'Content-Disposition: attachment; filename="data.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      ...lines,
      '--b--',
      '',
    ].join('\r\n'),
  );
  return { raw, sha256: sha256(data), size };
}

/** Names of the files that appear in the spool directory while it is watched. */
function watchSpool(): { seen: Set<string>; watcher: FSWatcher } {
  const seen = new Set<string>();
  const watcher = watch(spoolDir(), (_event, name) => {
    if (name) seen.add(name);
  });
  return { seen, watcher };
}

/** Resolves once the spool directory is empty (it is watched, not polled on a timer). */
async function spoolEmptied(): Promise<void> {
  const empty = () => readdirSync(spoolDir()).length === 0;
  if (empty()) return;
  await new Promise<void>((resolve) => {
    const watcher = watch(spoolDir(), () => {
      if (empty()) {
        watcher.close();
        resolve();
      }
    });
    if (empty()) {
      watcher.close();
      resolve();
    }
  });
}

/** The raw message as the web inbox serves it (message/rfc822), found through the key API. */
async function rawThroughHttp(key: string, address: string, token: string): Promise<Buffer> {
  const emails = await api(server, 'GET', '/api/emails', { key, scheme: 'x-api-key' });
  const mailbox = emails.body.emails.find((e: { address: string }) => e.address === address);
  const listed = await api(server, 'GET', `/api/emails/${mailbox.id}`, { key, scheme: 'x-api-key' });
  const res = await api(server, 'GET', `/inbox/${token}/messages/${listed.body.messages[0].id}/raw`);
  assert.equal(res.status, 200);
  return res.raw;
}

test('the spool directory is private to the server user', () => {
  assert.equal(statSync(spoolDir()).mode & 0o777, 0o700);
});

test('a message past the spool threshold goes through a spool file, arrives byte-exact, and the file is gone', async () => {
  const user = await createUser(server, 'big@users.example');
  const { email: address, email_token: token } = await createMailbox(server, user);
  const big = messageWithAttachment(address, 3 * 1024 * 1024);
  const { seen, watcher } = watchSpool();
  try {
    const { client } = await RawSmtpClient.open(server.smtpPort);
    const sent = await client.send(from, [address], big.raw);
    await client.quit();
    assert.equal(sent.final?.code, 250, sent.final?.text);
  } finally {
    watcher.close();
  }
  assert.ok(seen.size > 0, 'the message was written to a spool file while received');
  assert.deepEqual(readdirSync(spoolDir()), [], 'no spool file is left');

  const [message] = await listMessages(server, user, address);
  assert.ok(message);
  assert.deepEqual(
    message.attachments.map((a) => [a.name, a.size]),
    [['data.bin', big.size]],
  );
  const file = await download(server, user, message.attachments[0] as (typeof message.attachments)[0]);
  assert.equal(sha256(file.body), big.sha256);
  assert.equal(sha256(await rawThroughHttp(user.key, address, token)), sha256(big.raw));
});

test('a client leaving in the middle of a large message leaves nothing stored and no spool file', async () => {
  const user = await createUser(server, 'gone@users.example');
  const { email: address } = await createMailbox(server, user);
  const data = encodeData(messageWithAttachment(address, 2 * 1024 * 1024).raw);
  const { client } = await RawSmtpClient.open(server.smtpPort);
  const spooling = new Promise<void>((resolve) => {
    const watcher = watch(spoolDir(), () => {
      watcher.close();
      resolve();
    });
  });
  assert.equal((await client.command(`MAIL FROM:<${from}>`)).code, 250);
  assert.equal((await client.command(`RCPT TO:<${address}>`)).code, 250);
  assert.equal((await client.command('DATA')).code, 354);
  client.write(data.subarray(0, data.length / 2));
  await spooling;
  client.destroy();
  await spoolEmptied();
  assert.equal((await listMessages(server, user, address)).length, 0);
});

test('spool files of a process that is gone are removed at start; those of a running one are kept', async () => {
  const dataDir = path.join(os.tmpdir(), `burnbox-spool-${process.pid}-${Date.now()}`);
  const dir = path.join(dataDir, 'spool');
  mkdirSync(dir, { recursive: true });
  // Above any pid_max (2^22), so never a running process.
  const stale = path.join(dir, '999999999-stale');
  const staleParts = path.join(dir, '999999999-stale.parts');
  // The parent of this test process runs for as long as the test does.
  const running = path.join(dir, `${process.ppid}-in-flight`);
  for (const file of [stale, staleParts, running]) writeFileSync(file, 'partial message');
  const restarted = await startTestServer({ BURNBOX_DATA_DIR: dataDir });
  try {
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(staleParts), false);
    assert.equal(existsSync(running), true);
  } finally {
    await restarted.close();
    await removeInstallation(dataDir);
  }
});
