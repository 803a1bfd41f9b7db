// The queue of sender checks is bounded: mail arriving while it is full is not held in memory
// but stays pending in the store, and is checked once the queue has drained. A start checks
// what a previous run left pending, page by page.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { newMessageId } from '../../src/domain/ids.ts';
import { SenderAuthService } from '../../src/domain/sender-auth.ts';
import { boundedResolver } from '../../src/net/dns-lookups.ts';
import type { MailboxRecord } from '../../src/store/types.ts';
import { FakeDns } from '../support/sender-dns.ts';
import { type DomainHarness, startServices } from './helpers.ts';

const arrival = { clientIp: '192.0.2.7', helo: 'mx.sender.test', envelopeFrom: 'bounce@sender.test' };

/** Stores `count` mails whose checks are pending, as ingest does; returns one copy id of each. */
async function pendingMails(h: DomainHarness, mailbox: MailboxRecord, count: number) {
  const mails = [];
  for (let i = 0; i < count; i++) {
    const raw = Buffer.from(`From: Shop <shop@sender.test>\r\nSubject: ${i}\r\n\r\nBody ${i}\r\n`);
    const blobKey = randomUUID();
    const [copy] = await h.services.store.insertDelivery({
      content: {
        subject: String(i),
        fromName: 'Shop',
        fromEmail: 'shop@sender.test',
        text: `Body ${i}`,
        html: '',
        size: raw.length,
        blobKey,
        attachments: [],
      },
      inlineBlob: raw,
      senderAuth: { ...arrival, fromDomain: 'sender.test' },
      receivedAt: h.clock.now,
      recipients: [
        { mailboxId: mailbox.id, recipient: mailbox.address, id: newMessageId(), uuid: randomUUID() },
      ],
    });
    assert.ok(copy);
    mails.push({ id: copy.id, blobKey, size: raw.length, raw });
  }
  return mails;
}

async function setUp() {
  const h = await startServices();
  await h.services.domains.add('queue.test', 'free');
  const user = await h.services.accounts.createUser({ email: 'queue@example.org', plan: 'premium' });
  const mailbox = await h.services.mailboxes.createNamed(user, 'queue', 'queue.test', null);
  return { h, mailbox };
}

test('mail arriving while the queue is full stays pending in the store and is checked once it drains', async (t) => {
  const { h, mailbox } = await setUp();
  t.after(() => h.close());
  const dns = new FakeDns().hang('sender.test');
  t.after(() => dns.release());
  const verdicts: string[] = [];
  const checks = new SenderAuthService(h.services.context, {
    enabled: true,
    resolver: dns.resolver,
    mta: 'mx.test',
    answerWaitMs: 10,
    concurrency: 1,
    maxQueued: 2,
    onVerdict: (v) => verdicts.push(v.spf),
  });
  const mails = await pendingMails(h, mailbox, 6);
  for (const m of mails) checks.afterStore([m.id], { blobKey: m.blobKey, size: m.size, arrival, raw: m.raw });
  // One being checked (waiting for DNS), two queued, three left in the store only.
  assert.equal(verdicts.length, 0);
  dns.release();
  await checks.settled();
  assert.equal(verdicts.length, 6, 'every mail was checked, the overflow from the store');
  for (const m of mails) {
    const auth = await h.services.store.getSenderAuth(m.id);
    assert.deepEqual(auth && !auth.pending && [auth.spf, auth.dmarc], ['none', 'none']);
  }
  assert.deepEqual(await h.services.store.listPendingSenderAuth(10), []);
  await checks.close();
});

test('a start checks every pending mail a previous run left, more than one queue-full of them', async (t) => {
  const { h, mailbox } = await setUp();
  t.after(() => h.close());
  const mails = await pendingMails(h, mailbox, 5);
  const dns = new FakeDns().txt('sender.test', 'v=spf1 ip4:192.0.2.0/24 -all');
  const checks = new SenderAuthService(h.services.context, {
    enabled: true,
    // Time limit and cache, as the server has them.
    resolver: boundedResolver(60_000, dns.resolver),
    mta: 'mx.test',
    answerWaitMs: 10,
    concurrency: 2,
    maxQueued: 2,
  });
  checks.start();
  await checks.settled();
  for (const m of mails) {
    const auth = await h.services.store.getSenderAuth(m.id);
    assert.equal(auth && !auth.pending && auth.spf, 'pass');
  }
  // Asked once for all five: the answer was kept.
  assert.equal(dns.asked.filter((q) => q === 'TXT sender.test').length, 1);
  await checks.close();
});
