// The sweeper deletes expired mailboxes BURNBOX_SWEEP_BATCH at a time (one transaction each)
// and keeps going until none is left: one sweep clears more than a batch, mail included, and
// leaves live mailboxes alone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MailboxRecord } from '../../src/store/types.ts';
import { type DomainHarness, startServices } from './helpers.ts';

const lifetime = 600_000; // the free plan's mailboxLifetimeSeconds

let server: DomainHarness;
before(async () => {
  server = await startServices({ BURNBOX_SWEEP_BATCH: '3' });
  await server.services.domains.add('sweep.test', 'free');
});
after(() => server.close());

test('one sweep deletes every expired mailbox, BURNBOX_SWEEP_BATCH per transaction', async () => {
  const { mailboxes, store, expiry } = server.services;
  const expired: MailboxRecord[] = [];
  for (let i = 0; i < 10; i++) expired.push(await mailboxes.createGuest());
  assert.equal(await server.receive(expired.slice(0, 5), 'gone with its mailbox'), 5);
  server.clock.advance(lifetime + 1000);
  const live = await mailboxes.createGuest();
  await server.receive([live], 'kept');

  // Each batch is one call of the store (one transaction): record what each released.
  const batches: { limit: number; count: number }[] = [];
  const release = store.releaseExpiredMailboxes.bind(store);
  store.releaseExpiredMailboxes = async (now, limit, quarantineMs) => {
    const result = await release(now, limit, quarantineMs);
    batches.push({ limit, count: result.count });
    return result;
  };
  try {
    assert.equal(await expiry.sweep(), 10);
  } finally {
    store.releaseExpiredMailboxes = release;
  }
  assert.deepEqual(
    batches,
    [3, 3, 3, 1].map((count) => ({ limit: 3, count })),
  );
  for (const mailbox of expired) assert.equal(await store.getMailbox(mailbox.id), undefined, mailbox.address);
  assert.deepEqual(await store.getMailbox(live.id), live);
  assert.equal((await store.listMessages(live.id)).length, 1);
  // Nothing is left for the next sweep.
  assert.equal(await expiry.sweep(), 0);
});
