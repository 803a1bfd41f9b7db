// Redirects that take a target from the request (`?next=` of the language switch and of the
// login and register forms) stay on this site whatever the target holds, and odd input is a
// redirect to a default or a 4xx, never a 500. The admin user list pages safely too.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addDomain, startTestServer, type TestServer } from '../support/harness.ts';
import { WebClient } from '../support/web-client.ts';

/** Targets a browser would follow to another origin, or that cannot go into a Location header. */
const hostileTargets = [
  '/\t/127.0.0.1:9099/phish',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '/\u000b/evil.example',
  '/ /evil.example',
  '/\u00a0/evil.example',
  '/\u200b/evil.example',
  '/.//evil.example/x',
  '/./\\evil.example',
  '//evil.example/x',
  '/\\evil.example',
  'https://evil.example/',
  'javascript:alert(1)',
  `/${'a'.repeat(5000)}`,
];

describe('redirect targets', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ BURNBOX_LOGIN_ATTEMPT_LIMIT: '100' });
    await addDomain(server, 'example.com');
    await server.burnbox.services.accounts.createUser({
      email: 'next@people.test',
      password: 'a good password',
    });
  });
  after(() => server.close());

  test('the language switch redirects only to a path of this site, never with a control character', async () => {
    const client = new WebClient(server);
    for (const next of hostileTargets) {
      const response = await client.get(`/lang/en?next=${encodeURIComponent(next)}`);
      assert.equal(response.status, 303, `${JSON.stringify(next)}: ${response.text}`);
      assert.equal(response.location, '/', JSON.stringify(next));
    }
  });

  test('a NUL in the target is refused with a 400, as in every request (never a 500)', async () => {
    const client = new WebClient(server);
    const lang = await client.get(`/lang/en?next=${encodeURIComponent('/\u0000/evil.example')}`);
    assert.equal(lang.status, 400, lang.text);
    assert.equal(lang.location, null);
    const login = await client.post('/login', {
      email: 'next@people.test',
      password: 'a good password',
      next: '/\u0000/evil.example',
    });
    assert.equal(login.status, 400, login.text);
  });

  test('a same-site target keeps its path, query and fragment, with other characters escaped', async () => {
    const client = new WebClient(server);
    const next = '/docs?x=1&y=ü#part';
    const response = await client.get(`/lang/ar?next=${encodeURIComponent(next)}`);
    assert.equal(response.status, 303);
    assert.equal(response.location, '/docs?x=1&y=%C3%BC#part');
  });

  test('login and register send the reader on only within the site', async () => {
    for (const next of hostileTargets) {
      const client = new WebClient(server);
      const form = await client.get(`/login?next=${encodeURIComponent(next)}`);
      assert.equal(form.status, 200, JSON.stringify(next));
      assert.match(form.text, /name="next" value="\/account"/, JSON.stringify(next));
      const login = await client.post('/login', {
        email: 'next@people.test',
        password: 'a good password',
        next,
      });
      assert.equal(login.status, 303, `${JSON.stringify(next)}: ${login.text}`);
      assert.equal(login.location, '/account', JSON.stringify(next));
    }
    const client = new WebClient(server);
    const registered = await client.post('/register', {
      email: 'next-register@people.test',
      password: 'a good password',
      next: '/\u000b/evil.example',
    });
    assert.equal(registered.status, 303, registered.text);
    assert.equal(registered.location, '/account');
  });

  test('an admin user-list page past the end, or too big for the database, shows the last page', async () => {
    const { accounts } = server.burnbox.services;
    await accounts.createUser({ email: 'pages-admin@people.test', password: 'a good password' });
    await accounts.setAdmin('pages-admin@people.test', true);
    const admin = new WebClient(server);
    await admin.post('/login', { email: 'pages-admin@people.test', password: 'a good password' });
    for (const page of ['99999999999999999999', '1e308', '3', '-1', 'x']) {
      const response = await admin.get(`/admin?page=${page}`);
      assert.equal(response.status, 200, `page=${page}: ${response.text.slice(0, 300)}`);
      assert.match(response.text, /pages-admin@people\.test/, `page=${page} lists the users`);
    }
  });
});
