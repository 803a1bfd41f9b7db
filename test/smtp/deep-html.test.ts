// HTML nested thousands deep (which overflows html-to-text's recursion) is delivered like any
// other mail: 250 for a recipient whose owner has a webhook (its payload needs the text), the
// key API's detail and the web frame answer 200, and the text is still readable. And a big
// HTML-only mail is pushed with the same text and HTML the key API shows.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MailboxRecord } from '../../src/store/types.ts';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendMail,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';
import { allowPrivate, hookedUser, type Receiver, startReceiver } from '../webhooks/helpers.ts';

let server: TestServer;
let hook: Receiver;

before(async () => {
  server = await startTestServer(allowPrivate);
  await addDomain(server, 'deep.test');
  hook = await startReceiver();
});
after(async () => {
  await server.close();
  await hook.close();
});

const depth = 5000;
const deepHtml = `<html><body>${'<div>'.repeat(depth)}Deep inside the nest${'</div>'.repeat(depth)}<p>After the nest</p></body></html>`;

test('deeply nested HTML-only mail is accepted for a webhook owner, pushed, and readable', async () => {
  const { user, address } = await hookedUser(server, 'deep@owner.test', hook.url);
  const { services } = server.burnbox;

  const sent = await sendMail(server, { to: address, subject: 'Nested', html: deepHtml });
  assert.match(sent.response, /^250 /);
  assert.deepEqual(sent.accepted, [address]);

  // The webhook payload carries the text made from the HTML.
  const [pushed] = await hook.waitFor(1);
  const payload = JSON.parse(pushed?.body ?? '{}');
  assert.equal(payload.subject, 'Nested');
  assert.match(payload.content, /Deep inside the nest/);
  assert.match(payload.content, /After the nest/);

  // The key API's detail answers with the same text, and the raw HTML.
  const mailbox = (await services.store.getMailboxByAddress(address)) as MailboxRecord;
  const [message] = await services.store.listMessages(mailbox.id);
  assert.ok(message);
  const detail = await api(server, 'GET', `/api/emails/${mailbox.uuid}/${message.uuid}`, { key: user.key });
  assert.equal(detail.status, 200, JSON.stringify(detail.body).slice(0, 200));
  assert.match(detail.body.message.content, /Deep inside the nest/);
  assert.ok(detail.body.message.html.startsWith(deepHtml.slice(0, 1000)));

  // The web UI's frame shows the sanitised document.
  const token = services.mailboxes.token(mailbox);
  const frame = await api(server, 'GET', `/inbox/${token}/messages/${message.uuid}/body.html`);
  assert.equal(frame.status, 200);
  assert.match(frame.raw.toString(), /Deep inside the nest/);
});

test('deeply nested HTML-only mail is readable through the key API by an owner without a webhook', async () => {
  const { services } = server.burnbox;
  const user = await createUser(server, 'deep@plain.test');
  const { email: address } = await createMailbox(server, user);
  const sent = await sendMail(server, { to: address, subject: 'Nested again', html: deepHtml });
  assert.match(sent.response, /^250 /);
  const mailbox = (await services.store.getMailboxByAddress(address)) as MailboxRecord;
  const [message] = await services.store.listMessages(mailbox.id);
  assert.ok(message);
  const detail = await api(server, 'GET', `/api/emails/${mailbox.uuid}/${message.uuid}`, { key: user.key });
  assert.equal(detail.status, 200);
  assert.match(detail.body.message.content, /Deep inside the nest/);
});

test('a big HTML-only mail is pushed with its text and its whole HTML, as the key API shows them', async () => {
  const { user, address } = await hookedUser(server, 'big@owner.test', hook.url);
  const { services } = server.burnbox;
  const row = '<tr><td>Row <b>"quoted"</b> \\ and üñíçødé 🎉</td></tr>\n';
  const html = `<html><body><p>START</p><table>${row.repeat(8000)}</table><p>END</p></body></html>`;
  const pushed = hook.requests.length;
  const sent = await sendMail(server, { to: address, subject: 'Big push', html });
  assert.match(sent.response, /^250 /);
  const request = (await hook.waitFor(pushed + 1))[pushed];
  const payload = JSON.parse(request?.body ?? '{}');
  assert.equal(payload.subject, 'Big push');
  assert.match(payload.content, /^START/);
  assert.match(payload.content, /END$/);
  assert.match(payload.content, /Row "quoted" \\ and üñíçødé 🎉/);

  const mailbox = (await services.store.getMailboxByAddress(address)) as MailboxRecord;
  const [message] = await services.store.listMessages(mailbox.id);
  assert.ok(message);
  assert.equal(payload.html, message.content.html);
  const detail = await api(server, 'GET', `/api/emails/${mailbox.uuid}/${message.uuid}`, { key: user.key });
  assert.equal(detail.status, 200);
  assert.equal(detail.body.message.content, payload.content);
  assert.equal(detail.body.message.html, payload.html);
});
