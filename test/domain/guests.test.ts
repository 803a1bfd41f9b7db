// Guest mailboxes (the web UI without an account): no owner, the free plan's domains and
// lifetime; extend, switch and delete; and extending users' mailboxes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type DomainHarness, hour, minute, rejectsWith, startServices } from './helpers.ts';

const lifetime = 600_000; // the free plan's mailboxLifetimeSeconds
const quarantine = hour;

let server: DomainHarness;
before(async () => {
  server = await startServices({ BURNBOX_QUARANTINE_SECONDS: String(quarantine / 1000) });
  await server.services.domains.add('guest.test', 'free');
  await server.services.domains.add('paid.test', 'premium');
});
after(() => server.close());

const mailboxes = () => server.services.mailboxes;
const stored = (id: number) => server.services.store.getMailbox(id);

test('createGuest makes an ownerless mailbox with a random name on a free domain, for the free lifetime', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 12; i++) {
    const mailbox = await mailboxes().createGuest();
    assert.equal(mailbox.userId, null);
    assert.equal(mailbox.domain, 'guest.test', 'never a premium domain');
    assert.match(mailbox.localPart, /^[a-z][a-z0-9]{9}$/);
    assert.equal(mailbox.createdAt, server.clock.now);
    assert.equal(mailbox.expiresAt, server.clock.now + lifetime);
    assert.deepEqual(await stored(mailbox.id), mailbox);
    seen.add(mailbox.address);
  }
  assert.equal(seen.size, 12);
});

test('a guest mailbox receives mail', async () => {
  const mailbox = await mailboxes().createGuest();
  assert.deepEqual(await server.services.ingest.checkRecipient(mailbox.address), {
    accepted: true,
    mailbox,
    recipient: mailbox.address,
  });
  assert.equal(await server.receive([mailbox], 'For a guest'), 1);
  const messages = await server.services.store.listMessages(mailbox.id);
  assert.deepEqual(
    messages.map((m) => m.content.subject),
    ['For a guest'],
  );
});

test('createGuest needs a free domain', async () => {
  const fresh = await startServices();
  try {
    await fresh.services.domains.add('only-paid.test', 'premium');
    await rejectsWith(fresh.services.mailboxes.createGuest(), 'forbidden', /No domain is available/);
  } finally {
    await fresh.close();
  }
});

test('extend gives a guest mailbox the free lifetime from now, and never shortens', async () => {
  const mailbox = await mailboxes().createGuest();
  server.clock.advance(4 * minute);
  const extended = await mailboxes().extend(mailbox, undefined);
  assert.deepEqual(extended, { ...mailbox, expiresAt: server.clock.now + lifetime });
  assert.deepEqual(await stored(mailbox.id), extended);
  // At once again: now + lifetime is the same expiry, nothing changes.
  assert.deepEqual(await mailboxes().extend(extended, undefined), extended);
  // A stale copy (from before the extension) does not shorten it either.
  assert.deepEqual(await mailboxes().extend(mailbox, undefined), extended);
  server.clock.advance(lifetime);
  await rejectsWith(mailboxes().extend(extended, undefined), 'not_found', /was not found/);
});

test("extend uses the owner's plan for a user's mailbox; permanent mailboxes stay as they are", async () => {
  const { accounts } = server.services;
  const free = await accounts.createUser({ email: 'ext-free@example.org' });
  const premium = await accounts.createUser({ email: 'ext-premium@example.org', plan: 'premium' });
  const mine = await mailboxes().createRandom(free);
  server.clock.advance(minute);
  assert.equal((await mailboxes().extend(mine, free)).expiresAt, server.clock.now + lifetime);

  const long = await mailboxes().createNamed(premium, 'long-lived', 'paid.test', 10 * hour);
  assert.deepEqual(await mailboxes().extend(long, premium), long, 'an hour from now would shorten it');
  server.clock.advance(9.5 * hour);
  assert.equal((await mailboxes().extend(long, premium)).expiresAt, server.clock.now + hour);

  const forever = await mailboxes().createNamed(premium, 'forever', 'paid.test', null);
  assert.deepEqual(await mailboxes().extend(forever, premium), forever);
  assert.equal((await stored(forever.id))?.expiresAt, null);
});

test("extend refuses someone else's mailbox, and a guest mailbox for a user", async () => {
  const { accounts } = server.services;
  const alice = await accounts.createUser({ email: 'ext-alice@example.org' });
  const bob = await accounts.createUser({ email: 'ext-bob@example.org' });
  const alices = await mailboxes().createRandom(alice);
  const guests = await mailboxes().createGuest();
  await rejectsWith(mailboxes().extend(alices, bob), 'not_found');
  await rejectsWith(mailboxes().extend(alices, undefined), 'not_found');
  await rejectsWith(mailboxes().extend(guests, alice), 'not_found');
  assert.deepEqual(await stored(alices.id), alices);
  assert.deepEqual(await stored(guests.id), guests);
});

test('switchGuest moves a guest to the chosen address with a fresh lifetime and drops the old one', async () => {
  const old = await mailboxes().createGuest();
  await server.receive([old], 'Before the switch');
  server.clock.advance(3 * minute);
  const moved = await mailboxes().switchGuest(old, ' My.Name ', 'Guest.Test');
  assert.equal(moved.address, 'my.name@guest.test');
  assert.equal(moved.userId, null);
  assert.equal(moved.expiresAt, server.clock.now + lifetime);
  assert.equal(await stored(old.id), undefined);
  assert.deepEqual(await server.services.store.listMessages(old.id), []);
  assert.deepEqual(await server.services.store.getMailboxByAddress('my.name@guest.test'), moved);
});

test("a guest's old address is held against everybody until the quarantine ends", async () => {
  const alice = await server.services.accounts.createUser({ email: 'q-alice@example.org' });
  const first = await mailboxes().createGuest();
  const moved = await mailboxes().switchGuest(first, 'q-next', 'guest.test');
  const other = await mailboxes().createGuest();
  await rejectsWith(
    mailboxes().switchGuest(other, first.localPart, 'guest.test'),
    'conflict',
    /not available/,
  );
  await rejectsWith(mailboxes().switchGuest(moved, first.localPart, 'guest.test'), 'conflict');
  await rejectsWith(mailboxes().createNamed(alice, first.localPart, 'guest.test', hour), 'conflict');
  server.clock.advance(quarantine);
  const later = await mailboxes().createGuest();
  const back = await mailboxes().switchGuest(later, first.localPart, 'guest.test');
  assert.equal(back.address, first.address);
});

test('switchGuest follows the rules of switch', async () => {
  const alice = await server.services.accounts.createUser({ email: 'sw-alice@example.org' });
  const guest = await mailboxes().createGuest();
  const taken = await mailboxes().createGuest();
  await rejectsWith(mailboxes().switchGuest(guest, 'premium-name', 'paid.test'), 'forbidden', /premium/);
  await rejectsWith(mailboxes().switchGuest(guest, 'x', 'elsewhere.test'), 'not_found', /not hosted/);
  await rejectsWith(mailboxes().switchGuest(guest, 'postmaster', 'guest.test'), 'invalid', /reserved/);
  await rejectsWith(mailboxes().switchGuest(guest, 'bad name!', 'guest.test'), 'invalid');
  await rejectsWith(mailboxes().switchGuest(guest, guest.localPart, 'guest.test'), 'conflict', /already/);
  await rejectsWith(
    mailboxes().switchGuest(guest, taken.localPart, 'guest.test'),
    'conflict',
    /not available/,
  );
  assert.deepEqual(await stored(guest.id), guest, 'refusals leave the mailbox as it was');

  const alices = await mailboxes().createRandom(alice);
  await rejectsWith(mailboxes().switchGuest(alices, 'stolen', 'guest.test'), 'not_found');
  assert.deepEqual(await stored(alices.id), alices);

  const expired = await mailboxes().createGuest();
  server.clock.advance(lifetime);
  await rejectsWith(mailboxes().switchGuest(expired, 'late', 'guest.test'), 'not_found');
  const deleted = await mailboxes().createGuest();
  await mailboxes().deleteGuest(deleted);
  await rejectsWith(
    mailboxes().switchGuest(deleted, 'after-delete', 'guest.test'),
    'not_found',
    /no longer exists/,
  );
  assert.equal(await server.services.store.getMailboxByAddress('after-delete@guest.test'), undefined);
});

test("deleteGuest releases a guest's mailbox with its mail, and only a guest's", async () => {
  const alice = await server.services.accounts.createUser({ email: 'del-alice@example.org' });
  const guest = await mailboxes().createGuest();
  await server.receive([guest], 'Soon gone');
  const deleted: string[] = [];
  const unsubscribe = server.services.events.subscribe('mailbox.deleted', ({ mailbox }) => {
    deleted.push(mailbox.address);
  });
  try {
    await mailboxes().deleteGuest(guest);
    assert.equal(await stored(guest.id), undefined);
    assert.deepEqual(await server.services.store.listMessages(guest.id), []);
    assert.deepEqual(deleted, [guest.address]);
    await mailboxes().deleteGuest(guest); // already gone: nothing happens
    assert.deepEqual(deleted, [guest.address]);

    const alices = await mailboxes().createRandom(alice);
    await rejectsWith(mailboxes().deleteGuest(alices), 'not_found');
    assert.deepEqual(await stored(alices.id), alices);
  } finally {
    unsubscribe();
  }
});
