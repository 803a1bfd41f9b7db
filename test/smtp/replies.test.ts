// The exact SMTP replies Burnbox gives, read with a raw client so every code is visible.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BlobStore } from '../../src/blobs/types.ts';
import { addDomain, startTestServer, storedBlobCount, type TestServer } from '../support/harness.ts';
import { listMessages, simpleMessage, userWithMailbox } from './helpers.ts';
import { RawSmtpClient, sendOnce } from './raw-client.ts';

const maxBytes = 100_000;
let server: TestServer;
before(async () => {
  server = await startTestServer({
    BURNBOX_MAX_MESSAGE_BYTES: String(maxBytes),
    BURNBOX_MAX_RECIPIENTS: '2',
    // Messages go to blob files here, so a blob write can be held back.
    BURNBOX_INLINE_MESSAGE_BYTES: '0',
  });
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

const from = 'sender@example.org';

test('greeting is 220 and says ESMTP once; EHLO advertises SIZE and PIPELINING', async () => {
  const { client, greeting, ehlo } = await RawSmtpClient.open(server.smtpPort);
  try {
    assert.equal(greeting.code, 220);
    assert.equal(greeting.text.match(/\bESMTP\b/g)?.length, 1, greeting.text);
    assert.equal(ehlo.code, 250);
    assert.ok(ehlo.lines.length > 1, 'multi-line EHLO reply');
    assert.ok(ehlo.lines.includes(`SIZE ${maxBytes}`), ehlo.text);
    assert.ok(ehlo.lines.includes('PIPELINING'), ehlo.text);
    assert.ok(!ehlo.lines.some((l) => /^(STARTTLS|AUTH)\b/.test(l)), ehlo.text);
  } finally {
    await client.quit();
  }
});

test('pipelined commands get their replies in order', async () => {
  const { address } = await userWithMailbox(server);
  const { client } = await RawSmtpClient.open(server.smtpPort);
  try {
    client.write(`MAIL FROM:<${from}>\r\nRCPT TO:<${address}>\r\nDATA\r\n`);
    assert.deepEqual(
      [(await client.reply()).code, (await client.reply()).code, (await client.reply()).code],
      [250, 250, 354],
    );
    client.write(`Subject: pipelined\r\n\r\nbody\r\n.\r\n`);
    assert.equal((await client.reply()).code, 250);
  } finally {
    await client.quit();
  }
});

test('RCPT: unknown mailbox 550 5.1.1, foreign domain 550 5.7.1, expired mailbox 550 5.1.1', async () => {
  const { address } = await userWithMailbox(server);
  const { client } = await RawSmtpClient.open(server.smtpPort);
  try {
    assert.equal((await client.command(`MAIL FROM:<${from}>`)).code, 250);
    const unknown = await client.command('RCPT TO:<nobody-here@burnbox.test>');
    assert.equal(unknown.code, 550);
    assert.match(unknown.text, /^5\.1\.1 /);
    const foreign = await client.command('RCPT TO:<someone@elsewhere.example>');
    assert.equal(foreign.code, 550);
    assert.match(foreign.text, /^5\.7\.1 /);
    assert.equal((await client.command(`RCPT TO:<${address}>`)).code, 250, 'live before expiry');
    assert.equal((await client.command('RSET')).code, 250);

    server.clock.advance(24 * 3600 * 1000);
    assert.equal((await client.command(`MAIL FROM:<${from}>`)).code, 250);
    const expired = await client.command(`RCPT TO:<${address}>`);
    assert.equal(expired.code, 550);
    assert.match(expired.text, /^5\.1\.1 /);
  } finally {
    await client.quit();
  }
});

test('a message over the size limit gets 552 and nothing is stored; the session goes on', async () => {
  const { user, address } = await userWithMailbox(server);
  const blobsBefore = await storedBlobCount(server);
  const { client } = await RawSmtpClient.open(server.smtpPort);
  try {
    const big = simpleMessage(address, 'too big', `${'x'.repeat(998)}\r\n`.repeat(150));
    assert.ok(big.length > maxBytes);
    const tooBig = await client.send(from, [address], big);
    assert.equal(tooBig.start?.code, 354);
    assert.equal(tooBig.final?.code, 552);
    assert.match(tooBig.final?.text ?? '', /^5\.3\.4 /);
    assert.equal((await listMessages(server, user, address)).length, 0);
    assert.equal(await storedBlobCount(server), blobsBefore);

    const small = await client.send(from, [address], simpleMessage(address, 'fits'));
    assert.equal(small.final?.code, 250);
    assert.deepEqual(
      (await listMessages(server, user, address)).map((m) => m.subject),
      ['fits'],
    );
  } finally {
    await client.quit();
  }
});

test('MAIL FROM with SIZE= over the limit is refused with 552', async () => {
  const { client } = await RawSmtpClient.open(server.smtpPort);
  try {
    const over = await client.command(`MAIL FROM:<${from}> SIZE=${maxBytes + 1}`);
    assert.equal(over.code, 552);
    assert.equal((await client.command(`MAIL FROM:<${from}> SIZE=${maxBytes}`)).code, 250);
  } finally {
    await client.quit();
  }
});

test('the recipient after the maximum gets 452; the message goes to the accepted ones', async () => {
  const boxes = [await userWithMailbox(server), await userWithMailbox(server), await userWithMailbox(server)];
  const sent = await sendOnce(
    server.smtpPort,
    from,
    boxes.map((b) => b.address),
    simpleMessage(boxes[0]?.address ?? '', 'limited'),
  );
  assert.deepEqual(
    sent.rcpt.map((r) => r.code),
    [250, 250, 452],
  );
  assert.equal(sent.final?.code, 250);
  const counts = await Promise.all(
    boxes.map(async (b) => (await listMessages(server, b.user, b.address)).length),
  );
  assert.deepEqual(counts, [1, 1, 0]);
});

test('DATA is answered 250 only after the message is stored', async () => {
  const { user, address } = await userWithMailbox(server);
  const { context } = server.burnbox.services;
  const realBlobs = context.blobs;
  // Hold the blob write until the test releases it.
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let putStarted = () => {};
  const started = new Promise<void>((resolve) => {
    putStarted = resolve;
  });
  const gated: BlobStore = {
    put: async (key, chunks) => {
      putStarted();
      await released;
      return realBlobs.put(key, chunks);
    },
    read: (key, range) => realBlobs.read(key, range),
    delete: (keys) => realBlobs.delete(keys),
  };
  context.blobs = gated;
  const { client } = await RawSmtpClient.open(server.smtpPort);
  try {
    assert.equal((await client.command(`MAIL FROM:<${from}>`)).code, 250);
    assert.equal((await client.command(`RCPT TO:<${address}>`)).code, 250);
    const replyPromise = client.data(simpleMessage(address, 'held'));
    await started;
    // A round trip on another connection lets the server run everything it had queued.
    const other = await RawSmtpClient.open(server.smtpPort);
    assert.equal((await other.client.command('NOOP')).code, 250);
    await other.client.quit();
    assert.equal(client.unread, 0, 'no reply while the message is not stored');
    assert.equal((await listMessages(server, user, address)).length, 0);

    release();
    const { final } = await replyPromise;
    assert.equal(final?.code, 250);
    assert.match(final?.text ?? '', /message stored/, 'the 250 says the message is stored, not queued');
    assert.deepEqual(
      (await listMessages(server, user, address)).map((m) => m.subject),
      ['held'],
    );
  } finally {
    release();
    context.blobs = realBlobs;
    await client.quit();
  }
});
