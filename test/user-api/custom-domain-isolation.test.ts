// A custom domain is its owner's alone: another account neither sees it (lists of both dialects,
// its endpoints answer as for a domain never linked) nor uses it (mailboxes: the dialect's
// not-allowed error), nor points a catch-all at the owner's mailbox; and nothing it tries
// changes the owner's domain.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertKeyError } from '../key-api/helpers.ts';
import { linkVerified, testMailHost } from '../support/custom-domains.ts';
import { FakeDns } from '../support/fake-dns.ts';
import { addDomain, api, createUser, startTestServer, type TestServer } from '../support/harness.ts';
import { assertError } from './helpers.ts';

let server: TestServer;
const dns = new FakeDns();
const domain = 'alice-only.example';

before(async () => {
  server = await startTestServer({ BURNBOX_HOSTNAME: testMailHost }, { dnsResolver: dns });
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

test("another account can neither see nor use nor change a user's custom domain, in either dialect", async () => {
  const alice = await createUser(server, 'alice@people.test', 'premium');
  const bob = await createUser(server, 'bob@people.test', 'premium');
  await linkVerified(server, dns, alice, domain);
  const generated = await api(server, 'POST', '/api/emails/generate', {
    key: alice.key,
    scheme: 'x-api-key',
    body: { name: 'alice', expiryTime: 0, domain },
  });
  assert.equal(generated.status, 200);
  const aliceBox = `alice@${domain}`;

  // Lists: neither dialect shows it to Bob.
  assert.deepEqual((await api(server, 'GET', '/api/custom-domains', { key: bob.key })).body.data.domains, []);
  for (const type of ['all', 'free', 'premium']) {
    const listed = await api(server, 'GET', `/api/domains?type=${type}`, { key: bob.key });
    assert.ok(!JSON.stringify(listed.body).includes(domain), `type=${type}`);
  }
  assert.ok(!(await api(server, 'GET', '/api/domains', { key: bob.key })).raw.toString().includes(domain));
  const keyDomains = await api(server, 'GET', '/api/email/domains', { key: bob.key, scheme: 'x-api-key' });
  assert.ok(!keyDomains.body.domains.includes(domain));
  const config = await api(server, 'GET', '/api/config', { key: bob.key, scheme: 'x-api-key' });
  assert.ok(!config.body.emailDomains.includes(domain));

  // Its endpoints: as if Bob had never linked it (404), in the user dialect's shape.
  for (const [method, path, body] of [
    ['GET', `/api/custom-domains/${domain}`],
    ['POST', `/api/custom-domains/${domain}/verify`],
    ['PUT', `/api/custom-domains/${domain}/catch-all`, { email: aliceBox }],
    ['DELETE', `/api/custom-domains/${domain}/catch-all`],
    ['DELETE', `/api/custom-domains/${domain}`],
  ] as const) {
    assertError(await api(server, method, path, { key: bob.key, body }), 404, `${method} ${path}`);
  }
  // Linking it: taken.
  assertError(
    await api(server, 'POST', '/api/custom-domains', { key: bob.key, body: { domain } }),
    409,
    'link',
  );

  // Mailboxes on it: the dialect's not-allowed error.
  assertKeyError(
    await api(server, 'POST', '/api/emails/generate', {
      key: bob.key,
      scheme: 'x-api-key',
      body: { name: 'bob', expiryTime: 3_600_000, domain },
    }),
    403,
    'key generate',
  );
  const bobBox = (await api(server, 'POST', '/api/emails', { key: bob.key })).body.data.email;
  assertError(
    await api(server, 'POST', `/api/emails/${bobBox}/bob/${domain}`, { key: bob.key }),
    403,
    'switch',
  );

  // Bob's own domain cannot catch mail into Alice's mailbox.
  await linkVerified(server, dns, bob, 'bob-only.example');
  assertError(
    await api(server, 'PUT', '/api/custom-domains/bob-only.example/catch-all', {
      key: bob.key,
      body: { email: aliceBox },
    }),
    404,
    "catch-all into another's mailbox",
  );

  // Alice's domain is as it was.
  const mine = await api(server, 'GET', `/api/custom-domains/${domain}`, { key: alice.key });
  assert.equal(mine.body.data.status, 'verified');
  assert.ok(await server.burnbox.services.store.getMailboxByAddress(aliceBox));
  const all = await api(server, 'GET', '/api/domains?type=all', { key: alice.key });
  assert.ok(!JSON.stringify(all.body).includes('bob-only.example'), "Bob's domain is not in Alice's list");
});
