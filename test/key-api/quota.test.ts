// The monthly quota in the key dialect: the same X-RateLimit-* headers as the user dialect, only
// 2xx counted, and one count per user across both dialects; 429 in the key dialect's shape.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDomain, api, createUser, startTestServer, type TestServer } from '../support/harness.ts';
import { assertError, seedInstant } from '../user-api/helpers.ts';
import { assertKeyError, generate, hour, keyApi, quotaOf, unknownUuid } from './helpers.ts';

const limit = 8;
let server: TestServer;
let users = 0;
const newUser = () => createUser(server, `kquota${++users}@example.org`);
const reset = '2026-07-01T00:00:00+00:00';

before(async () => {
  server = await startTestServer({ BURNBOX_PLANS: JSON.stringify({ free: { monthlyRequests: limit } }) });
  server.clock.now = seedInstant;
  await addDomain(server, 'example.com');
});
after(() => server.close());

test('every authenticated key-dialect response carries the quota headers; only 2xx count', async () => {
  const user = await newUser();
  const expectUsed = async (method: string, url: string, status: number, used: number, body?: unknown) => {
    const res = await keyApi(server, method, url, { key: user.key, body });
    assert.equal(res.status, status, `${method} ${url}: ${JSON.stringify(res.body)}`);
    assert.deepEqual(
      quotaOf(res),
      { limit, used, remaining: limit - used, reset },
      `${method} ${url} → ${status}`,
    );
  };
  await expectUsed('GET', '/api/email/domains', 200, 1);
  await expectUsed('GET', `/api/emails/${unknownUuid}`, 404, 1);
  await expectUsed('GET', '/api/emails/nope', 400, 1);
  await expectUsed('POST', '/api/emails/generate', 403, 1, {
    name: 'p',
    expiryTime: 0,
    domain: 'example.com',
  });
  await expectUsed('POST', '/api/emails/generate', 200, 2, {
    name: 'q',
    expiryTime: hour,
    domain: 'example.com',
  });
  await expectUsed('GET', '/api/emails', 200, 3);
  await expectUsed('GET', '/api/webhook', 200, 4);
});

test('one quota per user across both dialects', async () => {
  const user = await newUser();
  const steps: [string, () => Promise<{ headers: Headers; status: number }>][] = [
    ['user', () => api(server, 'GET', '/api/domains', { key: user.key })],
    ['key', () => keyApi(server, 'GET', '/api/email/domains', { key: user.key })],
    ['user', () => api(server, 'POST', '/api/emails', { key: user.key })],
    ['key', () => keyApi(server, 'GET', '/api/emails', { key: user.key, scheme: 'bearer' })],
  ];
  let used = 0;
  for (const [dialect, step] of steps) {
    const res = await step();
    assert.equal(res.status, 200, dialect);
    assert.equal(quotaOf(res as any).used, ++used, `${dialect} step counts in the shared quota`);
  }
  for (; used < limit; used++) await keyApi(server, 'GET', '/api/email/domains', { key: user.key });

  // Spent through both: each dialect refuses in its own shape.
  const keyRes = await keyApi(server, 'GET', '/api/email/domains', { key: user.key });
  assertKeyError(keyRes, 429, 'key dialect');
  const resetAt = Date.UTC(2026, 6, 1);
  assert.equal(keyRes.headers.get('retry-after'), String(Math.ceil((resetAt - server.clock.now) / 1000)));
  assert.deepEqual(quotaOf(keyRes), { limit, used: limit, remaining: 0, reset });
  const userRes = await api(server, 'GET', '/api/domains', { key: user.key });
  assertError(userRes, 429, 'user dialect');
  assert.equal(userRes.headers.get('retry-after'), keyRes.headers.get('retry-after'));
});

test('a key-dialect request refused with 429 has no effect', async () => {
  const user = await newUser();
  const box = await generate(server, user, 'quotabox');
  for (let used = 1; used < limit; used++)
    await keyApi(server, 'GET', '/api/email/domains', { key: user.key });
  const cases: [string, string, unknown?][] = [
    ['POST', '/api/emails/generate', { name: 'toomany', expiryTime: hour, domain: 'example.com' }],
    ['DELETE', `/api/emails/${box.id}`],
    ['POST', '/api/webhook', { url: 'https://hooks.example/q', enabled: true }],
  ];
  for (const [method, url, body] of cases) {
    assertKeyError(await keyApi(server, method, url, { key: user.key, body }), 429, `${method} ${url}`);
  }
  const { store } = server.burnbox.services;
  assert.deepEqual(
    (await store.listMailboxesOfUser(user.id, server.clock.now)).map((m) => m.uuid),
    [box.id],
    'no mailbox made or deleted',
  );
  assert.equal(await store.getWebhook(user.id), undefined, 'no webhook set');
});
