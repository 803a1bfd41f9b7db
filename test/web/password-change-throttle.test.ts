// Changing the password checks the current one: that check is throttled like logging in
// (BURNBOX_LOGIN_ATTEMPT_LIMIT per client address and email per 15 minutes, shared with the
// login form), so a stolen session cannot be used to guess the password at scrypt speed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/harness.ts';
import { WebClient } from '../support/web-client.ts';

describe('change-password throttle', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ BURNBOX_LOGIN_ATTEMPT_LIMIT: '3' });
  });
  after(() => server.close());

  async function signedIn(email: string): Promise<WebClient> {
    await server.burnbox.services.accounts.createUser({ email, password: 'the right password' });
    const client = new WebClient(server);
    const login = await client.post('/login', { email, password: 'the right password' });
    assert.equal(login.status, 303);
    return client;
  }

  test('guesses of the current password are refused with a clear message once over the limit', async () => {
    server.clock.advance(15 * 60_000); // a fresh window
    const client = await signedIn('guesser@people.test'); // the login was one check
    for (let i = 0; i < 2; i++) {
      const wrong = await client.post('/account/password', {
        current: `guess ${i}`,
        password: 'new password',
      });
      assert.equal(wrong.status, 422);
    }
    const blocked = await client.post('/account/password', {
      current: 'the right password',
      password: 'new password',
    });
    assert.equal(blocked.status, 429);
    assert.match(blocked.text, /Too many login attempts\. Try again in \d+ minutes\./);
    assert.match(blocked.text, /class="flash flash-error"/, 'shown on the account page');
    const user = await server.burnbox.services.store.getUserByEmail('guesser@people.test');
    const login = await new WebClient(server).post('/login', {
      email: 'guesser@people.test',
      password: 'the right password',
    });
    assert.equal(login.status, 429, 'the login form shares the count');
    assert.equal(
      (await server.burnbox.services.store.getUserByEmail('guesser@people.test'))?.passwordHash,
      user?.passwordHash,
      'the password was not changed',
    );

    server.clock.advance(15 * 60_000);
    const later = await client.post('/account/password', {
      current: 'the right password',
      password: 'new password',
    });
    assert.equal(later.status, 303, 'the next window allows it again');
  });
});
