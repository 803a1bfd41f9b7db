// Small messages (the default up to 256 KiB) are stored inside the database, committed with
// their rows: no file per message, the same bytes on download, gone with the last copy.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mailFixtures, renderFixture } from '../fixtures/mail/index.ts';
import {
  addDomain,
  api,
  createMailbox,
  inlineBlobCount,
  startTestServer,
  storedBlobKeys,
  type TestServer,
} from '../support/harness.ts';
import { download, listMessages, mediaType, sha256, simpleMessage, userWithMailbox } from './helpers.ts';
import { RawSmtpClient, sendOnce } from './raw-client.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

test('a small message with attachments is stored inline, once for all recipients, byte-exact', async () => {
  const fixture = mailFixtures.attachments;
  const first = await userWithMailbox(server);
  const second = await userWithMailbox(server);
  const inlineBefore = await inlineBlobCount(server);
  const sent = await sendOnce(
    server.smtpPort,
    'sender@example.org',
    [first.address, second.address],
    renderFixture(fixture, `${first.address}, ${second.address}`),
  );
  assert.equal(sent.final?.code, 250, sent.final?.text);
  assert.deepEqual(await storedBlobKeys(server), [], 'no blob was written outside the rows');
  assert.equal(await inlineBlobCount(server), inlineBefore + 1, 'one inline blob for both recipients');

  for (const { user, address } of [first, second]) {
    const [message] = await listMessages(server, user, address);
    assert.ok(message);
    assert.deepEqual(
      message.attachments.map((a) => a.name),
      fixture.attachments.map((a) => a.name),
    );
    for (const [i, attachment] of message.attachments.entries()) {
      const expected = fixture.attachments[i];
      const got = await download(server, user, attachment);
      assert.equal(got.status, 200);
      assert.equal(sha256(got.body), expected?.sha256, attachment.name);
      assert.equal(mediaType(got.contentType), expected?.contentType);
    }
  }

  // Deleting one copy keeps the bytes; deleting the last one removes them.
  const [firstCopy] = await listMessages(server, first.user, first.address);
  assert.equal(
    (await api(server, 'DELETE', `/api/messages/${firstCopy?.id}`, { key: first.user.key })).status,
    200,
  );
  assert.equal(await inlineBlobCount(server), inlineBefore + 1);
  const [secondCopy] = await listMessages(server, second.user, second.address);
  const attachment = secondCopy?.attachments[0];
  assert.ok(attachment);
  assert.equal((await download(server, second.user, attachment)).status, 200);
  assert.equal(
    (await api(server, 'DELETE', `/api/messages/${secondCopy?.id}`, { key: second.user.key })).status,
    200,
  );
  assert.equal(await inlineBlobCount(server), inlineBefore);
});

test('a message larger than the inline limit goes to a blob of its own', async () => {
  const { user, address } = await userWithMailbox(server);
  const big = simpleMessage(address, 'Big', 'x'.repeat(300 * 1024));
  const inlineBefore = await inlineBlobCount(server);
  const sent = await sendOnce(server.smtpPort, 'sender@example.org', [address], big);
  assert.equal(sent.final?.code, 250, sent.final?.text);
  assert.equal((await storedBlobKeys(server)).length, 1);
  assert.equal(await inlineBlobCount(server), inlineBefore);
  assert.equal((await listMessages(server, user, address))[0]?.subject, 'Big');
});

test('the 250 comes only after the inline commit', async () => {
  const { user, address } = await userWithMailbox(server);
  const store = server.burnbox.services.store;
  const realInsert = store.insertDelivery.bind(store);
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let entered: () => void = () => {};
  const holding = new Promise<void>((resolve) => {
    entered = resolve;
  });
  let committed = false;
  store.insertDelivery = async (delivery) => {
    entered();
    await held;
    const stored = await realInsert(delivery);
    committed = true;
    return stored;
  };
  const { client } = await RawSmtpClient.open(server.smtpPort);
  try {
    let inData = false;
    let final: number | undefined;
    client.onReply = (reply) => {
      if (reply.code === 354) inData = true;
      else if (inData) final ??= reply.code;
    };
    const sending = client.send('sender@example.org', [address], simpleMessage(address, 'Held'));
    await holding;
    // A whole exchange on another connection while the commit is held: a reply the server
    // sent without waiting for the commit would have been read before this one.
    const { client: other } = await RawSmtpClient.open(server.smtpPort);
    assert.equal((await other.command('NOOP')).code, 250);
    await other.quit();
    assert.equal(final, undefined, 'no reply while the commit is held');
    release();
    const sent = await sending;
    assert.equal(sent.final?.code, 250);
    assert.ok(committed, 'committed before the 250');
    assert.equal((await listMessages(server, user, address)).length, 1);
  } finally {
    release();
    store.insertDelivery = realInsert;
    await client.quit();
  }
});

test('the second copy of a fan-out is readable when the mailbox of the first is deleted', async () => {
  const { user, address } = await userWithMailbox(server);
  const other = await createMailbox(server, user);
  const sent = await sendOnce(
    server.smtpPort,
    'sender@example.org',
    [address, other.email],
    renderFixture(mailFixtures.inlineImage, `${address}, ${other.email}`),
  );
  assert.equal(sent.final?.code, 250);
  assert.equal((await api(server, 'DELETE', `/api/emails/${address}`, { key: user.key })).status, 200);
  const [message] = await listMessages(server, user, other.email);
  const attachment = message?.attachments[0];
  assert.ok(attachment);
  const got = await download(server, user, attachment);
  assert.equal(sha256(got.body), mailFixtures.inlineImage.attachments[0]?.sha256);
});
