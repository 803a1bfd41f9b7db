// Plans from BURNBOX_PLANS drive the dialect: lifetimes (`expires_in_seconds`), limits and
// domain types, including a plan that has no free domains at all.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';
import { assertError, instantOf, quotaOf } from './helpers.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer({
    BURNBOX_PLANS: JSON.stringify({
      free: { mailboxLifetimeSeconds: 120, monthlyRequests: 7 },
      vip: { monthlyRequests: 100, mailboxLifetimeSeconds: 86400, domainTypes: ['premium'] },
    }),
  });
  await addDomain(server, 'example.com');
  await addDomain(server, 'premium.example', 'premium');
});
after(() => server.close());

test("a configured lifetime and limit are the plan's expires_in_seconds and X-RateLimit-Limit", async () => {
  const user = await createUser(server, 'free@example.org');
  const res = await api(server, 'POST', '/api/emails', { key: user.key });
  assert.equal(res.status, 200);
  assert.equal(res.body.data.expires_in_seconds, 120);
  assert.equal(instantOf(res.body.data.expire_at) - instantOf(res.body.data.created_at), 120_000);
  assert.deepEqual({ ...quotaOf(res), reset: '' }, { limit: 7, used: 1, remaining: 6, reset: '' });
});

test('a plan with only premium domains creates mailboxes and lists domains', async () => {
  const user = await createUser(server, 'vip@example.org', 'vip');
  const mailbox = await createMailbox(server, user);
  assert.equal(mailbox.domain, 'premium.example');
  assert.equal(mailbox.expires_in_seconds, 86400);

  const listed = await api(server, 'GET', '/api/domains', { key: user.key });
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.data, {
    requested_type: 'premium',
    allowed_types: ['premium'],
    domains: [{ domain: 'premium.example', type: 'Premium', custom: false }],
  });
  assertError(await api(server, 'GET', '/api/domains?type=free', { key: user.key }), 403, 'free on vip');
  const toFree = await api(server, 'POST', `/api/emails/${mailbox.email}/x${Date.now()}/example.com`, {
    key: user.key,
  });
  assertError(toFree, 403, 'switch to a free domain on a premium-only plan');
});

test('a plan with no domain to offer answers 403 on create', async () => {
  const bare = await startTestServer();
  try {
    await addDomain(bare, 'premium.example', 'premium');
    const user = await createUser(bare, 'nothing@example.org');
    const res = await api(bare, 'POST', '/api/emails', { key: user.key });
    assertError(res, 403, 'no free domain hosted');
    assert.equal(quotaOf(res).used, 0);
    const listed = await api(bare, 'GET', '/api/domains?type=free', { key: user.key });
    assert.deepEqual(listed.body.data.domains, []);
  } finally {
    await bare.close();
  }
});
