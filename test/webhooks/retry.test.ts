// Failed attempts are retried with backoff until the horizon; redirects are not followed;
// a timed-out endpoint is retried; an item leased by a process that died is taken over.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { retryDelayMs } from '../../src/jobs/retry-policy.ts';
import { addDomain, sendMail, startTestServer } from '../support/harness.ts';
import { allowPrivate, hookedUser, pastAnyBackoffMs, type Receiver, startReceiver } from './helpers.ts';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function setUp(settings: Record<string, string> = {}, ...reply: Parameters<typeof startReceiver>) {
  const server = await startTestServer({ ...allowPrivate, ...settings });
  cleanup.push(() => server.close());
  await addDomain(server, 'retry.test');
  const hook = await startReceiver(...reply);
  cleanup.push(() => hook.close());
  const hooked = await hookedUser(server, 'owner@retry.test', hook.url);
  return { server, hook, ...hooked };
}

test('backoff doubles from 10 s to a 1 h cap, with equal jitter', () => {
  assert.equal(
    retryDelayMs(1, 10_000, 3_600_000, () => 0),
    5_000,
  );
  assert.equal(
    retryDelayMs(1, 10_000, 3_600_000, () => 1),
    10_000,
  );
  assert.equal(
    retryDelayMs(2, 10_000, 3_600_000, () => 1),
    20_000,
  );
  assert.equal(
    retryDelayMs(4, 10_000, 3_600_000, () => 0.5),
    60_000,
  );
  assert.equal(
    retryDelayMs(20, 10_000, 3_600_000, () => 1),
    3_600_000,
  );
  assert.equal(
    retryDelayMs(500, 10_000, 3_600_000, () => 0),
    1_800_000,
  );
  for (let i = 0; i < 100; i++) {
    const d = retryDelayMs(3);
    assert.ok(d >= 20_000 && d <= 40_000, String(d));
  }
});

test('a 500 is retried after the backoff and the log shows both attempts', async () => {
  const { server, hook, record, address } = await setUp({}, (_req, i) => ({ status: i === 0 ? 500 : 204 }));
  await sendMail(server, { to: address, subject: 'retry me', text: 'x' });
  await hook.waitFor(1);
  const { webhookDelivery, services } = server.burnbox;
  await webhookDelivery.runDue();
  assert.equal(await services.store.countPendingWebhooks(), 1);
  // Not due before the backoff's floor (5 s)...
  server.clock.advance(4_000);
  assert.equal(await webhookDelivery.runDue(), 0);
  assert.equal(hook.requests.length, 1);
  // ...and due after its ceiling (10 s).
  server.clock.advance(6_001);
  assert.equal(await webhookDelivery.runDue(), 1);
  assert.equal(hook.requests.length, 2);
  const [first, second] = hook.requests;
  assert.equal(first?.body, second?.body);
  assert.equal(first?.headers['x-webhook-id'], second?.headers['x-webhook-id']);
  assert.notEqual(first?.headers['x-webhook-timestamp'], second?.headers['x-webhook-timestamp']);
  const log = await services.webhooks.log(record);
  assert.deepEqual(
    log.map((a) => [a.attempt, a.statusCode, a.outcome]),
    [
      [2, 204, 'delivered'],
      [1, 500, 'retry'],
    ],
  );
  assert.equal(await services.store.countPendingWebhooks(), 0);
  // The metrics count each attempt by what became of it.
  const counted = (await services.metrics.webhookDeliveries.get()).values.map((v) => [
    v.labels.outcome,
    v.value,
  ]);
  assert.deepEqual(counted.sort(), [
    ['delivered', 1],
    ['retry', 1],
  ]);
});

test('an endpoint that does not answer in time is retried', { timeout: 60_000 }, async () => {
  const { server, hook, record, address } = await setUp(
    { BURNBOX_WEBHOOK_TIMEOUT_SECONDS: '1' },
    (_req, i) => (i === 0 ? 'hang' : { status: 200 }),
  );
  await sendMail(server, { to: address, subject: 'slow', text: 'x' });
  await hook.waitFor(1);
  const { webhookDelivery, services } = server.burnbox;
  // The endpoint never answers: only the request timeout can end this attempt.
  await webhookDelivery.runDue();
  const [timedOut] = await services.webhooks.log(record);
  assert.equal(timedOut?.outcome, 'retry');
  assert.equal(timedOut?.statusCode, null);
  assert.match(timedOut?.error ?? '', /timed out after 1 s/);
  assert.ok((timedOut?.durationMs ?? 0) >= 900);
  server.clock.advance(10_001);
  await webhookDelivery.runDue();
  assert.equal(hook.requests.length, 2);
  const [delivered] = await services.webhooks.log(record);
  assert.equal(delivered?.outcome, 'delivered');
});

test('a redirect is not followed and counts as a failed attempt', async () => {
  let target: Receiver | undefined;
  const { server, hook, record, address } = await setUp({}, () => ({
    status: 302,
    headers: { Location: `${target?.url}/elsewhere` },
  }));
  target = await startReceiver();
  cleanup.push(() => (target as Receiver).close());
  await sendMail(server, { to: address, subject: 'redirected', text: 'x' });
  await hook.waitFor(1);
  await server.burnbox.webhookDelivery.runDue();
  assert.equal(target.requests.length, 0);
  const [attempt] = await server.burnbox.services.webhooks.log(record);
  assert.equal(attempt?.statusCode, 302);
  assert.equal(attempt?.outcome, 'retry');
  assert.match(attempt?.error ?? '', /redirect .*not followed/);
});

test('retries stop at the horizon (24 h after the event): the event is then failed', async () => {
  const { server, hook, record, address } = await setUp({}, () => ({ status: 503 }));
  const createdAt = server.clock.now;
  await sendMail(server, { to: address, subject: 'never accepted', text: 'x' });
  await hook.waitFor(1);
  const { webhookDelivery, services } = server.burnbox;
  await webhookDelivery.runDue();
  let rounds = 0;
  while ((await services.store.countPendingWebhooks()) > 0) {
    assert.ok(++rounds < 60, 'still retrying after 60 h');
    server.clock.advance(pastAnyBackoffMs);
    await webhookDelivery.runDue();
  }
  const log = await services.webhooks.log(record, 200);
  const [last] = log;
  assert.equal(last?.outcome, 'failed');
  assert.equal(last?.statusCode, 503);
  assert.ok(log.slice(1).every((a) => a.outcome === 'retry'));
  assert.equal(log.length, hook.requests.length);
  // One attempt per hour stepped (every delay is at most 1 h), and none past the horizon.
  assert.ok(log.length >= 25 && log.length <= 40, `${log.length} attempts`);
  const horizon = createdAt + 24 * 3600_000;
  assert.ok((last?.attemptedAt ?? 0) >= horizon, 'gave up before the horizon');
  assert.ok((log[1]?.attemptedAt ?? Infinity) < horizon, 'kept trying past the horizon');
  // Nothing comes back later.
  server.clock.advance(48 * 3600_000);
  assert.equal(await webhookDelivery.runDue(), 0);
});

test('an item leased by a process that died is delivered once its lease runs out', async () => {
  const { server, hook, address } = await setUp({}, (_req, i) => ({ status: i === 0 ? 500 : 200 }));
  await sendMail(server, { to: address, subject: 'orphaned', text: 'x' });
  await hook.waitFor(1);
  const { webhookDelivery, services } = server.burnbox;
  await webhookDelivery.runDue();
  // Another process claims the retry and dies mid-delivery.
  server.clock.advance(10_001);
  const [stolen] = await services.store.claimDueWebhooks(server.clock.now, 30_000, 10, []);
  assert.ok(stolen);
  assert.equal(await webhookDelivery.runDue(), 0);
  server.clock.advance(30_001);
  assert.equal(await webhookDelivery.runDue(), 1);
  assert.equal(hook.requests.length, 2);
  assert.equal(hook.requests[1]?.headers['x-webhook-id'], stolen.deliveryId);
  assert.equal(await services.store.countPendingWebhooks(), 0);
});
