// A slow endpoint holds up only its own user's events: not SMTP ingest, not other users. The
// slow endpoint here never answers, so whatever completes meanwhile did not wait for it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addDomain, sendMail, startTestServer } from '../support/harness.ts';
import { until } from '../support/until.ts';
import { allowPrivate, hookedUser, startHoldingReceiver, startReceiver } from './helpers.ts';

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

  for (let i = 0; i < 2; i++) {
    await sendMail(server, { to: a.address, subject: `to the slow endpoint ${i}`, text: 'x' });
  }
  // Two of A's events are in flight (the per-user limit) and will never be answered...
  await slow.waitFor(2);
  assert.equal(slow.open(), 2);
  // ...and mail keeps being accepted: ingest does not wait for webhooks.
  for (let i = 2; i < 5; i++) {
    const sent = await sendMail(server, { to: a.address, subject: `to the slow endpoint ${i}`, text: 'x' });
    assert.match(sent.response, /^250 /);
  }

  // B's event is delivered while A's requests still hang.
  await sendMail(server, { to: b.address, subject: 'to the fast endpoint', text: 'x' });
  await fast.waitFor(1);
  assert.equal(JSON.parse(fast.requests[0]?.body ?? '{}').subject, 'to the fast endpoint');
  await until(
    async () => (await server.burnbox.services.webhooks.log(b.record))[0]?.outcome === 'delivered',
    "B's delivery is recorded",
  );
  // A's waiting events were up for a slot before B's and got none.
  assert.equal(slow.requests.length, 2, "more than two of A's requests were started");
  assert.equal(slow.open(), 2);
});

test('the global limit caps requests in flight over all users', async (t) => {
  const server = await startTestServer({ ...allowPrivate, BURNBOX_WEBHOOK_CONCURRENCY: '3' });
  t.after(() => server.close());
  await addDomain(server, 'cap.test');
  const slow = await startHoldingReceiver();
  t.after(() => slow.close());
  for (const name of ['a', 'b', 'c']) {
    const { address } = await hookedUser(server, `${name}@cap.test`, `${slow.url}/${name}`);
    await sendMail(server, { to: address, subject: 'one', text: 'x' });
    await sendMail(server, { to: address, subject: 'two', text: 'x' });
  }
  await until(() => slow.open() >= 3, 'three requests are open');
  assert.equal(server.burnbox.webhookDelivery.inFlight, 3);
  // Each answer frees one slot, taken by one of the three waiting events: never a fourth open.
  for (let answered = 1; answered <= 6; answered++) {
    slow.answerOne();
    const expected = Math.min(6, answered + 3);
    await until(() => slow.received() === expected, `request ${expected} arrived`);
  }
  await until(
    async () => (await server.burnbox.services.store.countPendingWebhooks()) === 0,
    'every event is delivered',
  );
  assert.equal(slow.received(), 6);
  assert.equal(slow.mostOpen(), 3);
});
