// Every mail fixture goes over real SMTP to a fresh mailbox and is read back through the user API:
// headers, body, attachment names after sanitisation, sizes, and byte-exact downloads.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildLargeAttachmentMessage,
  type MailFixture,
  mailFixtures,
  renderFixture,
} from '../fixtures/mail/index.ts';
import { addDomain, startTestServer, storedBlobKeys, type TestServer } from '../support/harness.ts';
import {
  blobFiles,
  download,
  listMessages,
  mediaType,
  sha256,
  userWithMailbox,
  walkFiles,
} from './helpers.ts';
import { sendOnce } from './raw-client.ts';

let server: TestServer;
before(async () => {
  // Messages go to blob files here, so the files on disk can be inspected.
  server = await startTestServer({ BURNBOX_INLINE_MESSAGE_BYTES: '0' });
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

/** Sends `raw` to a fresh mailbox, expects 250, and returns the single listed message. */
async function deliverToFreshMailbox(raw: (to: string) => Buffer) {
  const { user, address } = await userWithMailbox(server);
  const sent = await sendOnce(server.smtpPort, 'sender@example.org', [address], raw(address));
  assert.equal(sent.final?.code, 250, sent.final?.text);
  const messages = await listMessages(server, user, address);
  assert.equal(messages.length, 1);
  return { user, address, message: messages[0] as (typeof messages)[number] };
}

describe('each fixture arrives intact', () => {
  for (const [key, fixture] of Object.entries(mailFixtures) as [string, MailFixture][]) {
    test(key, async () => {
      const { user, address, message } = await deliverToFreshMailbox((to) => renderFixture(fixture, to));
      assert.equal(message.subject, fixture.subject);
      assert.equal(message.from_email, fixture.fromEmail);
      assert.equal(message.from, fixture.fromName || fixture.fromEmail);
      assert.equal(message.to, address);
      assert.equal(message.html, fixture.html);
      for (const part of fixture.contentIncludes) {
        assert.ok(message.content.includes(part), `content lacks ${JSON.stringify(part)}`);
      }
      assert.deepEqual(
        message.attachments.map((a) => a.name),
        fixture.attachments.map((a) => a.name),
      );
      for (const [i, expected] of fixture.attachments.entries()) {
        const listed = message.attachments[i];
        assert.ok(listed);
        assert.equal(listed.size, expected.size, `size of ${expected.name}`);
        const file = await download(server, user, listed);
        assert.equal(file.status, 200, `download of ${expected.name}`);
        assert.equal(file.body.length, expected.size);
        assert.equal(sha256(file.body), expected.sha256, `sha256 of ${expected.name}`);
        assert.equal(mediaType(file.contentType), expected.contentType, `Content-Type of ${expected.name}`);
      }
    });
  }
});

test('attachment names are never paths, and never become files on disk', async () => {
  const { message } = await deliverToFreshMailbox((to) => renderFixture(mailFixtures.attachments, to));
  for (const { name } of message.attachments) {
    assert.ok(!name.includes('/') && !name.includes('\\') && !name.startsWith('.'), `unsafe name ${name}`);
  }
  // The raw names in attachments.eml are ../../etc/passwd, ..\..\windows\evil.bat, /abs/path/x.txt, "..".
  const pathParts = new Set(['passwd', 'evil.bat', 'x.txt', 'etc', 'windows', 'abs', 'path', '..']);
  for (const file of walkFiles(server.dataDir)) {
    for (const part of file.split(path.sep)) assert.ok(!pathParts.has(part), `found ${file} in the data dir`);
  }
  // What is there: the database, and blob files named only by generated keys (<key prefix
  // dirs>/<key>); with PostgreSQL, nothing (the blobs are rows).
  for (const file of walkFiles(server.dataDir).filter((f) => !f.startsWith(`blobs${path.sep}`))) {
    assert.match(file, /^burnbox\.db(-wal|-shm)?$/);
  }
  for (const file of blobFiles(server.dataDir)) {
    const parts = file.split(path.sep);
    const key = parts.pop() ?? '';
    assert.ok(parts.length > 0 && key.startsWith(parts.join('')), `unexpected blob path ${file}`);
  }
  const keys = await storedBlobKeys(server);
  assert.ok(keys.length > 0);
  for (const key of keys) assert.match(key, /^[A-Za-z0-9_-]{16,128}$/);
  assert.equal(existsSync('/abs/path/x.txt'), false);
  assert.equal(existsSync(path.resolve(server.dataDir, '..', 'windows')), false);
});

test('a 10 MB attachment arrives byte-exact', async () => {
  let large: ReturnType<typeof buildLargeAttachmentMessage> | undefined;
  const { user, message } = await deliverToFreshMailbox((to) => {
    large = buildLargeAttachmentMessage(to);
    return large.raw;
  });
  assert.ok(large);
  assert.equal(message.subject, 'Large attachment fixture');
  assert.deepEqual(
    message.attachments.map((a) => [a.name, a.size]),
    [[large.name, large.size]],
  );
  const file = await download(server, user, message.attachments[0] as (typeof message.attachments)[0]);
  assert.equal(file.status, 200);
  assert.equal(file.body.length, large.size);
  assert.equal(sha256(file.body), large.sha256);
  assert.equal(mediaType(file.contentType), 'application/octet-stream');
});

/** A message whose attachments have the given raw filenames (RFC 2231) and bodies `content <i>`. */
function namedAttachmentsMessage(to: string, names: string[]): Buffer {
  const rfc2231 = (name: string) =>
    [...Buffer.from(name, 'utf8')]
      .map((b) =>
        /[A-Za-z0-9._-]/.test(String.fromCharCode(b))
          ? String.fromCharCode(b)
          : `%${b.toString(16).padStart(2, '0').toUpperCase()}`,
      )
      .join('');
  return Buffer.from(
    [
      'From: Names <names@example.com>',
      `To: ${to}`,
      'Subject: awkward names',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'names',
      ...names.flatMap((raw, i) => [
        '--b',
        'Content-Type: application/octet-stream',
        `Content-Disposition: attachment; filename*=UTF-8''${rfc2231(raw)}`,
        '',
        `content ${i}`,
      ]),
      '--b--',
      '',
    ].join('\r\n'),
  );
}

/** Sends attachments named `cases[i][0]`; each must be listed as `cases[i][1]` and download. */
async function checkNames(cases: [string, string][]) {
  const { user, message } = await deliverToFreshMailbox((to) =>
    namedAttachmentsMessage(
      to,
      cases.map(([raw]) => raw),
    ),
  );
  assert.deepEqual(
    message.attachments.map((a) => a.name),
    cases.map(([, name]) => name),
  );
  for (const [i, listed] of message.attachments.entries()) {
    const file = await download(server, user, listed);
    assert.equal(file.status, 200, `download of ${listed.name}`);
    assert.equal(file.body.toString(), `content ${i}`, listed.name);
  }
}

test('awkward attachment names are sanitised and download through their url', async () => {
  // [raw filename, name after sanitisation]
  await checkNames([
    ['a;b.txt', 'a;b.txt'],
    ['100% real?.txt', '100% real?.txt'],
    ['x#y&z=1+2.txt', 'x#y&z=1+2.txt'],
    ['  spaced  name .txt  ', 'spaced  name .txt'],
    ['...', 'attachment-5'],
    ['C:\\Users\\me\\secret.doc', 'secret.doc'],
    ['tab\tname\u0007.txt', 'tabname.txt'],
    ['über 日本.txt', 'über 日本.txt'],
    ['%2e%2e%2fescape.txt', '%2e%2e%2fescape.txt'],
    ['.htaccess', 'htaccess'],
    ['secret.doc', 'secret (2).doc'],
    [`${'ü'.repeat(96)}.txt`, `${'ü'.repeat(96)}.txt`], // 100 characters, 580 percent-encoded
  ]);
});

test('long attachment names (up to the 200-character cap) download through their url', async () => {
  await checkNames([
    [`${'a'.repeat(300)}.txt`, `${'a'.repeat(196)}.txt`],
    [`${'ü'.repeat(97)}.txt`, `${'ü'.repeat(97)}.txt`],
    [`${'日'.repeat(196)}.txt`, `${'日'.repeat(196)}.txt`],
  ]);
});
