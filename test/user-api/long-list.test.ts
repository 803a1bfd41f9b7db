// GET /api/messages on a mailbox longer than one chunk of the store: every message once, in the
// order of a short list (newest first; messages received in the same millisecond, newest
// stored first), sent as a stream (no Content-Length) while a short list is sent whole.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { listChunkSize } from '../../src/http/user-api/message-list.ts';
import { SmtpSender } from '../key-api/helpers.ts';
import {
  addDomain,
  createMailbox,
  createUser,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';
import { seedInstant } from './helpers.ts';

let server: TestServer;
let smtp: SmtpSender;

before(async () => {
  server = await startTestServer();
  server.clock.now = seedInstant;
  await addDomain(server, 'example.com');
  smtp = new SmtpSender(server);
});
after(async () => {
  smtp.close();
  await server.close();
});

async function list(key: string, address: string) {
  const response = await fetch(`${server.baseUrl}/api/messages?email=${encodeURIComponent(address)}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  return { length: response.headers.get('content-length'), body: JSON.parse(await response.text()) };
}

test('a list longer than a chunk has every message once, newest first, and is streamed', async () => {
  const user = await createUser(server, 'long@example.org');
  const { email } = await createMailbox(server, user);
  const count = listChunkSize * 2 + 30;
  const subjects: string[] = [];
  for (let i = 0; i < count; i++) {
    // Runs of messages in one millisecond, across chunk boundaries, then a later millisecond.
    if (i % 70 === 0) server.clock.now += 1000;
    subjects.push(`message ${i}`);
    await smtp.send(email, `message ${i}`);
  }
  const { length, body } = await list(user.key, email);
  assert.equal(length, null, 'sent as it is read, without a length');
  assert.equal(body.status, true);
  assert.equal(body.mailbox, email);
  assert.deepEqual(
    body.messages.map((m: { subject: string }) => m.subject),
    subjects.reverse(),
  );
  assert.equal(new Set(body.messages.map((m: { id: string }) => m.id)).size, count);

  const short = await createMailbox(server, user);
  await smtp.send(short.email, 'alone');
  const single = await list(user.key, short.email);
  assert.ok(Number(single.length) > 0, 'a short list is sent whole, with its length');
  assert.deepEqual(
    single.body.messages.map((m: { subject: string }) => m.subject),
    ['alone'],
  );
  const empty = await createMailbox(server, user);
  assert.deepEqual((await list(user.key, empty.email)).body, {
    status: true,
    mailbox: empty.email,
    messages: [],
  });
});

test('a list read again shows what changed in between: a message read, one deleted, one new', async () => {
  const user = await createUser(server, 'again@example.org');
  const { email } = await createMailbox(server, user);
  for (const subject of ['first', 'second', 'third']) await smtp.send(email, subject);
  const before = (await list(user.key, email)).body.messages;
  assert.deepEqual(
    before.map((m: { subject: string; is_seen: boolean }) => [m.subject, m.is_seen]),
    [
      ['third', false],
      ['second', false],
      ['first', false],
    ],
  );
  const [third, second] = before;
  const read = await fetch(`${server.baseUrl}/api/messages/${second.id}`, {
    headers: { authorization: `Bearer ${user.key}` },
  });
  assert.equal(read.status, 200);
  await read.arrayBuffer();
  const gone = await fetch(`${server.baseUrl}/api/messages/${third.id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${user.key}` },
  });
  assert.equal(gone.status, 200);
  await gone.arrayBuffer();
  await smtp.send(email, 'fourth');
  const after = (await list(user.key, email)).body.messages;
  assert.deepEqual(
    after.map((m: { subject: string; is_seen: boolean }) => [m.subject, m.is_seen]),
    [
      ['fourth', false],
      ['second', true],
      ['first', false],
    ],
  );
  assert.deepEqual(after[1], { ...second, is_seen: true }, 'the same message, now seen');
});
