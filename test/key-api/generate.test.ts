// POST /api/emails/generate: the name (validated, lower-cased, reserved names refused), the four
// lifetimes, permanence by plan, the domain (plan and hosting) and the plan's mailbox cap.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDomain, api, createUser, startTestServer, type TestServer } from '../support/harness.ts';
import { assertAccepts } from '../user-api/helpers.ts';
import {
  assertKeyError,
  day,
  generate,
  hour,
  keyApi,
  permanentExpiresAt,
  SmtpSender,
  threeDays,
} from './helpers.ts';

let server: TestServer;
let users = 0;
const newUser = (plan = 'free') => createUser(server, `kgen${++users}@example.org`, plan);
const start = Date.UTC(2026, 0, 15, 12, 0, 0, 250);

before(async () => {
  server = await startTestServer({
    BURNBOX_PLANS: JSON.stringify({
      capped: { monthlyRequests: 1000, mailboxLifetimeSeconds: 600, domainTypes: ['free'], maxMailboxes: 2 },
    }),
  });
  server.clock.now = start;
  await addDomain(server, 'example.com');
  await addDomain(server, 'premium.example', 'premium');
});
after(() => server.close());

const post = (key: string, body: unknown) => keyApi(server, 'POST', '/api/emails/generate', { key, body });
const listOf = async (key: string) => (await keyApi(server, 'GET', '/api/emails', { key })).body;

test('the name is lower-cased, and so is the domain', async () => {
  const user = await newUser();
  const res = await post(user.key, { name: 'MiXeD.Case_1-x', expiryTime: hour, domain: 'Example.COM' });
  assert.equal(res.status, 200);
  assert.equal(res.body.email, 'mixed.case_1-x@example.com');
  assert.equal((await listOf(user.key)).emails[0].address, 'mixed.case_1-x@example.com');
});

test('names: up to 64 characters of letters, digits, dot, hyphen, underscore; reserved names refused', async () => {
  const user = await newUser();
  assert.equal((await generate(server, user, 'a'.repeat(64))).email, `${'a'.repeat(64)}@example.com`);
  const bad = [
    '',
    '   ',
    'a'.repeat(65),
    'bad name',
    'a!b',
    'a@b',
    '-dash',
    'dot.',
    'two..dots',
    'ünï',
    'a/b',
  ];
  for (const name of bad) {
    assertKeyError(
      await post(user.key, { name, expiryTime: hour, domain: 'example.com' }),
      400,
      `name ${name}`,
    );
  }
  for (const name of ['admin', 'Postmaster', 'abuse', 'NoReply', 'mailer-daemon']) {
    const res = await post(user.key, { name, expiryTime: hour, domain: 'example.com' });
    assertKeyError(res, 400, `reserved ${name}`);
    assert.match(res.body.error, /reserved/);
  }
  assert.equal((await listOf(user.key)).total, 1, 'only the 64-character name was made');
});

test('expiryTime: each of the four lifetimes, and nothing else', async () => {
  const user = await newUser('premium');
  for (const [expiryTime, expiresAt] of [
    [hour, new Date(start + hour).toISOString()],
    [day, new Date(start + day).toISOString()],
    [threeDays, new Date(start + threeDays).toISOString()],
    [0, permanentExpiresAt],
  ] as const) {
    const made = await generate(server, user, `life${expiryTime}`, 'example.com', expiryTime);
    const listed = (await listOf(user.key)).emails.find((e: any) => e.id === made.id);
    assert.equal(listed.createdAt, '2026-01-15T12:00:00.250Z');
    assert.equal(listed.expiresAt, expiresAt, `expiryTime ${expiryTime}`);
  }
  for (const expiryTime of [
    1,
    -1,
    600_000,
    3_600_001,
    3600000.5,
    '3600000',
    null,
    true,
    [hour],
    { ms: hour },
  ]) {
    const res = await post(user.key, { name: 'nolife', expiryTime, domain: 'example.com' });
    assertKeyError(res, 400, `expiryTime ${JSON.stringify(expiryTime)}`);
    assert.equal(res.body.error, 'expiryTime must be one of: 3600000, 86400000, 259200000, 0.');
  }
});

test('permanent (expiryTime 0): 403 on the free plan; on premium it never expires and keeps receiving', async () => {
  const free = await newUser();
  const refused = await post(free.key, { name: 'forever', expiryTime: 0, domain: 'example.com' });
  assertKeyError(refused, 403, 'free plan');
  assert.equal((await listOf(free.key)).total, 0);

  const premium = await newUser('premium');
  const box = await generate(server, premium, 'forever', 'example.com', 0);
  assert.equal(box.email, 'forever@example.com');
  const mailbox = await server.burnbox.services.store.getMailboxByUuid(box.id);
  assert.equal(mailbox?.expiresAt, null, 'stored without an expiry');
  server.clock.advance(10 * 365 * day);
  try {
    await server.burnbox.services.expiry.sweep();
    const list = await listOf(premium.key);
    assert.deepEqual(
      list.emails.map((e: any) => [e.address, e.expiresAt]),
      [['forever@example.com', permanentExpiresAt]],
    );
    await assertAccepts(server, box.email);
    const smtp = new SmtpSender(server);
    try {
      await smtp.send(box.email, 'ten years later');
    } finally {
      smtp.close();
    }
    assert.equal((await keyApi(server, 'GET', `/api/emails/${box.id}`, { key: premium.key })).body.total, 1);
  } finally {
    server.clock.now = start;
  }
});

test('the domain must be hosted (400, as MoeMail) and allowed by the plan (403); a malformed one is 400', async () => {
  const free = await newUser();
  assertKeyError(
    await post(free.key, { name: 'x1', expiryTime: hour, domain: 'unhosted.example' }),
    400,
    'unhosted',
  );
  assertKeyError(
    await post(free.key, { name: 'x2', expiryTime: hour, domain: 'premium.example' }),
    403,
    'premium',
  );
  assertKeyError(
    await post(free.key, { name: 'x3', expiryTime: hour, domain: 'not a domain' }),
    400,
    'malformed',
  );
  assertKeyError(await post(free.key, { name: 'x4', expiryTime: hour, domain: '' }), 400, 'empty');
  const premium = await newUser('premium');
  assert.equal((await generate(server, premium, 'fancy', 'premium.example')).email, 'fancy@premium.example');
});

test("the plan's cap on live mailboxes counts both dialects: the third is 403 until one goes", async () => {
  const user = await newUser('capped');
  const first = await generate(server, user, 'capone');
  const second = await api(server, 'POST', '/api/emails', { key: user.key });
  assert.equal(second.status, 200, 'a user-dialect mailbox is the second');
  const third = await post(user.key, { name: 'capthree', expiryTime: hour, domain: 'example.com' });
  assertKeyError(third, 403, 'third');
  assert.match(third.body.error, /at most 2/);
  assert.equal((await listOf(user.key)).total, 2);
  assert.equal((await keyApi(server, 'DELETE', `/api/emails/${first.id}`, { key: user.key })).status, 200);
  assert.equal((await generate(server, user, 'capthree')).email, 'capthree@example.com');
});

test('extra fields in the body are ignored', async () => {
  const user = await newUser();
  const res = await post(user.key, {
    name: 'extra',
    expiryTime: hour,
    domain: 'example.com',
    id: 'mine',
    userId: 1,
  });
  assert.equal(res.status, 200);
  assert.notEqual(res.body.id, 'mine');
  assert.equal(res.body.email, 'extra@example.com');
});
