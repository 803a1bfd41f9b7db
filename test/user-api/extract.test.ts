// GET /api/messages/{id}/extract: the message's codes and links in the dialect's envelope, for
// the message's owner only (another user's message looks missing), counted only when answered,
// and without marking the message seen. The seed's message objects keep exactly their keys.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendRaw,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';
import { verification, verificationMail } from '../support/verification-mail.ts';
import { assertError, assertKeys, quotaOf } from './helpers.ts';

let server: TestServer;
let users = 0;
const missingId = 'Z'.repeat(46);

before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
});
after(() => server.close());

async function userWithVerificationMail() {
  const user = await createUser(server, `extract${++users}@example.org`);
  const { email } = await createMailbox(server, user);
  await sendRaw(server, verificationMail(email), { from: 'no-reply@example.net', to: [email] });
  const list = await api(server, 'GET', `/api/messages?email=${email}`, { key: user.key });
  return { user, email, message: list.body.messages[0] as { id: string; is_seen: boolean } };
}

test('the codes and links of a received message, in {status, data}', async () => {
  const { user, email, message } = await userWithVerificationMail();
  const res = await api(server, 'GET', `/api/messages/${message.id}/extract`, { key: user.key });
  assert.equal(res.status, 200);
  assertKeys(res.body, ['status', 'data'], 'answer');
  assert.equal(res.body.status, true);
  assertKeys(res.body.data, ['codes', 'links', 'auth'], 'data');
  assert.equal(res.body.data.codes[0].value, verification.code);
  for (const code of res.body.data.codes) assertKeys(code, ['value', 'kind', 'trusted'], 'a code');
  for (const link of res.body.data.links) assertKeys(link, ['url', 'kind', 'trusted'], 'a link');
  assert.ok(res.body.data.links.some((l: { url: string }) => l.url === verification.link));

  // Not a read of the message: it stays unseen. The seed's objects keep exactly their keys.
  const list = await api(server, 'GET', `/api/messages?email=${email}`, { key: user.key });
  assert.equal(list.body.messages[0].is_seen, false);
  const read = await api(server, 'GET', `/api/messages/${message.id}`, { key: user.key });
  assertKeys(
    read.body.data,
    ['is_seen', 'subject', 'from', 'from_email', 'to', 'receivedAt', 'id', 'html', 'content', 'attachments'],
    'the seed message object',
  );
});

test("another user's message looks missing, and failed requests are not counted", async () => {
  const { user: owner, message } = await userWithVerificationMail();
  const { user: other } = await userWithVerificationMail();
  const before = quotaOf(await api(server, 'GET', '/api/domains', { key: other.key }));

  const stolen = await api(server, 'GET', `/api/messages/${message.id}/extract`, { key: other.key });
  assertError(stolen, 404, "another user's message");
  assert.ok(!stolen.raw.includes(Buffer.from(verification.code)), 'nothing leaks');
  const missing = await api(server, 'GET', `/api/messages/${missingId}/extract`, { key: other.key });
  assertError(missing, 404, 'a missing message');
  assert.equal(stolen.body.message, missing.body.message, 'the same sentence');
  assertError(await api(server, 'GET', '/api/messages/not-an-id/extract', { key: other.key }), 404, 'bad id');

  const after = quotaOf(await api(server, 'GET', '/api/domains', { key: other.key }));
  assert.equal(after.used, before.used + 1, 'only the 2xx answer was counted');
  const own = await api(server, 'GET', `/api/messages/${message.id}/extract`, { key: owner.key });
  assert.equal(own.status, 200);
  assert.equal(
    quotaOf(own).used,
    quotaOf(await api(server, 'GET', '/api/domains', { key: owner.key })).used - 1,
  );
});

test('without a key: 401 in the dialect’s shape', async () => {
  const { message } = await userWithVerificationMail();
  assertError(await api(server, 'GET', `/api/messages/${message.id}/extract`), 401, 'no key');
  assertError(
    await api(server, 'GET', `/api/messages/${message.id}/extract`, { key: 'wrong' }),
    401,
    'wrong key',
  );
});
