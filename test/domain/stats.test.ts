// The admin overview: 24 hourly buckets of received mail, live mailboxes, users, webhooks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebhookDelivery } from '../../src/jobs/webhook-delivery.ts';
import { hour, minute, startServices } from './helpers.ts';

test('overview counts mail per hour over the last 24 hours, with mailboxes, users and webhooks', async () => {
  const server = await startServices();
  try {
    const { services, clock } = server;
    const { accounts, mailboxes, stats, webhooks } = services;
    const h = Math.floor(clock.now / hour) * hour; // the hour the test ends in is h + 3 h

    const empty = await stats.overview();
    assert.equal(empty.messagesPerHour.length, 24);
    assert.ok(empty.messagesPerHour.every((b) => b.count === 0));
    assert.deepEqual(
      { ...empty, messagesPerHour: [] },
      { messagesPerHour: [], liveMailboxes: 0, users: 0, webhookFailures24h: 0, pendingWebhooks: 0 },
    );

    await services.domains.add('stats.test', 'free');
    const user = await accounts.createUser({ email: 'stats@example.org', plan: 'premium' });
    await accounts.createUser({ email: 'other@example.org' });
    const box = await mailboxes.createNamed(user, 'stats', 'stats.test', null);

    clock.now = h - 21 * hour + 5 * minute; // outside the window at the end
    await server.receive([box], 'too old');
    await mailboxes.createGuest(); // expired by the end
    clock.now = h + 10 * minute;
    await server.receive([box], 'first');
    clock.now = h + 59 * minute;
    await server.receive([box], 'second');
    clock.now = h + 3 * hour + 20 * minute;
    // A public IP literal: saving checks where a URL points, and this needs no DNS.
    await webhooks.set(user, { url: 'https://93.184.216.34/in', enabled: true });
    await server.receive([box], 'now');
    await mailboxes.createGuest();

    const overview = await stats.overview();
    const hours = overview.messagesPerHour;
    assert.equal(hours.length, 24);
    assert.deepEqual(
      hours.map((b) => b.hourStart),
      Array.from({ length: 24 }, (_, i) => h + 3 * hour - (23 - i) * hour),
      'oldest first, ending with the current hour',
    );
    assert.deepEqual(
      hours.map((b) => b.count),
      [...Array(20).fill(0), 2, 0, 0, 1],
    );
    assert.equal(overview.liveMailboxes, 2, 'the permanent mailbox and the new guest');
    assert.equal(overview.users, 2);
    assert.equal(overview.pendingWebhooks, 1);
    assert.equal(overview.webhookFailures24h, 0);

    // The webhook is switched off before its event is due: the event fails.
    await webhooks.set(user, { url: 'https://93.184.216.34/in', enabled: false });
    const delivery = new WebhookDelivery({ ctx: services.context, webhooks }, services.config.webhooks);
    try {
      assert.equal(await delivery.runDue(), 1);
    } finally {
      await delivery.stop();
    }
    const after = await stats.overview();
    assert.equal(after.pendingWebhooks, 0);
    assert.equal(after.webhookFailures24h, 1);

    clock.advance(24 * hour - 20 * minute); // the failure was 23 h 40 min ago
    assert.equal((await stats.overview()).webhookFailures24h, 1);
    clock.advance(20 * minute); // exactly 24 h ago: still counted
    assert.equal((await stats.overview()).webhookFailures24h, 1);
    clock.advance(1);
    const dayLater = await stats.overview();
    assert.equal(dayLater.webhookFailures24h, 0);
    assert.equal(dayLater.messagesPerHour.at(-1)?.hourStart, h + 27 * hour);
    assert.deepEqual(
      dayLater.messagesPerHour.map((b) => b.count),
      Array(24).fill(0),
      'every message is older than the window now',
    );
  } finally {
    await server.close();
  }
});
