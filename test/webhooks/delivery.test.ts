// A received message is pushed at once to its owner's webhook: the seed's payload, the
// headers, a signature the receiver can check, once per message and mailbox.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MessageRecord, UserRecord } from '../../src/store/types.ts';
import { addDomain, createMailbox, sendMail, startTestServer, type TestServer } from '../support/harness.ts';
import { allowPrivate, expectedSignature, hookedUser, type Receiver, startReceiver } from './helpers.ts';

let server: TestServer;
const receivers: Receiver[] = [];

before(async () => {
  server = await startTestServer(allowPrivate);
  await addDomain(server, 'hooks.test');
});
after(async () => {
  await server.close();
  for (const r of receivers) await r.close();
});

async function receiver(...args: Parameters<typeof startReceiver>) {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

test('a new message is pushed at once with the seed payload, headers and a valid signature', async () => {
  const hook = await receiver();
  const { record, address } = await hookedUser(server, 'payload@owner.test', hook.url);
  const { services } = server.burnbox;
  await sendMail(server, {
    to: address,
    subject: 'Hello hook',
    text: 'Plain body',
    html: '<p>HTML body</p>',
  });
  // No runDue: arrival alone triggers the push.
  const [req] = await hook.waitFor(1);
  assert.ok(req);
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/hook');

  const mailbox = await services.store.getMailboxByAddress(address);
  assert.ok(mailbox);
  const [message] = (await services.store.listMessages(mailbox.id)) as [MessageRecord];
  const payload = JSON.parse(req.body);
  // The seed's fields, and the sender checks added beside them.
  assert.deepEqual(Object.keys(payload).sort(), [
    'auth',
    'content',
    'emailId',
    'fromAddress',
    'html',
    'messageId',
    'receivedAt',
    'subject',
    'toAddress',
  ]);
  assert.equal(payload.emailId, mailbox.uuid);
  assert.equal(payload.messageId, message.uuid);
  assert.equal(payload.fromAddress, 'sender@example.org');
  assert.equal(payload.subject, 'Hello hook');
  assert.match(payload.content, /Plain body/);
  assert.match(payload.html, /<p>HTML body<\/p>/);
  assert.equal(payload.receivedAt, new Date(message.receivedAt).toISOString());
  assert.match(payload.receivedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(payload.toAddress, address);
  // No DNS records in tests: nothing authenticates the sender.
  assert.deepEqual(payload.auth, {
    spf: 'none',
    dkim: 'none',
    dmarc: 'none',
    arc: 'none',
    from_domain: 'example.org',
  });

  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers['x-webhook-event'], 'new_message');
  assert.equal(req.headers['user-agent'], 'Burnbox-Webhook/1');
  assert.equal(req.headers['x-webhook-test'], undefined);
  assert.match(
    String(req.headers['x-webhook-id']),
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  );
  const timestamp = String(req.headers['x-webhook-timestamp']);
  assert.equal(timestamp, String(Math.floor(server.clock.now / 1000)));
  const secret = (await services.webhooks.get(record)).secret;
  assert.ok(secret.length >= 20);
  assert.equal(req.headers['x-webhook-signature'], expectedSignature(secret, timestamp, req.body));
  assert.notEqual(req.headers['x-webhook-signature'], expectedSignature('wrong', timestamp, req.body));

  await server.burnbox.webhookDelivery.runDue();
  const [attempt] = await services.webhooks.log(record);
  assert.ok(attempt);
  assert.equal(attempt.outcome, 'delivered');
  assert.equal(attempt.statusCode, 200);
  assert.equal(attempt.attempt, 1);
  assert.equal(attempt.deliveryId, req.headers['x-webhook-id']);
  assert.equal(attempt.url, hook.url);
});

test('a rotated secret signs the next delivery', async () => {
  const hook = await receiver();
  const { record, address } = await hookedUser(server, 'rotate@owner.test', hook.url);
  const fresh = await server.burnbox.services.webhooks.rotateSecret(record);
  await sendMail(server, { to: address, subject: 'after rotation', text: 'x' });
  const [req] = await hook.waitFor(1);
  assert.ok(req);
  const ts = String(req.headers['x-webhook-timestamp']);
  assert.equal(req.headers['x-webhook-signature'], expectedSignature(fresh, ts, req.body));
});

test('one push per message and mailbox, none repeated by later runs', async () => {
  const hook = await receiver();
  const { user, record, address } = await hookedUser(server, 'once@owner.test', hook.url);
  const second = (await createMailbox(server, user)).email;
  // One SMTP transaction to both mailboxes, then more messages to the first.
  await sendMail(server, { to: [address, second], subject: 'fan-out', text: 'x' });
  for (let i = 0; i < 5; i++) await sendMail(server, { to: address, subject: `m${i}`, text: 'x' });
  await hook.waitFor(7);
  const { webhookDelivery } = server.burnbox;
  await webhookDelivery.runDue();
  server.clock.advance(2 * 3600_000);
  await webhookDelivery.runDue();
  await webhookDelivery.runDue();
  assert.equal(hook.requests.length, 7);
  const pairs = hook.requests.map((r) => {
    const p = JSON.parse(r.body);
    return `${p.emailId}/${p.messageId}`;
  });
  assert.equal(new Set(pairs).size, 7);
  assert.equal(new Set(hook.requests.map((r) => r.headers['x-webhook-id'])).size, 7);
  const fanOut = hook.requests.filter((r) => JSON.parse(r.body).subject === 'fan-out');
  assert.deepEqual(fanOut.map((r) => JSON.parse(r.body).toAddress).sort(), [address, second].sort());
  const log = await server.burnbox.services.webhooks.log(record);
  assert.equal(log.length, 7);
  assert.ok(log.every((a) => a.outcome === 'delivered' && a.attempt === 1));
});

test('no push for a user without a webhook or with it switched off', async () => {
  const hook = await receiver();
  const { record, address } = await hookedUser(server, 'off@owner.test', hook.url);
  await server.burnbox.services.webhooks.set(record, { url: hook.url, enabled: false });
  await sendMail(server, { to: address, subject: 'not pushed', text: 'x' });
  await server.burnbox.webhookDelivery.runDue();
  assert.equal(hook.requests.length, 0);
  assert.deepEqual(await server.burnbox.services.webhooks.log(record), []);
});

test('a test event goes out even while switched off, marked as a test', async () => {
  const hook = await receiver();
  const { record } = await hookedUser(server, 'tester@owner.test', hook.url);
  const { webhooks } = server.burnbox.services;
  await webhooks.set(record, { url: hook.url, enabled: false });
  const deliveryId = await webhooks.sendTestEvent(record);
  const [req] = await hook.waitFor(1);
  assert.ok(req);
  assert.equal(req.headers['x-webhook-event'], 'new_message');
  assert.equal(req.headers['x-webhook-test'], 'true');
  assert.equal(req.headers['x-webhook-id'], deliveryId);
  const ts = String(req.headers['x-webhook-timestamp']);
  assert.equal(
    req.headers['x-webhook-signature'],
    expectedSignature(await webhooks.secret(record), ts, req.body),
  );
  assert.equal(Object.keys(JSON.parse(req.body)).length, 8);
  await server.burnbox.webhookDelivery.runDue();
  const [attempt] = await webhooks.log(record);
  assert.equal(attempt?.outcome, 'delivered');
});

test('an event whose webhook was switched off before it could be sent fails as "webhook disabled"', async () => {
  let calls = 0;
  const hook = await receiver(() => (calls++ === 0 ? { status: 500 } : { status: 200 }));
  const { record, address } = await hookedUser(server, 'switched@owner.test', hook.url);
  await sendMail(server, { to: address, subject: 'x', text: 'x' });
  await hook.waitFor(1);
  const { webhookDelivery, services } = server.burnbox;
  await webhookDelivery.runDue();
  await services.webhooks.set(record as UserRecord, { url: hook.url, enabled: false });
  server.clock.advance(3600_000);
  await webhookDelivery.runDue();
  assert.equal(hook.requests.length, 1);
  const [last, first] = await services.webhooks.log(record);
  assert.equal(first?.outcome, 'retry');
  assert.equal(first?.statusCode, 500);
  assert.equal(last?.outcome, 'failed');
  assert.equal(last?.error, 'webhook disabled');
  assert.equal(await services.store.countPendingWebhooks(), 0);
});
