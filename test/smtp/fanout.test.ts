// One message to several recipients is stored once (one parse, one blob) and shown to each.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mailFixtures, renderFixture } from '../fixtures/mail/index.ts';
import {
  addDomain,
  api,
  createMailbox,
  startTestServer,
  storedBlobCount,
  type TestServer,
} from '../support/harness.ts';
import { download, type ListedMessage, listMessages, sha256, userWithMailbox } from './helpers.ts';
import { sendOnce } from './raw-client.ts';

let server: TestServer;
before(async () => {
  // Messages go to blobs of their own here (files, or blob rows), so they can be counted.
  server = await startTestServer({ BURNBOX_INLINE_MESSAGE_BYTES: '0' });
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

/** What every recipient must see alike (ids, urls and `to` differ by design). */
const shared = (m: ListedMessage) => ({
  subject: m.subject,
  from: m.from,
  from_email: m.from_email,
  html: m.html,
  content: m.content,
  attachments: m.attachments.map((a) => ({ name: a.name, extension: a.extension, size: a.size })),
});

test('a message to three mailboxes of two users is stored once and readable by each', async () => {
  const fixture = mailFixtures.attachments;
  const first = await userWithMailbox(server);
  const second = await createMailbox(server, first.user);
  const other = await userWithMailbox(server);
  const copies = [
    { user: first.user, address: first.address },
    { user: first.user, address: second.email },
    { user: other.user, address: other.address },
  ];
  const blobsBefore = await storedBlobCount(server);

  const sent = await sendOnce(
    server.smtpPort,
    'sender@example.org',
    copies.map((c) => c.address),
    renderFixture(fixture, copies.map((c) => c.address).join(', ')),
  );
  assert.deepEqual(
    sent.rcpt.map((r) => r.code),
    [250, 250, 250],
  );
  assert.equal(sent.final?.code, 250, sent.final?.text);
  assert.equal(await storedBlobCount(server), blobsBefore + 1, 'one blob for all recipients');

  const listed: ListedMessage[] = [];
  for (const c of copies) {
    const messages = await listMessages(server, c.user, c.address);
    assert.equal(messages.length, 1, `one message in ${c.address}`);
    const message = messages[0] as ListedMessage;
    assert.equal(message.to, c.address);
    listed.push(message);
  }
  assert.equal(new Set(listed.map((m) => m.id)).size, 3, 'each copy has its own id');
  const [a, b, c] = listed.map(shared);
  assert.deepEqual(b, a);
  assert.deepEqual(c, a);
  assert.equal(a?.subject, fixture.subject);

  // Deleting one copy leaves the others whole.
  const gone = await api(server, 'DELETE', `/api/messages/${listed[0]?.id}`, { key: first.user.key });
  assert.equal(gone.status, 200);
  assert.equal((await listMessages(server, first.user, first.address)).length, 0);
  assert.equal(await storedBlobCount(server), blobsBefore + 1, 'the shared blob stays');
  for (const [i, copy] of copies.entries()) {
    if (i === 0) continue;
    const message = listed[i] as ListedMessage;
    for (const [j, expected] of fixture.attachments.entries()) {
      const file = await download(
        server,
        copy.user,
        message.attachments[j] as ListedMessage['attachments'][0],
      );
      assert.equal(file.status, 200);
      assert.equal(sha256(file.body), expected.sha256, `${expected.name} of ${copy.address}`);
    }
  }

  // The last copy gone takes the blob with it.
  for (const [i, copy] of copies.entries()) {
    if (i === 0) continue;
    const res = await api(server, 'DELETE', `/api/messages/${listed[i]?.id}`, { key: copy.user.key });
    assert.equal(res.status, 200);
  }
  assert.equal(await storedBlobCount(server), blobsBefore, 'no orphaned blob');
});
