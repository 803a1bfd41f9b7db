// The web layer's guards: CSRF on every state-changing request, session cookies, login
// throttling, password changes ending other sessions, no open redirects, security headers,
// and live streams that carry only their own mailbox's mail.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { addDomain, sendMail, startTestServer, type TestServer } from '../support/harness.ts';
import { readStream } from '../support/live-stream.ts';
import { pageData, WebClient } from '../support/web-client.ts';

async function registered(
  server: TestServer,
  email: string,
  password = 'a good password',
): Promise<WebClient> {
  const client = new WebClient(server);
  const response = await client.post('/register', { email, password });
  assert.equal(response.status, 303, response.text);
  return client;
}

describe('web security', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ BURNBOX_LOGIN_ATTEMPT_LIMIT: '3', BURNBOX_GUEST_MAILBOX_LIMIT: '100' });
    await addDomain(server, 'example.com');
  });
  after(() => server.close());

  test('state-changing requests without the CSRF token, or from another origin, are refused', async () => {
    const guest = new WebClient(server);
    const { mailbox } = pageData((await guest.get('/')).text);
    const noToken = await guest.request('POST', `/inbox/${mailbox.token}/delete`, { form: {} });
    assert.equal(noToken.status, 403);
    assert.match(noToken.text, /This form has expired/);
    const wrongToken = await guest.request('POST', `/inbox/${mailbox.token}/delete`, {
      form: { _csrf: 'x'.repeat(32) },
    });
    assert.equal(wrongToken.status, 403);
    const crossSite = await guest.post(
      `/inbox/${mailbox.token}/delete`,
      {},
      { origin: 'https://evil.example' },
    );
    assert.equal(crossSite.status, 403);
    assert.equal((await guest.get(`/inbox/${mailbox.token}/messages`)).status, 200, 'nothing was deleted');
    const login = await new WebClient(server).request('POST', '/login', {
      form: { email: 'a@b.c', password: 'x' },
    });
    assert.equal(login.status, 403);
  });

  test('session cookies are HttpOnly and SameSite, and only a hash of the token is stored', async () => {
    const client = new WebClient(server);
    await client.get('/login');
    const response = await client.post('/register', {
      email: 'cookie@people.test',
      password: 'a good password',
    });
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('bb_session='));
    assert.ok(setCookie);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    assert.match(setCookie, /Secure/, 'the harness public URL is https');
    const token = client.cookies.get('bb_session') as string;
    const user = await server.burnbox.services.store.getUserByEmail('cookie@people.test');
    const hash = createHash('sha256').update(token).digest('hex');
    const stored = await server.burnbox.services.store.getSession(token, server.clock.now);
    assert.equal(stored, undefined, 'the raw token is not a stored key');
    const byHash = await server.burnbox.services.store.getSession(hash, server.clock.now);
    assert.equal(byHash?.userId, user?.id);
    assert.ok(user?.passwordHash?.startsWith('scrypt$'), 'the password is hashed with scrypt');
  });

  test('login attempts are throttled per address and email, with a clear message', async () => {
    await registered(server, 'throttle@people.test', 'the right password');
    const client = new WebClient(server);
    for (let i = 0; i < 3; i++) {
      const wrong = await client.post('/login', { email: 'throttle@people.test', password: 'wrong' });
      assert.equal(wrong.status, 401);
      assert.match(wrong.text, /The email or password is wrong\./);
    }
    const blocked = await client.post('/login', {
      email: 'throttle@people.test',
      password: 'the right password',
    });
    assert.equal(blocked.status, 429);
    assert.match(blocked.text, /Too many login attempts\. Try again in \d+ minutes\./);
    server.clock.advance(15 * 60_000);
    const later = await client.post('/login', {
      email: 'throttle@people.test',
      password: 'the right password',
    });
    assert.equal(later.status, 303);
  });

  test('logging out ends the session; changing the password ends the other sessions', async () => {
    const first = await registered(server, 'sessions@people.test', 'first password');
    const second = new WebClient(server);
    assert.equal(
      (await second.post('/login', { email: 'sessions@people.test', password: 'first password' })).status,
      303,
    );
    assert.equal((await second.get('/account')).status, 200);

    const wrongCurrent = await first.post('/account/password', {
      current: 'not it',
      password: 'second password',
    });
    assert.equal(wrongCurrent.status, 422);
    const changed = await first.post('/account/password', {
      current: 'first password',
      password: 'second password',
    });
    assert.equal(changed.status, 303);
    assert.equal((await first.get('/account')).status, 200, 'the session that changed it stays');
    assert.equal((await second.get('/account')).status, 303, 'other sessions are logged out');
    // Checks of the current password count against the login limit (3 here): a new window.
    server.clock.advance(15 * 60_000);
    assert.equal(
      (await second.post('/login', { email: 'sessions@people.test', password: 'second password' })).status,
      303,
    );

    const token = first.cookies.get('bb_session');
    assert.equal((await first.post('/logout')).status, 303);
    const replayed = new WebClient(server);
    replayed.cookies.set('bb_session', token as string);
    assert.equal((await replayed.get('/account')).status, 303, 'a logged-out token opens nothing');
  });

  test('the language switch and login only redirect within the site', async () => {
    const client = new WebClient(server);
    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example']) {
      const response = await client.get(`/lang/ar?next=${encodeURIComponent(next)}`);
      assert.equal(response.status, 303);
      assert.equal(response.location, '/');
    }
    assert.equal((await client.get('/lang/ar?next=%2Fdocs')).location, '/docs');
  });

  test('pages carry a strict Content-Security-Policy and no inline script', async () => {
    const client = new WebClient(server);
    const page = await client.get('/');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    const inlineScripts = [
      ...page.text.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")[^>]*>/g),
    ];
    assert.deepEqual(inlineScripts, []);
  });

  test("an unknown page is a page in the reader's language; API clients still get JSON", async () => {
    const browserLike = new WebClient(server, {
      accept: 'text/html,application/xhtml+xml',
      'accept-language': 'ar',
    });
    const page = await browserLike.get('/no-such-page');
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.text, /<html lang="ar" dir="rtl">/);
    assert.match(page.text, /هذه الصفحة أو العنصر غير موجود/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const client = await fetch(`${server.baseUrl}/no-such-page`);
    assert.equal(client.status, 404);
    assert.equal((await client.json()).statusCode, 404);
  });

  test("a live stream carries only its own mailbox's mail", async () => {
    const alice = new WebClient(server);
    const bob = new WebClient(server);
    const a = pageData((await alice.get('/')).text).mailbox;
    const b = pageData((await bob.get('/')).text).mailbox;
    // Once the stream is open, Bob's mail arrives first: had it leaked, it would come before Alice's.
    let sending: Promise<unknown> = Promise.resolve();
    const streamA = readStream(`${server.baseUrl}/inbox/${a.token}/events`, {
      until: /For Alice/,
      ms: 20_000,
      onReady: () => {
        sending = (async () => {
          await sendMail(server, { from: 'x@sender.test', to: b.address, subject: 'For Bob', text: 'x' });
          await sendMail(server, { from: 'x@sender.test', to: a.address, subject: 'For Alice', text: 'x' });
        })();
      },
    });
    const text = await streamA;
    await sending;
    assert.match(text, /event: message/);
    assert.match(text, /For Alice/);
    assert.doesNotMatch(text, /For Bob/);
  });

  test('a stream reopened with Last-Event-ID first sends what arrived meanwhile', async () => {
    const guest = new WebClient(server);
    const { mailbox } = pageData((await guest.get('/')).text);
    const ready = await readStream(`${server.baseUrl}/inbox/${mailbox.token}/events`, {
      until: /event: ready/,
      ms: 20_000,
    });
    const lastId = /id: (\d+)\nevent: ready/.exec(ready)?.[1];
    assert.ok(lastId, ready);
    server.clock.advance(1000);
    await sendMail(server, { from: 'x@sender.test', to: mailbox.address, subject: 'While away', text: 'x' });
    const resumed = await readStream(`${server.baseUrl}/inbox/${mailbox.token}/events`, {
      headers: { 'last-event-id': lastId },
      until: /event: ready/,
      ms: 20_000,
    });
    assert.match(resumed, /While away[\s\S]*event: ready/);
    const fresh = await readStream(`${server.baseUrl}/inbox/${mailbox.token}/events`, {
      until: /event: ready/,
      ms: 20_000,
    });
    assert.doesNotMatch(fresh, /While away/, 'a stream without a position sends only new mail');
  });
});
