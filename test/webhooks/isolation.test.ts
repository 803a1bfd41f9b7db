// A slow endpoint holds up only its own user's events: not SMTP ingest, not other users.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addDomain, sendMail, startTestServer } from '../support/harness.ts';
import { allowPrivate, hookedUser, startReceiver } from './helpers.ts';

test("a user's slow endpoint delays neither ingest nor another user's delivery", async (t) => {
  const server = await startTestServer(allowPrivate);
  t.after(() => server.close());
  await addDomain(server, 'iso.test');
  const slow = await startReceiver(() => 'hang');
  t.after(() => slow.close());
  const fast = await startReceiver();
  t.after(() => fast.close());
  const a = await hookedUser(server, 'slow@owner.test', slow.url);
  const b = await hookedUser(server, 'fast@owner.test', fast.url);

  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await sendMail(server, { to: a.address, subject: `to the slow endpoint ${i}`, text: 'x' });
    const took = performance.now() - started;
    assert.ok(took < 2000, `SMTP delivery ${i} took ${took} ms`);
  }
  // Two of A's events are in flight (the per-user limit); the rest wait their turn.
  await slow.waitFor(2);
  assert.equal(slow.open(), 2);

  const started = performance.now();
  await sendMail(server, { to: b.address, subject: 'to the fast endpoint', text: 'x' });
  await fast.waitFor(1, 3000);
  const latency = performance.now() - started;
  assert.ok(latency < 1500, `B's event took ${latency} ms`);
  assert.equal(JSON.parse(fast.requests[0]?.body ?? '{}').subject, 'to the fast endpoint');
  assert.equal(slow.requests.length, 2, "more than two of A's requests were started");
  assert.equal(slow.open(), 2);
});

test('the global limit caps requests in flight over all users', async (t) => {
  const server = await startTestServer({ ...allowPrivate, BURNBOX_WEBHOOK_CONCURRENCY: '3' });
  t.after(() => server.close());
  await addDomain(server, 'cap.test');
  const slow = await startReceiver(() => 'hang');
  t.after(() => slow.close());
  for (const name of ['a', 'b', 'c']) {
    const { address } = await hookedUser(server, `${name}@cap.test`, `${slow.url}/${name}`);
    await sendMail(server, { to: address, subject: 'one', text: 'x' });
    await sendMail(server, { to: address, subject: 'two', text: 'x' });
  }
  await slow.waitFor(3);
  // The other three are due but wait for a free slot.
  server.burnbox.webhookDelivery.wake();
  await assert.rejects(slow.waitFor(4, 500), /got 3 of 4/);
  assert.equal(slow.open(), 3);
  assert.equal(server.burnbox.webhookDelivery.inFlight, 3);
});
