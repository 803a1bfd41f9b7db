// Both dialects share keys, so both read the key from either header: `Authorization: Bearer`
// or `X-API-Key`. A request without one is told, in the dialect's error shape, which headers
// are accepted.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertKeyError } from '../key-api/helpers.ts';
import { addDomain, api, createUser, startTestServer, type TestServer } from '../support/harness.ts';
import { assertError } from './helpers.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
});
after(() => server.close());

test('the user API accepts the key in X-API-Key as well as in Authorization: Bearer', async () => {
  const user = await createUser(server, 'headers1@example.org');
  for (const scheme of ['x-api-key', 'bearer'] as const) {
    const created = await api(server, 'POST', '/api/emails', { key: user.key, scheme });
    assert.equal(created.status, 200, `${scheme}: ${JSON.stringify(created.body)}`);
    assert.equal(created.body.status, true);
    const list = await api(server, 'GET', `/api/messages?email=${created.body.data.email}`, {
      key: user.key,
      scheme,
    });
    assert.equal(list.status, 200, `${scheme}: the mailbox is the caller's`);
  }
  const used = await api(server, 'GET', '/api/domains', { key: user.key, scheme: 'x-api-key' });
  assert.equal(used.headers.get('x-ratelimit-used'), '5', 'every request counted against the one quota');
});

test('a wrong key in X-API-Key is refused by the user API', async () => {
  const res = await api(server, 'GET', '/api/domains', {
    key: 'bb_0000000000000000000000000000000000000000',
    scheme: 'x-api-key',
  });
  assertError(res, 401, 'unknown X-API-Key');
});

test('without a key, each dialect names both headers in its own error shape', async () => {
  const user = await api(server, 'GET', '/api/domains');
  assertError(user, 401, 'user API without a key');
  assert.match(user.body.message, /Authorization: Bearer/);
  assert.match(user.body.message, /X-API-Key/);

  const key = await api(server, 'GET', '/api/email/domains');
  assertKeyError(key, 401, 'key API without a key');
  assert.match(key.body.error, /Authorization: Bearer/);
  assert.match(key.body.error, /X-API-Key/);
});
