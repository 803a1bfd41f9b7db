// Every error status of the dialect answers {"status": false, "message": <sentence>} and
// nothing else; authenticated errors carry the quota headers and are not counted.
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
import { assertError, quotaOf } from './helpers.ts';

let server: TestServer;
let users = 0;
const newUser = (plan = 'free') => createUser(server, `err${++users}@example.org`, plan);
const unknownId = 'A'.repeat(46);

before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
  await addDomain(server, 'premium.example', 'premium');
});
after(() => server.close());

test('401 without a key, with a wrong key, with another scheme, and for a disabled user', async () => {
  const user = await newUser();
  const cases: [string, Record<string, string>][] = [
    ['no Authorization header', {}],
    ['an unknown key', { Authorization: 'Bearer bb_0000000000000000000000000000000000000000' }],
    ['an empty Bearer', { Authorization: 'Bearer ' }],
    ['another scheme', { Authorization: `Basic ${user.key}` }],
  ];
  for (const [what, headers] of cases) {
    for (const [method, url] of [
      ['GET', '/api/domains'],
      ['POST', '/api/emails'],
      ['GET', `/api/messages/${unknownId}`],
    ] as const) {
      const res = await api(server, method, url, { headers });
      assertError(res, 401, `${what} on ${method} ${url}`);
    }
  }
  await server.burnbox.services.accounts.setDisabled(user.email, true);
  assertError(await api(server, 'GET', '/api/domains', { key: user.key }), 401, 'disabled user');
  await server.burnbox.services.accounts.setDisabled(user.email, false);
  assert.equal((await api(server, 'GET', '/api/domains', { key: user.key })).status, 200, 'enabled again');
});

test('401 does nothing: a disabled user cannot create a mailbox', async () => {
  const user = await newUser();
  await server.burnbox.services.accounts.setDisabled(user.email, true);
  assertError(await api(server, 'POST', '/api/emails', { key: user.key }), 401, 'disabled POST');
  assert.deepEqual(await server.burnbox.services.store.listMailboxesOfUser(user.id, server.clock.now), []);
});

test('403 for a domain type the plan does not include', async () => {
  const user = await newUser();
  const mailbox = await createMailbox(server, user);
  const cases: [string, string][] = [
    ['POST', `/api/emails/${mailbox.email}/demo/premium.example`],
    ['GET', '/api/domains?type=premium'],
  ];
  for (const [method, url] of cases) {
    const res = await api(server, method, url, { key: user.key });
    assertError(res, 403, `${method} ${url}`);
    assert.equal(quotaOf(res).used, 1, 'a 403 is not counted');
  }
});

test('404 for unknown messages, mailboxes, attachments and routes', async () => {
  const user = await newUser();
  const mailbox = await createMailbox(server, user);
  await sendRaw(server, renderFixture(mailFixtures.attachments, mailbox.email), {
    from: 'dave@example.com',
    to: [mailbox.email],
  });
  const list = await api(server, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key });
  const id: string = list.body.messages[0].id;
  const cases: [string, string][] = [
    ['GET', `/api/messages/${unknownId}`],
    ['DELETE', `/api/messages/${unknownId}`],
    ['GET', '/api/messages/not-an-id'],
    ['GET', `/api/messages/${unknownId}/attachments/binary.bin`],
    ['GET', `/api/messages/${id}/attachments/missing.txt`],
    ['GET', `/api/messages/${id}/attachments/BINARY.BIN`],
    ['GET', '/api/messages?email=nobody@example.com'],
    ['GET', '/api/messages?email=nobody@elsewhere.example'],
    ['DELETE', '/api/emails/nobody@example.com'],
    ['POST', '/api/emails/nobody@example.com/demo/example.com'],
    ['POST', `/api/emails/${mailbox.email}/demo/unhosted.example`],
  ];
  const usedBefore = quotaOf(list).used;
  for (const [method, url] of cases) {
    const res = await api(server, method, url, { key: user.key });
    assertError(res, 404, `${method} ${url}`);
    assert.equal(quotaOf(res).used, usedBefore, `${method} ${url}: a 404 is not counted`);
  }
  for (const [method, url] of [
    ['GET', '/api/nope'],
    ['GET', '/api'],
    ['PUT', '/api/emails'],
    ['PATCH', `/api/messages/${id}`],
  ] as const) {
    assertError(await api(server, method, url, { key: user.key }), 404, `unknown route ${method} ${url}`);
    assertError(await api(server, method, url), 404, `unknown route ${method} ${url} without a key`);
  }
});

test('409 when the target address is live for another user', async () => {
  const owner = await newUser();
  const other = await newUser();
  const taken = await createMailbox(server, owner);
  const mine = await createMailbox(server, other);
  const [local] = taken.email.split('@');
  const res = await api(server, 'POST', `/api/emails/${mine.email}/${local}/example.com`, { key: other.key });
  assertError(res, 409, 'switch to a live address of someone else');
  assert.equal(quotaOf(res).used, 1, 'a 409 is not counted');
});

test('422 for a missing email, a bad type, a malformed address and a bad username', async () => {
  const user = await newUser();
  const mailbox = await createMailbox(server, user);
  const cases: [string, string][] = [
    ['GET', '/api/messages'],
    ['GET', '/api/messages?email='],
    ['GET', '/api/messages?email=not-an-address'],
    ['GET', '/api/messages?email=a@b@'],
    ['DELETE', '/api/emails/not-an-address'],
    ['GET', '/api/domains?type=gold'],
    ['GET', '/api/domains?type=FREE'],
    ['POST', `/api/emails/${mailbox.email}/bad%20name!/example.com`],
    ['POST', `/api/emails/${mailbox.email}/${'a'.repeat(65)}/example.com`],
    ['POST', `/api/emails/${mailbox.email}/.dot/example.com`],
    ['POST', `/api/emails/${mailbox.email}/demo/not_a_domain`],
  ];
  for (const [method, url] of cases) {
    const res = await api(server, method, url, { key: user.key });
    assertError(res, 422, `${method} ${url}`);
    assert.equal(quotaOf(res).used, 1, `${method} ${url}: a 422 is not counted`);
  }
});

test('429 when the quota is spent, with Retry-After', async () => {
  const limited = await startTestServer({ BURNBOX_PLANS: JSON.stringify({ free: { monthlyRequests: 1 } }) });
  try {
    await addDomain(limited, 'example.com');
    const user = await createUser(limited, 'spent@example.org');
    assert.equal((await api(limited, 'GET', '/api/domains', { key: user.key })).status, 200);
    const res = await api(limited, 'GET', '/api/domains', { key: user.key });
    assertError(res, 429, 'quota spent');
    assert.match(res.headers.get('retry-after') ?? '', /^[1-9]\d*$/, 'Retry-After is positive seconds');
  } finally {
    await limited.close();
  }
});

test('a malformed JSON body is a 400 in the dialect shape', async () => {
  const user = await newUser();
  const res = await api(server, 'POST', '/api/emails', {
    key: user.key,
    headers: { 'Content-Type': 'application/json' },
    body: undefined,
  });
  assert.equal(res.status, 200, 'an empty JSON body is no input');
  const response = await fetch(`${server.baseUrl}/api/emails`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${user.key}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
    },
    body: '{not json',
  });
  const raw = Buffer.from(await response.arrayBuffer());
  assertError(
    { status: response.status, headers: response.headers, body: JSON.parse(raw.toString()), raw },
    400,
    'malformed JSON',
  );
  const mailboxes = await server.burnbox.services.store.listMailboxesOfUser(user.id, server.clock.now);
  assert.equal(mailboxes.length, 1, 'only the first request created a mailbox');
});

test('a body of another media type is refused in the dialect shape with a sentence, and not counted', async () => {
  const user = await newUser();
  const res = await api(server, 'POST', '/api/emails', {
    key: user.key,
    headers: { 'Content-Type': 'application/xml' },
    body: '<mailbox/>',
  });
  assertError(res, 415);
  assert.equal(res.body.message, 'The request body must be JSON, sent with Content-Type: application/json.');
  assert.equal(quotaOf(res).used, 0);
});
