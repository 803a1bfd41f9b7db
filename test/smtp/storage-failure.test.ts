// When the message cannot be stored the sender gets 451 (try again later), nothing half-stored
// is shown, and a retry once storage works again is accepted.
import assert from 'node:assert/strict';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { BlobStore } from '../../src/blobs/types.ts';
import { addDomain, startTestServer, type TestServer } from '../support/harness.ts';
import { blobFiles, listMessages, simpleMessage, userWithMailbox } from './helpers.ts';
import { RawSmtpClient } from './raw-client.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({
    BURNBOX_SMTP_STORE_TIMEOUT_SECONDS: '1',
    BURNBOX_INLINE_MESSAGE_BYTES: '0',
  });
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

const from = 'sender@example.org';

test('a blob store that cannot write gives 451 4.3.0; the retry after it recovers gives 250', async () => {
  const { user, address } = await userWithMailbox(server);
  const { client } = await RawSmtpClient.open(server.smtpPort);
  const blobs = path.join(server.dataDir, 'blobs');
  const saved = path.join(server.dataDir, 'blobs.saved');
  try {
    assert.equal((await client.send(from, [address], simpleMessage(address, 'before'))).final?.code, 250);

    // A regular file where the blob directory should be: mkdir/open fail for real (even as root).
    renameSync(blobs, saved);
    writeFileSync(blobs, 'not a directory');
    const failed = await client.send(from, [address], simpleMessage(address, 'retried'));
    assert.equal(failed.final?.code, 451);
    assert.match(failed.final?.text ?? '', /^4\.3\.0 /);
    assert.deepEqual(
      (await listMessages(server, user, address)).map((m) => m.subject),
      ['before'],
    );

    rmSync(blobs);
    renameSync(saved, blobs);
    const retried = await client.send(from, [address], simpleMessage(address, 'retried'));
    assert.equal(retried.final?.code, 250);
    assert.deepEqual((await listMessages(server, user, address)).map((m) => m.subject).sort(), [
      'before',
      'retried',
    ]);
    assert.equal(blobFiles(server.dataDir).length, 2, 'no temporary or partial files left');
  } finally {
    await client.quit();
  }
});

test('a store that times out gives 451 and the late write is abandoned, so a retry is no duplicate', async () => {
  const { user, address } = await userWithMailbox(server);
  const { context, ingest } = server.burnbox.services;
  const realBlobs = context.blobs;
  const blobsBefore = blobFiles(server.dataDir).length;
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const gated: BlobStore = {
    put: async (key, chunks) => {
      await released;
      return realBlobs.put(key, chunks);
    },
    read: (key, range) => realBlobs.read(key, range),
    delete: (keys) => realBlobs.delete(keys),
  };
  // Track deliveries so the test can wait for the abandoned one to finish.
  const deliveries: Promise<unknown>[] = [];
  const realDeliver = ingest.deliver;
  ingest.deliver = (...args) => {
    const delivery = realDeliver.apply(ingest, args);
    deliveries.push(delivery);
    return delivery;
  };
  context.blobs = gated;
  const { client } = await RawSmtpClient.open(server.smtpPort);
  try {
    const slow = await client.send(from, [address], simpleMessage(address, 'slow'));
    assert.equal(slow.final?.code, 451);
    assert.match(slow.final?.text ?? '', /^4\.3\.0 /);

    release();
    await Promise.allSettled(deliveries);
    assert.equal((await listMessages(server, user, address)).length, 0, 'nothing stored after the 451');
    assert.equal(blobFiles(server.dataDir).length, blobsBefore, 'no orphaned blob');

    context.blobs = realBlobs;
    const retried = await client.send(from, [address], simpleMessage(address, 'slow'));
    assert.equal(retried.final?.code, 250);
    assert.equal((await listMessages(server, user, address)).length, 1);
  } finally {
    release();
    context.blobs = realBlobs;
    ingest.deliver = realDeliver;
    await client.quit();
  }
});

test('a store failing while a recipient is checked gives 451 4.3.0, not a permanent refusal', async () => {
  const { address } = await userWithMailbox(server);
  const { store } = server.burnbox.services;
  const realGetDomain = store.getDomain;
  store.getDomain = async () => {
    throw new Error('database is locked');
  };
  const { client } = await RawSmtpClient.open(server.smtpPort);
  try {
    assert.equal((await client.command(`MAIL FROM:<${from}>`)).code, 250);
    const rcpt = await client.command(`RCPT TO:<${address}>`);
    assert.equal(rcpt.code, 451);
    assert.match(rcpt.text, /^4\.3\.0 /);
    store.getDomain = realGetDomain;
    assert.equal((await client.command(`RCPT TO:<${address}>`)).code, 250);
  } finally {
    store.getDomain = realGetDomain;
    await client.quit();
  }
});
