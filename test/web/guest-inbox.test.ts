// The guest inbox over HTTP: a mailbox at once, kept by cookie, extended, renamed, deleted;
// shared links are read-only; creation is rate-limited per client address.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addDomain, sendMail, startTestServer, type TestServer } from '../support/harness.ts';
import { pageData, WebClient } from '../support/web-client.ts';

describe('guest inbox', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ BURNBOX_GUEST_MAILBOX_LIMIT: '100' });
    await addDomain(server, 'example.com');
    await addDomain(server, 'other.test');
  });
  after(() => server.close());

  test('the home page gives a live address at once and keeps it across visits', async () => {
    const guest = new WebClient(server);
    const first = await guest.get('/');
    assert.equal(first.status, 200);
    const data = pageData(first.text);
    assert.match(data.mailbox.address, /^[a-z0-9]+@(example\.com|other\.test)$/);
    assert.equal(data.mailbox.canWrite, true);
    assert.ok(data.mailbox.expiresAt > server.clock.now);
    assert.ok(guest.guestCookie, 'the browser is remembered by a cookie');
    assert.ok(!guest.guestCookie.includes(data.mailbox.token), 'which is not the shareable token');
    assert.ok(first.text.includes(data.mailbox.address));
    const again = pageData((await guest.get('/')).text);
    assert.equal(again.mailbox.address, data.mailbox.address);

    // The address really receives mail.
    await sendMail(server, {
      from: 'a@sender.test',
      to: data.mailbox.address,
      subject: 'Hi guest',
      text: 'x',
    });
    const list = JSON.parse((await guest.get(`/inbox/${data.mailbox.token}/messages`)).text);
    assert.deepEqual(
      list.messages.map((m: any) => m.subject),
      ['Hi guest'],
    );
  });

  test('extend gives a fresh lifetime, never more than the plan allows', async () => {
    const guest = new WebClient(server);
    const { mailbox } = pageData((await guest.get('/')).text);
    const lifetime = mailbox.expiresAt - server.clock.now;
    server.clock.advance(lifetime / 2);
    const extended = await guest.post(`/inbox/${mailbox.token}/extend`);
    assert.equal(extended.status, 303);
    const cookie = extended.headers.getSetCookie().find((c) => c.startsWith('bb_mailbox='));
    assert.match(
      cookie ?? '',
      new RegExp(`Max-Age=${Math.ceil(lifetime / 1000) + 86400}`),
      'the cookie follows',
    );
    const after = pageData((await guest.get('/')).text).mailbox;
    assert.equal(after.expiresAt, server.clock.now + lifetime);
  });

  test('choose another name and domain: the cookie follows, the old address is gone', async () => {
    const guest = new WebClient(server);
    const { mailbox } = pageData((await guest.get('/')).text);
    const changed = await guest.post(`/inbox/${mailbox.token}/change`, {
      name: 'my.chosen-name',
      domain: 'other.test',
    });
    assert.equal(changed.status, 303);
    const now = pageData((await guest.get('/')).text).mailbox;
    assert.equal(now.address, 'my.chosen-name@other.test');
    assert.notEqual(now.token, mailbox.token);
    assert.equal((await guest.get(`/inbox/${mailbox.token}`)).status, 404);

    const taken = await new WebClient(server).get('/');
    const other = pageData(taken.text).mailbox;
    const clash = await new WebClient(server).post(`/inbox/${other.token}/change`, {
      name: 'x',
      domain: 'other.test',
    });
    assert.equal(clash.status, 403, 'someone else cannot change a guest mailbox');
  });

  test('delete removes the address and the next visit gets a new one', async () => {
    const guest = new WebClient(server);
    const { mailbox } = pageData((await guest.get('/')).text);
    const deleted = await guest.post(`/inbox/${mailbox.token}/delete`);
    assert.equal(deleted.status, 303);
    assert.equal(guest.guestCookie, undefined);
    assert.equal((await guest.get(`/inbox/${mailbox.token}/messages`)).status, 404);
    const next = pageData((await guest.get('/')).text).mailbox;
    assert.notEqual(next.address, mailbox.address);
  });

  test('a shared link opens the mailbox read-only in another browser', async () => {
    const owner = new WebClient(server);
    const { mailbox } = pageData((await owner.get('/')).text);
    await sendMail(server, { from: 'a@sender.test', to: mailbox.address, subject: 'Shared', text: 'x' });
    const list = JSON.parse((await owner.get(`/inbox/${mailbox.token}/messages`)).text);
    const id = list.messages[0].id;

    const visitor = new WebClient(server);
    const shared = await visitor.get(`/inbox/${mailbox.token}`);
    assert.equal(shared.status, 200);
    assert.equal(pageData(shared.text).mailbox.canWrite, false);
    assert.ok(!shared.text.includes('/delete"'), 'no delete form');
    const message = JSON.parse((await visitor.get(`/inbox/${mailbox.token}/messages/${id}`)).text);
    assert.equal(message.subject, 'Shared');
    await visitor.get('/login');
    const refused = await visitor.request('DELETE', `/inbox/${mailbox.token}/messages/${id}`, {
      headers: { 'x-csrf-token': visitor.cookies.get('bb_csrf') ?? '' },
    });
    assert.equal(refused.status, 403);
    assert.equal((await visitor.post(`/inbox/${mailbox.token}/extend`)).status, 403);
    assert.equal((await visitor.post(`/inbox/${mailbox.token}/delete`)).status, 403);

    const removed = await owner.request('DELETE', `/inbox/${mailbox.token}/messages/${id}`, {
      headers: { 'x-csrf-token': owner.cookies.get('bb_csrf') ?? '' },
    });
    assert.equal(removed.status, 204);
    assert.equal((await visitor.get(`/inbox/${mailbox.token}/messages/${id}`)).status, 404);
  });

  test('a forged or unknown token opens nothing', async () => {
    const visitor = new WebClient(server);
    assert.equal((await visitor.get(`/inbox/${'A'.repeat(43)}`)).status, 404);
    assert.equal((await visitor.get('/inbox/not-a-token/messages')).status, 404);
    assert.equal((await visitor.get(`/inbox/${'A'.repeat(43)}/events`)).status, 404);
  });

  test('anonymous creation is rate-limited per client address with a clear message', async () => {
    const limited = await startTestServer({ BURNBOX_GUEST_MAILBOX_LIMIT: '2' });
    try {
      await addDomain(limited, 'example.com');
      assert.equal((await new WebClient(limited).get('/')).status, 200);
      assert.equal((await new WebClient(limited).get('/')).status, 200);
      const third = await new WebClient(limited).get('/');
      assert.equal(third.status, 429);
      assert.match(
        third.text,
        /Too many new addresses were created from your network\. Try again in \d+ minutes\./,
      );
      const arabic = await new WebClient(limited, { 'accept-language': 'ar' }).get('/');
      assert.equal(arabic.status, 429);
      assert.match(arabic.text, /تم إنشاء عناوين كثيرة من شبكتك/);
      limited.clock.advance(3_600_000);
      assert.equal((await new WebClient(limited).get('/')).status, 200, 'the limit resets with the hour');
    } finally {
      await limited.close();
    }
  });

  test('behind a trusted proxy, the limit counts each forwarded client address', async () => {
    const proxied = await startTestServer({
      BURNBOX_GUEST_MAILBOX_LIMIT: '1',
      BURNBOX_TRUST_PROXY: '127.0.0.1',
    });
    try {
      await addDomain(proxied, 'example.com');
      const from = (address: string) => new WebClient(proxied, { 'x-forwarded-for': address });
      assert.equal((await from('203.0.113.1').get('/')).status, 200);
      assert.equal((await from('203.0.113.2').get('/')).status, 200);
      assert.equal((await from('203.0.113.1').get('/')).status, 429);
    } finally {
      await proxied.close();
    }
  });

  test('attachments and raw messages download as files that cannot run on our origin', async () => {
    const guest = new WebClient(server);
    const { mailbox } = pageData((await guest.get('/')).text);
    await sendMail(server, {
      from: 'a@sender.test',
      to: mailbox.address,
      subject: 'With a page',
      text: 'x',
      attachments: [
        { filename: 'page.html', content: '<script>alert(1)</script>', contentType: 'text/html' },
      ],
    });
    const { messages } = JSON.parse((await guest.get(`/inbox/${mailbox.token}/messages`)).text);
    const detail = JSON.parse((await guest.get(`/inbox/${mailbox.token}/messages/${messages[0].id}`)).text);
    const file = await guest.get(detail.attachmentList[0].url);
    assert.equal(file.status, 200);
    assert.equal(file.text, '<script>alert(1)</script>');
    assert.equal(file.headers.get('content-type'), 'application/octet-stream');
    assert.match(file.headers.get('content-disposition') ?? '', /^attachment; filename="?page\.html"?/);
    assert.match(file.headers.get('content-security-policy') ?? '', /sandbox/);
    assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
    const raw = await guest.get(detail.rawUrl);
    assert.match(raw.headers.get('content-disposition') ?? '', /^attachment; filename="With a page\.eml"/);
    assert.match(raw.text, /Subject: With a page/);
  });
});
