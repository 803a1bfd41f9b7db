// A 250 means stored: the real CLI server is killed with SIGKILL the instant the 250 arrives,
// started again on the same data (directory or PostgreSQL schema), and the message must be
// there, byte-exact.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { mailFixtures, renderFixture } from '../fixtures/mail/index.ts';
import { assertOnTestBackend, installationSettings, removeInstallation } from '../support/harness.ts';
import { runCli, startServe } from '../support/process.ts';
import { type ListedMessage, mediaType, sha256 } from './helpers.ts';
import { RawSmtpClient } from './raw-client.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-crash-'));
const children = new Set<ChildProcess>();
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await removeInstallation(dataDir);
});

// On the test backend: the data directory, or (BURNBOX_TEST_BACKEND=postgres) a schema of its own.
const env = { BURNBOX_DATA_DIR: dataDir, ...installationSettings(dataDir) };

function burnbox(...args: string[]): string {
  const result = runCli(args, env);
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

async function serve() {
  const started = await startServe(env);
  children.add(started.child);
  return started;
}

async function get(baseUrl: string, key: string, urlPath: string) {
  const res = await fetch(baseUrl + urlPath, { headers: { Authorization: `Bearer ${key}` } });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: Buffer.from(await res.arrayBuffer()),
  };
}

test('a message answered 250 survives kill -9 right after the reply', async () => {
  burnbox('domain', 'add', 'burnbox.test');
  burnbox('user', 'create', 'crash@users.example');
  const key = burnbox('key', 'create', 'crash@users.example');
  assert.match(key, /^\S+$/);
  assertOnTestBackend(dataDir);

  const first = await serve();
  const created = await fetch(`${first.baseUrl}/api/emails`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}` },
  });
  assert.equal(created.status, 200);
  const address = ((await created.json()) as { data: { email: string } }).data.email;

  const fixture = mailFixtures.attachments;
  const { client } = await RawSmtpClient.open(first.smtpPort);
  let inData = false;
  client.onReply = (reply) => {
    if (reply.code === 354) inData = true;
    else if (inData && reply.code === 250) first.child.kill('SIGKILL');
  };
  const sent = await client.send('sender@example.org', [address], renderFixture(fixture, address));
  assert.equal(sent.final?.code, 250, sent.final?.text);
  await first.exited;
  assert.equal(first.child.signalCode, 'SIGKILL');
  client.destroy();

  const second = await serve();
  const list = await get(second.baseUrl, key, `/api/messages?email=${encodeURIComponent(address)}`);
  assert.equal(list.status, 200);
  const messages = JSON.parse(list.body.toString()).messages as ListedMessage[];
  assert.equal(messages.length, 1);
  const message = messages[0] as ListedMessage;
  assert.equal(message.subject, fixture.subject);
  assert.deepEqual(
    message.attachments.map((a) => a.name),
    fixture.attachments.map((a) => a.name),
  );
  for (const [i, expected] of fixture.attachments.entries()) {
    const url = message.attachments[i]?.url ?? '';
    const file = await get(second.baseUrl, key, new URL(url).pathname);
    assert.equal(file.status, 200);
    assert.equal(sha256(file.body), expected.sha256, expected.name);
    assert.equal(mediaType(file.type), expected.contentType);
  }
  second.child.kill('SIGTERM');
  await second.exited;
});
