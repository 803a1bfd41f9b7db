// The account page and the admin area over HTTP: a user's API mailboxes open in the inbox
// view (writable for the owner only), webhook settings and their refusals, and admin actions
// refused to non-admins.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addDomain, api, sendMail, startTestServer, type TestServer } from '../support/harness.ts';
import { pageData, WebClient } from '../support/web-client.ts';

async function signedIn(server: TestServer, email: string, options: { admin?: boolean } = {}) {
  const { accounts } = server.burnbox.services;
  const user = await accounts.createUser({ email, password: 'a good password' });
  if (options.admin) await accounts.setAdmin(email, true);
  const client = new WebClient(server);
  const login = await client.post('/login', { email, password: 'a good password' });
  assert.equal(login.status, 303);
  return { client, user, key: await accounts.issueApiKey(user.id) };
}

describe('account page and admin area', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    await addDomain(server, 'example.com');
  });
  after(() => server.close());

  test("the account lists the user's mailboxes with message counts, each opening in the inbox view", async () => {
    const { client, key } = await signedIn(server, 'owner@people.test');
    const created = await api(server, 'POST', '/api/emails', { key });
    const address = created.body.data.email as string;
    await sendMail(server, { from: 'a@sender.test', to: address, subject: 'one', text: 'x' });
    await sendMail(server, { from: 'a@sender.test', to: address, subject: 'two', text: 'x' });

    const page = await client.get('/account');
    assert.equal(page.status, 200);
    const row = new RegExp(
      `<td><bdi dir="ltr">${address.replace('.', '\\.')}</bdi></td><td>[^<]+</td><td>2</td><td><a href="(/inbox/[^"]+)">`,
    );
    const link = row.exec(page.text)?.[1];
    assert.ok(link, 'the mailbox row shows 2 messages and a link');
    const inbox = await client.get(link);
    assert.equal(inbox.status, 200);
    const data = pageData(inbox.text);
    assert.equal(data.mailbox.address, address);
    assert.equal(data.mailbox.canWrite, true, 'the owner may change it');
    assert.deepEqual(data.messages.map((m: any) => m.subject).sort(), ['one', 'two']);

    const other = await signedIn(server, 'other@people.test');
    const theirs = await other.client.get(link);
    assert.equal(
      pageData(theirs.text).mailbox.canWrite,
      false,
      'another user only reads it (it is a share link)',
    );
    const refused = await other.client.post(`${link}/delete`);
    assert.equal(refused.status, 403);
    const deleted = await client.post(`${link}/delete`);
    assert.equal(deleted.status, 303);
    assert.equal(deleted.location, '/account');
  });

  test('a new key is shown once, on the page the form redirects to, and only to its owner', async () => {
    const { client } = await signedIn(server, 'keys@people.test');
    const made = await client.post('/account/key');
    assert.equal(made.status, 303);
    assert.equal(made.location, '/account');
    const sealed = client.cookies.get('bb_new_key') as string;
    assert.ok(sealed && !sealed.includes('bb_'), 'the cookie does not hold the key in clear');
    const shown = await client.get('/account');
    const key = /<output class="secret" id="new-key" dir="ltr">([^<]+)<\/output>/.exec(shown.text)?.[1];
    assert.ok(key, 'the key is on the page');
    assert.equal((await api(server, 'GET', '/api/domains', { key })).status, 200);
    assert.doesNotMatch((await client.get('/account')).text, /id="new-key"/, 'shown once');

    // Someone else's session presenting that cookie sees nothing.
    const other = await signedIn(server, 'thief@people.test');
    other.client.cookies.set('bb_new_key', sealed);
    assert.doesNotMatch((await other.client.get('/account')).text, /id="new-key"/);
  });

  test('the webhook form saves, refuses a bad URL on the page itself, rotates and tests', async () => {
    const { client, user } = await signedIn(server, 'hooks@people.test');
    const bad = await client.post('/account/webhook', { url: 'ftp://example.org/x', enabled: 'on' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /class="flash flash-error"/);
    assert.match(bad.text, /API management/, 'the account page is shown again');

    const saved = await client.post('/account/webhook', {
      url: 'https://hooks.example.org/in',
      enabled: 'on',
    });
    assert.equal(saved.status, 303);
    const hook = await server.burnbox.services.webhooks.get(user);
    assert.deepEqual(
      { url: hook.url, enabled: hook.enabled },
      { url: 'https://hooks.example.org/in', enabled: true },
    );

    const before = await server.burnbox.services.webhooks.secret(user);
    assert.equal((await client.post('/account/webhook/rotate')).status, 303);
    assert.notEqual(await server.burnbox.services.webhooks.secret(user), before);
    assert.equal((await client.post('/account/webhook/test')).status, 303);
    assert.equal(await server.burnbox.services.store.countPendingWebhooks(), 1);
    // The attempt (no such host here) shows in the page's delivery log.
    await server.burnbox.webhookDelivery.runDue();
    const page = await client.get('/account');
    assert.match(
      page.text,
      /<td><bdi dir="ltr">new_message:test<\/bdi><\/td><td><bdi dir="ltr">[^<]+<\/bdi><\/td><td>will retry<\/td>/,
    );
  });

  test('admin actions are refused to other users and work for admins', async () => {
    const plain = await signedIn(server, 'plain@people.test');
    assert.equal((await plain.client.get('/admin')).status, 403);
    assert.equal((await plain.client.post('/admin/domains', { name: 'sneaky.test' })).status, 403);
    assert.equal((await new WebClient(server).get('/admin')).status, 303, 'anonymous: to the login page');

    const { client } = await signedIn(server, 'admin@people.test', { admin: true });
    const page = await client.get('/admin');
    assert.equal(page.status, 200);
    assert.match(page.text, /<svg class="chart"/);
    assert.equal((await client.post('/admin/domains', { name: 'new.test', type: 'premium' })).status, 303);
    assert.deepEqual(
      (await server.burnbox.services.domains.list()).find((d) => d.name === 'new.test')?.type,
      'premium',
    );
    assert.equal(
      (await client.post('/admin/users/plan', { email: 'plain@people.test', plan: 'premium' })).status,
      303,
    );
    assert.equal((await client.post('/admin/users/disable', { email: 'plain@people.test' })).status, 303);
    const plainUser = await server.burnbox.services.store.getUserByEmail('plain@people.test');
    assert.deepEqual(
      { plan: plainUser?.plan, disabled: plainUser?.disabled },
      { plan: 'premium', disabled: true },
    );
    assert.equal(
      (await plain.client.get('/account')).status,
      303,
      "a disabled user's session no longer opens",
    );
    assert.equal((await client.post('/admin/domains/remove', { name: 'new.test' })).status, 303);
  });
});
