// Another user's mailbox or message looks exactly like one that does not exist (404 with the
// same sentence, never 403, never data), on every endpoint, and nothing another user tries
// changes it. Webhook settings, secrets and deliveries are per user.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  addDomain,
  createUser,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../support/harness.ts';
import { assertKeyError, generate, keyApi, SmtpSender, unknownUuid } from './helpers.ts';

let server: TestServer;
let smtp: SmtpSender;
let users = 0;
const newUser = () => createUser(server, `kiso${++users}@example.org`);

before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
  smtp = new SmtpSender(server);
});
after(async () => {
  smtp.close();
  await server.close();
});

/** User A with a mailbox holding a message, user B with a mailbox holding a message. */
async function twoUsers() {
  const a = await newUser();
  const b = await newUser();
  const boxA = await generate(server, a, `isoa${users}`);
  const boxB = await generate(server, b, `isob${users}`);
  await smtp.send(boxA.email, 'secret for A', { text: 'A only' });
  await smtp.send(boxB.email, 'for B');
  const firstMessage = async (user: TestUser, id: string) =>
    (await keyApi(server, 'GET', `/api/emails/${id}`, { key: user.key })).body.messages[0].id as string;
  return { a, b, boxA, boxB, msgA: await firstMessage(a, boxA.id), msgB: await firstMessage(b, boxB.id) };
}

/** B's answer for A's resource equals B's answer for a missing one, with the id swapped. */
async function assertLooksMissing(user: TestUser, method: string, url: string, swaps: [string, string][]) {
  const res = await keyApi(server, method, url, { key: user.key });
  assertKeyError(res, 404, `${method} ${url}`);
  let missingUrl = url;
  for (const [real, fake] of swaps) missingUrl = missingUrl.replace(real, fake);
  const missing = await keyApi(server, method, missingUrl, { key: user.key });
  assertKeyError(missing, 404, `${method} ${missingUrl}`);
  let expected = missing.body.error as string;
  for (const [real, fake] of swaps) expected = expected.replace(fake, real);
  assert.equal(res.body.error, expected, `${method} ${url} says the same as for a missing resource`);
}

test("every mailbox and message endpoint answers 404 for another user's ids", async () => {
  const { a, b, boxA, boxB, msgA, msgB } = await twoUsers();
  const missingBox = unknownUuid;
  const missingMsg = '11111111-1111-4111-8111-111111111111';
  for (const method of ['GET', 'DELETE']) {
    await assertLooksMissing(b, method, `/api/emails/${boxA.id}`, [[boxA.id, missingBox]]);
    await assertLooksMissing(b, method, `/api/emails/${boxA.id}/${msgA}`, [[boxA.id, missingBox]]);
    // A's message through B's own mailbox.
    await assertLooksMissing(b, method, `/api/emails/${boxB.id}/${msgA}`, [[msgA, missingMsg]]);
    // B's own message through A's mailbox.
    await assertLooksMissing(b, method, `/api/emails/${boxA.id}/${msgB}`, [[boxA.id, missingBox]]);
  }
  const listB = await keyApi(server, 'GET', '/api/emails', { key: b.key });
  assert.deepEqual(
    listB.body.emails.map((e: any) => e.id),
    [boxB.id],
    "B's list holds only B's mailbox",
  );
  assert.equal(listB.body.total, 1);

  // Nothing B tried changed A's data.
  const listA = await keyApi(server, 'GET', `/api/emails/${boxA.id}`, { key: a.key });
  assert.equal(listA.status, 200);
  assert.deepEqual(
    listA.body.messages.map((m: any) => m.id),
    [msgA],
  );
  const read = await keyApi(server, 'GET', `/api/emails/${boxA.id}/${msgA}`, { key: a.key });
  assert.equal(read.body.message.content.trim(), 'A only');
  assert.equal((await keyApi(server, 'GET', `/api/emails/${boxB.id}/${msgB}`, { key: b.key })).status, 200);
});

test("a message is reached only through its own mailbox, even among one user's mailboxes", async () => {
  const user = await newUser();
  const one = await generate(server, user, `own1x${users}`);
  const two = await generate(server, user, `own2x${users}`);
  await smtp.send(one.email, 'in one');
  const msg = (await keyApi(server, 'GET', `/api/emails/${one.id}`, { key: user.key })).body.messages[0].id;
  assertKeyError(
    await keyApi(server, 'GET', `/api/emails/${two.id}/${msg}`, { key: user.key }),
    404,
    'wrong box',
  );
  assertKeyError(
    await keyApi(server, 'DELETE', `/api/emails/${two.id}/${msg}`, { key: user.key }),
    404,
    'wrong box',
  );
  assert.equal((await keyApi(server, 'GET', `/api/emails/${one.id}/${msg}`, { key: user.key })).status, 200);
});

test('webhook settings, secrets and deliveries belong to one user', async () => {
  const a = await newUser();
  const b = await newUser();
  const set = await keyApi(server, 'POST', '/api/webhook', {
    key: a.key,
    body: { url: 'https://hooks.example/a', enabled: true },
  });
  assert.equal(set.status, 200);
  assert.deepEqual((await keyApi(server, 'GET', '/api/webhook', { key: b.key })).body, {
    url: '',
    enabled: false,
  });
  const secretA = (await keyApi(server, 'GET', '/api/webhook/secret', { key: a.key })).body.secret;
  const secretB = (await keyApi(server, 'GET', '/api/webhook/secret', { key: b.key })).body.secret;
  assert.notEqual(secretA, secretB);
  await keyApi(server, 'POST', '/api/webhook/secret', { key: b.key });
  assert.equal((await keyApi(server, 'GET', '/api/webhook/secret', { key: a.key })).body.secret, secretA);
  // One attempt in A's log: a test event to an address the server may not reach (refused at once).
  await keyApi(server, 'POST', '/api/webhook', {
    key: a.key,
    body: { url: 'http://127.0.0.1:9/a', enabled: true },
  });
  assert.equal((await keyApi(server, 'POST', '/api/webhook/test', { key: a.key })).status, 200);
  await server.burnbox.webhookDelivery.runDue();
  assert.equal(
    (await keyApi(server, 'GET', '/api/webhook/deliveries', { key: a.key })).body.deliveries.length,
    1,
  );
  assert.deepEqual((await keyApi(server, 'GET', '/api/webhook/deliveries', { key: b.key })).body, {
    deliveries: [],
  });
});
