// The account page tells the truth about the API key: a new account has none and is offered
// "Create API key"; once made, the key is shown once and the page then says a key exists.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startTestServer, type TestServer } from '../support/harness.ts';
import { WebClient } from '../support/web-client.ts';

describe('API key state on the account page', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('a registered account has no key until it makes one, and the page says so', async () => {
    const client = new WebClient(server);
    const registered = await client.post('/register', {
      email: 'newbie@people.test',
      password: 'a good password',
    });
    assert.equal(registered.status, 303);
    const fresh = await client.get('/account');
    assert.match(fresh.text, /<p id="key-state">You have no API key yet\./);
    assert.doesNotMatch(fresh.text, /You have an API key/);
    assert.match(fresh.text, /<button type="submit" class="button button-primary">Create API key<\/button>/);
    assert.doesNotMatch(fresh.text, /Regenerate API key/);

    assert.equal((await client.post('/account/key')).status, 303);
    const shown = await client.get('/account');
    const key = /<output class="secret" id="new-key" dir="ltr">([^<]+)<\/output>/.exec(shown.text)?.[1];
    assert.ok(key, 'the new key is shown once');
    assert.equal((await api(server, 'GET', '/api/domains', { key })).status, 200);

    const later = await client.get('/account');
    assert.doesNotMatch(later.text, /id="new-key"/);
    assert.match(later.text, /<p id="key-state">You have an API key, made [^<]+\./);
    assert.match(later.text, />Regenerate API key<\/button>/);
    assert.doesNotMatch(later.text, /Create API key/);
  });

  test('the Arabic page says the same', async () => {
    const client = new WebClient(server, { 'accept-language': 'ar' });
    await client.post('/register', { email: 'arabic-key@people.test', password: 'a good password' });
    const page = await client.get('/account');
    assert.match(page.text, /ليس لديك مفتاح API بعد/);
    assert.match(page.text, />إنشاء مفتاح API<\/button>/);
  });
});
