// The webhook endpoints: configuration (seed), and beyond the seed the signing secret, the
// delivery log and a test event. Deliveries go to a local receiver this test controls, so the
// test decides when each one finishes.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { addDomain, createUser, startTestServer, type TestServer } from '../support/harness.ts';
import {
  assertKeyError,
  assertKeys,
  generate,
  isoMsPattern,
  keyApi,
  SmtpSender,
  uuidPattern,
} from './helpers.ts';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  respond(status: number): void;
}

/** An HTTP endpoint that hands each request to the test and answers when the test says so. */
class Receiver {
  readonly #server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: Received = {
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        respond: (status) =>
          res.writeHead(status, { 'Content-Type': 'application/json' }).end('{"received":true}'),
      };
      const waiter = this.#waiting.shift();
      if (waiter) waiter(received);
      else this.#ready.push(received);
    });
  });
  readonly #ready: Received[] = [];
  readonly #waiting: ((r: Received) => void)[] = [];
  url = '';

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  next(): Promise<Received> {
    const ready = this.#ready.shift();
    return ready ? Promise.resolve(ready) : new Promise((resolve) => this.#waiting.push(resolve));
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

const deliveryKeys = [
  'deliveryId',
  'event',
  'attempt',
  'attemptedAt',
  'url',
  'statusCode',
  'error',
  'durationMs',
  'outcome',
];

let server: TestServer;
let receiver: Receiver;
let users = 0;
const newUser = () => createUser(server, `khook${++users}@example.org`);

before(async () => {
  server = await startTestServer({ BURNBOX_WEBHOOK_ALLOW_PRIVATE: 'true' });
  await addDomain(server, 'example.com');
  receiver = new Receiver();
  await receiver.listen();
});
after(async () => {
  await server.close();
  await receiver.close();
});

const setWebhook = (key: string, body: unknown) => keyApi(server, 'POST', '/api/webhook', { key, body });
const getWebhook = async (key: string) => {
  const res = await keyApi(server, 'GET', '/api/webhook', { key });
  assert.equal(res.status, 200);
  assertKeys(res.body, ['url', 'enabled'], 'webhook');
  return res.body;
};

test('GET /api/webhook of a user who never set one is {"url": "", "enabled": false}', async () => {
  assert.deepEqual(await getWebhook((await newUser()).key), { url: '', enabled: false });
});

test('POST /api/webhook answers {"success": true} and GET gives back what was set', async () => {
  const user = await newUser();
  const url = 'https://your-server.com/webhook';
  const res = await setWebhook(user.key, { url, enabled: true });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { success: true });
  assert.deepEqual(await getWebhook(user.key), { url, enabled: true });
  assert.deepEqual((await setWebhook(user.key, { url, enabled: false })).body, { success: true });
  assert.deepEqual(await getWebhook(user.key), { url, enabled: false });
  assert.deepEqual(
    (await setWebhook(user.key, { url: 'http://hooks.example:8080/x?y=1', enabled: true })).body,
    {
      success: true,
    },
  );
  assert.deepEqual(await getWebhook(user.key), { url: 'http://hooks.example:8080/x?y=1', enabled: true });
  // An empty URL switched off clears it.
  assert.deepEqual((await setWebhook(user.key, { url: '', enabled: false })).body, { success: true });
  assert.deepEqual(await getWebhook(user.key), { url: '', enabled: false });
});

test('POST /api/webhook refuses what is not a valid http(s) URL, and leaves the setting alone', async () => {
  const user = await newUser();
  const good = 'https://hooks.example/ok';
  await setWebhook(user.key, { url: good, enabled: true });
  const bad: [string, unknown][] = [
    ['missing url', { enabled: true }],
    ['missing enabled', { url: good }],
    ['an empty body', {}],
    ['ftp://', { url: 'ftp://files.example/hook', enabled: true }],
    ['no scheme', { url: 'hooks.example/x', enabled: true }],
    ['not a URL', { url: 'not a url', enabled: true }],
    ['javascript:', { url: 'javascript:alert(1)', enabled: true }],
    ['credentials', { url: 'https://user:pass@hooks.example/x', enabled: true }],
    ['enabled without a URL', { url: '', enabled: true }],
    ['a very long URL', { url: `https://hooks.example/${'a'.repeat(2100)}`, enabled: true }],
  ];
  for (const [what, body] of bad) assertKeyError(await setWebhook(user.key, body), 400, what);
  assert.deepEqual(await getWebhook(user.key), { url: good, enabled: true });
});

test('GET /api/webhook/secret gives the same secret until POST /api/webhook/secret rotates it', async () => {
  const user = await newUser();
  const read = async (method: string) => {
    const res = await keyApi(server, method, '/api/webhook/secret', { key: user.key });
    assert.equal(res.status, 200);
    assertKeys(res.body, ['secret'], 'secret');
    assert.match(res.body.secret, /^[A-Za-z0-9_-]{32,}$/, 'a long random secret');
    return res.body.secret as string;
  };
  const first = await read('GET');
  assert.equal(await read('GET'), first, 'stable');
  const rotated = await read('POST');
  assert.notEqual(rotated, first);
  assert.equal(await read('GET'), rotated);
  // Rotating does not touch the URL or switch.
  await setWebhook(user.key, { url: 'https://hooks.example/s', enabled: true });
  await read('POST');
  assert.deepEqual(await getWebhook(user.key), { url: 'https://hooks.example/s', enabled: true });
});

test('POST /api/webhook/test needs a URL, queues a signed test event and logs its delivery', async () => {
  const user = await newUser();
  const { store } = server.burnbox.services;
  assertKeyError(await keyApi(server, 'POST', '/api/webhook/test', { key: user.key }), 400, 'no URL yet');
  assert.deepEqual((await keyApi(server, 'GET', '/api/webhook/deliveries', { key: user.key })).body, {
    deliveries: [],
  });

  await setWebhook(user.key, { url: receiver.url, enabled: true });
  const secret = (await keyApi(server, 'GET', '/api/webhook/secret', { key: user.key })).body.secret;
  const pendingBefore = await store.countPendingWebhooks();
  const res = await keyApi(server, 'POST', '/api/webhook/test', { key: user.key });
  assert.equal(res.status, 200);
  assertKeys(res.body, ['success', 'deliveryId'], 'test event');
  assert.equal(res.body.success, true);
  assert.match(res.body.deliveryId, uuidPattern);
  // The receiver has not answered yet, so the event is still pending.
  assert.equal(await store.countPendingWebhooks(), pendingBefore + 1, 'one event queued');

  const received = await receiver.next();
  assert.equal(received.headers['x-webhook-event'], 'new_message');
  assert.match(String(received.headers['content-type']), /^application\/json/);
  const timestamp = String(received.headers['x-webhook-timestamp']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${received.body}`).digest('hex')}`;
  assert.equal(received.headers['x-webhook-signature'], expected, 'signed with the secret the API gave');
  assertKeys(
    JSON.parse(received.body),
    ['emailId', 'messageId', 'fromAddress', 'subject', 'content', 'html', 'receivedAt', 'toAddress'],
    'payload',
  );
  received.respond(200);
  await server.burnbox.webhookDelivery.runDue();
  assert.equal(await store.countPendingWebhooks(), pendingBefore, 'delivered, no longer pending');

  const log = await keyApi(server, 'GET', '/api/webhook/deliveries', { key: user.key });
  assert.equal(log.status, 200);
  assertKeys(log.body, ['deliveries'], 'log');
  assert.equal(log.body.deliveries.length, 1);
  const [entry] = log.body.deliveries;
  assertKeys(entry, deliveryKeys, 'delivery');
  assert.equal(entry.deliveryId, res.body.deliveryId);
  assert.equal(typeof entry.event, 'string');
  assert.equal(entry.attempt, 1);
  assert.match(entry.attemptedAt, isoMsPattern);
  assert.equal(entry.url, receiver.url);
  assert.equal(entry.statusCode, 200);
  assert.equal(entry.error, null);
  assert.ok(Number.isInteger(entry.durationMs) && entry.durationMs >= 0, 'durationMs is a whole number');
  assert.equal(entry.outcome, 'delivered');
});

test('mail to a key-dialect mailbox is pushed with its key-dialect ids; the log lists newest first', async () => {
  const user = await newUser();
  const box = await generate(server, user, 'pushed');
  await setWebhook(user.key, { url: receiver.url, enabled: true });
  const smtp = new SmtpSender(server);
  try {
    await smtp.send(box.email, 'Pushed message', { text: 'Message plain text content' });
  } finally {
    smtp.close();
  }
  const received = await receiver.next();
  received.respond(500);
  await server.burnbox.webhookDelivery.runDue();

  const message = (await keyApi(server, 'GET', `/api/emails/${box.id}`, { key: user.key })).body.messages[0];
  const payload = JSON.parse(received.body);
  assert.equal(payload.emailId, box.id, 'emailId is the id of GET /api/emails');
  assert.equal(payload.messageId, message.id, 'messageId is the id of GET /api/emails/{emailId}');
  assert.equal(payload.toAddress, box.email);
  assert.equal(payload.subject, 'Pushed message');
  assert.equal(payload.receivedAt, new Date(message.received_at).toISOString());

  const failed = (await keyApi(server, 'GET', '/api/webhook/deliveries', { key: user.key })).body.deliveries;
  assert.equal(failed.length, 1);
  assertKeys(failed[0], deliveryKeys, 'delivery');
  assert.deepEqual([failed[0].statusCode, failed[0].outcome, failed[0].attempt], [500, 'retry', 1]);

  await keyApi(server, 'POST', '/api/webhook/test', { key: user.key });
  (await receiver.next()).respond(204);
  await server.burnbox.webhookDelivery.runDue();
  const log = (await keyApi(server, 'GET', '/api/webhook/deliveries', { key: user.key })).body.deliveries;
  assert.deepEqual(
    log.map((d: any) => [d.statusCode, d.outcome]),
    [
      [204, 'delivered'],
      [500, 'retry'],
    ],
  );
  const limited = await keyApi(server, 'GET', '/api/webhook/deliveries?limit=1', { key: user.key });
  assert.deepEqual(
    limited.body.deliveries.map((d: any) => d.statusCode),
    [204],
  );
});
