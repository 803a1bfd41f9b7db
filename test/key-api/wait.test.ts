// GET /api/emails/{emailId}/wait in the key dialect: {"message": {…}} as GET
// /api/emails/{emailId}/{messageId} gives it, plus codes and links; 408 {"error"} on timeout (not
// counted), 400 for bad parameters, 404 for other users' mailboxes. And upstream MoeMail's
// GET /api/config, which MoeMail's own CLI reads.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDomain, createUser, startTestServer, type TestServer } from '../support/harness.ts';
import { until } from '../support/until.ts';
import { assertKeyError, assertKeys, generate, keyApi, quotaOf, SmtpSender } from './helpers.ts';

let server: TestServer;
let smtp: SmtpSender;
let users = 0;
const newUser = (plan = 'free') => createUser(server, `kwait${++users}@example.org`, plan);
const held = () => server.burnbox.services.waiting.held;

before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
  await addDomain(server, 'premium.example', 'premium');
  smtp = new SmtpSender(server);
});
after(async () => {
  smtp.close();
  await server.close();
});

async function send(to: string, subject: string, mail: { text?: string; from?: string } = {}) {
  server.clock.advance(1000);
  await smtp.send(to, subject, mail);
}

test('a wait is answered with the message object of GET /api/emails/{emailId}/{messageId} plus codes and links', async () => {
  const user = await newUser();
  const box = await generate(server, user, 'kw1');
  const before = held();
  const answer = keyApi(server, 'GET', `/api/emails/${box.id}/wait?timeout=20`, { key: user.key });
  await until(() => held() === before + 1, 'the wait is held');
  await send(box.email, 'Confirm your account', {
    text: 'Your code: 731904\nhttps://acme.example/confirm?x=1',
  });
  const res = await answer;
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assertKeys(res.body, ['message'], 'answer');
  const read = await keyApi(server, 'GET', `/api/emails/${box.id}/${res.body.message.id}`, { key: user.key });
  const { codes, links, auth, ...message } = res.body.message;
  assert.deepEqual(message, read.body.message, 'the same object as reading the message');
  // No DNS records in tests: the sender is not authenticated, so nothing it sent is trusted.
  assert.deepEqual(codes[0], { value: '731904', kind: 'otp', trusted: false });
  assert.equal(auth.dmarc, 'none');
  assert.ok(links.some((l: { url: string }) => l.url === 'https://acme.example/confirm?x=1'));
  const again = await keyApi(server, 'GET', `/api/emails/${box.id}/wait?timeout=0`, { key: user.key });
  assertKeyError(again, 408, 'the message was marked seen by the wait');
});

test('filters and after, in the key dialect', async () => {
  const user = await newUser();
  const box = await generate(server, user, 'kw2');
  await send(box.email, 'Welcome', { from: 'Team <team@acme.example>' });
  await send(box.email, 'Login code', { from: 'Robot <robot@login.example>' });
  const q = (s: string) =>
    keyApi(server, 'GET', `/api/emails/${box.id}/wait?timeout=0&${s}`, { key: user.key });
  const code = await q('from=ROBOT&subject=code');
  assert.equal(code.body.message.subject, 'Login code');
  const welcome = await q('to=kw2@');
  assert.equal(welcome.body.message.subject, 'Welcome');
  assert.equal(
    (await q(`after=${welcome.body.message.id}`)).body.message.subject,
    'Login code',
    'seen, but after',
  );
  assertKeyError(await q(`after=${code.body.message.id}`), 408, 'nothing after the newest');
});

test('timeout 408 not counted; bad parameters 400; another user’s mailbox 404', async () => {
  const user = await newUser();
  const other = await newUser();
  const box = await generate(server, user, 'kw3');
  const res = await keyApi(server, 'GET', `/api/emails/${box.id}/wait?timeout=0.1`, { key: user.key });
  assertKeyError(res, 408, 'timed out');
  assert.equal(quotaOf(res).used, 1, 'only generate counted');
  for (const bad of ['timeout=100', 'timeout=x', 'after=not-a-uuid', `from=${'x'.repeat(400)}`]) {
    assertKeyError(
      await keyApi(server, 'GET', `/api/emails/${box.id}/wait?${bad}`, { key: user.key }),
      400,
      bad,
    );
  }
  assertKeyError(
    await keyApi(server, 'GET', `/api/emails/${box.id}/wait?timeout=0`, { key: other.key }),
    404,
    "another user's mailbox",
  );
});

test('GET /api/config answers as upstream MoeMail, from this server’s plan and domains', async () => {
  const free = await newUser();
  const res = await keyApi(server, 'GET', '/api/config', { key: free.key });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, {
    defaultRole: 'free',
    emailDomains: 'example.com',
    adminContact: '',
    maxEmails: '100',
  });
  const premium = await newUser('premium');
  const wide = await keyApi(server, 'GET', '/api/config', { key: premium.key });
  assert.deepEqual(wide.body.emailDomains.split(',').sort(), ['example.com', 'premium.example']);
  assert.equal(wide.body.maxEmails, 'unlimited');
  assertKeyError(await keyApi(server, 'GET', '/api/config'), 401, 'the key is required');
});
