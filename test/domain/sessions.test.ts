// Web UI login sessions: tokens, expiry by the clock, logout, ending the other sessions.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { type DomainHarness, hour, startServices } from './helpers.ts';

let server: DomainHarness;
before(async () => {
  server = await startServices({ BURNBOX_SESSION_TTL_HOURS: '2' });
});
after(() => server.close());

const services = () => server.services;
const user = (email: string) => services().accounts.createUser({ email, password: 'correct horse' });

test('start gives a random base64url token; it resolves to the user until the session expires', async () => {
  const alice = await user('s-alice@example.org');
  const start = server.clock.now;
  const { token, expiresAt } = await services().sessions.start(alice.id);
  assert.match(token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
  assert.equal(Buffer.from(token, 'base64url').length, 32);
  assert.equal(expiresAt, start + 2 * hour, 'BURNBOX_SESSION_TTL_HOURS');
  assert.notEqual((await services().sessions.start(alice.id)).token, token, 'each session its own token');

  assert.equal((await services().sessions.resolve(token))?.id, alice.id);
  server.clock.advance(2 * hour - 1);
  assert.equal((await services().sessions.resolve(token))?.email, 's-alice@example.org');
  server.clock.advance(1);
  assert.equal(await services().sessions.resolve(token), undefined, 'expired at expiresAt');
});

test('only the sha256 of a token is stored, and the sweeper deletes expired sessions', async () => {
  const bob = await user('s-bob@example.org');
  const { token } = await services().sessions.start(bob.id);
  const hash = createHash('sha256').update(token).digest('hex');
  const rows = () => {
    const db = new Database(path.join(server.dataDir, 'burnbox.db'), { readonly: true });
    try {
      return db.prepare('SELECT id_hash FROM sessions WHERE user_id = ?').all(bob.id) as {
        id_hash: string;
      }[];
    } finally {
      db.close();
    }
  };
  assert.deepEqual(rows(), [{ id_hash: hash }]);
  server.clock.advance(2 * hour);
  await services().expiry.sweep();
  assert.deepEqual(rows(), []);
});

test('resolve refuses missing, malformed and unknown tokens', async () => {
  for (const token of [undefined, '', 'short', 'x'.repeat(43), `${'A'.repeat(42)}!`, 'A'.repeat(44)]) {
    assert.equal(await services().sessions.resolve(token), undefined, String(token));
  }
});

test("a disabled user's sessions resolve to nothing until the account is enabled again", async () => {
  const carol = await user('s-carol@example.org');
  const { token } = await services().sessions.start(carol.id);
  await services().accounts.setDisabled(carol.email, true);
  assert.equal(await services().sessions.resolve(token), undefined);
  await services().accounts.setDisabled(carol.email, false);
  assert.equal((await services().sessions.resolve(token))?.id, carol.id);
});

test('end logs one session out; endOthers ends all the other sessions of that user only', async () => {
  const dave = await user('s-dave@example.org');
  const erin = await user('s-erin@example.org');
  const [d1, d2, d3] = await Promise.all([1, 2, 3].map(() => services().sessions.start(dave.id)));
  const e1 = await services().sessions.start(erin.id);
  const resolves = async (token: string | undefined) =>
    (await services().sessions.resolve(token)) !== undefined;

  await services().sessions.end(d1?.token);
  assert.equal(await resolves(d1?.token), false);
  assert.equal(await resolves(d2?.token), true);
  await services().sessions.end(d1?.token); // again: nothing happens
  await services().sessions.end(undefined);
  await services().sessions.end('not-a-token');

  await services().sessions.endOthers(dave.id, d3?.token as string);
  assert.equal(await resolves(d2?.token), false);
  assert.equal(await resolves(d3?.token), true, 'the kept session stays');
  assert.equal(await resolves(e1.token), true, "another user's session stays");

  await services().sessions.endOthers(erin.id, d3?.token as string);
  assert.equal(await resolves(e1.token), false, "keeping someone else's token keeps nothing");
  assert.equal(await resolves(d3?.token), true);
});
