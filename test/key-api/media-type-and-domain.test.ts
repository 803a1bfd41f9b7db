// The key dialect answers as MoeMail and its README say: a body of any media type other than
// JSON is a 415 (text/plain used to reach the routes as a string and get a 400), and generate
// with a domain that is not hosted is invalid input, a 400 (it was a 404).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDomain, api, createUser, startTestServer, type TestServer } from '../support/harness.ts';
import { assertError } from '../user-api/helpers.ts';
import { assertKeyError, hour, keyApi, quotaOf } from './helpers.ts';

let server: TestServer;
let users = 0;
const newUser = () => createUser(server, `media${++users}@example.org`);

before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
});
after(() => server.close());

const generateBody = JSON.stringify({ name: 'plain', expiryTime: hour, domain: 'example.com' });

test('a body that is not JSON is a 415 on every key-API endpoint that takes one, whatever its type', async () => {
  const user = await newUser();
  const types = ['text/plain', 'text/plain; charset=utf-8', 'application/xml', 'application/octet-stream'];
  for (const url of ['/api/emails/generate', '/api/webhook', '/api/webhook/secret', '/api/webhook/test']) {
    for (const type of types) {
      const res = await keyApi(server, 'POST', url, {
        key: user.key,
        headers: { 'Content-Type': type },
        body: generateBody,
      });
      assertKeyError(res, 415, `${type} to ${url}`);
      assert.match(res.body.error, /application\/json/);
      assert.equal(quotaOf(res).used, 0, 'a 415 is not counted');
    }
  }
  assert.equal((await keyApi(server, 'GET', '/api/emails', { key: user.key })).body.total, 0);
  const json = await keyApi(server, 'POST', '/api/emails/generate', { key: user.key, body: generateBody });
  assert.equal(json.status, 200, 'the same body sent as JSON works');
});

test('the user API refuses a text/plain body with 415 too', async () => {
  const user = await newUser();
  const res = await api(server, 'POST', '/api/emails', {
    key: user.key,
    headers: { 'Content-Type': 'text/plain' },
    body: 'hello',
  });
  assertError(res, 415, 'text/plain to the user API');
});

test('generate with a domain that is not hosted is a 400 naming the domain', async () => {
  const user = await newUser();
  for (const domain of ['unhosted.example', 'EXAMPLE.org']) {
    const res = await keyApi(server, 'POST', '/api/emails/generate', {
      key: user.key,
      body: { name: 'nowhere', expiryTime: hour, domain },
    });
    assertKeyError(res, 400, domain);
    assert.match(res.body.error, new RegExp(`${domain.replace('.', '\\.')} is not hosted`));
    assert.equal(quotaOf(res).used, 0, 'a 400 is not counted');
  }
});

test('what the path names is still a 404', async () => {
  const user = await newUser();
  const res = await keyApi(server, 'GET', '/api/emails/00000000-0000-4000-8000-000000000000', {
    key: user.key,
  });
  assertKeyError(res, 404, 'unknown mailbox');
});
