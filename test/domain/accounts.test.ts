// Web accounts: registration, login (same answer for every wrong credential), password change,
// the user list and admins.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { type DomainHarness, rejectsWith, startServices } from './helpers.ts';

let server: DomainHarness;
before(async () => {
  server = await startServices();
});
after(() => server.close());

const accounts = () => server.services.accounts;
const wrong = 'The email or password is wrong.';

test('register creates a free-plan user with a hashed password; the rules of createUser apply', async () => {
  const user = await accounts().register(' New.Person@Example.org ', 'long enough');
  assert.equal(user.email, 'new.person@example.org');
  assert.equal(user.plan, 'free');
  assert.equal(user.isAdmin, false);
  assert.equal(user.disabled, false);
  assert.match(user.passwordHash ?? '', /^scrypt\$/);
  assert.ok(!user.passwordHash?.includes('long enough'));
  await rejectsWith(accounts().register('short@example.org', 'seven77'), 'invalid', /at least 8 characters/);
  await rejectsWith(accounts().register('not-an-email', 'long enough'), 'invalid');
  await rejectsWith(
    accounts().register('NEW.person@example.org', 'another one'),
    'conflict',
    /already exists/,
  );
});

test('login accepts the right password, the email in any case', async () => {
  const user = await accounts().register('login-ok@example.org', 'right password');
  assert.deepEqual(await accounts().login('Login-OK@example.org ', 'right password'), user);
});

test('a wrong password, an unknown email and an account without a password get one answer', async () => {
  await accounts().register('login-wrong@example.org', 'right password');
  await accounts().createUser({ email: 'no-password@example.org' });
  await rejectsWith(accounts().login('login-wrong@example.org', 'wrong password'), 'unauthenticated', wrong);
  await rejectsWith(accounts().login('login-wrong@example.org', ''), 'unauthenticated', wrong);
  await rejectsWith(accounts().login('nobody@example.org', 'right password'), 'unauthenticated', wrong);
  await rejectsWith(accounts().login('no-password@example.org', 'anything at all'), 'unauthenticated', wrong);
});

test('an unknown email costs a password verification too, so timing does not tell', async () => {
  await accounts().register('timing@example.org', 'right password');
  const fastest = async (email: string) => {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      await accounts()
        .login(email, 'wrong password')
        .catch(() => {});
      best = Math.min(best, performance.now() - start);
    }
    return best;
  };
  const known = await fastest('timing@example.org');
  const unknown = await fastest('nobody-at-all@example.org');
  // scrypt takes tens of milliseconds; a lookup alone would take well under one.
  assert.ok(
    unknown > known / 3,
    `unknown email ${unknown.toFixed(1)} ms vs wrong password ${known.toFixed(1)} ms`,
  );
});

test('a disabled account is told so, but only with the right password', async () => {
  await accounts().register('disabled@example.org', 'right password');
  await accounts().setDisabled('disabled@example.org', true);
  await rejectsWith(accounts().login('disabled@example.org', 'wrong password'), 'unauthenticated', wrong);
  await rejectsWith(
    accounts().login('disabled@example.org', 'right password'),
    'unauthenticated',
    /disabled/,
  );
  await accounts().setDisabled('disabled@example.org', false);
  assert.equal((await accounts().login('disabled@example.org', 'right password')).disabled, false);
});

test('changePassword checks the current password; endOthers then logs out the other sessions', async () => {
  const { sessions } = server.services;
  const user = await accounts().register('change@example.org', 'old password');
  const here = await sessions.start(user.id);
  const elsewhere = await sessions.start(user.id);

  await rejectsWith(
    accounts().changePassword(user, 'not the password', 'new password'),
    'invalid',
    'The current password is wrong.',
  );
  await rejectsWith(accounts().changePassword(user, 'old password', 'short'), 'invalid', /at least 8/);
  assert.ok(await accounts().login('change@example.org', 'old password'), 'refusals changed nothing');

  await accounts().changePassword(user, 'old password', 'new password');
  await rejectsWith(accounts().login('change@example.org', 'old password'), 'unauthenticated', wrong);
  assert.equal((await accounts().login('change@example.org', 'new password')).id, user.id);
  // The record passed in may be stale: the current password is checked against the stored one.
  await rejectsWith(accounts().changePassword(user, 'old password', 'third password'), 'invalid');

  assert.ok(await sessions.resolve(elsewhere.token), 'changing the password alone ends no session');
  await sessions.endOthers(user.id, here.token);
  assert.equal(await sessions.resolve(elsewhere.token), undefined);
  assert.equal((await sessions.resolve(here.token))?.id, user.id);
});

test('listUsers pages newest first with the total; setAdmin grants and takes back admin', async () => {
  const fresh = await startServices();
  try {
    const a = fresh.services.accounts;
    const { clock } = fresh;
    const emails = ['u1@example.org', 'u2@example.org', 'u3@example.org'];
    for (const email of emails) {
      await a.createUser({ email });
      clock.advance(1000);
    }
    const all = await a.listUsers(10, 0);
    assert.equal(all.total, 3);
    assert.deepEqual(
      all.items.map((u) => u.email),
      [...emails].reverse(),
    );
    assert.deepEqual(
      (await a.listUsers(2, 1)).items.map((u) => u.email),
      ['u2@example.org', 'u1@example.org'],
    );
    assert.equal((await a.listUsers(0, -5)).items.length, 1, 'limit at least 1, offset at least 0');
    assert.equal((await a.listUsers(10, 3)).items.length, 0);

    assert.equal((await a.setAdmin('U2@example.org', true)).isAdmin, true);
    assert.equal((await a.requireUserByEmail('u2@example.org')).isAdmin, true);
    assert.equal((await a.setAdmin('u2@example.org', false)).isAdmin, false);
    assert.equal((await a.requireUserByEmail('u2@example.org')).isAdmin, false);
    await rejectsWith(a.setAdmin('missing@example.org', true), 'not_found');
  } finally {
    await fresh.close();
  }
});
