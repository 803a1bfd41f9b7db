import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendMail,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
});
after(() => server.close());

test('a message sent over SMTP is listed through the user API right after the 250', async () => {
  const user = await createUser(server, 'smoke@example.org');
  const mailbox = await createMailbox(server, user);
  const reply = await sendMail(server, { to: mailbox.email, subject: 'Smoke', text: 'hello' });
  assert.match(reply.response, /^250/);
  const list = await api(server, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key });
  assert.equal(list.status, 200);
  assert.equal(list.body.messages.length, 1);
  assert.equal(list.body.messages[0].subject, 'Smoke');
});
