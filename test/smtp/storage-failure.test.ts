// When the message cannot be stored the sender gets 451 (try again later), nothing half-stored
// is shown, and a retry once storage works again is accepted.
import assert from 'node:assert/strict';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { BlobStore } from '../../src/blobs/types.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { addDomain, startTestServer, storedBlobCount, type TestServer } from '../support/harness.ts';
import { listMessages, simpleMessage, userWithMailbox } from './helpers.ts';
import { RawSmtpClient } from './raw-client.ts';

let server: TestServer;
/** The transactions' log lines. */
const transactions: Record<string, unknown>[] = [];
const log = {
  info: (obj: object, msg?: string) => {
    if (msg === 'smtp transaction') transactions.push(obj as Record<string, unknown>);
  },
  warn: () => {},
  error: () => {},
};
before(async () => {
  server = await startTestServer(
    {
      BURNBOX_SMTP_STORE_TIMEOUT_SECONDS: '1',
      BURNBOX_INLINE_MESSAGE_BYTES: '0',
    },
    { log },
  );
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

const from = 'sender@example.org';

/**
 * Makes writes of blobs fail for real, until the returned function is called: a regular file
 * where the blob directory should be (mkdir/open fail, even as root), or with PostgreSQL a
 * constraint no blob row can meet.
 */
async function breakBlobWrites(): Promise<() => Promise<void>> {
  const { store } = server.burnbox.services;
  if (store instanceof PostgresStore) {
    await store.sql`ALTER TABLE blobs ADD CONSTRAINT no_writes CHECK (false) NOT VALID`;
    return async () => {
      await store.sql`ALTER TABLE blobs DROP CONSTRAINT no_writes`;
    };
  }
  const blobs = path.join(server.dataDir, 'blobs');
  const saved = path.join(server.dataDir, 'blobs.saved');
  renameSync(blobs, saved);
  writeFileSync(blobs, 'not a directory');
  return async () => {
    rmSync(blobs);
    renameSync(saved, blobs);
  };
}

test('a blob store that cannot write gives 451 4.3.0; the retry after it recovers gives 250', async () => {
  const { user, address } = await userWithMailbox(server);
  const { client } = await RawSmtpClient.open(server.smtpPort);
  try {
    assert.equal((await client.send(from, [address], simpleMessage(address, 'before'))).final?.code, 250);

    const repair = await breakBlobWrites();
    const failed = await client.send(from, [address], simpleMessage(address, 'retried'));
    await repair();
    assert.equal(failed.final?.code, 451);
    assert.match(failed.final?.text ?? '', /^4\.3\.0 /);
    // Its log line says so, for the recipient too.
    const line = transactions.at(-1);
    assert.equal(line?.result, '451 store_failed');
    assert.deepEqual(line?.recipients, [{ to: address, verdict: '451 store_failed' }]);
    assert.equal(typeof line?.storeMs, 'number');
    assert.deepEqual(
      (await listMessages(server, user, address)).map((m) => m.subject),
      ['before'],
    );

    const retried = await client.send(from, [address], simpleMessage(address, 'retried'));
    assert.equal(retried.final?.code, 250);
    assert.deepEqual((await listMessages(server, user, address)).map((m) => m.subject).sort(), [
      'before',
      'retried',
    ]);
    assert.equal(await storedBlobCount(server), 2, 'no temporary or partial blobs left');
  } finally {
    await client.quit();
  }
});

test('a store that times out gives 451 and the late write is abandoned, so a retry is no duplicate', async () => {
  const { user, address } = await userWithMailbox(server);
  const { context, ingest } = server.burnbox.services;
  const realBlobs = context.blobs;
  const blobsBefore = await storedBlobCount(server);
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
    assert.equal(await storedBlobCount(server), blobsBefore, 'no orphaned blob');

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
