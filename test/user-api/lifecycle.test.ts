// A mailbox's life: switching to another address, deletion, expiry (API, SMTP and storage),
// and the quarantine that keeps a released address for its last owner.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildLargeAttachmentMessage, mailFixtures, renderFixture } from '../fixtures/mail/index.ts';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendMail,
  sendRaw,
  startTestServer,
  storedBlobCount,
  type TestServer,
} from '../support/harness.ts';
import { assertAccepts, assertError, assertNoSuchMailbox, rcptReply } from './helpers.ts';

const lifetimeMs = 600_000; // the free plan's default
const quarantineSeconds = 3600;

let server: TestServer;
let users = 0;
const newUser = (plan = 'free') => createUser(server, `life${++users}@example.org`, plan);
/** A local part no other test uses. */
const fresh = (stem: string) => `${stem}${++users}`;

before(async () => {
  // The sweeper runs only when a test calls it, so "before the sweep" is deterministic.
  server = await startTestServer({
    BURNBOX_QUARANTINE_SECONDS: String(quarantineSeconds),
    BURNBOX_SWEEP_INTERVAL_SECONDS: '86400',
  });
  await addDomain(server, 'example.com');
  await addDomain(server, 'other.example');
  await addDomain(server, 'premium.example', 'premium');
});
after(() => server.close());

const switchTo = (key: string, current: string, username: string, domain = 'example.com') =>
  api(server, 'POST', `/api/emails/${current}/${username}/${domain}`, { key });

test('switch retires the old address and the new one receives mail', async () => {
  const user = await newUser();
  const old = await createMailbox(server, user);
  const name = fresh('Switched');
  const res = await switchTo(user.key, old.email, name, 'Other.Example');
  assert.equal(res.status, 200);
  const now = res.body.data;
  assert.equal(now.email, `${name.toLowerCase()}@other.example`, 'username and domain are lower-cased');
  assert.equal(now.domain, 'other.example');
  assert.notEqual(now.id, old.id);

  assertError(
    await api(server, 'GET', `/api/messages?email=${old.email}`, { key: user.key }),
    404,
    'old list',
  );
  assertError(await switchTo(user.key, old.email, fresh('again')), 404, 'switch from the old address');
  await assertNoSuchMailbox(server, old.email);

  const sent = await sendMail(server, { to: now.email, subject: 'After switch', text: 'hi' });
  assert.deepEqual(sent.accepted, [now.email]);
  const list = await api(server, 'GET', `/api/messages?email=${now.email}`, { key: user.key });
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.body.messages.map((m: any) => m.subject),
    ['After switch'],
  );
});

test('switch accepts a 64-character username and refuses bad ones with 422', async () => {
  const user = await newUser();
  const mailbox = await createMailbox(server, user);
  for (const bad of ['bad%20name!', 'a'.repeat(65), '-dash', 'dot.', 'two..dots', 'ünï']) {
    assertError(await switchTo(user.key, mailbox.email, bad), 422, `username ${bad}`);
  }
  assert.equal(
    (await api(server, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key })).status,
    200,
  );
  const long = String(users).padStart(64, 'b');
  const res = await switchTo(user.key, mailbox.email, long);
  assert.equal(res.status, 200);
  assert.equal(res.body.data.email, `${long}@example.com`);
});

test('switch answers 409 for a live address of another user, 403 for a premium domain, 404 otherwise', async () => {
  const owner = await newUser();
  const user = await newUser();
  const taken = await createMailbox(server, owner);
  const mine = await createMailbox(server, user);
  const [local, domain] = taken.email.split('@') as [string, string];
  assertError(await switchTo(user.key, mine.email, local.toUpperCase(), domain), 409, 'taken');
  assertError(await switchTo(user.key, mine.email, fresh('p'), 'premium.example'), 403, 'premium domain');
  assertError(await switchTo(user.key, mine.email, fresh('u'), 'unhosted.example'), 404, 'unhosted domain');
  assertError(await switchTo(user.key, taken.email, fresh('x')), 404, 'current of another user');
  assertError(await switchTo(user.key, `nobody${users}@example.com`, fresh('x')), 404, 'current unknown');
  // None of these changed anything.
  await assertAccepts(server, taken.email);
  await assertAccepts(server, mine.email);

  const premiumUser = await newUser('premium');
  const theirs = await createMailbox(server, premiumUser);
  const ok = await switchTo(premiumUser.key, theirs.email, fresh('vip'), 'premium.example');
  assert.equal(ok.status, 200, 'the premium plan may use premium domains');
  assert.match(ok.body.data.email, /@premium\.example$/);
});

test('deleting a mailbox closes it to the API and to mail', async () => {
  const user = await newUser();
  const mailbox = await createMailbox(server, user);
  await assertAccepts(server, mailbox.email);
  const res = await api(server, 'DELETE', `/api/emails/${mailbox.email}`, { key: user.key });
  assert.equal(res.status, 200);
  assertError(
    await api(server, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key }),
    404,
    'list',
  );
  assertError(await api(server, 'DELETE', `/api/emails/${mailbox.email}`, { key: user.key }), 404, 'again');
  await assertNoSuchMailbox(server, mailbox.email);
});

test('SMTP refuses unknown mailboxes with 5.1.1 and foreign domains with 5.7.1', async () => {
  assert.match(await rcptReply(server, `nobody${users}@example.com`), /^550 5\.1\.1 /);
  assert.match(await rcptReply(server, 'someone@foreign.example'), /^550 5\.7\.1 /);
  assert.match(await rcptReply(server, `NOBODY${users}@Example.COM`), /^550 5\.1\.1 /);
});

test('expiry: the mailbox vanishes at once; the sweeper then removes rows and files', async () => {
  // Its own server, with a sweeper that never runs by itself, so file counts are exact. Small
  // messages may be kept inside the database; the 1 MiB one is certainly a file.
  const s = await startTestServer({ BURNBOX_SWEEP_INTERVAL_SECONDS: '86400' });
  try {
    await addDomain(s, 'example.com');
    const { store } = s.burnbox.services;
    const user = await createUser(s, 'expiry@example.org');
    const mailbox = await createMailbox(s, user);
    for (const fixture of [mailFixtures.attachments, mailFixtures.plain]) {
      await sendRaw(s, renderFixture(fixture, mailbox.email), {
        from: fixture.fromEmail,
        to: [mailbox.email],
      });
    }
    await sendRaw(s, buildLargeAttachmentMessage(mailbox.email, 1024 * 1024).raw, {
      from: 'large@example.com',
      to: [mailbox.email],
    });
    const list = await api(s, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key });
    assert.equal(list.body.messages.length, 3);
    const bySubject = (subject: string) => list.body.messages.find((m: any) => m.subject === subject);
    const withFiles = bySubject(mailFixtures.attachments.subject);
    const plain = bySubject(mailFixtures.plain.subject);
    const large = bySubject('Large attachment fixture');
    const files = await storedBlobCount(s);
    assert.ok(files >= 1, 'the large message is stored as a file');

    s.clock.advance(lifetimeMs - 1000);
    assert.equal(
      (await api(s, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key })).status,
      200,
    );
    await assertAccepts(s, mailbox.email);

    s.clock.advance(1000); // exactly expire_at
    const key = { key: user.key };
    assertError(await api(s, 'GET', `/api/messages?email=${mailbox.email}`, key), 404, 'list');
    assertError(await api(s, 'GET', `/api/messages/${withFiles.id}`, key), 404, 'read');
    assertError(await api(s, 'GET', `/api/messages/${plain.id}`, key), 404, 'read plain');
    assertError(await api(s, 'GET', new URL(withFiles.attachments[0].url).pathname, key), 404, 'download');
    assertError(await api(s, 'DELETE', `/api/messages/${plain.id}`, key), 404, 'delete message');
    assertError(await api(s, 'POST', `/api/emails/${mailbox.email}/late/example.com`, key), 404, 'switch');
    assertError(await api(s, 'DELETE', `/api/emails/${mailbox.email}`, key), 404, 'delete');
    assert.match(await rcptReply(s, mailbox.email), /^550 5\.1\.1 /);
    assert.ok(await store.getMailboxByAddress(mailbox.email), 'the rows wait for the sweeper');
    assertError(await api(s, 'GET', new URL(large.attachments[0].url).pathname, key), 404, 'large');
    assert.equal(await storedBlobCount(s), files, 'the files wait for the sweeper');

    assert.equal(await s.burnbox.services.expiry.sweep(), 1);
    assert.equal(await storedBlobCount(s), 0, 'the stored files are gone');
    assert.equal(await store.getMailboxByAddress(mailbox.email), undefined, 'the mailbox row is gone');
    assert.equal(await store.getMessage(withFiles.id), undefined, 'the message rows are gone');
    assert.equal(await store.getMessage(plain.id), undefined);
    assert.equal(await store.getMessage(large.id), undefined);
    assert.equal(await store.getMailbox(mailbox.id), undefined);
  } finally {
    await s.close();
  }
});

test('a deleted address is kept for its owner during the quarantine, then free for anyone', async () => {
  const a = await newUser();
  const b = await newUser();
  const name = fresh('kept');
  const address = `${name}@example.com`;
  const first = await createMailbox(server, a);
  assert.equal((await switchTo(a.key, first.email, name)).status, 200);
  assert.equal((await api(server, 'DELETE', `/api/emails/${address}`, { key: a.key })).status, 200);
  await assertNoSuchMailbox(server, address);

  const boxB = await createMailbox(server, b);
  assertError(await switchTo(b.key, boxB.email, name), 409, 'B during the quarantine');
  server.clock.advance(quarantineSeconds * 1000 - 1000);
  const boxB2 = await createMailbox(server, b);
  assertError(await switchTo(b.key, boxB2.email, name), 409, 'B a second before the end');

  const boxA = await createMailbox(server, a);
  const reclaimed = await switchTo(a.key, boxA.email, name);
  assert.equal(reclaimed.status, 200, 'A may reclaim it');
  assert.equal(reclaimed.body.data.email, address);
  await assertAccepts(server, address);
  assert.equal((await api(server, 'DELETE', `/api/emails/${address}`, { key: a.key })).status, 200);

  server.clock.advance(quarantineSeconds * 1000);
  const boxB3 = await createMailbox(server, b);
  const claimed = await switchTo(b.key, boxB3.email, name);
  assert.equal(claimed.status, 200, 'after the quarantine B may claim it');
  assert.equal(claimed.body.data.email, address);
});

test('an expired address is quarantined the same way, with or without a sweep', async () => {
  const a = await newUser();
  const b = await newUser();
  const [gone, swept] = [fresh('gone'), fresh('swept')];
  for (const name of [gone, swept]) {
    const box = await createMailbox(server, a);
    assert.equal((await switchTo(a.key, box.email, name)).status, 200);
  }
  server.clock.advance(lifetimeMs);
  const boxB = await createMailbox(server, b);
  // Not swept yet: the claim itself finds the expired mailbox.
  assertError(await switchTo(b.key, boxB.email, gone), 409, 'B claiming an expired, unswept address');
  await server.burnbox.services.expiry.sweep();
  assert.equal(await server.burnbox.services.store.getMailboxByAddress(`${swept}@example.com`), undefined);
  assertError(await switchTo(b.key, boxB.email, swept), 409, 'B claiming an expired, swept address');

  const boxA = await createMailbox(server, a);
  const reclaimed = await switchTo(a.key, boxA.email, gone);
  assert.equal(reclaimed.status, 200, 'A reclaims the expired address');
  await assertAccepts(server, `${gone}@example.com`);

  server.clock.advance(quarantineSeconds * 1000); // exactly when the quarantine of `swept` ends
  const boxB2 = await createMailbox(server, b);
  const claimed = await switchTo(b.key, boxB2.email, swept);
  assert.equal(claimed.status, 200, 'B claims it once the quarantine has passed');
  assert.equal(claimed.body.data.email, `${swept}@example.com`);
  // A's reclaimed mailbox expired later, so its new quarantine still holds.
  const boxB3 = await createMailbox(server, b);
  assertError(await switchTo(b.key, boxB3.email, gone), 409, 'the reclaimed address is quarantined anew');
});

test('stored files are deleted with the last message that uses them', async () => {
  const s = await startTestServer({ BURNBOX_SWEEP_INTERVAL_SECONDS: '86400' });
  try {
    await addDomain(s, 'example.com');
    const a = await createUser(s, 'files-a@example.org');
    const b = await createUser(s, 'files-b@example.org');
    // 1 MiB: stored as a file, not inside the database.
    const deliver = async (to: string[]) => {
      const { raw } = buildLargeAttachmentMessage(to[0] as string, 1024 * 1024);
      const sent = await sendRaw(s, raw, { from: 'large@example.com', to });
      assert.deepEqual(sent.accepted.sort(), [...to].sort());
    };
    const idsOf = async (key: string, email: string) =>
      (await api(s, 'GET', `/api/messages?email=${email}`, { key })).body.messages.map(
        (m: any) => m.id,
      ) as string[];

    // Deleting a message.
    const box1 = await createMailbox(s, a);
    await deliver([box1.email]);
    const perDelivery = await storedBlobCount(s);
    assert.ok(perDelivery >= 1);
    const [id1] = await idsOf(a.key, box1.email);
    assert.equal((await api(s, 'DELETE', `/api/messages/${id1}`, { key: a.key })).status, 200);
    assert.equal(await storedBlobCount(s), 0, 'deleting the message deleted its file');

    // One delivery to two users: the file stays until both copies are gone.
    const boxB = await createMailbox(s, b);
    await deliver([box1.email, boxB.email]);
    assert.equal(await storedBlobCount(s), perDelivery, 'stored once for both recipients');
    assert.equal((await api(s, 'DELETE', `/api/emails/${box1.email}`, { key: a.key })).status, 200);
    assert.equal(await storedBlobCount(s), perDelivery, "B's copy still needs the file");
    const [idB] = await idsOf(b.key, boxB.email);
    assert.equal((await api(s, 'DELETE', `/api/messages/${idB}`, { key: b.key })).status, 200);
    assert.equal(await storedBlobCount(s), 0);

    // Switching away from a mailbox deletes its messages' files.
    const box2 = await createMailbox(s, a);
    await deliver([box2.email]);
    assert.equal(await storedBlobCount(s), perDelivery);
    assert.equal(
      (await api(s, 'POST', `/api/emails/${box2.email}/moved/example.com`, { key: a.key })).status,
      200,
    );
    assert.equal(await storedBlobCount(s), 0, 'switching deleted the old mailbox and its files');

    // A refused claim on an expired address leaves it to the sweeper, which deletes the file.
    const box3 = await createMailbox(s, a);
    await deliver([box3.email]);
    s.clock.advance(lifetimeMs);
    const boxB2 = await createMailbox(s, b);
    const local = box3.email.split('@')[0];
    assertError(await api(s, 'POST', `/api/emails/${boxB2.email}/${local}/example.com`, { key: b.key }), 409);
    assert.equal(await storedBlobCount(s), perDelivery);
    await s.burnbox.services.expiry.sweep();
    assert.equal(await storedBlobCount(s), 0, 'no file is left behind');
  } finally {
    await s.close();
  }
});

test('long addresses work in every path that carries one', async () => {
  const longDomain = 'a-rather-long-subdomain-for-addresses.mail.example.com';
  await addDomain(server, longDomain);
  const user = await newUser();
  const box = await createMailbox(server, user);
  const local = `${users}`.padStart(64, 'l');
  const address = `${local}@${longDomain}`; // 119 characters
  const switched = await switchTo(user.key, box.email, local, longDomain);
  assert.equal(switched.status, 200);
  assert.equal(switched.body.data.email, address);
  const sent = await sendMail(server, { to: address, subject: 'long', text: 'x' });
  assert.deepEqual(sent.accepted, [address]);
  const list = await api(server, 'GET', `/api/messages?email=${address}`, { key: user.key });
  assert.equal(list.body.messages.length, 1);
  const next = await switchTo(user.key, address, `${local.slice(1)}x`, longDomain);
  assert.equal(next.status, 200, 'switching from a long address');
  const deleted = await api(server, 'DELETE', `/api/emails/${next.body.data.email}`, { key: user.key });
  assert.equal(deleted.status, 200, 'deleting a long address');
});
