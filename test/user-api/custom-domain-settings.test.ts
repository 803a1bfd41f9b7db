// The two settings of the background DNS checks of custom domains, seen from outside:
// BURNBOX_CUSTOM_DOMAIN_CHECK_INTERVAL_SECONDS is how often a pending domain is looked up again,
// BURNBOX_CUSTOM_DOMAIN_CHECK_HOURS how long until one still wrong is marked failed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { linkDomain, testMailHost } from '../support/custom-domains.ts';
import { FakeDns } from '../support/fake-dns.ts';
import { addDomain, api, createUser, startTestServer, type TestServer } from '../support/harness.ts';

let server: TestServer;
const dns = new FakeDns();
const second = 1000;
const minute = 60 * second;

before(async () => {
  server = await startTestServer(
    {
      BURNBOX_HOSTNAME: testMailHost,
      BURNBOX_CUSTOM_DOMAIN_CHECK_INTERVAL_SECONDS: '60',
      BURNBOX_CUSTOM_DOMAIN_CHECK_HOURS: '0.5',
    },
    { dnsResolver: dns },
  );
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

test('a pending domain is looked up again every BURNBOX_CUSTOM_DOMAIN_CHECK_INTERVAL_SECONDS, and failed after BURNBOX_CUSTOM_DOMAIN_CHECK_HOURS', async () => {
  const user = await createUser(server, 'settings@example.org', 'premium');
  await linkDomain(server, user, 'slow-dns.example');
  const checks = server.burnbox.customDomainChecks;
  const status = async () =>
    (await api(server, 'GET', '/api/custom-domains/slow-dns.example', { key: user.key })).body.data;

  // A new domain is looked at within 30 s.
  server.clock.advance(31 * second);
  await checks.runDue();
  const afterFirst = dns.lookups;
  assert.ok(afterFirst > 0, 'looked up once it was due');

  // Not again before the interval has passed since that look, and again once it has (the
  // default interval, 5 minutes, would not be due yet).
  server.clock.advance(30 * second);
  await checks.runDue();
  assert.equal(dns.lookups, afterFirst, 'not looked up again within the interval');
  server.clock.advance(31 * second);
  await checks.runDue();
  assert.ok(dns.lookups > afterFirst, 'looked up again after the interval');
  assert.equal((await status()).status, 'pending');

  // Past half an hour (the default window is 48 h) it is failed.
  server.clock.advance(30 * minute);
  await checks.runDue();
  assert.equal((await status()).status, 'failed');
});
