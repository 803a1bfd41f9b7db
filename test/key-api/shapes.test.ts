// Success shapes of every key API endpoint, against the seed's examples (spec/key-api.md):
// same keys, same types, same formats.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDomain, createUser, startTestServer, type TestServer } from '../support/harness.ts';
import {
  assertKeys,
  day,
  decodeCursor,
  generate,
  hour,
  isoMsPattern,
  keyApi,
  SmtpSender,
  threeDays,
  uuidPattern,
} from './helpers.ts';

/** The seed's `createdAt`: 2025-04-21T08:30:45.084Z. */
const seedInstant = Date.UTC(2025, 3, 21, 8, 30, 45, 84);
const emailKeys = ['id', 'address', 'userId', 'createdAt', 'expiresAt'];
const summaryKeys = ['id', 'from_address', 'subject', 'received_at'];
const messageKeys = ['id', 'from_address', 'subject', 'content', 'html', 'received_at'];

let server: TestServer;
let smtp: SmtpSender;
let users = 0;
const newUser = (plan = 'free') => createUser(server, `kshape${++users}@example.org`, plan);
const uuidOf = async (userId: number) => (await server.burnbox.services.store.getUserById(userId))?.uuid;

before(async () => {
  server = await startTestServer({
    BURNBOX_PLANS: JSON.stringify({
      team: { monthlyRequests: 1000, mailboxLifetimeSeconds: 600, domainTypes: ['premium'] },
    }),
  });
  server.clock.now = seedInstant;
  await addDomain(server, 'example.com');
  await addDomain(server, 'chat-tempmail.com');
  await addDomain(server, 'premium.example', 'premium');
  smtp = new SmtpSender(server);
});
after(async () => {
  smtp.close();
  await server.close();
});

test('GET /api/email/domains lists exactly the domains the plan may use', async () => {
  const cases: [string, string[]][] = [
    ['free', ['chat-tempmail.com', 'example.com']],
    ['premium', ['chat-tempmail.com', 'example.com', 'premium.example']],
    ['team', ['premium.example']],
  ];
  for (const [plan, domains] of cases) {
    const res = await keyApi(server, 'GET', '/api/email/domains', { key: (await newUser(plan)).key });
    assert.equal(res.status, 200, plan);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(res.body, { domains }, plan);
  }
});

test('POST /api/emails/generate answers {id, email} as in the seed example', async () => {
  const user = await newUser();
  const res = await keyApi(server, 'POST', '/api/emails/generate', {
    key: user.key,
    body: { name: 'test', expiryTime: hour, domain: 'chat-tempmail.com' },
  });
  assert.equal(res.status, 200);
  assertKeys(res.body, ['id', 'email'], 'generate');
  assert.match(res.body.id, uuidPattern, 'id is a UUID');
  assert.equal(res.body.email, 'test@chat-tempmail.com');
});

test('GET /api/emails lists mailboxes as in the seed example, newest first', async () => {
  const user = await newUser();
  const oneDay = await generate(server, user, 'oneday', 'example.com', day);
  server.clock.advance(1);
  const threeDay = await generate(server, user, 'threedays', 'example.com', threeDays);
  const res = await keyApi(server, 'GET', '/api/emails', { key: user.key });
  assert.equal(res.status, 200);
  assertKeys(res.body, ['emails', 'nextCursor', 'total'], 'list');
  assert.equal(res.body.nextCursor, null, 'one page only');
  assert.equal(res.body.total, 2);
  const userId = await uuidOf(user.id);
  assert.match(userId ?? '', uuidPattern);
  for (const email of res.body.emails) {
    assertKeys(email, emailKeys, 'email');
    assert.match(email.createdAt, isoMsPattern);
    assert.match(email.expiresAt, isoMsPattern);
  }
  assert.deepEqual(res.body.emails, [
    {
      id: threeDay.id,
      address: 'threedays@example.com',
      userId,
      createdAt: '2025-04-21T08:30:45.085Z',
      expiresAt: '2025-04-24T08:30:45.085Z',
    },
    {
      id: oneDay.id,
      address: 'oneday@example.com',
      userId,
      createdAt: '2025-04-21T08:30:45.084Z',
      expiresAt: '2025-04-22T08:30:45.084Z',
    },
  ]);
  server.clock.now = seedInstant;
});

test('an expired mailbox leaves the list, its total and every endpoint at once', async () => {
  const user = await newUser();
  const short = await generate(server, user, 'shortlived', 'example.com', hour);
  const long = await generate(server, user, 'longlived', 'example.com', day);
  server.clock.advance(hour);
  try {
    const res = await keyApi(server, 'GET', '/api/emails', { key: user.key });
    assert.deepEqual(
      res.body.emails.map((e: any) => e.id),
      [long.id],
    );
    assert.equal(res.body.total, 1);
    assert.equal((await keyApi(server, 'GET', `/api/emails/${short.id}`, { key: user.key })).status, 404);
    assert.equal((await keyApi(server, 'GET', `/api/emails/${long.id}`, { key: user.key })).status, 200);
  } finally {
    server.clock.now = seedInstant;
  }
});

test('DELETE /api/emails/{emailId} answers exactly {"success": true} and the mailbox is gone', async () => {
  const user = await newUser();
  const mailbox = await generate(server, user, 'tobedeleted');
  const res = await keyApi(server, 'DELETE', `/api/emails/${mailbox.id}`, { key: user.key });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { success: true });
  const list = await keyApi(server, 'GET', '/api/emails', { key: user.key });
  assert.deepEqual(list.body, { emails: [], nextCursor: null, total: 0 });
  assert.equal((await keyApi(server, 'DELETE', `/api/emails/${mailbox.id}`, { key: user.key })).status, 404);
});

test('GET /api/emails/{emailId} lists messages as in the seed example, newest first', async () => {
  const user = await newUser();
  const mailbox = await generate(server, user, 'inbox');
  await smtp.send(mailbox.email, 'Test Message 1 - xJOK2h', { from: 'Sender One <sender1@example.com>' });
  server.clock.advance(1000);
  await smtp.send(mailbox.email, 'Test Message 2', { from: 'sender2@example.com' });
  try {
    const res = await keyApi(server, 'GET', `/api/emails/${mailbox.id}`, { key: user.key });
    assert.equal(res.status, 200);
    assertKeys(res.body, ['messages', 'nextCursor', 'total'], 'list');
    assert.equal(res.body.nextCursor, null);
    assert.equal(res.body.total, 2);
    for (const m of res.body.messages) {
      assertKeys(m, summaryKeys, 'message summary');
      assert.match(m.id, uuidPattern);
      assert.equal(typeof m.received_at, 'number', 'received_at is a number');
    }
    const [second, first] = res.body.messages;
    assert.deepEqual(
      { ...first, id: 'x' },
      {
        id: 'x',
        from_address: 'sender1@example.com',
        subject: 'Test Message 1 - xJOK2h',
        received_at: seedInstant,
      },
    );
    assert.deepEqual(
      { ...second, id: 'x' },
      {
        id: 'x',
        from_address: 'sender2@example.com',
        subject: 'Test Message 2',
        received_at: seedInstant + 1000,
      },
    );
  } finally {
    server.clock.now = seedInstant;
  }
});

test('GET /api/emails/{emailId}/{messageId} gives the plain text and the HTML as in the seed', async () => {
  const user = await newUser();
  const mailbox = await generate(server, user, 'detail');
  const text = 'Test Message 1\n\nThis is test message 1 content.\n\nBest regards,\nSender 1';
  const html = '<div>\n<h1>Test Message 1</h1>\n</div>';
  await smtp.send(mailbox.email, 'Both parts', { text, html, from: 'sender1@example.com' });
  await smtp.send(mailbox.email, 'Text only', { text: 'Just text.' });
  await smtp.send(mailbox.email, 'HTML only', { html: '<p>Hello <b>there</b></p><p>Second</p>' });
  const list = await keyApi(server, 'GET', `/api/emails/${mailbox.id}`, { key: user.key });
  const idOf = (subject: string) => list.body.messages.find((m: any) => m.subject === subject).id;
  const read = async (subject: string) => {
    const res = await keyApi(server, 'GET', `/api/emails/${mailbox.id}/${idOf(subject)}`, { key: user.key });
    assert.equal(res.status, 200, subject);
    assertKeys(res.body, ['message'], 'detail');
    assertKeys(res.body.message, messageKeys, 'message');
    return res.body.message;
  };
  assert.deepEqual(await read('Both parts'), {
    id: idOf('Both parts'),
    from_address: 'sender1@example.com',
    subject: 'Both parts',
    content: text,
    html,
    received_at: seedInstant,
  });
  const textOnly = await read('Text only');
  assert.match(textOnly.content, /^Just text\.\n?$/, 'content is the text part');
  assert.equal(textOnly.html, '', 'html may be empty');
  const htmlOnly = await read('HTML only');
  assert.match(htmlOnly.html, /^<p>Hello <b>there<\/b><\/p><p>Second<\/p>\n?$/, 'the HTML part');
  assert.match(htmlOnly.content, /^Hello there\s+Second$/, 'content is plain text made from the HTML');
});

test('DELETE /api/emails/{emailId}/{messageId} answers exactly {"success": true}', async () => {
  const user = await newUser();
  const mailbox = await generate(server, user, 'delmsg');
  await smtp.send(mailbox.email, 'Keep');
  await smtp.send(mailbox.email, 'Drop');
  const list = await keyApi(server, 'GET', `/api/emails/${mailbox.id}`, { key: user.key });
  const drop = list.body.messages.find((m: any) => m.subject === 'Drop').id;
  const res = await keyApi(server, 'DELETE', `/api/emails/${mailbox.id}/${drop}`, { key: user.key });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { success: true });
  const after = await keyApi(server, 'GET', `/api/emails/${mailbox.id}`, { key: user.key });
  assert.deepEqual(
    after.body.messages.map((m: any) => m.subject),
    ['Keep'],
  );
  assert.equal(after.body.total, 1);
  assert.equal(
    (await keyApi(server, 'GET', `/api/emails/${mailbox.id}/${drop}`, { key: user.key })).status,
    404,
  );
  assert.equal(
    (await keyApi(server, 'DELETE', `/api/emails/${mailbox.id}/${drop}`, { key: user.key })).status,
    404,
  );
});

test('a page of 20 carries a nextCursor that is base64 of {timestamp, id} of its last item', async () => {
  const user = await newUser();
  const made: string[] = [];
  for (let i = 0; i < 21; i++) {
    made.push((await generate(server, user, `page${i}`)).id);
    server.clock.advance(10);
  }
  try {
    const res = await keyApi(server, 'GET', '/api/emails', { key: user.key });
    assert.equal(res.body.emails.length, 20);
    assert.equal(res.body.total, 21);
    const last = res.body.emails[19];
    assert.equal(typeof res.body.nextCursor, 'string');
    assert.equal(
      res.body.nextCursor,
      Buffer.from(JSON.stringify({ timestamp: Date.parse(last.createdAt), id: last.id })).toString('base64'),
    );
    assert.deepEqual(decodeCursor(res.body.nextCursor), { timestamp: seedInstant + 10, id: made[1] });
  } finally {
    server.clock.now = seedInstant;
  }
});
