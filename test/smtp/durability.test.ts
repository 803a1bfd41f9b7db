// A 250 means stored: the real CLI server is killed with SIGKILL the instant the 250 arrives,
// started again on the same data directory, and the message must be there, byte-exact.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { mailFixtures, renderFixture } from '../fixtures/mail/index.ts';
import { freePort, type ListedMessage, mediaType, sha256, waitForPort } from './helpers.ts';
import { RawSmtpClient } from './raw-client.ts';

const cli = path.resolve(import.meta.dirname, '../../bin/burnbox.mjs');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-crash-'));
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const baseEnv = {
  ...process.env,
  BURNBOX_DATA_DIR: dataDir,
  BURNBOX_SMTP_HOST: '127.0.0.1',
  BURNBOX_HTTP_HOST: '127.0.0.1',
  BURNBOX_LOG_LEVEL: 'silent',
};

async function burnbox(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args], { env: baseEnv });
  return stdout.trim();
}

/** Starts `burnbox serve` on fresh ports and waits until both listeners accept connections. */
async function serve() {
  const smtpPort = await freePort();
  const httpPort = await freePort();
  const child = spawn(process.execPath, [cli, 'serve'], {
    env: { ...baseEnv, BURNBOX_SMTP_PORT: String(smtpPort), BURNBOX_HTTP_PORT: String(httpPort) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = once(child, 'exit');
  exited.then(() => children.delete(child));
  const isGone = () => child.exitCode !== null || child.signalCode !== null;
  try {
    await waitForPort(smtpPort, isGone);
    await waitForPort(httpPort, isGone);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return { child, smtpPort, baseUrl: `http://127.0.0.1:${httpPort}`, exited };
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
  await burnbox('domain', 'add', 'burnbox.test');
  await burnbox('user', 'create', 'crash@users.example');
  const key = await burnbox('key', 'create', 'crash@users.example');
  assert.match(key, /^\S+$/);

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
