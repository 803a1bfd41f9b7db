// Success shapes of every user API endpoint, against the seed's examples: same keys, same
// types, same formats (spec/user-api.md).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildLargeAttachmentMessage, mailFixtures, renderFixture } from '../fixtures/mail/index.ts';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendMail,
  sendRaw,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../support/harness.ts';
import { assertKeys, instantOf, isoAt, localAt, quotaOf, seedInstant, sha256 } from './helpers.ts';

const mailboxKeys = ['id', 'email', 'domain', 'expire_at', 'expires_in_seconds', 'created_at', 'email_token'];
const messageKeys = [
  'is_seen',
  'subject',
  'from',
  'from_email',
  'to',
  'receivedAt',
  'id',
  'html',
  'content',
  'attachments',
];
const attachmentKeys = ['name', 'extension', 'size', 'url'];

let server: TestServer;
let users = 0;
const newUser = (plan = 'free') => createUser(server, `shape${++users}@example.org`, plan);

before(async () => {
  server = await startTestServer();
  server.clock.now = seedInstant;
  await addDomain(server, 'example.com');
  await addDomain(server, 'premium.example', 'premium');
});
after(() => server.close());

/** Checks a mailbox object of POST /api/emails or the switch, for a plan lifetime in seconds. */
function assertMailbox(data: any, lifetimeSeconds: number) {
  assertKeys(data, mailboxKeys, 'mailbox');
  assert.ok(Number.isSafeInteger(data.id) && data.id > 0, 'id is a positive integer');
  assert.equal(typeof data.email, 'string');
  assert.equal(typeof data.domain, 'string');
  assert.equal(data.email.split('@')[1], data.domain, 'email is on its domain');
  assert.match(data.email, /^[a-z0-9][a-z0-9._-]*@[a-z0-9.-]+$/, 'email is a lower-case address');
  assert.equal(data.expires_in_seconds, lifetimeSeconds, "expires_in_seconds is the plan's lifetime");
  assert.equal(instantOf(data.expire_at) - instantOf(data.created_at), lifetimeSeconds * 1000);
  assert.equal(typeof data.email_token, 'string');
  assert.match(data.email_token, /^[A-Za-z0-9_-]{16,}$/, 'email_token is an opaque URL-safe string');
  assert.ok(!data.email_token.includes(data.email.split('@')[0]), 'email_token does not reveal the address');
}

test('GET /api/domains?type=free is the seed example for a free user', async () => {
  const user = await newUser();
  for (const url of ['/api/domains?type=free', '/api/domains']) {
    const res = await api(server, 'GET', url, { key: user.key });
    assert.equal(res.status, 200, url);
    assert.deepEqual(res.body, {
      status: true,
      data: {
        requested_type: 'free',
        allowed_types: ['free'],
        domains: [{ domain: 'example.com', type: 'Free', custom: false }],
      },
    });
  }
});

test('GET /api/domains on the premium plan lists Premium domains and all types', async () => {
  const user = await newUser('premium');
  const premium = await api(server, 'GET', '/api/domains?type=premium', { key: user.key });
  assert.equal(premium.status, 200);
  assert.deepEqual(premium.body, {
    status: true,
    data: {
      requested_type: 'premium',
      allowed_types: ['free', 'premium', 'all'],
      domains: [{ domain: 'premium.example', type: 'Premium', custom: false }],
    },
  });
  const all = await api(server, 'GET', '/api/domains?type=all', { key: user.key });
  assert.equal(all.status, 200);
  assert.equal(all.body.data.requested_type, 'all');
  assert.deepEqual(all.body.data.domains.map((d: any) => `${d.domain}:${d.type}:${d.custom}`).sort(), [
    'example.com:Free:false',
    'premium.example:Premium:false',
  ]);
});

test('POST /api/emails returns a new mailbox with the seed example dates', async () => {
  const user = await newUser();
  const res = await api(server, 'POST', '/api/emails', { key: user.key });
  assert.equal(res.status, 200);
  assertKeys(res.body, ['status', 'data'], 'body');
  assert.equal(res.body.status, true);
  const data = res.body.data;
  assertMailbox(data, 600);
  assert.equal(data.domain, 'example.com', 'a free plan gets a free domain');
  assert.equal(data.created_at, '2026-06-28T09:37:48+00:00');
  assert.equal(data.expire_at, '2026-06-28T09:47:48+00:00');

  const second = await createMailbox(server, user);
  assert.notEqual(second.id, data.id);
  assert.notEqual(second.email, data.email);
  assert.notEqual(second.email_token, data.email_token);
});

test('POST /api/emails without a body but with a JSON content type still works', async () => {
  const user = await newUser();
  const res = await api(server, 'POST', '/api/emails', {
    key: user.key,
    headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(res.status, 200);
  assertMailbox(res.body.data, 600);
});

test("a premium plan's mailbox lives for the premium lifetime", async () => {
  const user = await newUser('premium');
  const data = await createMailbox(server, user);
  assertMailbox(data, 3600);
  assert.equal(data.created_at, isoAt(server.clock.now));
  assert.equal(data.expire_at, isoAt(server.clock.now + 3600_000));
});

test('POST /api/emails/{current}/{username}/{domain} returns the new mailbox in the same shape', async () => {
  const user = await newUser();
  const current = await createMailbox(server, user);
  const res = await api(server, 'POST', `/api/emails/${current.email}/Demo123/example.com`, {
    key: user.key,
  });
  assert.equal(res.status, 200);
  assertKeys(res.body, ['status', 'data'], 'body');
  assert.equal(res.body.status, true);
  assertMailbox(res.body.data, 600);
  assert.equal(res.body.data.email, 'demo123@example.com');
  assert.equal(res.body.data.domain, 'example.com');
  assert.notEqual(res.body.data.id, current.id);
  assert.notEqual(res.body.data.email_token, current.email_token);
});

test('DELETE /api/emails/{email} answers exactly the seed body', async () => {
  const user = await newUser();
  const mailbox = await createMailbox(server, user);
  const res = await api(server, 'DELETE', `/api/emails/${mailbox.email}`, { key: user.key });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { status: true, message: 'Email has been successfully deleted.' });
  assert.equal(res.raw.toString(), '{"status":true,"message":"Email has been successfully deleted."}');
});

/** A user with a mailbox that received the attachments fixture and the HTML fixture. */
async function mailboxWithMail(user: TestUser) {
  const mailbox = await createMailbox(server, user);
  for (const fixture of [mailFixtures.attachments, mailFixtures.alternative]) {
    const sent = await sendRaw(server, renderFixture(fixture, mailbox.email), {
      from: fixture.fromEmail,
      to: [mailbox.email],
    });
    assert.deepEqual(sent.accepted, [mailbox.email]);
  }
  const list = await api(server, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key });
  assert.equal(list.status, 200);
  const bySubject = (subject: string) => list.body.messages.find((m: any) => m.subject === subject);
  return {
    mailbox,
    list,
    withAttachments: bySubject(mailFixtures.attachments.subject),
    html: bySubject(mailFixtures.alternative.subject),
  };
}

function assertMessage(m: any, mailboxAddress: string) {
  assertKeys(m, messageKeys, 'message');
  assert.equal(typeof m.is_seen, 'boolean');
  assert.equal(typeof m.subject, 'string');
  assert.equal(typeof m.from, 'string');
  assert.equal(typeof m.from_email, 'string');
  assert.equal(m.to, mailboxAddress);
  assert.match(m.receivedAt, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  assert.match(m.id, /^[A-Za-z0-9]{46}$/, 'id is 46 letters and digits');
  assert.equal(typeof m.html, 'boolean');
  assert.equal(typeof m.content, 'string');
  assert.ok(Array.isArray(m.attachments));
  for (const a of m.attachments) {
    assertKeys(a, attachmentKeys, 'attachment');
    assert.equal(typeof a.name, 'string');
    assert.equal(typeof a.extension, 'string');
    assert.ok(Number.isSafeInteger(a.size) && a.size >= 0);
    assert.equal(a.url, `https://mail.test/api/messages/${m.id}/attachments/${encodeURIComponent(a.name)}`);
  }
}

test('GET /api/messages?email= lists the messages in the seed shape', async () => {
  const user = await newUser();
  const { mailbox, list, withAttachments, html } = await mailboxWithMail(user);
  assertKeys(list.body, ['status', 'mailbox', 'messages'], 'list body');
  assert.equal(list.body.status, true);
  assert.equal(list.body.mailbox, mailbox.email);
  assert.equal(list.body.messages.length, 2);
  for (const m of list.body.messages) assertMessage(m, mailbox.email);

  const fixture = mailFixtures.attachments;
  assert.equal(withAttachments.is_seen, false);
  assert.equal(withAttachments.from, fixture.fromName);
  assert.equal(withAttachments.from_email, fixture.fromEmail);
  assert.equal(withAttachments.receivedAt, '2026-06-28 09:37:48');
  assert.equal(withAttachments.html, false);
  assert.ok(withAttachments.content.includes('See attached files.'));
  assert.notEqual(withAttachments.id, html.id);
  assert.deepEqual(
    withAttachments.attachments.map((a: any) => [a.name, a.size, a.extension]),
    fixture.attachments.map((a) => [a.name, a.size, /\.([^.]+)$/.exec(a.name)?.[1] ?? '']),
  );

  assert.equal(html.html, true);
  assert.match(html.content, /<[a-z]/i, 'HTML content is HTML');
  assert.ok(html.content.includes('Rich version'));
  assert.equal(html.from, mailFixtures.alternative.fromName);
  assert.deepEqual(html.attachments, []);
});

test('the mailbox address in ?email= is case-insensitive', async () => {
  const user = await newUser();
  const mailbox = await createMailbox(server, user);
  const res = await api(server, 'GET', `/api/messages?email=${mailbox.email.toUpperCase()}`, {
    key: user.key,
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.mailbox, mailbox.email);
  assert.deepEqual(res.body.messages, []);
});

test('GET /api/messages/{id} returns the message under data, seen, and the list shows it seen', async () => {
  const user = await newUser();
  const { mailbox, withAttachments, html } = await mailboxWithMail(user);
  const res = await api(server, 'GET', `/api/messages/${withAttachments.id}`, { key: user.key });
  assert.equal(res.status, 200);
  assertKeys(res.body, ['status', 'data'], 'body');
  assert.equal(res.body.status, true);
  assertMessage(res.body.data, mailbox.email);
  assert.deepEqual(res.body.data, { ...withAttachments, is_seen: true });

  const list = await api(server, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key });
  const seen = Object.fromEntries(list.body.messages.map((m: any) => [m.id, m.is_seen]));
  assert.deepEqual(seen, { [withAttachments.id]: true, [html.id]: false });
});

test('DELETE /api/messages/{id} answers exactly the seed body and the message is gone', async () => {
  const user = await newUser();
  const { mailbox, withAttachments, html } = await mailboxWithMail(user);
  const res = await api(server, 'DELETE', `/api/messages/${withAttachments.id}`, { key: user.key });
  assert.equal(res.status, 200);
  assert.equal(res.raw.toString(), '{"status":true,"message":"Message was deleted successfully."}');
  assert.equal(
    (await api(server, 'GET', `/api/messages/${withAttachments.id}`, { key: user.key })).status,
    404,
  );
  const list = await api(server, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key });
  assert.deepEqual(
    list.body.messages.map((m: any) => m.id),
    [html.id],
  );
});

/** `filename` (token or quoted) and `filename*` (RFC 5987) of a Content-Disposition header. */
function dispositionOf(header: string) {
  const type = header.split(';')[0]?.trim().toLowerCase();
  const plain = /;\s*filename=(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
  const extended = /;\s*filename\*=UTF-8''([^;\s]+)/i.exec(header);
  return {
    type,
    filename: plain ? (plain[1] ?? plain[2]) : undefined,
    filenameStar: extended?.[1] ? decodeURIComponent(extended[1]) : undefined,
  };
}

test('attachment downloads return the exact bytes as a download with a safe name', async () => {
  const user = await newUser();
  const { withAttachments } = await mailboxWithMail(user);
  const fixture = mailFixtures.attachments;
  let nonAscii = 0;
  for (const [i, a] of withAttachments.attachments.entries()) {
    const expected = fixture.attachments[i];
    assert.ok(expected);
    const res = await api(server, 'GET', new URL(a.url).pathname, { key: user.key });
    assert.equal(res.status, 200, a.name);
    assert.equal(sha256(res.raw), expected.sha256, `${a.name}: exact bytes`);
    assert.equal(res.raw.length, expected.size);
    assert.equal(res.headers.get('content-type')?.split(';')[0], expected.contentType, `${a.name}: type`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const disposition = dispositionOf(res.headers.get('content-disposition') ?? '');
    assert.equal(disposition.type, 'attachment', `${a.name}: served as a download`);
    if (/^[\x20-\x7e]*$/.test(a.name)) {
      assert.equal(disposition.filename, a.name, `${a.name}: filename`);
    } else {
      nonAscii++;
      assert.equal(disposition.filenameStar, a.name, `${a.name}: filename*`);
      assert.match(disposition.filename ?? '', /^[\x20-\x7e]+$/, 'the fallback filename is ASCII');
    }
    quotaOf(res);
  }
  assert.equal(nonAscii, 2, 'the fixture has two non-ASCII names (Arabic and accented)');
});

test('a 1 MiB attachment is downloaded byte for byte', async () => {
  const user = await newUser();
  const mailbox = await createMailbox(server, user);
  const large = buildLargeAttachmentMessage(mailbox.email, 1024 * 1024);
  await sendRaw(server, large.raw, { from: 'large@example.com', to: [mailbox.email] });
  const list = await api(server, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key });
  const [attachment] = list.body.messages[0].attachments;
  assert.deepEqual(
    { name: attachment.name, size: attachment.size, extension: attachment.extension },
    { name: large.name, size: large.size, extension: 'bin' },
  );
  const res = await api(server, 'GET', new URL(attachment.url).pathname, { key: user.key });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-length'), String(large.size));
  assert.equal(sha256(res.raw), large.sha256);
});

test('dates follow the server clock: receivedAt is the local time of delivery', async () => {
  const user = await newUser();
  const mailbox = await createMailbox(server, user);
  server.clock.advance(61_000);
  const at = server.clock.now;
  await sendRaw(server, renderFixture(mailFixtures.plain, mailbox.email), {
    from: 'alice@example.com',
    to: [mailbox.email],
  });
  const list = await api(server, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key });
  assert.equal(list.body.messages[0].receivedAt, localAt(at));
  assert.equal(list.body.messages[0].receivedAt, '2026-06-28 09:38:49');
});

test('attachments with names up to the 200-character cap download through their url', async () => {
  const user = await newUser();
  const mailbox = await createMailbox(server, user);
  const names = [`${'a'.repeat(196)}.txt`, `${'ü'.repeat(196)}.txt`, `${'日'.repeat(196)}.txt`];
  await sendMail(server, {
    to: mailbox.email,
    subject: 'long names',
    text: 'x',
    attachments: names.map((filename, i) => ({ filename, content: `file ${i}` })),
  });
  const list = await api(server, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key });
  const attachments = list.body.messages[0].attachments;
  assert.deepEqual(
    attachments.map((a: any) => a.name),
    names,
  );
  for (const [i, a] of attachments.entries()) {
    const res = await api(server, 'GET', new URL(a.url).pathname, { key: user.key });
    assert.equal(res.status, 200, `${a.name.length}-character name`);
    assert.equal(res.raw.toString(), `file ${i}`);
  }
});
