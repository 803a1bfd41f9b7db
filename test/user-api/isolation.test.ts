// "Mailbox, message and attachment requests are validated against the authenticated user's
// account": another user's mailbox or message looks exactly like one that does not exist
// (404, never 403, never data), and nothing another user tries changes it.
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
  type TestUser,
} from '../support/harness.ts';
import { assertAccepts, assertError, quotaOf, sha256 } from './helpers.ts';

let server: TestServer;
let users = 0;
const newUser = () => createUser(server, `iso${++users}@example.org`);
const missingId = 'Z'.repeat(46);

before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
});
after(() => server.close());

/** User A with a mailbox holding the attachments fixture, and user B with a mailbox of their own. */
async function twoUsers() {
  const a = await newUser();
  const b = await newUser();
  const boxA = await createMailbox(server, a);
  const boxB = await createMailbox(server, b);
  await sendRaw(server, renderFixture(mailFixtures.attachments, boxA.email), {
    from: 'dave@example.com',
    to: [boxA.email],
  });
  const list = await api(server, 'GET', `/api/messages?email=${boxA.email}`, { key: a.key });
  const message = list.body.messages[0];
  return { a, b, boxA, boxB, message };
}

/** B's answer for A's resource must equal B's answer for a missing one (same status and body). */
async function assertLooksMissing(
  user: TestUser,
  method: string,
  url: string,
  missingUrl: string,
  replace: [string, string] = ['', ''],
) {
  const res = await api(server, method, url, { key: user.key });
  assertError(res, 404, `${method} ${url}`);
  const missing = await api(server, method, missingUrl, { key: user.key });
  assertError(missing, 404, `${method} ${missingUrl}`);
  assert.equal(
    res.body.message,
    missing.body.message.replace(replace[1], replace[0]),
    `${method} ${url} says the same as for a missing resource`,
  );
}

test("another user's mailbox answers 404 on every mailbox endpoint, and stays as it was", async () => {
  const { a, b, boxA, boxB, message } = await twoUsers();
  const missing = `nobody${users}@example.com`;
  const swap: [string, string] = [boxA.email, missing];
  await assertLooksMissing(
    b,
    'GET',
    `/api/messages?email=${boxA.email}`,
    `/api/messages?email=${missing}`,
    swap,
  );
  await assertLooksMissing(b, 'DELETE', `/api/emails/${boxA.email}`, `/api/emails/${missing}`, swap);
  await assertLooksMissing(
    b,
    'POST',
    `/api/emails/${boxA.email}/stolen${users}/example.com`,
    `/api/emails/${missing}/stolen${users}/example.com`,
    swap,
  );

  const list = await api(server, 'GET', `/api/messages?email=${boxA.email}`, { key: a.key });
  assert.equal(list.status, 200, "A's mailbox still exists");
  assert.deepEqual(
    list.body.messages.map((m: any) => m.id),
    [message.id],
  );
  await assertAccepts(server, boxA.email);
  assert.equal(
    await server.burnbox.services.store.getMailboxByAddress(`stolen${users}@example.com`),
    undefined,
  );
  const own = await api(server, 'GET', `/api/messages?email=${boxB.email}`, { key: b.key });
  assert.equal(own.status, 200);
  assert.deepEqual(own.body.messages, [], "B sees none of A's mail in B's own mailbox");
});

test("another user's message answers 404 on read, delete and download, and stays as it was", async () => {
  const { a, b, boxA, message } = await twoUsers();
  const before = await api(server, 'GET', '/api/domains', { key: b.key });
  const attachment = message.attachments[0];
  await assertLooksMissing(b, 'GET', `/api/messages/${message.id}`, `/api/messages/${missingId}`);
  await assertLooksMissing(b, 'DELETE', `/api/messages/${message.id}`, `/api/messages/${missingId}`);
  const download = await api(server, 'GET', new URL(attachment.url).pathname, { key: b.key });
  assertError(download, 404, "B downloading A's attachment");
  assert.ok(!download.raw.includes(Buffer.from('See attached')), 'no content leaks');
  await assertLooksMissing(
    b,
    'GET',
    `/api/messages/${message.id}/attachments/${encodeURIComponent(attachment.name)}`,
    `/api/messages/${missingId}/attachments/${encodeURIComponent(attachment.name)}`,
  );
  const after = await api(server, 'GET', '/api/domains', { key: b.key });
  assert.equal(quotaOf(after).used, quotaOf(before).used + 1, "B's failed attempts were not counted");

  const list = await api(server, 'GET', `/api/messages?email=${boxA.email}`, { key: a.key });
  assert.equal(list.body.messages.length, 1, "A's message is still there");
  assert.equal(list.body.messages[0].is_seen, false, "B's read did not mark it seen");
  const own = await api(server, 'GET', new URL(attachment.url).pathname, { key: a.key });
  assert.equal(own.status, 200);
  assert.equal(sha256(own.raw), mailFixtures.attachments.attachments[0]?.sha256);
});

test('one delivery to two users gives each a separate copy', async () => {
  const a = await newUser();
  const b = await newUser();
  const boxA = await createMailbox(server, a);
  const boxB = await createMailbox(server, b);
  const sent = await sendRaw(server, renderFixture(mailFixtures.attachments, boxA.email), {
    from: 'dave@example.com',
    to: [boxA.email, boxB.email],
  });
  assert.deepEqual(sent.accepted.sort(), [boxA.email, boxB.email].sort());
  const listA = await api(server, 'GET', `/api/messages?email=${boxA.email}`, { key: a.key });
  const listB = await api(server, 'GET', `/api/messages?email=${boxB.email}`, { key: b.key });
  const idA: string = listA.body.messages[0].id;
  const idB: string = listB.body.messages[0].id;
  assert.notEqual(idA, idB, 'each recipient has its own message id');
  assert.equal(listB.body.messages[0].to, boxB.email);
  assertError(await api(server, 'GET', `/api/messages/${idA}`, { key: b.key }), 404, "B reading A's copy");
  assertError(await api(server, 'GET', `/api/messages/${idB}`, { key: a.key }), 404, "A reading B's copy");

  assert.equal((await api(server, 'GET', `/api/messages/${idA}`, { key: a.key })).status, 200);
  const unseen = await api(server, 'GET', `/api/messages?email=${boxB.email}`, { key: b.key });
  assert.equal(unseen.body.messages[0].is_seen, false, "A's read does not mark B's copy seen");

  assert.equal((await api(server, 'DELETE', `/api/messages/${idA}`, { key: a.key })).status, 200);
  assert.equal((await api(server, 'DELETE', `/api/emails/${boxA.email}`, { key: a.key })).status, 200);
  const stillThere = await api(server, 'GET', `/api/messages/${idB}`, { key: b.key });
  assert.equal(stillThere.status, 200, "A's deletions leave B's copy");
  for (const [i, attachment] of stillThere.body.data.attachments.entries()) {
    const res = await api(server, 'GET', new URL(attachment.url).pathname, { key: b.key });
    assert.equal(res.status, 200);
    assert.equal(
      sha256(res.raw),
      mailFixtures.attachments.attachments[i]?.sha256,
      `${attachment.name} intact`,
    );
  }
});
