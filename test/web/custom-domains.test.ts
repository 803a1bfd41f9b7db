// Custom domains on the account page: the card with its CSRF-protected forms, the DNS records to
// create, status pending → verified through "check now", refusals told in the card, removal;
// and another account's domain refused in the web UI's forms (account actions, inbox change).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testMailHost } from '../support/custom-domains.ts';
import { FakeDns } from '../support/fake-dns.ts';
import { addDomain, api, startTestServer, type TestServer } from '../support/harness.ts';
import { pageData, WebClient } from '../support/web-client.ts';

let server: TestServer;
const dns = new FakeDns();

before(async () => {
  server = await startTestServer({ BURNBOX_HOSTNAME: testMailHost }, { dnsResolver: dns });
  await addDomain(server, 'example.com');
});
after(() => server.close());

async function signedIn(email: string, plan = 'premium') {
  const { accounts } = server.burnbox.services;
  const user = await accounts.createUser({ email, password: 'a good password', plan });
  const client = new WebClient(server);
  const login = await client.post('/login', { email, password: 'a good password' });
  assert.equal(login.status, 303);
  return { client, user, key: await accounts.issueApiKey(user.id) };
}

const tokenOnPage = (html: string) => /burnbox-verify=([A-Za-z0-9_-]+)/.exec(html)?.[1];

test('a user adds a domain on the account page, sees the records to create, checks it and removes it', async () => {
  const { client } = await signedIn('web-owner@people.test');
  const page = await client.get('/account');
  assert.match(
    page.text,
    /<form method="post" action="\/account\/domains" class="stack">\s*<input type="hidden" name="_csrf"/,
  );

  const forged = await client.request('POST', '/account/domains', { form: { domain: 'forged.example' } });
  assert.equal(forged.status, 403, 'no CSRF token, no domain');

  const bad = await client.post('/account/domains', { domain: '10.0.0.1' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /id="domain-error" role="alert">[^<]*IP address/);
  assert.match(bad.text, /value="10\.0\.0\.1"/, 'what was typed stays in the field');

  const added = await client.post('/account/domains', { domain: 'web.example' });
  assert.equal(added.status, 303);
  assert.equal(added.location, '/account?notice=domainAdded#domains');
  let shown = await client.get('/account');
  assert.match(shown.text, /data-domain="web\.example" data-status="pending"/);
  assert.match(
    shown.text,
    new RegExp(`<code dir="ltr">10 ${testMailHost.replaceAll('.', '\\.')}</code>`),
    'the MX record',
  );
  const token = tokenOnPage(shown.text);
  assert.ok(token, 'the TXT record');

  const early = await client.post('/account/domains/web.example/check');
  assert.equal(early.status, 303);
  shown = await client.get('/account');
  assert.match(shown.text, /class="domain-problem"><bdi dir="ltr">web\.example has no TXT record/);

  dns.publish('web.example', token, testMailHost);
  await client.post('/account/domains/web.example/check');
  shown = await client.get('/account');
  assert.match(shown.text, /data-domain="web\.example" data-status="verified"/);
  assert.doesNotMatch(shown.text, /burnbox-verify=/, 'a verified domain needs no records shown');

  const removed = await client.post('/account/domains/web.example/remove');
  assert.equal(removed.location, '/account?notice=domainRemoved#domains');
  assert.doesNotMatch((await client.get('/account')).text, /data-domain="web\.example"/);
});

test('a plan without custom domains shows no card', async () => {
  const { client } = await signedIn('web-free@people.test', 'free');
  assert.doesNotMatch((await client.get('/account')).text, /id="domains"/);
  const refused = await client.post('/account/domains', { domain: 'free.example' });
  assert.equal(refused.status, 403);
});

test("another account's domain: its actions are not found, and the inbox's change form refuses it", async () => {
  const owner = await signedIn('web-a@people.test');
  const other = await signedIn('web-b@people.test');
  await owner.client.post('/account/domains', { domain: 'a-only.example' });
  const token = tokenOnPage((await owner.client.get('/account')).text) as string;
  dns.publish('a-only.example', token, testMailHost);
  await owner.client.post('/account/domains/a-only.example/check');

  for (const action of ['check', 'remove', 'catch-all']) {
    const res = await other.client.post(`/account/domains/a-only.example/${action}`, { email: '' });
    assert.equal(res.status, 404, action);
  }
  assert.match(
    (await owner.client.get('/account')).text,
    /data-domain="a-only\.example" data-status="verified"/,
  );

  // The owner switches a mailbox onto it in the inbox view; the other account and a guest cannot.
  const mine = (await api(server, 'POST', '/api/emails', { key: owner.key })).body.data;
  const ownerPage = pageData((await owner.client.get(`/inbox/${mine.email_token}`)).text);
  assert.ok(ownerPage, 'the inbox page');
  const ownerForm = await owner.client.get(`/inbox/${mine.email_token}`);
  assert.match(ownerForm.text, /<option[^>]*>a-only\.example<\/option>/, "the owner's domain is offered");
  const moved = await owner.client.post(`/inbox/${mine.email_token}/change`, {
    name: 'web',
    domain: 'a-only.example',
  });
  assert.equal(moved.status, 303);

  const theirs = (await api(server, 'POST', '/api/emails', { key: other.key })).body.data;
  const theirForm = await other.client.get(`/inbox/${theirs.email_token}`);
  assert.doesNotMatch(theirForm.text, /a-only\.example/, "another account's domain is not offered");
  const refused = await other.client.post(`/inbox/${theirs.email_token}/change`, {
    name: 'taken',
    domain: 'a-only.example',
  });
  assert.equal(refused.status, 403);
  const guest = new WebClient(server);
  const { mailbox } = pageData((await guest.get('/')).text);
  const guestRefused = await guest.post(`/inbox/${mailbox.token}/change`, {
    name: 'guest',
    domain: 'a-only.example',
  });
  assert.equal(guestRefused.status, 403);
});

test("the admin page lists users' custom domains and unlinks one, deleting its mailboxes", async () => {
  const owner = await signedIn('web-c@people.test');
  await owner.client.post('/account/domains', { domain: 'admin-gone.example' });
  const token = tokenOnPage((await owner.client.get('/account')).text) as string;
  dns.publish('admin-gone.example', token, testMailHost);
  await owner.client.post('/account/domains/admin-gone.example/check');
  const made = await api(server, 'POST', '/api/emails/generate', {
    key: owner.key,
    scheme: 'x-api-key',
    body: { name: 'box', expiryTime: 0, domain: 'admin-gone.example' },
  });
  assert.equal(made.status, 200);

  const admin = await signedIn('web-admin@people.test', 'free');
  await server.burnbox.services.accounts.setAdmin('web-admin@people.test', true);
  const page = await admin.client.get('/admin');
  assert.match(
    page.text,
    /<td><bdi dir="ltr">admin-gone\.example<\/bdi><\/td><td><bdi dir="ltr">web-c@people\.test<\/bdi><\/td><td>verified<\/td>/,
  );
  const notAdmin = await owner.client.post('/admin/custom-domains/remove', { name: 'admin-gone.example' });
  assert.equal(notAdmin.status, 403);
  const removed = await admin.client.post('/admin/custom-domains/remove', { name: 'admin-gone.example' });
  assert.equal(removed.status, 303);
  assert.equal(await server.burnbox.services.store.getMailboxByAddress('box@admin-gone.example'), undefined);
  assert.doesNotMatch((await owner.client.get('/account')).text, /admin-gone\.example/);
});
