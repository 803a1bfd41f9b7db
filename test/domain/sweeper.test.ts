// The sweeper deletes expired mailboxes BURNBOX_SWEEP_BATCH at a time (one transaction each)
// and keeps going until none is left: one sweep clears more than a batch, mail included, and
// leaves live mailboxes alone. A running server sweeps every BURNBOX_SWEEP_INTERVAL_SECONDS.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MailboxRecord } from '../../src/store/types.ts';
import { addDomain, startTestServer } from '../support/harness.ts';
import { until } from '../support/until.ts';
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

test('the server sweeps by itself every BURNBOX_SWEEP_INTERVAL_SECONDS', async (t) => {
  const running = await startTestServer({ BURNBOX_SWEEP_INTERVAL_SECONDS: '1' });
  t.after(() => running.close());
  await addDomain(running, 'interval.test');
  const { mailboxes, store } = running.burnbox.services;
  const mailbox = await mailboxes.createGuest();
  running.clock.advance(lifetime + 1000);
  // Nobody calls the sweeper here: its own timer does, a second apart (the default is 30 s).
  await until(async () => (await store.getMailbox(mailbox.id)) === undefined, 'the mailbox is swept', 20_000);
});
