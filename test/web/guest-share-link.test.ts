// A guest inbox's share link (`/inbox/<email_token>`) only ever lets its holder read: the token
// put into one's own guest cookie grants nothing, and reading through it changes nothing the
// owner sees (a message opened there stays unread for the owner).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addDomain, sendMail, startTestServer, type TestServer } from '../support/harness.ts';
import { pageData, WebClient } from '../support/web-client.ts';

describe('guest share links', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ BURNBOX_GUEST_MAILBOX_LIMIT: '100' });
    await addDomain(server, 'example.com');
  });
  after(() => server.close());

  test('the share token in the guest cookie gives no control over the mailbox', async () => {
    const owner = new WebClient(server);
    const { mailbox } = pageData((await owner.get('/')).text);
    await sendMail(server, { from: 'a@sender.test', to: mailbox.address, subject: 'Mine', text: 'x' });
    const [message] = JSON.parse((await owner.get(`/inbox/${mailbox.token}/messages`)).text).messages;

    const intruder = new WebClient(server);
    await intruder.get('/login'); // a CSRF token of its own
    intruder.cookies.set('bb_mailbox', mailbox.token);
    const shared = pageData((await intruder.get(`/inbox/${mailbox.token}`)).text);
    assert.equal(shared.mailbox.canWrite, false, 'the share link stays read-only');
    const home = pageData((await intruder.get('/')).text);
    assert.notEqual(home.mailbox.address, mailbox.address, 'the home page is not the shared mailbox');
    intruder.cookies.set('bb_mailbox', mailbox.token);

    const expiresAt = (await server.burnbox.services.mailboxes.byToken(mailbox.token))?.expiresAt;
    server.clock.advance(60_000);
    assert.equal((await intruder.post(`/inbox/${mailbox.token}/extend`)).status, 403);
    assert.equal(
      (await intruder.post(`/inbox/${mailbox.token}/change`, { name: 'stolen', domain: 'example.com' }))
        .status,
      403,
    );
    const removeMessage = await intruder.request('DELETE', `/inbox/${mailbox.token}/messages/${message.id}`, {
      headers: { 'x-csrf-token': intruder.cookies.get('bb_csrf') ?? '' },
    });
    assert.equal(removeMessage.status, 403);
    assert.equal((await intruder.post(`/inbox/${mailbox.token}/delete`)).status, 403);

    const after = await server.burnbox.services.mailboxes.byToken(mailbox.token);
    assert.equal(after?.address, mailbox.address, 'the mailbox is still there, unchanged');
    assert.equal(after?.expiresAt, expiresAt, 'and not extended');
    const list = JSON.parse((await owner.get(`/inbox/${mailbox.token}/messages`)).text);
    assert.deepEqual(
      list.messages.map((m: any) => m.subject),
      ['Mine'],
    );
    assert.equal(list.mailbox.canWrite, true, 'its owner still controls it');
  });

  test('opening a message through the share link does not mark it read for the owner', async () => {
    const owner = new WebClient(server);
    const { mailbox } = pageData((await owner.get('/')).text);
    await sendMail(server, { from: 'a@sender.test', to: mailbox.address, subject: 'Unread', text: 'x' });
    const [summary] = JSON.parse((await owner.get(`/inbox/${mailbox.token}/messages`)).text).messages;
    assert.equal(summary.seen, false);

    const viewer = new WebClient(server);
    const opened = JSON.parse((await viewer.get(`/inbox/${mailbox.token}/messages/${summary.id}`)).text);
    assert.equal(opened.subject, 'Unread');
    const [afterView] = JSON.parse((await owner.get(`/inbox/${mailbox.token}/messages`)).text).messages;
    assert.equal(afterView.seen, false, 'still unread for the owner');

    await owner.get(`/inbox/${mailbox.token}/messages/${summary.id}`);
    const [afterOwner] = JSON.parse((await owner.get(`/inbox/${mailbox.token}/messages`)).text).messages;
    assert.equal(afterOwner.seen, true, "the owner's own reading marks it");
  });
});
