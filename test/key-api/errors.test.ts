// Every error status of the key dialect answers {"error": <sentence>} and nothing else:
// 400 invalid input (an unhosted domain too), 401 key, 403 plan, 404 missing (or not yours),
// 409 taken, 415 media type.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDomain, createUser, startTestServer, type TestServer } from '../support/harness.ts';
import { assertKeyError, generate, hour, keyApi, quotaOf, SmtpSender, unknownUuid } from './helpers.ts';

let server: TestServer;
let smtp: SmtpSender;
let users = 0;
const newUser = (plan = 'free') => createUser(server, `kerr${++users}@example.org`, plan);

before(async () => {
  server = await startTestServer({ BURNBOX_PLANS: JSON.stringify({ free: { maxMailboxes: 5 } }) });
  await addDomain(server, 'example.com');
  await addDomain(server, 'premium.example', 'premium');
  smtp = new SmtpSender(server);
});
after(async () => {
  smtp.close();
  await server.close();
});

/** A user with a mailbox holding one message. */
async function userWithMessage() {
  const user = await newUser();
  const mailbox = await generate(server, user, `errbox${users}`);
  await smtp.send(mailbox.email, 'hello');
  const list = await keyApi(server, 'GET', `/api/emails/${mailbox.id}`, { key: user.key });
  return { user, mailbox, messageId: list.body.messages[0].id as string };
}

test('401 for a missing, unknown, empty or wrongly sent key and for a disabled account, on every endpoint', async () => {
  const { user, mailbox, messageId } = await userWithMessage();
  const endpoints: [string, string, unknown?][] = [
    ['GET', '/api/email/domains'],
    ['POST', '/api/emails/generate', { name: 'x', expiryTime: hour, domain: 'example.com' }],
    ['GET', '/api/emails'],
    ['DELETE', `/api/emails/${mailbox.id}`],
    ['GET', `/api/emails/${mailbox.id}`],
    ['GET', `/api/emails/${mailbox.id}/${messageId}`],
    ['DELETE', `/api/emails/${mailbox.id}/${messageId}`],
    ['GET', '/api/webhook'],
    ['POST', '/api/webhook', { url: 'https://hooks.example/x', enabled: true }],
    ['GET', '/api/webhook/secret'],
    ['POST', '/api/webhook/secret'],
    ['GET', '/api/webhook/deliveries'],
    ['POST', '/api/webhook/test'],
  ];
  const credentials: [string, Record<string, string>][] = [
    ['no key', {}],
    ['an unknown X-API-Key', { 'X-API-Key': 'bb_0000000000000000000000000000000000000000' }],
    ['an empty X-API-Key', { 'X-API-Key': '' }],
    ['an unknown Bearer key', { Authorization: 'Bearer bb_0000000000000000000000000000000000000000' }],
    ['the key under another scheme', { Authorization: `Basic ${user.key}` }],
    ['the key in another header', { 'X-Api-Token': user.key }],
  ];
  for (const [what, headers] of credentials) {
    for (const [method, url, body] of endpoints) {
      const res = await keyApi(server, method, url, { headers, body });
      assertKeyError(res, 401, `${what}: ${method} ${url}`);
      assert.equal(res.headers.get('x-ratelimit-used'), null, 'no quota headers without a user');
    }
  }
  const missing = await keyApi(server, 'GET', '/api/emails');
  assert.match(missing.body.error, /X-API-Key/, 'the 401 says where the key goes');

  await server.burnbox.services.accounts.setDisabled(user.email, true);
  assertKeyError(await keyApi(server, 'GET', '/api/emails', { key: user.key }), 401, 'disabled');
  await server.burnbox.services.accounts.setDisabled(user.email, false);
  // Nothing above changed anything.
  const list = await keyApi(server, 'GET', `/api/emails/${mailbox.id}`, { key: user.key });
  assert.equal(list.status, 200);
  assert.equal(list.body.total, 1, 'the message is still there');
  assert.equal((await keyApi(server, 'GET', '/api/webhook', { key: user.key })).body.url, '');
});

test('the key is accepted as X-API-Key and as Authorization: Bearer', async () => {
  const user = await newUser();
  for (const scheme of ['x-api-key', 'bearer'] as const) {
    const res = await keyApi(server, 'GET', '/api/email/domains', { key: user.key, scheme });
    assert.equal(res.status, 200, scheme);
  }
});

test('400 for a body that is not valid JSON, not an object, or the wrong media type (415)', async () => {
  const user = await newUser();
  const cases: [string, string][] = [
    ['/api/emails/generate', '{"name": "x",'],
    ['/api/emails/generate', '[1, 2]'],
    ['/api/emails/generate', '"text"'],
    ['/api/emails/generate', ''],
    ['/api/webhook', '{url: "https://x.example"}'],
    ['/api/webhook', 'null'],
  ];
  for (const [url, body] of cases) {
    const res = await keyApi(server, 'POST', url, { key: user.key, body });
    assertKeyError(res, 400, `${url} with ${JSON.stringify(body)}`);
    assert.equal(quotaOf(res).used, 0, 'a 400 is not counted');
  }
  const noBody = await keyApi(server, 'POST', '/api/emails/generate', { key: user.key });
  assertKeyError(noBody, 400, 'no body at all');
  const form = await keyApi(server, 'POST', '/api/emails/generate', {
    key: user.key,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'name=x',
  });
  assertKeyError(form, 415, 'a form body');
});

test('400 for missing or mistyped fields of generate and of the webhook', async () => {
  const user = await newUser();
  const good = { name: 'fine', expiryTime: hour, domain: 'example.com' };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['/api/emails/generate', { ...good, name: undefined }, /^name is required\.$/],
    ['/api/emails/generate', { ...good, expiryTime: undefined }, /^expiryTime is required\.$/],
    ['/api/emails/generate', { ...good, domain: undefined }, /^domain is required\.$/],
    ['/api/emails/generate', { ...good, name: 123 }, /^name must be a string\.$/],
    ['/api/emails/generate', { ...good, name: null }, /^name must be a string\.$/],
    ['/api/emails/generate', { ...good, domain: ['example.com'] }, /^domain must be a string\.$/],
    ['/api/emails/generate', { ...good, expiryTime: '3600000' }, /^expiryTime must be one of: /],
    ['/api/emails/generate', { ...good, expiryTime: 1000 }, /^expiryTime must be one of: /],
    ['/api/webhook', { enabled: true }, /^url is required\.$/],
    ['/api/webhook', { url: 'https://x.example/h' }, /^enabled is required\.$/],
    ['/api/webhook', { url: 'https://x.example/h', enabled: 'true' }, /^enabled must be a boolean\.$/],
    ['/api/webhook', { url: 'https://x.example/h', enabled: null }, /^enabled must be a boolean\.$/],
    ['/api/webhook', { url: 42, enabled: true }, /^url must be a string\.$/],
  ];
  for (const [url, body, message] of cases) {
    const res = await keyApi(server, 'POST', url, { key: user.key, body });
    assertKeyError(res, 400, `${url} ${JSON.stringify(body)}`);
    assert.match(res.body.error, message);
  }
  assert.deepEqual((await keyApi(server, 'GET', '/api/emails', { key: user.key })).body.total, 0);
});

test('400 for path ids that are not UUIDs and for bad query parameters', async () => {
  const { user, mailbox, messageId } = await userWithMessage();
  const cases: [string, string, RegExp][] = [
    ['GET', '/api/emails/not-a-uuid', /^emailId must be a UUID\.$/],
    ['GET', `/api/emails/${mailbox.id}x`, /^emailId must be a UUID\.$/],
    ['GET', `/api/emails/${mailbox.id}/123`, /^messageId must be a UUID\.$/],
    ['DELETE', `/api/emails/${mailbox.id}/not-a-uuid`, /^messageId must be a UUID\.$/],
    ['GET', `/api/emails/nope/${messageId}`, /^emailId must be a UUID\.$/],
    ['GET', '/api/emails?cursor=%%%', /cursor/],
    ['GET', '/api/webhook/deliveries?limit=abc', /^limit /],
    ['GET', '/api/webhook/deliveries?limit=0', /^limit /],
    ['GET', '/api/webhook/deliveries?limit=201', /^limit /],
  ];
  for (const [method, url, message] of cases) {
    const res = await keyApi(server, method, url, { key: user.key });
    assertKeyError(res, 400, `${method} ${url}`);
    assert.match(res.body.error, message, `${method} ${url}`);
  }
});

test('403 for what the plan does not allow', async () => {
  const user = await newUser();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ name: 'forever', expiryTime: 0, domain: 'example.com' }, /permanent/],
    [{ name: 'fancy', expiryTime: hour, domain: 'premium.example' }, /premium/],
  ];
  for (const [body, message] of cases) {
    const res = await keyApi(server, 'POST', '/api/emails/generate', { key: user.key, body });
    assertKeyError(res, 403, JSON.stringify(body));
    assert.match(res.body.error, message);
    assert.equal(quotaOf(res).used, 0, 'a 403 is not counted');
  }
  assert.equal((await keyApi(server, 'GET', '/api/emails', { key: user.key })).body.total, 0);
});

test('404 for unknown mailboxes and messages', async () => {
  const { user, mailbox, messageId } = await userWithMessage();
  const cases: [string, string, unknown?][] = [
    ['GET', `/api/emails/${unknownUuid}`],
    ['DELETE', `/api/emails/${unknownUuid}`],
    ['GET', `/api/emails/${unknownUuid}/${messageId}`],
    ['DELETE', `/api/emails/${unknownUuid}/${messageId}`],
    ['GET', `/api/emails/${mailbox.id}/${unknownUuid}`],
    ['DELETE', `/api/emails/${mailbox.id}/${unknownUuid}`],
    // The message id used as the mailbox id and the other way round.
    ['GET', `/api/emails/${messageId}/${mailbox.id}`],
  ];
  for (const [method, url, body] of cases) {
    const res = await keyApi(server, method, url, { key: user.key, body });
    assertKeyError(res, 404, `${method} ${url}`);
    assert.equal(quotaOf(res).used, 2, `${method} ${url}: a 404 is not counted (generate and list were)`);
  }
});

test('409 when the address is taken or quarantined', async () => {
  const owner = await newUser();
  const other = await newUser();
  const taken = await generate(server, owner, 'takenname');
  const tryTake = (user: { key: string }) =>
    keyApi(server, 'POST', '/api/emails/generate', {
      key: user.key,
      body: { name: 'TakenName', expiryTime: hour, domain: 'example.com' },
    });
  assertKeyError(await tryTake(other), 409, 'live for someone else');
  assertKeyError(await tryTake(owner), 409, 'already live for its owner');
  assert.equal((await keyApi(server, 'DELETE', `/api/emails/${taken.id}`, { key: owner.key })).status, 200);
  assertKeyError(await tryTake(other), 409, 'quarantined for its previous owner');
  assert.equal((await tryTake(owner)).status, 200, 'its previous owner may take it back');
});

test('unknown key-dialect routes answer 404 {"error"}; other /api routes keep the user shape', async () => {
  const user = await newUser();
  const keyShaped: [string, string][] = [
    ['GET', '/api/email'],
    ['GET', '/api/email/nope'],
    ['POST', '/api/email/domains'],
    ['GET', '/api/webhook/nope'],
    ['DELETE', '/api/webhook'],
    ['GET', '/api/emails/generate/now/later'],
    ['PUT', `/api/emails/${unknownUuid}`],
    ['GET', `/api/emails/${unknownUuid}/${unknownUuid}/more`],
  ];
  for (const [method, url] of keyShaped) {
    assertKeyError(await keyApi(server, method, url, { key: user.key }), 404, `${method} ${url}`);
    assertKeyError(await keyApi(server, method, url), 404, `${method} ${url} without a key`);
  }
  for (const [method, url] of [
    ['GET', '/api/nope'],
    ['PUT', '/api/emails'],
  ] as const) {
    const res = await keyApi(server, method, url, { key: user.key });
    assert.equal(res.status, 404);
    assert.deepEqual(Object.keys(res.body).sort(), ['message', 'status'], `${method} ${url}: user shape`);
  }
});
