// GET /api/messages/wait: held until a matching message is stored (no polling), answered with the
// dialect's message plus its codes and links, marked seen; 408 on timeout (not counted), 404 for
// other users' mailboxes, 422 for bad parameters; a client that leaves frees its wait.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openEventStream } from '../support/event-stream-client.ts';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendMail,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../support/harness.ts';
import { until } from '../support/until.ts';
import { assertError, assertKeys, quotaOf } from './helpers.ts';

let server: TestServer;
let users = 0;
const newUser = () => createUser(server, `waiter${++users}@example.org`);
const held = () => server.burnbox.services.waiting.held;

before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
});
after(() => server.close());

const messageKeys = [
  'is_seen',
  'subject',
  'from',
  'from_email',
  'to',
  'receivedAt',
  'id',
  'html',
  'content',
  'attachments',
];

/** Sends a message, a second later on the server's clock than the previous one (so their order is known). */
async function send(to: string, subject: string, text = 'Hello.', from = 'Sender <sender@example.org>') {
  server.clock.advance(1000);
  const result = await sendMail(server, { to, subject, text, from });
  assert.equal(result.accepted.length, 1);
}

function wait(user: TestUser, query: Record<string, string>) {
  return api(server, 'GET', `/api/messages/wait?${new URLSearchParams(query)}`, { key: user.key });
}

test('a wait is answered by a message sent after it started, with codes and links, and marks it seen', async () => {
  const user = await newUser();
  const { email } = await createMailbox(server, user);
  const before = held();
  const answer = wait(user, { email, timeout: '20' });
  await until(() => held() === before + 1, 'the wait is held');
  await send(
    email,
    'Your sign-in code',
    'Your verification code is 482913.\nOr open https://app.example.org/verify?t=abc',
  );
  const res = await answer;
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assertKeys(res.body, ['status', 'data'], 'answer');
  assert.equal(res.body.status, true);
  assertKeys(
    res.body.data,
    [...messageKeys, 'codes', 'links', 'auth'],
    'the message plus codes, links and auth',
  );
  assert.equal(res.body.data.subject, 'Your sign-in code');
  assert.equal(res.body.data.to, email);
  assert.equal(res.body.data.is_seen, true);
  // No DNS records in tests: the sender is not authenticated, so its code is not trusted.
  assert.deepEqual(res.body.data.codes[0], { value: '482913', kind: 'otp', trusted: false });
  assert.ok(
    res.body.data.links.some((l: { url: string }) => l.url === 'https://app.example.org/verify?t=abc'),
  );
  assert.equal(held(), before, 'the wait is released');
  const read = await api(server, 'GET', `/api/messages/${res.body.data.id}`, { key: user.key });
  assert.equal(read.body.data.is_seen, true, 'marked seen');
  assertKeys(read.body.data, messageKeys, 'the seed endpoint keeps the seed keys');
});

test('a message already there answers at once: the oldest unseen one, each once', async () => {
  const user = await newUser();
  const { email } = await createMailbox(server, user);
  await send(email, 'first');
  await send(email, 'second');
  const head = await fetch(`${server.baseUrl}/api/messages/wait?email=${email}&timeout=0`, {
    method: 'HEAD',
    headers: { Authorization: `Bearer ${user.key}` },
  });
  assert.notEqual(head.status, 200, 'a HEAD takes nothing');
  const one = await api(server, 'GET', `/api/messages/wait?email=${email}`, { key: user.key });
  assert.equal(one.body.data.subject, 'first');
  const two = await api(server, 'GET', `/api/messages/wait?email=${email}`, { key: user.key });
  assert.equal(two.body.data.subject, 'second');
  const none = await api(server, 'GET', `/api/messages/wait?email=${email}&timeout=0`, { key: user.key });
  assertError(none, 408, 'nothing unseen is left');
});

test('two waits held on one mailbox get different messages', async () => {
  const user = await newUser();
  const { email } = await createMailbox(server, user);
  const before = held();
  const a = wait(user, { email, timeout: '20' });
  const b = wait(user, { email, timeout: '20' });
  await until(() => held() === before + 2, 'both waits are held');
  await send(email, 'one');
  await send(email, 'two');
  const subjects = [await a, await b].map((r) => r.body.data.subject);
  assert.deepEqual(subjects.sort(), ['one', 'two']);
});

test('filters: from (address or name), subject and to, case-insensitive; after', async () => {
  const user = await newUser();
  const { email } = await createMailbox(server, user);
  await send(email, 'Weekly news', 'Hi', 'News <news@letters.example>');
  await send(email, 'Your CODE', 'code 111111', 'Acme Login <login@acme.example>');
  await send(email, 'Reset your password', 'Reset', 'Acme <security@acme.example>');
  const get = (q: string) =>
    api(server, 'GET', `/api/messages/wait?email=${email}&timeout=0&${q}`, { key: user.key });

  assert.equal((await get('from=ACME%20LOGIN')).body.data.subject, 'Your CODE', 'by sender name');
  assert.equal((await get('subject=reset')).body.data.subject, 'Reset your password', 'by subject');
  assertError(await get('from=login@acme'), 408, 'seen now: not unseen any more');
  assert.equal((await get('from=LETTERS.example')).body.data.subject, 'Weekly news', 'by sender address');
  assertError(await get(`to=${encodeURIComponent('someone-else@')}`), 408, 'to another recipient');

  // after: messages received after that one, seen or not.
  const list = await api(server, 'GET', `/api/messages?email=${email}`, { key: user.key });
  const [newest, middle, oldest] = list.body.messages as { id: string; subject: string }[];
  assert.equal(oldest?.subject, 'Weekly news');
  assert.equal((await get(`after=${oldest?.id}`)).body.data.subject, 'Your CODE', 'seen, but after');
  assert.equal((await get(`after=${middle?.id}`)).body.data.subject, 'Reset your password');
  assertError(await get(`after=${newest?.id}`), 408, 'nothing after the newest');
  const later = wait(user, { email, timeout: '20', after: newest?.id as string, subject: 'later' });
  await until(() => held() >= 1, 'the wait is held');
  await send(email, 'not this one');
  await send(email, 'later on');
  assert.equal((await later).body.data.subject, 'later on');
});

test('timeout: 408 in the dialect shape, not counted in the quota', async () => {
  const user = await newUser();
  const { email } = await createMailbox(server, user);
  const used = quotaOf(await api(server, 'GET', `/api/messages?email=${email}`, { key: user.key })).used;
  const res = await api(server, 'GET', `/api/messages/wait?email=${email}&timeout=0.2`, { key: user.key });
  assertError(res, 408, 'timed out');
  assert.equal(quotaOf(res).used, used, 'the 408 is not counted');
  await send(email, 'counted');
  const ok = await api(server, 'GET', `/api/messages/wait?email=${email}`, { key: user.key });
  assert.equal(ok.status, 200);
  assert.equal(quotaOf(ok).used, used + 1, 'an answer is counted');
});

test('a client that disconnects frees its wait', async () => {
  const user = await newUser();
  const { email } = await createMailbox(server, user);
  const before = held();
  const controller = new AbortController();
  const answer = fetch(`${server.baseUrl}/api/messages/wait?email=${email}&timeout=60`, {
    headers: { Authorization: `Bearer ${user.key}` },
    signal: controller.signal,
  }).catch((err: Error) => err);
  await until(() => held() === before + 1, 'the wait is held');
  controller.abort();
  await answer;
  await until(() => held() === before, 'the wait is released');
  // The message it would have taken is still unseen for the next wait.
  await send(email, 'still unseen');
  const next = await api(server, 'GET', `/api/messages/wait?email=${email}&timeout=0`, { key: user.key });
  assert.equal(next.body.data.subject, 'still unseen');
});

test("another user's mailbox or message is not found; bad parameters are 422", async () => {
  const owner = await newUser();
  const other = await newUser();
  const { email } = await createMailbox(server, owner);
  const mine = await createMailbox(server, other);
  await send(email, 'private');
  const theirs = await api(server, 'GET', `/api/messages/wait?email=${email}&timeout=0`, { key: other.key });
  assertError(theirs, 404, "another user's mailbox");
  const list = await api(server, 'GET', `/api/messages?email=${email}`, { key: owner.key });
  const foreignId = list.body.messages[0].id as string;
  const q = `/api/messages/wait?email=${mine.email}&timeout=0`;
  assertError(
    await api(server, 'GET', `${q}&after=${foreignId}`, { key: other.key }),
    404,
    'after in another mailbox',
  );
  for (const bad of ['timeout=61', 'timeout=-1', 'timeout=soon', 'after=short']) {
    assertError(await api(server, 'GET', `${q}&${bad}`, { key: other.key }), 422, bad);
  }
  assertError(await api(server, 'GET', '/api/messages/wait', { key: other.key }), 422, 'email is required');
  assertError(await api(server, 'GET', `${q}`, {}), 401, 'no key');
});

test('a wait on a mailbox deleted meanwhile is answered 404', async () => {
  const user = await newUser();
  const { email } = await createMailbox(server, user);
  const before = held();
  const answer = wait(user, { email, timeout: '30' });
  await until(() => held() === before + 1, 'the wait is held');
  assert.equal((await api(server, 'DELETE', `/api/emails/${email}`, { key: user.key })).status, 200);
  assertError(await answer, 404, 'the mailbox is gone');
});

test('stopping the server answers held waits (503) and ends streams instead of waiting for them', async () => {
  const own = await startTestServer();
  try {
    await addDomain(own, 'example.com');
    const user = await createUser(own, 'closing@example.org');
    const { email } = await createMailbox(own, user);
    const answer = api(own, 'GET', `/api/messages/wait?email=${email}&timeout=60`, { key: user.key });
    await until(() => own.burnbox.services.waiting.held === 1, 'the wait is held');
    const stream = await openEventStream(`${own.baseUrl}/api/messages/stream?email=${email}`, {
      Authorization: `Bearer ${user.key}`,
    });
    await stream.until(/: live/, 'the stream is live');
    // Neither connection is kept alive for reuse: a closing server would wait them out.
    assert.equal(stream.headers.connection, 'close');
    const closed = own.burnbox.close();
    const stopped = await answer;
    assertError(stopped, 503, 'the server is stopping');
    assert.equal(stopped.headers.get('connection'), 'close');
    await closed;
  } finally {
    await own.close().catch(() => {});
  }
});

test('a message committed after the wait looked in the store, before it holds, is not missed', async () => {
  const user = await newUser();
  const { email } = await createMailbox(server, user);
  const { store } = server.burnbox.services;
  const real = store.listMessageHeadsAfter;
  let looked = false;
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  // The wait's look in the store finds nothing, then is held up while a message is committed.
  store.listMessageHeadsAfter = async function (this: typeof store, ...args) {
    const found = await real.apply(this, args);
    looked = true;
    await gate;
    return found;
  };
  try {
    const answer = wait(user, { email, timeout: '10' });
    await until(() => looked, 'the wait looked in the store');
    await send(email, 'In between');
    release();
    const res = await answer;
    assert.equal(res.status, 200, 'answered, not timed out');
    assert.equal(res.body.data.subject, 'In between');
  } finally {
    store.listMessageHeadsAfter = real;
  }
});
