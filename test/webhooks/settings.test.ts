// The delivery job's settings, seen from outside: BURNBOX_WEBHOOK_RETRY_HOURS is when a failing
// event is given up, and BURNBOX_WEBHOOK_USER_CONCURRENCY how many requests one user's endpoint
// ever has open at once, counted at the receiver.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addDomain, sendMail, startTestServer } from '../support/harness.ts';
import { until } from '../support/until.ts';
import { allowPrivate, hookedUser, startHoldingReceiver, startReceiver } from './helpers.ts';

const minute = 60_000;

test('BURNBOX_WEBHOOK_RETRY_HOURS: a failing event is given up at that horizon, not the default 24 h', async (t) => {
  const server = await startTestServer({ ...allowPrivate, BURNBOX_WEBHOOK_RETRY_HOURS: '0.5' });
  t.after(() => server.close());
  await addDomain(server, 'horizon.test');
  const hook = await startReceiver(() => ({ status: 503 }));
  t.after(() => hook.close());
  const { record, address } = await hookedUser(server, 'owner@horizon.test', hook.url);
  const createdAt = server.clock.now;
  await sendMail(server, { to: address, subject: 'never accepted', text: 'x' });
  await hook.waitFor(1);
  const { webhookDelivery, services } = server.burnbox;
  await webhookDelivery.runDue();
  // Five minutes at a time: the event is still tried before the horizon, and given up at it.
  while ((await services.store.countPendingWebhooks()) > 0) {
    assert.ok(server.clock.now - createdAt < 40 * minute, 'still retrying 40 minutes after the event');
    server.clock.advance(5 * minute);
    await webhookDelivery.runDue();
  }
  const log = await services.webhooks.log(record, 100);
  const [last, beforeLast] = log;
  assert.equal(last?.outcome, 'failed');
  const horizon = createdAt + 30 * minute;
  assert.ok((last?.attemptedAt ?? 0) >= horizon, 'given up before the horizon');
  assert.ok((beforeLast?.attemptedAt ?? Infinity) < horizon, 'retried past the horizon');
  assert.ok(log.slice(1).every((a) => a.outcome === 'retry'));
  assert.equal(log.length, hook.requests.length);
});

test('BURNBOX_WEBHOOK_USER_CONCURRENCY: one user never has more requests open than that', async (t) => {
  const server = await startTestServer({ ...allowPrivate, BURNBOX_WEBHOOK_USER_CONCURRENCY: '3' });
  t.after(() => server.close());
  await addDomain(server, 'limit.test');
  const slow = await startHoldingReceiver();
  t.after(() => slow.close());
  const fast = await startReceiver();
  t.after(() => fast.close());
  const a = await hookedUser(server, 'slow@limit.test', slow.url);
  const b = await hookedUser(server, 'fast@limit.test', fast.url);

  const events = 7;
  for (let i = 0; i < events; i++) await sendMail(server, { to: a.address, subject: `held ${i}`, text: 'x' });
  await until(() => slow.open() >= 3, "three of the user's requests are open");
  // A barrier: another user's event, sent after all of these were queued, is delivered; the
  // first user's waiting events were up for a slot before it and got none.
  await sendMail(server, { to: b.address, subject: 'to the fast endpoint', text: 'x' });
  await fast.waitFor(1);
  await until(
    async () => (await server.burnbox.services.webhooks.log(b.record))[0]?.outcome === 'delivered',
    "the other user's delivery is recorded",
  );
  assert.equal(slow.received(), 3, 'more than three requests were started');
  // The other user's slot is given back just after its outcome is recorded.
  await until(
    () => server.burnbox.webhookDelivery.inFlight === 3,
    'only the three held requests are in flight',
  );

  // Each answer frees one slot, taken by one waiting event: never a fourth open.
  for (let answered = 1; answered <= events; answered++) {
    slow.answerOne();
    const expected = Math.min(events, answered + 3);
    await until(() => slow.received() === expected, `request ${expected} arrived`);
  }
  assert.equal(slow.open(), 0);
  await until(
    async () => (await server.burnbox.services.store.countPendingWebhooks()) === 0,
    'every event is delivered',
  );
  assert.equal(slow.received(), events);
  assert.equal(slow.mostOpen(), 3);
});
