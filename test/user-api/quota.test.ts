// The monthly request quota: headers on every authenticated response, only 2xx counted,
// exact under concurrency, and a refused (429) request has no effect at all.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mailFixtures, renderFixture } from '../fixtures/mail/index.ts';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendRaw,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';
import { assertAccepts, assertError, quotaOf, seedInstant } from './helpers.ts';

const limit = 10;
let server: TestServer;
let users = 0;
const newUser = (plan = 'free') => createUser(server, `quota${++users}@example.org`, plan);

before(async () => {
  server = await startTestServer({ BURNBOX_PLANS: JSON.stringify({ free: { monthlyRequests: limit } }) });
  server.clock.now = seedInstant;
  await addDomain(server, 'example.com');
  await addDomain(server, 'premium.example', 'premium');
});
after(() => server.close());

test('every authenticated response carries the quota headers; only 2xx responses count', async () => {
  const user = await newUser();
  const used = async (method: string, url: string, status: number, expectedUsed: number) => {
    const res = await api(server, method, url, { key: user.key });
    assert.equal(res.status, status, `${method} ${url}`);
    const quota = quotaOf(res);
    assert.deepEqual(
      quota,
      { limit, used: expectedUsed, remaining: limit - expectedUsed, reset: '2026-07-01T00:00:00+00:00' },
      `${method} ${url} → ${status}`,
    );
  };
  await used('GET', '/api/domains', 200, 1);
  await used('GET', `/api/messages/${'x'.repeat(46)}`, 404, 1);
  await used('GET', '/api/domains?type=premium', 403, 1);
  await used('GET', '/api/messages', 422, 1);
  const mailbox = await createMailbox(server, user); // 2
  await used('GET', `/api/messages?email=${mailbox.email}`, 200, 3);
  await used('DELETE', '/api/emails/nobody@example.com', 404, 3);
  await used('DELETE', `/api/emails/${mailbox.email}`, 200, 4);
  await used('DELETE', `/api/emails/${mailbox.email}`, 404, 4);
});

test('the plain default plan reports its own limit', async () => {
  const other = await startTestServer();
  try {
    const user = await createUser(other, 'default@example.org');
    const res = await api(other, 'GET', '/api/domains', { key: user.key });
    assert.deepEqual(
      { ...quotaOf(res), reset: 'ignored' },
      { limit: 50000, used: 1, remaining: 49999, reset: 'ignored' },
    );
  } finally {
    await other.close();
  }
});

test(`${3 * limit} concurrent requests with a limit of ${limit}: exactly ${limit} succeed`, async () => {
  const user = await newUser();
  const responses = await Promise.all(
    Array.from({ length: 3 * limit }, () => api(server, 'GET', '/api/domains', { key: user.key })),
  );
  const statuses = responses.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 200).length, limit);
  assert.equal(statuses.filter((s) => s === 429).length, 2 * limit);
  const usedValues = responses
    .filter((r) => r.status === 200)
    .map((r) => quotaOf(r).used)
    .sort((a, b) => a - b);
  assert.deepEqual(
    usedValues,
    Array.from({ length: limit }, (_, i) => i + 1),
    'each success saw its own count',
  );
  for (const r of responses.filter((r) => r.status === 429)) {
    assert.deepEqual({ ...quotaOf(r), reset: '' }, { limit, used: limit, remaining: 0, reset: '' });
  }
});

test('429 says when to retry: Retry-After is the seconds until the reset', async () => {
  const user = await newUser();
  for (let i = 0; i < limit; i++)
    assert.equal((await api(server, 'GET', '/api/domains', { key: user.key })).status, 200);
  const res = await api(server, 'GET', '/api/domains', { key: user.key });
  assertError(res, 429, 'quota spent');
  const resetAt = Date.UTC(2026, 6, 1);
  assert.equal(res.headers.get('retry-after'), String(Math.ceil((resetAt - server.clock.now) / 1000)));
  assert.deepEqual(quotaOf(res), { limit, used: limit, remaining: 0, reset: '2026-07-01T00:00:00+00:00' });
  // Another user's quota is untouched.
  assert.equal((await api(server, 'GET', '/api/domains', { key: (await newUser()).key })).status, 200);
});

test('a request refused with 429 has no effect', async () => {
  const { store } = server.burnbox.services;
  const user = await newUser();
  const bystander = await newUser();
  const mailbox = await createMailbox(server, user);
  await sendRaw(server, renderFixture(mailFixtures.plain, mailbox.email), {
    from: 'alice@example.com',
    to: [mailbox.email],
  });
  const list = await api(server, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key });
  const messageId: string = list.body.messages[0].id;
  let used = quotaOf(list).used;
  for (; used < limit; used++) await api(server, 'GET', '/api/domains', { key: user.key });

  assertError(await api(server, 'POST', '/api/emails', { key: user.key }), 429, 'create');
  assert.equal((await store.listMailboxesOfUser(user.id, server.clock.now)).length, 1, 'no mailbox created');

  assertError(
    await api(server, 'POST', `/api/emails/${mailbox.email}/wanted/example.com`, { key: user.key }),
    429,
  );
  assert.ok(await store.getMailboxByAddress(mailbox.email), 'the switched-from mailbox still exists');
  assert.equal(await store.getMailboxByAddress('wanted@example.com'), undefined, 'nothing was claimed');
  const theirs = await createMailbox(server, bystander);
  const claim = await api(server, 'POST', `/api/emails/${theirs.email}/wanted/example.com`, {
    key: bystander.key,
  });
  assert.equal(claim.status, 200, 'the address is still free for anyone');

  assertError(await api(server, 'GET', `/api/messages/${messageId}`, { key: user.key }), 429, 'read');
  assert.equal((await store.getMessage(messageId))?.seen, false, 'not marked seen');

  assertError(
    await api(server, 'DELETE', `/api/messages/${messageId}`, { key: user.key }),
    429,
    'delete msg',
  );
  assert.ok(await store.getMessage(messageId), 'the message is still stored');

  assertError(await api(server, 'DELETE', `/api/emails/${mailbox.email}`, { key: user.key }), 429, 'delete');
  assert.ok(await store.getMailboxByAddress(mailbox.email), 'the mailbox still exists');
  await assertAccepts(server, mailbox.email);

  // The next month requests are served again, counted from zero.
  server.clock.now = Date.UTC(2026, 6, 1);
  const next = await api(server, 'GET', '/api/domains', { key: user.key });
  assert.equal(next.status, 200);
  assert.deepEqual(quotaOf(next), {
    limit,
    used: 1,
    remaining: limit - 1,
    reset: '2026-08-01T00:00:00+00:00',
  });
  server.clock.now = seedInstant;
});

test('a newly issued key works at once and the old key of the same user stops working', async () => {
  const user = await newUser();
  assert.equal((await api(server, 'GET', '/api/domains', { key: user.key })).status, 200);
  const newKey = await server.burnbox.services.accounts.issueApiKey(user.id);
  assert.notEqual(newKey, user.key);
  assertError(await api(server, 'GET', '/api/domains', { key: user.key }), 401, 'old key');
  const res = await api(server, 'GET', '/api/domains', { key: newKey });
  assert.equal(res.status, 200);
  assert.equal(quotaOf(res).used, 2, 'the quota belongs to the user, not to the key');
});
