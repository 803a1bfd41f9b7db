// A message we accepted is never refused because the MIME parser choked on it: it is stored
// and listed with whatever could be read.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { mailFixtures, renderFixture } from '../fixtures/mail/index.ts';
import {
  addDomain,
  readStoredBlob,
  startTestServer,
  storedBlobKeys,
  type TestServer,
} from '../support/harness.ts';
import { listMessages, userWithMailbox } from './helpers.ts';
import { sendOnce } from './raw-client.ts';

let server: TestServer;
before(async () => {
  // Messages go to blob files here, so the files on disk can be inspected.
  server = await startTestServer({ BURNBOX_INLINE_MESSAGE_BYTES: '0' });
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

test('broken MIME (no closing boundary, junk in base64) is stored with its subject readable', async () => {
  const { user, address } = await userWithMailbox(server);
  const sent = await sendOnce(
    server.smtpPort,
    'broken@example.com',
    [address],
    renderFixture(mailFixtures.brokenMime, address),
  );
  assert.equal(sent.final?.code, 250);
  const [message, ...rest] = await listMessages(server, user, address);
  assert.equal(rest.length, 0);
  assert.equal(message?.subject, mailFixtures.brokenMime.subject);
  assert.ok(message?.content.includes('This part is fine.'));
});

const garbage: Record<string, () => Buffer> = {
  'random binary': () => randomBytes(64 * 1024),
  'binary with NUL, bare CR/LF and dots at line starts': () =>
    Buffer.concat([Buffer.from('\0\r.\n..\r\n.\r\n\r\n\0\xff\xfe', 'latin1'), randomBytes(4096)]),
  'a blank line then binary (a body without headers)': () =>
    Buffer.concat([Buffer.from('\r\n'), randomBytes(8192)]),
};

for (const [name, make] of Object.entries(garbage)) {
  test(`pure garbage is accepted and listed: ${name}`, async () => {
    const { user, address } = await userWithMailbox(server);
    const blobsBefore = new Set(await storedBlobKeys(server));
    const raw = make();
    const sent = await sendOnce(server.smtpPort, 'junk@example.net', [address], raw);
    assert.equal(sent.final?.code, 250, sent.final?.text);
    const messages = await listMessages(server, user, address);
    assert.equal(messages.length, 1);
    const message = messages[0];
    assert.equal(typeof message?.subject, 'string');
    assert.equal(typeof message?.content, 'string');
    assert.equal(message?.to, address);
    assert.deepEqual(message?.attachments, []);
    // No From header: the envelope sender, or nothing.
    assert.ok(['', 'junk@example.net'].includes(message?.from_email ?? '?'), message?.from_email);
    // The raw bytes are kept exactly (the client ends the last line with CRLF before the final dot).
    const added = (await storedBlobKeys(server)).filter((key) => !blobsBefore.has(key));
    assert.equal(added.length, 1);
    const stored = await readStoredBlob(server, added[0] as string);
    const endsWithCrlf = raw.subarray(-2).equals(Buffer.from('\r\n'));
    assert.ok(stored.equals(endsWithCrlf ? raw : Buffer.concat([raw, Buffer.from('\r\n')])));
  });
}
