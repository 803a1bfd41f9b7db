// Both dialects are views of one store: a mailbox made with either is listed, read and deleted
// with the other, mail received over SMTP shows in both, and the one path they share,
// DELETE /api/emails/{x}, is the key dialect's for a UUID and the user dialect's for an address.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendMail,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';
import { assertError, instantOf } from '../user-api/helpers.ts';
import { assertKeyError, generate, keyApi, unknownUuid } from './helpers.ts';

let server: TestServer;
let users = 0;
const newUser = () => createUser(server, `kdia${++users}@example.org`);

before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
});
after(() => server.close());

const userMessages = async (key: string, address: string) =>
  api(server, 'GET', `/api/messages?email=${encodeURIComponent(address)}`, { key });

test('a mailbox generated with the key dialect is read and deleted with the user dialect', async () => {
  const user = await newUser();
  const box = await generate(server, user, 'FromKeyDialect');
  assert.equal(box.email, 'fromkeydialect@example.com');
  await sendMail(server, { to: box.email, subject: 'Over SMTP', text: 'Seen by both.' });

  const viaUser = await userMessages(user.key, box.email);
  assert.equal(viaUser.status, 200);
  assert.equal(viaUser.body.mailbox, box.email);
  assert.equal(viaUser.body.messages.length, 1);
  const userMsg = viaUser.body.messages[0];
  assert.equal(userMsg.subject, 'Over SMTP');
  assert.equal(userMsg.is_seen, false);

  const viaKey = await keyApi(server, 'GET', `/api/emails/${box.id}`, { key: user.key });
  assert.equal(viaKey.body.total, 1);
  const keyMsg = viaKey.body.messages[0];
  assert.deepEqual([keyMsg.subject, keyMsg.from_address], ['Over SMTP', userMsg.from_email]);
  const read = await keyApi(server, 'GET', `/api/emails/${box.id}/${keyMsg.id}`, { key: user.key });
  assert.equal(read.body.message.content.trim(), 'Seen by both.');
  assert.equal(
    (await userMessages(user.key, box.email)).body.messages[0].is_seen,
    true,
    'reading with the key dialect marks the message seen for the user dialect too',
  );

  const delMsg = await api(server, 'DELETE', `/api/messages/${userMsg.id}`, { key: user.key });
  assert.equal(delMsg.status, 200);
  const afterDelete = await keyApi(server, 'GET', `/api/emails/${box.id}`, { key: user.key });
  assert.deepEqual([afterDelete.body.messages, afterDelete.body.total], [[], 0]);
  assertKeyError(
    await keyApi(server, 'GET', `/api/emails/${box.id}/${keyMsg.id}`, { key: user.key }),
    404,
    'gone',
  );

  const delBox = await api(server, 'DELETE', `/api/emails/${box.email}`, { key: user.key });
  assert.deepEqual(delBox.body, { status: true, message: 'Email has been successfully deleted.' });
  assertKeyError(
    await keyApi(server, 'GET', `/api/emails/${box.id}`, { key: user.key }),
    404,
    'mailbox gone',
  );
  assert.equal((await keyApi(server, 'GET', '/api/emails', { key: user.key })).body.total, 0);
});

test('a mailbox created with the user dialect is listed, read and deleted with the key dialect', async () => {
  const user = await newUser();
  const created = await createMailbox(server, user);
  const list = await keyApi(server, 'GET', '/api/emails', { key: user.key });
  assert.equal(list.body.total, 1);
  const listed = list.body.emails[0];
  assert.equal(listed.address, created.email);
  assert.equal(listed.createdAt, new Date(server.clock.now).toISOString(), 'created now, to the millisecond');
  assert.equal(
    Math.floor(Date.parse(listed.createdAt) / 1000) * 1000,
    instantOf(created.created_at),
    "the user dialect's created_at, to the second",
  );
  assert.equal(
    Date.parse(listed.expiresAt) - Date.parse(listed.createdAt),
    created.expires_in_seconds * 1000,
    "the user dialect's lifetime",
  );

  await sendMail(server, { to: created.email, subject: 'One', text: 'first' });
  await sendMail(server, { to: created.email, subject: 'Two', html: '<p>second</p>' });
  const viaKey = await keyApi(server, 'GET', `/api/emails/${listed.id}`, { key: user.key });
  assert.deepEqual(viaKey.body.messages.map((m: any) => m.subject).sort(), ['One', 'Two']);
  const two = viaKey.body.messages.find((m: any) => m.subject === 'Two');
  const viaUser = await userMessages(user.key, created.email);
  const twoUser = viaUser.body.messages.find((m: any) => m.subject === 'Two');
  const detail = await keyApi(server, 'GET', `/api/emails/${listed.id}/${two.id}`, { key: user.key });
  assert.equal(detail.body.message.html, twoUser.content, 'the same HTML body in both');

  const del = await keyApi(server, 'DELETE', `/api/emails/${listed.id}/${two.id}`, { key: user.key });
  assert.deepEqual(del.body, { success: true });
  assert.deepEqual(
    (await userMessages(user.key, created.email)).body.messages.map((m: any) => m.subject),
    ['One'],
  );
  assertError(
    await api(server, 'GET', `/api/messages/${twoUser.id}`, { key: user.key }),
    404,
    'deleted message',
  );

  assert.deepEqual((await keyApi(server, 'DELETE', `/api/emails/${listed.id}`, { key: user.key })).body, {
    success: true,
  });
  assertError(await userMessages(user.key, created.email), 404, 'user dialect after key delete');
  assertError(await api(server, 'DELETE', `/api/emails/${created.email}`, { key: user.key }), 404, 'twice');
});

test('DELETE /api/emails/{x}: a UUID is the key dialect, an address the user dialect', async () => {
  const user = await newUser();
  const byKey = await generate(server, user, 'deleteviakey');
  const byBearer = await generate(server, user, 'deleteviabearer');
  const upper = await generate(server, user, 'deleteupper');
  const byAddress = await generate(server, user, 'deleteviaaddress');

  // UUID: the key dialect's auth and shapes.
  assertKeyError(await keyApi(server, 'DELETE', `/api/emails/${byKey.id}`), 401, 'uuid without a key');
  assertKeyError(
    await keyApi(server, 'DELETE', `/api/emails/${unknownUuid}`, { key: user.key }),
    404,
    'unknown uuid',
  );
  const ok = await keyApi(server, 'DELETE', `/api/emails/${byKey.id}`, { key: user.key });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, { success: true });
  const bearer = await keyApi(server, 'DELETE', `/api/emails/${byBearer.id}`, {
    key: user.key,
    scheme: 'bearer',
  });
  assert.deepEqual(bearer.body, { success: true }, 'the key dialect also takes a Bearer key');
  const upperRes = await keyApi(server, 'DELETE', `/api/emails/${upper.id.toUpperCase()}`, { key: user.key });
  assert.deepEqual(upperRes.body, { success: true }, 'an upper-case UUID is the same id');

  // Address: the user dialect's auth (either header, as the dialects share keys) and shapes.
  assertError(await api(server, 'DELETE', `/api/emails/${byAddress.email}`), 401, 'address without a key');
  assertError(
    await api(server, 'DELETE', '/api/emails/nobody@example.com', { key: user.key }),
    404,
    'unknown address',
  );
  assertError(
    await api(server, 'DELETE', '/api/emails/not-an-address', { key: user.key }),
    422,
    'not an address',
  );
  const userOk = await keyApi(server, 'DELETE', `/api/emails/${byAddress.email}`, { key: user.key });
  assert.deepEqual(
    userOk.body,
    { status: true, message: 'Email has been successfully deleted.' },
    'X-API-Key',
  );

  assert.deepEqual(await keyApi(server, 'GET', '/api/emails', { key: user.key }).then((r) => r.body), {
    emails: [],
    nextCursor: null,
    total: 0,
  });
});
