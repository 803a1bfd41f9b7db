// A NUL character in a path segment, a query value or a body field is a 400 on every route, in
// the answering dialect's shape (a page for the web UI), never a 500. PostgreSQL's text type
// cannot hold a NUL, so such requests used to fail there; run this file with
// BURNBOX_TEST_BACKEND=postgres too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertKeyError, generate } from '../key-api/helpers.ts';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendMail,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../support/harness.ts';
import { WebClient } from '../support/web-client.ts';
import { assertError } from './helpers.ts';

let server: TestServer;
let user: TestUser;
let mailbox: Awaited<ReturnType<typeof createMailbox>>;
let messageId: string;
let keyMailboxId: string;
let keyMessageId: string;

before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
  user = await createUser(server, 'nul@example.org');
  mailbox = await createMailbox(server, user);
  await sendMail(server, { to: mailbox.email, subject: 'hello', text: 'x' });
  const list = await api(server, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key });
  messageId = list.body.messages[0].id;
  const generated = await generate(server, user, 'nulbox');
  keyMailboxId = generated.id;
  await sendMail(server, { to: generated.email, subject: 'hello', text: 'x' });
  const keyList = await api(server, 'GET', `/api/emails/${keyMailboxId}`, { key: user.key });
  keyMessageId = keyList.body.messages[0].id;
});
after(() => server.close());

/** A real value for each path parameter of the documented API. */
const sampleValue = (param: string): string =>
  ({
    email: mailbox.email,
    current: mailbox.email,
    username: 'someone',
    domain: 'example.com',
    id: messageId,
    filename: 'file.txt',
    emailId: keyMailboxId,
    messageId: keyMessageId,
  })[param] ?? 'x';

test('every documented API route answers 400 in its dialect for a NUL in any path segment', async () => {
  const doc = (await api(server, 'GET', '/openapi.json')).body;
  let checked = 0;
  for (const [template, operations] of Object.entries<Record<string, { tags: string[] }>>(doc.paths)) {
    const params = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
    for (const [method, operation] of Object.entries(operations)) {
      for (const target of params) {
        const url = template.replace(/\{(\w+)\}/g, (_, name: string) => {
          const value = encodeURIComponent(sampleValue(name));
          return name === target ? `${value.slice(0, 3)}%00${value.slice(3)}` : value;
        });
        const res = await api(server, method.toUpperCase(), url, { key: user.key });
        const what = `${method.toUpperCase()} ${url}`;
        // `DELETE /api/emails/{x}` is the key dialect's only for a UUID; anything else is the
        // user dialect's (src/http/dialects.ts).
        const keyDialect =
          operation.tags[0] === 'key API' && !(method === 'delete' && template === '/api/emails/{emailId}');
        if (keyDialect) assertKeyError(res, 400, what);
        else assertError(res, 400, what);
        assert.match(JSON.stringify(res.body), /NUL/, what);
        checked++;
      }
    }
  }
  assert.ok(checked >= 12, `checked ${checked} routes`);
});

test('a NUL in a query value is a 400 in the dialect shape', async () => {
  const userRes = await api(server, 'GET', `/api/messages?email=${mailbox.email}%00`, { key: user.key });
  assertError(userRes, 400, 'user API query');
  const keyRes = await api(server, 'GET', '/api/emails?cursor=%00', { key: user.key });
  assertKeyError(keyRes, 400, 'key API query');
});

test('a NUL in a JSON body field is a 400 in the key dialect shape', async () => {
  const res = await api(server, 'POST', '/api/emails/generate', {
    key: user.key,
    body: { name: 'ab\u0000c', expiryTime: 3_600_000, domain: 'example.com' },
  });
  assertKeyError(res, 400, 'generate');
  const domain = await api(server, 'POST', '/api/emails/generate', {
    key: user.key,
    body: { name: 'abc', expiryTime: 3_600_000, domain: 'example.com\u0000' },
  });
  assertKeyError(domain, 400, 'generate domain');
});

test('web pages and their requests answer 400, not 500, for a NUL in the path or a form field', async () => {
  const client = new WebClient(server, { accept: 'text/html' });
  const token = encodeURIComponent(mailbox.email_token);
  for (const path of [
    `/inbox/${token}%00`,
    `/inbox/${token}/messages?since=%00`,
    `/inbox/${token}/messages/${messageId}%00`,
    `/inbox/${token}/messages/${messageId}%00/raw`,
    `/inbox/${token}/messages/${messageId}%00/body.html`,
    `/inbox/${token}/messages/${messageId}/attachments/a%00.txt`,
    '/admin?page=%00',
  ]) {
    const res = await client.get(path);
    assert.equal(res.status, 400, `GET ${path}: ${res.text.slice(0, 200)}`);
  }
  for (const [path, form] of [
    ['/login', { email: 'a\u0000b@example.org', password: 'a good password' }],
    ['/register', { email: 'a\u0000b@example.org', password: 'a good password' }],
  ] as const) {
    const res = await client.post(path, form);
    assert.equal(res.status, 400, `POST ${path}: ${res.text.slice(0, 200)}`);
    assert.match(res.text, /<!doctype html>/i, `POST ${path} answers with a page`);
  }
});

test('an unknown path with a NUL is still a 404 in the dialect shape', async () => {
  assertError(await api(server, 'GET', '/api/nothing%00here', { key: user.key }), 404, 'unknown /api path');
  assertKeyError(await api(server, 'GET', '/api/webhook/n%00', { key: user.key }), 404, 'unknown key path');
});
