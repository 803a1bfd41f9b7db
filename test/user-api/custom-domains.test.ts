// Custom domains through the user API: linking (plan, syntax, hosted names), the DNS records to
// create, verification now and in the background, and what a verified domain changes for its
// owner alone (listing, mailboxes, mail at RCPT, catch-all), then removal.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { simpleMessage } from '../smtp/helpers.ts';
import { sendOnce } from '../smtp/raw-client.ts';
import { linkDomain, linkVerified, testMailHost, tokenOf } from '../support/custom-domains.ts';
import { FakeDns } from '../support/fake-dns.ts';
import { addDomain, api, createUser, startTestServer, type TestServer } from '../support/harness.ts';
import { assertError } from './helpers.ts';

let server: TestServer;
const dns = new FakeDns();
let users = 0;
const premiumUser = () => createUser(server, `cd${++users}@example.org`, 'premium');
const hour = 3_600_000;

before(async () => {
  server = await startTestServer(
    { BURNBOX_HOSTNAME: testMailHost, BURNBOX_DNS_TIMEOUT_SECONDS: '0.2' },
    { dnsResolver: dns },
  );
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

const rcpt = async (address: string) =>
  (await sendOnce(server.smtpPort, 'a@sender.test', [address], simpleMessage(address, 'Hi'))).rcpt[0];

test('a plan without custom domains is refused; the premium plan links one, pending, with the records to create', async () => {
  const free = await createUser(server, `cd-free${++users}@example.org`);
  assertError(
    await api(server, 'POST', '/api/custom-domains', {
      key: free.key,
      body: { domain: 'free-user.example' },
    }),
    403,
    'free plan',
  );
  const user = await premiumUser();
  const linked = await linkDomain(server, user, ' Mail.Owner-One.Example. ');
  assert.equal(linked.domain, 'mail.owner-one.example', 'trimmed, lower case, no root dot');
  assert.equal(linked.status, 'pending');
  assert.equal(linked.verified_at, null);
  assert.ok(linked.checks_until, 'a pending domain says until when it is looked up');
  assert.deepEqual(linked.records[0], {
    type: 'MX',
    name: 'mail.owner-one.example',
    value: testMailHost,
    priority: 10,
  });
  assert.match(linked.records[1].value, /^burnbox-verify=[A-Za-z0-9_-]{20,}$/);
  const list = await api(server, 'GET', '/api/custom-domains', { key: user.key });
  assert.equal(list.status, 200);
  assert.equal(list.body.data.limit, 3);
  assert.equal(list.body.data.mail_host, testMailHost);
  assert.deepEqual(
    list.body.data.domains.map((d: { domain: string }) => d.domain),
    ['mail.owner-one.example'],
  );
  assertError(
    await api(server, 'POST', '/api/custom-domains', {
      key: user.key,
      body: { domain: 'mail.owner-one.example' },
    }),
    409,
    'linked twice',
  );
});

test('names are checked: IDNA is kept in punycode; IP literals, bad names and hosted domains are refused', async () => {
  const user = await premiumUser();
  assert.equal((await linkDomain(server, user, 'Bücher.Example')).domain, 'xn--bcher-kva.example');
  assert.equal(
    (await linkDomain(server, user, 'пример.рф')).domain,
    'xn--e1afmkfd.xn--p1ai',
    'an IDNA top-level domain',
  );
  for (const [domain, status] of [
    ['192.0.2.1', 422],
    ['[2001:db8::1]', 422],
    ['not a domain', 422],
    ['-bad-.example', 422],
    ['single', 422],
    ['', 422],
    ['burnbox.test', 409],
    ['sub.burnbox.test', 409],
  ] as const) {
    const res = await api(server, 'POST', '/api/custom-domains', { key: user.key, body: { domain } });
    assertError(res, status, `"${domain}"`);
  }
  assertError(
    await api(server, 'POST', '/api/custom-domains', { key: user.key, body: { domain: 5 } }),
    422,
    'number',
  );
  assertError(
    await api(server, 'POST', '/api/custom-domains', { key: user.key, body: {} }),
    422,
    'no domain',
  );
  assertError(
    await api(server, 'POST', '/api/custom-domains', { key: user.key, body: '{"domain":', headers: {} }),
    400,
    'bad JSON',
  );
});

test('the plan caps how many domains a user links', async () => {
  const user = await premiumUser();
  for (const n of [1, 2, 3]) await linkDomain(server, user, `cap${n}.example`);
  assertError(
    await api(server, 'POST', '/api/custom-domains', { key: user.key, body: { domain: 'cap4.example' } }),
    403,
    'fourth domain',
  );
});

test('verification needs both the TXT token and an MX at this host; until then mail is refused like a foreign domain', async () => {
  const user = await premiumUser();
  const domain = 'verify-me.example';
  const token = tokenOf(await linkDomain(server, user, domain));
  assert.equal((await rcpt(`anyone@${domain}`))?.code, 550, 'pending: refused');
  assert.match((await rcpt(`anyone@${domain}`))?.text ?? '', /^5\.7\.1/);

  const check = () => api(server, 'POST', `/api/custom-domains/${domain}/verify`, { key: user.key });
  let res = await check();
  assert.equal(res.body.data.status, 'pending');
  assert.match(res.body.data.problem, /no TXT record "burnbox-verify=/);

  dns.txt.set(domain, [['burnbox-verify=someone-elses-token']]);
  assert.match((await check()).body.data.problem, /no TXT record/, 'a wrong token does not verify');

  dns.txt.set(domain, [[`burnbox-verify=${token}`]]);
  dns.mx.set(domain, [{ exchange: 'mx.elsewhere.example.', priority: 10 }]);
  res = await check();
  assert.equal(res.body.data.status, 'pending');
  assert.match(res.body.data.problem, /point at mx\.elsewhere\.example, not at mx\.burnbox\.test/);

  dns.mx.set(domain, [{ exchange: 'MX.BURNBOX.TEST.', priority: 5 }]);
  res = await check();
  assert.equal(res.body.data.status, 'verified');
  assert.equal(res.body.data.problem, null);
  assert.ok(res.body.data.verified_at);
  assert.equal((await rcpt(`nobody@${domain}`))?.code, 550, 'verified: no such mailbox yet');
  assert.match((await rcpt(`nobody@${domain}`))?.text ?? '', /^5\.1\.1/);
});

test('a lookup that does not answer in time leaves the domain pending and says so', async () => {
  const user = await premiumUser();
  const domain = 'silent.example';
  await linkDomain(server, user, domain);
  dns.silent.add(domain);
  const res = await api(server, 'POST', `/api/custom-domains/${domain}/verify`, { key: user.key });
  assert.equal(res.body.data.status, 'pending');
  assert.match(res.body.data.problem, /timed out/);
});

test('the background check verifies a domain once its records appear, and fails one still wrong after the window', async () => {
  const user = await premiumUser();
  const late = await linkDomain(server, user, 'late.example');
  const never = await linkDomain(server, user, 'never.example');
  await server.burnbox.customDomainChecks.runDue();
  const statusOf = async (domain: string) =>
    (await api(server, 'GET', `/api/custom-domains/${domain}`, { key: user.key })).body.data;
  assert.equal((await statusOf('late.example')).status, 'pending');
  assert.match((await statusOf('never.example')).problem, /no TXT record/, 'the background look is recorded');

  dns.publish('late.example', tokenOf(late), testMailHost);
  server.clock.advance(10 * 60_000);
  await server.burnbox.customDomainChecks.runDue();
  assert.equal((await statusOf('late.example')).status, 'verified');

  server.clock.advance(49 * hour);
  await server.burnbox.customDomainChecks.runDue();
  const failed = await statusOf('never.example');
  assert.equal(failed.status, 'failed');
  assert.equal(failed.checks_until, null);
  // Records made late still verify when the owner asks.
  dns.publish('never.example', tokenOf(never), testMailHost);
  const retried = await api(server, 'POST', '/api/custom-domains/never.example/verify', { key: user.key });
  assert.equal(retried.body.data.status, 'verified');
});

test('a verified domain: listed for its owner with custom true, mailboxes in both dialects, mail accepted', async () => {
  const user = await premiumUser();
  const domain = 'owned.example';
  await linkVerified(server, dns, user, domain);

  const all = await api(server, 'GET', '/api/domains?type=all', { key: user.key });
  assert.deepEqual(
    all.body.data.domains.find((d: { domain: string }) => d.domain === domain),
    { domain, type: 'Custom', custom: true },
  );
  assert.ok(
    all.body.data.domains.some(
      (d: { domain: string; custom: boolean }) => d.domain === 'burnbox.test' && !d.custom,
    ),
  );
  const free = await api(server, 'GET', '/api/domains?type=free', { key: user.key });
  assert.ok(
    !free.body.data.domains.some((d: { domain: string }) => d.domain === domain),
    'type=free: operator domains',
  );
  const keyList = await api(server, 'GET', '/api/email/domains', { key: user.key, scheme: 'x-api-key' });
  assert.ok(keyList.body.domains.includes(domain));
  const config = await api(server, 'GET', '/api/config', { key: user.key, scheme: 'x-api-key' });
  assert.ok(config.body.emailDomains.split(',').includes(domain));

  const generated = await api(server, 'POST', '/api/emails/generate', {
    key: user.key,
    scheme: 'x-api-key',
    body: { name: 'signup', expiryTime: hour, domain },
  });
  assert.equal(generated.status, 200, JSON.stringify(generated.body));
  assert.equal(generated.body.email, `signup@${domain}`);
  const switched = await api(server, 'POST', `/api/emails/signup@${domain}/other/${domain}`, {
    key: user.key,
  });
  assert.equal(switched.status, 200, JSON.stringify(switched.body));
  assert.equal(switched.body.data.email, `other@${domain}`);

  const sent = await sendOnce(
    server.smtpPort,
    'a@sender.test',
    [`other@${domain}`],
    simpleMessage(`other@${domain}`, 'Hi'),
  );
  assert.equal(sent.final?.code, 250);
  const messages = await api(server, 'GET', `/api/messages?email=other@${domain}`, { key: user.key });
  assert.equal(messages.body.messages.length, 1);
});

test('catch-all: mail to any unknown address of the domain lands in the chosen mailbox, tags kept', async () => {
  const user = await premiumUser();
  const domain = 'catch.example';
  await linkVerified(server, dns, user, domain);
  assertError(
    await api(server, 'PUT', `/api/custom-domains/${domain}/catch-all`, {
      key: user.key,
      body: { email: 'nobody@burnbox.test' },
    }),
    404,
    'a mailbox that is not theirs',
  );
  await api(server, 'POST', '/api/emails/generate', {
    key: user.key,
    scheme: 'x-api-key',
    body: { name: 'inbox', expiryTime: 0, domain },
  });
  const set = await api(server, 'PUT', `/api/custom-domains/${domain}/catch-all`, {
    key: user.key,
    body: { email: `inbox@${domain}` },
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal(set.body.data.catch_all, `inbox@${domain}`);
  for (const to of [`run-1@${domain}`, `run-2+tag@${domain}`]) {
    const sent = await sendOnce(server.smtpPort, 'a@sender.test', [to], simpleMessage(to, to));
    assert.equal(sent.final?.code, 250, to);
  }
  const messages = await api(server, 'GET', `/api/messages?email=inbox@${domain}`, { key: user.key });
  assert.deepEqual(messages.body.messages.map((m: { to: string }) => m.to).sort(), [
    `run-1@${domain}`,
    `run-2+tag@${domain}`,
  ]);
  const cleared = await api(server, 'DELETE', `/api/custom-domains/${domain}/catch-all`, { key: user.key });
  assert.equal(cleared.body.data.catch_all, null);
  assert.equal((await rcpt(`run-3@${domain}`))?.code, 550);
});

test('removing a domain stops its mail at once and deletes its mailboxes; another account may then link it', async () => {
  const owner = await premiumUser();
  const domain = 'removed.example';
  await linkVerified(server, dns, owner, domain);
  await api(server, 'POST', '/api/emails/generate', {
    key: owner.key,
    scheme: 'x-api-key',
    body: { name: 'box', expiryTime: 0, domain },
  });
  const address = `box@${domain}`;
  assert.equal(
    (await sendOnce(server.smtpPort, 'a@sender.test', [address], simpleMessage(address, 'x'))).final?.code,
    250,
  );

  const other = await premiumUser();
  assertError(
    await api(server, 'POST', '/api/custom-domains', { key: other.key, body: { domain } }),
    409,
    'linked to another account',
  );

  const removed = await api(server, 'DELETE', `/api/custom-domains/${domain}`, { key: owner.key });
  assert.equal(removed.status, 200);
  assert.deepEqual(Object.keys(removed.body).sort(), ['message', 'status']);
  const refused = await rcpt(address);
  assert.equal(refused?.code, 550);
  assert.match(refused?.text ?? '', /^5\.7\.1/);
  assert.equal(
    await server.burnbox.services.store.getMailboxByAddress(address),
    undefined,
    'mailbox deleted',
  );
  assertError(await api(server, 'GET', `/api/messages?email=${address}`, { key: owner.key }), 404, 'gone');

  await linkVerified(server, dns, other, domain);
  const again = await api(server, 'POST', '/api/emails/generate', {
    key: other.key,
    scheme: 'x-api-key',
    body: { name: 'box', expiryTime: 0, domain },
  });
  assert.equal(again.status, 200, 'the address is free for the new owner (no quarantine)');
});

test('several accounts may claim a name while pending: the first to verify wins and the others fail', async () => {
  const squatter = await premiumUser();
  const owner = await premiumUser();
  const domain = 'contested.example';
  const squatted = await linkDomain(server, squatter, domain);
  const claimed = await linkDomain(server, owner, domain);
  assert.notEqual(tokenOf(squatted), tokenOf(claimed), 'each claim has its own token');
  dns.publish(domain, tokenOf(claimed), testMailHost);
  const squatterCheck = await api(server, 'POST', `/api/custom-domains/${domain}/verify`, {
    key: squatter.key,
  });
  assert.equal(squatterCheck.body.data.status, 'pending', "the squatter cannot publish the owner's token");
  const ownerCheck = await api(server, 'POST', `/api/custom-domains/${domain}/verify`, { key: owner.key });
  assert.equal(ownerCheck.body.data.status, 'verified');
  const lost = await api(server, 'GET', `/api/custom-domains/${domain}`, { key: squatter.key });
  assert.equal(lost.body.data.status, 'failed');
  assert.match(lost.body.data.problem, /Another account verified/);
});
