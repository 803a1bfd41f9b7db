// The bytes of messages in flight (received, being stored) are capped over all connections:
// past the cap a message is answered 451 4.3.1 (try again later) and nothing of it is stored;
// once the others are through, the retry is accepted.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDomain, startTestServer, storedBlobCount, type TestServer } from '../support/harness.ts';
import { holdBlobWrites, listMessages, simpleMessage, userWithMailbox } from './helpers.ts';
import { RawSmtpClient } from './raw-client.ts';

const cap = 1024 * 1024;
let server: TestServer;
before(async () => {
  server = await startTestServer({
    BURNBOX_SMTP_MAX_BYTES_IN_FLIGHT: String(cap),
    BURNBOX_MAX_MESSAGE_BYTES: String(cap),
    // Every message goes to the blob store, so a write can be held back.
    BURNBOX_INLINE_MESSAGE_BYTES: '0',
  });
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

const from = 'sender@example.org';
/** A message of a bit more than 60 % of the cap: two of them do not fit at once. */
const sizable = (to: string, subject: string) => simpleMessage(to, subject, 'x'.repeat(640 * 1024));

test('a message that would pass the bytes-in-flight cap gets 451 4.3.1, nothing is stored, and the retry succeeds', async () => {
  const { user, address } = await userWithMailbox(server);
  const writes = holdBlobWrites(server);
  const first = (await RawSmtpClient.open(server.smtpPort)).client;
  const second = (await RawSmtpClient.open(server.smtpPort)).client;
  try {
    // The first message is received in full and held while it is stored: its bytes are in flight.
    const firstSent = first.send(from, [address], sizable(address, 'first'));
    await writes.heldDuring(firstSent);
    const blobsBefore = await storedBlobCount(server);

    const refused = await second.send(from, [address], sizable(address, 'second'));
    assert.equal(refused.final?.code, 451);
    assert.match(refused.final?.text ?? '', /^4\.3\.1 /);

    writes.release();
    assert.equal((await firstSent).final?.code, 250);
    assert.deepEqual(
      (await listMessages(server, user, address)).map((m) => m.subject),
      ['first'],
    );
    assert.equal(await storedBlobCount(server), blobsBefore + 1, 'only the first message was stored');

    const retried = await second.send(from, [address], sizable(address, 'second'));
    assert.equal(retried.final?.code, 250);
    assert.deepEqual((await listMessages(server, user, address)).map((m) => m.subject).sort(), [
      'first',
      'second',
    ]);
  } finally {
    writes.restore();
    first.destroy();
    second.destroy();
  }
});

test('MAIL FROM declaring a SIZE that does not fit in flight now gets 452 4.3.1', async () => {
  const { address } = await userWithMailbox(server);
  const writes = holdBlobWrites(server);
  const first = (await RawSmtpClient.open(server.smtpPort)).client;
  const second = (await RawSmtpClient.open(server.smtpPort)).client;
  try {
    const firstSent = first.send(from, [address], sizable(address, 'first'));
    await writes.heldDuring(firstSent);
    const declared = await second.command(`MAIL FROM:<${from}> SIZE=${640 * 1024}`);
    assert.equal(declared.code, 452);
    assert.match(declared.text, /^4\.3\.1 /);
    writes.release();
    assert.equal((await firstSent).final?.code, 250);
    assert.equal((await second.command(`MAIL FROM:<${from}> SIZE=${640 * 1024}`)).code, 250);
  } finally {
    writes.restore();
    first.destroy();
    second.destroy();
  }
});
