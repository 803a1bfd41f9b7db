// DNS answers an attacker controls: a webhook host with several addresses, any one of them
// internal, is refused when saved and when sent to; a host whose answer turns internal after it
// was saved is refused at sending; and the connection goes to an address that was checked,
// never to a second answer looked up after the check (DNS rebinding). Names are answered by a
// resolver the test injects into the server (the same one saving and sending use), so nothing
// leaves the machine: every address a request could reach here is on loopback.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { guardedLookup, postOnce } from '../../src/net/outbound.ts';
import type { ResolveHost } from '../../src/net/target-check.ts';
import {
  addDomain,
  createMailbox,
  createUser,
  sendMail,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';
import { type Receiver, startReceiver } from './helpers.ts';

/** A resolver whose answers the test changes as it goes, counting the questions it gets. */
function scriptedDns() {
  const answers = new Map<string, string[]>();
  const asked: string[] = [];
  const resolve: ResolveHost = async (hostname) => {
    asked.push(hostname);
    const answer = answers.get(hostname);
    if (answer) return answer;
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };
  return { answers, asked, resolve };
}

describe('webhook hosts with several or changing addresses (private targets not allowed)', () => {
  const dns = scriptedDns();
  let server: TestServer;
  let hook: Receiver;
  let users = 0;
  before(async () => {
    server = await startTestServer({}, { resolveHost: dns.resolve });
    await addDomain(server, 'dns.test');
    hook = await startReceiver();
  });
  after(async () => {
    await server.close();
    await hook.close();
  });

  async function newUser() {
    const user = await createUser(server, `dns${++users}@owner.test`);
    const record = await server.burnbox.services.store.getUserById(user.id);
    assert.ok(record);
    const { email: address } = await createMailbox(server, user);
    return { record, address };
  }

  for (const [what, answer, internal] of [
    ['the last of three', ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '10.0.0.7'], '10.0.0.7'],
    ['the first of two', ['fd00::5', '93.184.216.34'], 'fd00::5'],
    ['the second of two, IPv6 loopback', ['2606:4700:4700::1111', '::1'], '::1'],
  ] as const) {
    test(`a host with an internal address as ${what} of its answers is refused when saved`, async () => {
      const host = `several-${users}.dns.test`;
      dns.answers.set(host, [...answer]);
      const { record } = await newUser();
      const { webhooks } = server.burnbox.services;
      await assert.rejects(
        webhooks.set(record, { url: `https://${host}/hook`, enabled: true }),
        (err: Error) => err.message.includes(`resolves to ${internal}`),
      );
      assert.equal((await webhooks.get(record)).url, '', 'nothing was stored');
    });
  }

  test('a host whose answers gain a loopback address after saving is refused when sending', async () => {
    const host = 'gains-loopback.dns.test';
    dns.answers.set(host, ['93.184.216.34']);
    const { record, address } = await newUser();
    const { webhooks } = server.burnbox.services;
    await webhooks.set(record, { url: `http://${host}:${hook.port}/hook`, enabled: true });
    // The public address first: a check of the first answer only would connect there.
    dns.answers.set(host, ['93.184.216.34', '127.0.0.1']);
    dns.asked.length = 0;
    await sendMail(server, { to: address, subject: 'to a split host', text: 'x' });
    await server.burnbox.webhookDelivery.runDue();
    const [attempt] = await webhooks.log(record);
    assert.ok(attempt, 'no attempt logged');
    assert.equal(attempt.statusCode, null);
    assert.match(
      attempt.error ?? '',
      /refused: gains-loopback\.dns\.test resolves to 127\.0\.0\.1, a loopback/,
    );
    assert.equal(attempt.outcome, 'retry');
    assert.deepEqual(dns.asked, [host], 'sending asks the injected resolver, once');
    assert.equal(hook.requests.length, 0, 'the receiver was called');
  });

  test('a host whose answer turns private between saving and sending is refused when sending', async () => {
    const host = 'turncoat.dns.test';
    dns.answers.set(host, ['93.184.216.34']);
    const { record, address } = await newUser();
    const { webhooks } = server.burnbox.services;
    await webhooks.set(record, { url: `http://${host}:${hook.port}/hook`, enabled: true });
    dns.answers.set(host, ['127.0.0.1']);
    await sendMail(server, { to: address, subject: 'to a turncoat', text: 'x' });
    await server.burnbox.webhookDelivery.runDue();
    const [attempt] = await webhooks.log(record);
    assert.match(attempt?.error ?? '', /refused: turncoat\.dns\.test resolves to 127\.0\.0\.1, a loopback/);
    // Retried on the usual schedule, and refused again while the answer stays private.
    server.clock.advance(10_001);
    await server.burnbox.webhookDelivery.runDue();
    const log = await webhooks.log(record);
    assert.equal(log.length, 2);
    assert.ok(log.every((a) => /resolves to 127\.0\.0\.1/.test(a.error ?? '')));
    assert.equal(hook.requests.length, 0, 'the receiver was called');
  });
});

/** An HTTP server on one loopback address, recording that it was reached. */
async function listener(host: string, port = 0) {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.end('ok');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    hits,
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('DNS rebinding: the socket connects to the address that was checked', () => {
  // 127.0.0.2 plays a public address and 127.0.0.1 the internal one the rebound answer names;
  // both listen on the same port, so only the address chosen decides which is reached.
  let checked: Awaited<ReturnType<typeof listener>>;
  let rebound: Awaited<ReturnType<typeof listener>>;
  before(async () => {
    checked = await listener('127.0.0.2');
    rebound = await listener('127.0.0.1', checked.port);
  });
  after(async () => {
    await checked.close();
    await rebound.close();
  });

  /** Answers the "public" address once, then the internal one to every later question. */
  function rebinding() {
    let asked = 0;
    const resolve: ResolveHost = async () => (++asked === 1 ? ['127.0.0.2'] : ['127.0.0.1']);
    return { resolve, asked: () => asked };
  }
  const policy = (address: string) => (address === '127.0.0.2' ? undefined : 'private address');

  test('the guarded lookup checks and hands over one answer: no second lookup', async () => {
    const dns = rebinding();
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request(
        `http://rebind.test:${checked.port}/guarded`,
        { method: 'POST', lookup: guardedLookup(dns.resolve, policy), agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      request.end('x');
    });
    assert.equal(status, 200);
    assert.deepEqual(checked.hits, ['/guarded']);
    assert.deepEqual(rebound.hits, [], 'the rebound (internal) address was reached');
    assert.equal(dns.asked(), 1);
  });

  test('the guarded lookup refuses when the (single) answer is internal', async () => {
    const dns = rebinding();
    dns.resolve('first question'); // the next answer is the internal one
    await assert.rejects(
      new Promise((resolve, reject) => {
        const request = http.request(`http://rebind.test:${checked.port}/refused`, {
          method: 'POST',
          lookup: guardedLookup(dns.resolve, policy),
          agent: false,
        });
        request.on('response', resolve);
        request.on('error', reject);
        request.end('x');
      }),
      /refused: rebind\.test resolves to 127\.0\.0\.1, a private address/,
    );
    assert.deepEqual(rebound.hits, []);
  });

  test('a webhook request resolves its host once, with the resolver it is given', async () => {
    const dns = rebinding();
    // Private targets allowed, so the policy cannot refuse the rebound answer: only resolving
    // once keeps the request on the first address.
    const { statusCode } = await postOnce(`http://rebind.test:${checked.port}/post`, {
      headers: {},
      body: '{}',
      timeoutMs: 10_000,
      allowPrivate: true,
      resolveHost: dns.resolve,
    });
    assert.equal(statusCode, 200);
    assert.deepEqual(checked.hits.at(-1), '/post');
    assert.deepEqual(rebound.hits, []);
    assert.equal(dns.asked(), 1);
  });
});
