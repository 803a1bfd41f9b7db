// GET /api/emails/{emailId}/{messageId}/extract: the message's codes and links as
// {"codes", "links"}, for the mailbox's owner only (another user's ids look missing), counted only
// when answered, and without marking the message seen. The seed's message object keeps its keys.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDomain, createUser, sendRaw, startTestServer, type TestServer } from '../support/harness.ts';
import { verification, verificationMail } from '../support/verification-mail.ts';
import { assertKeyError, assertKeys, generate, keyApi, quotaOf, unknownUuid } from './helpers.ts';

let server: TestServer;
let users = 0;

before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
});
after(() => server.close());

async function userWithVerificationMail() {
  const user = await createUser(server, `kextract${++users}@example.org`);
  const box = await generate(server, user, `verify${users}`);
  await sendRaw(server, verificationMail(box.email), { from: 'no-reply@example.net', to: [box.email] });
  const list = await keyApi(server, 'GET', `/api/emails/${box.id}`, { key: user.key });
  return { user, box, messageId: list.body.messages[0].id as string };
}

test('the codes and links of a received message, as {codes, links}', async () => {
  const { user, box, messageId } = await userWithVerificationMail();
  const res = await keyApi(server, 'GET', `/api/emails/${box.id}/${messageId}/extract`, { key: user.key });
  assert.equal(res.status, 200);
  assertKeys(res.body, ['codes', 'links', 'auth'], 'answer');
  assert.equal(res.body.codes[0].value, verification.code);
  for (const code of res.body.codes) assertKeys(code, ['value', 'kind', 'trusted'], 'a code');
  for (const link of res.body.links) assertKeys(link, ['url', 'kind', 'trusted'], 'a link');
  assert.ok(res.body.links.some((l: { url: string }) => l.url === verification.link));
  // Ids are UUIDs in any case, as for the message itself.
  const upper = await keyApi(server, 'GET', `/api/emails/${box.id}/${messageId.toUpperCase()}/extract`, {
    key: user.key,
  });
  assert.deepEqual(upper.body, res.body);

  // Not a read: it stays unseen (the user dialect shows it). The seed's object keeps its keys.
  const list = await keyApi(server, 'GET', `/api/messages?email=${box.email}`, {
    key: user.key,
    scheme: 'bearer',
  });
  assert.equal(list.body.messages[0].is_seen, false);
  const read = await keyApi(server, 'GET', `/api/emails/${box.id}/${messageId}`, { key: user.key });
  assertKeys(
    read.body.message,
    ['id', 'from_address', 'subject', 'content', 'html', 'received_at'],
    'message',
  );
});

test("another user's ids look missing, bad ids are a 400, and failures are not counted", async () => {
  const { user: owner, box, messageId } = await userWithVerificationMail();
  const { user: other, box: otherBox } = await userWithVerificationMail();
  const before = quotaOf(await keyApi(server, 'GET', '/api/email/domains', { key: other.key }));

  // A's message through A's mailbox, and through B's own mailbox.
  for (const [url, missingUrl] of [
    [`/api/emails/${box.id}/${messageId}/extract`, `/api/emails/${unknownUuid}/${messageId}/extract`],
    [`/api/emails/${otherBox.id}/${messageId}/extract`, `/api/emails/${otherBox.id}/${unknownUuid}/extract`],
  ] as const) {
    const stolen = await keyApi(server, 'GET', url, { key: other.key });
    assertKeyError(stolen, 404, url);
    assert.ok(!stolen.raw.includes(Buffer.from(verification.code)), 'nothing leaks');
    const missing = await keyApi(server, 'GET', missingUrl, { key: other.key });
    assertKeyError(missing, 404, missingUrl);
    assert.equal(
      stolen.body.error,
      missing.body.error.replace(unknownUuid, url.includes(box.id) ? box.id : messageId),
      'the same sentence as for a missing one',
    );
  }
  assertKeyError(
    await keyApi(server, 'GET', `/api/emails/${otherBox.id}/not-a-uuid/extract`, { key: other.key }),
    400,
    'bad message id',
  );

  const after = quotaOf(await keyApi(server, 'GET', '/api/email/domains', { key: other.key }));
  assert.equal(after.used, before.used + 1, 'only the 2xx answer was counted');
  const own = await keyApi(server, 'GET', `/api/emails/${box.id}/${messageId}/extract`, { key: owner.key });
  assert.equal(own.status, 200);
  assertKeyError(await keyApi(server, 'GET', `/api/emails/${box.id}/${messageId}/extract`), 401, 'no key');
});
