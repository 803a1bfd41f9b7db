// The Store contract: every backend (SQLite now, PostgreSQL later) runs this same suite
// against a fresh store per test. It checks documented behaviour only, through the Store
// interface, with explicit `now` values (no sleeping) and no backend-specific assumptions
// (ids are whatever the backend assigns).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { DomainType } from '../../src/config/plans.ts';
import type {
  ChunkedPart,
  ClaimResult,
  MailboxRecord,
  MailContent,
  MessageListPosition,
  MessageRecord,
  MessageState,
  NewDelivery,
  OutboxItem,
  OutboxOutcome,
  Page,
  PageCursor,
  Store,
  UserRecord,
  WebhookAttempt,
} from '../../src/store/types.ts';

export type StoreFactory = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const Q = 10 * 60_000; // quarantine used by most tests
const DOMAIN = 'example.com';

let counter = 0;
/** A 46-character public message id (letters and digits). */
function messageId(): string {
  counter++;
  return `${randomUUID().replaceAll('-', '')}${String(counter).padStart(14, '0')}`;
}

function content(blobKey: string, overrides: Partial<MailContent> = {}): MailContent {
  return {
    subject: `Subject ${blobKey}`,
    fromName: 'Alice Sender',
    fromEmail: 'alice@sender.test',
    text: `Body of ${blobKey}`,
    html: `<p>Body of ${blobKey}</p>`,
    size: 1234,
    blobKey,
    attachments: [],
    ...overrides,
  };
}

function recipient(mailbox: Pick<MailboxRecord, 'id' | 'address'>) {
  return { mailboxId: mailbox.id, recipient: mailbox.address, id: messageId(), uuid: randomUUID() };
}

function delivery(blobKey: string, mailboxes: MailboxRecord[], receivedAt = T0): NewDelivery {
  return { content: content(blobKey), receivedAt, recipients: mailboxes.map(recipient) };
}

/** Delivers one message to one mailbox and returns it. */
async function deliverOne(store: Store, mailbox: MailboxRecord, blobKey: string, receivedAt = T0) {
  const [message, ...rest] = await store.insertDelivery(delivery(blobKey, [mailbox], receivedAt));
  assert.ok(message, 'the delivery stored a message');
  assert.equal(rest.length, 0);
  return message;
}

async function newUser(store: Store, email: string, now = T0): Promise<UserRecord> {
  const user = await store.createUser({
    uuid: randomUUID(),
    email,
    passwordHash: `hash-of-${email}`,
    plan: 'free',
    createdAt: now,
  });
  assert.ok(user, `user ${email} created`);
  return user;
}

interface ClaimOptions {
  userId?: number | null;
  domain?: string;
  createdAt?: number;
  expiresAt?: number | null;
  now?: number;
  quarantineMs?: number;
  replacesMailboxId?: number;
  maxLiveMailboxes?: number;
  uuid?: string;
}

function tryClaim(store: Store, localPart: string, o: ClaimOptions = {}): Promise<ClaimResult> {
  const now = o.now ?? T0;
  return store.claimMailbox({
    mailbox: {
      uuid: o.uuid ?? randomUUID(),
      localPart,
      domain: o.domain ?? DOMAIN,
      userId: o.userId === undefined ? null : o.userId,
      createdAt: o.createdAt ?? now,
      expiresAt: o.expiresAt === undefined ? now + HOUR : o.expiresAt,
    },
    now,
    quarantineMs: o.quarantineMs ?? Q,
    ...(o.replacesMailboxId === undefined ? {} : { replacesMailboxId: o.replacesMailboxId }),
    ...(o.maxLiveMailboxes === undefined ? {} : { maxLiveMailboxes: o.maxLiveMailboxes }),
  });
}

async function claim(store: Store, localPart: string, o: ClaimOptions = {}): Promise<MailboxRecord> {
  const result = await tryClaim(store, localPart, o);
  assert.ok(result.ok, `claim of ${localPart} refused: ${result.ok ? '' : result.reason}`);
  return result.mailbox;
}

function refusal(result: ClaimResult): string {
  return result.ok ? 'ok' : result.reason;
}

const sorted = (keys: string[]) => [...keys].sort();

/** A random uuid starting with `prefix` (hex digits), to choose its place in uuid order. */
function uuidStartingWith(prefix: string): string {
  return prefix + randomUUID().slice(prefix.length);
}

/** A fixed uuid of one repeated hex digit: a cursor position that is no item's own. */
function uuidOf(digit: string): string {
  return `${digit.repeat(8)}-${digit.repeat(4)}-4${digit.repeat(3)}-8${digit.repeat(3)}-${digit.repeat(12)}`;
}

/** Delivers one message with the given uuid to one mailbox and returns it. */
async function deliverAs(
  store: Store,
  mailbox: MailboxRecord,
  blobKey: string,
  receivedAt: number,
  uuid: string,
) {
  const [message] = await store.insertDelivery({
    content: content(blobKey),
    receivedAt,
    recipients: [{ ...recipient(mailbox), uuid }],
  });
  assert.ok(message, 'the delivery stored a message');
  return message;
}

/** True when `a` comes strictly before `b` in page order (time desc, uuid desc). */
function pageBefore(a: { at: number; uuid: string }, b: { at: number; uuid: string }): boolean {
  return a.at > b.at || (a.at === b.at && a.uuid > b.uuid);
}

/**
 * Walks a listing page by page, each next page from the last item of the previous one, calling
 * `between` after every page; returns every item seen, in order.
 */
async function walkPages<T extends { uuid: string }>(
  fetch: (cursor?: PageCursor) => Promise<Page<T>>,
  at: (item: T) => number,
  between: (items: T[]) => Promise<void>,
): Promise<T[]> {
  const seen: T[] = [];
  let cursor: PageCursor | undefined;
  for (let page = 0; page < 100; page++) {
    const { items } = await fetch(cursor);
    if (items.length === 0) return seen;
    seen.push(...items);
    const last = items[items.length - 1] as T;
    cursor = { at: at(last), uuid: last.uuid };
    await between(items);
  }
  assert.fail('the walk did not end');
}

/** Checks a walk: strictly in page order (so nothing repeated), and containing `expected`. */
function assertWalk<T extends { uuid: string }>(seen: T[], at: (item: T) => number, expected: T[]) {
  for (let i = 1; i < seen.length; i++) {
    const [prev, next] = [seen[i - 1] as T, seen[i] as T];
    assert.ok(
      pageBefore({ at: at(prev), uuid: prev.uuid }, { at: at(next), uuid: next.uuid }),
      `item ${i} follows item ${i - 1} in page order`,
    );
  }
  assert.equal(new Set(seen.map((m) => m.uuid)).size, seen.length, 'no item seen twice');
  const seenUuids = new Set(seen.map((m) => m.uuid));
  for (const item of expected) assert.ok(seenUuids.has(item.uuid), `item ${item.uuid} was not skipped`);
}

const EVENT = 'message.received';
const LEASE = 30_000;

function hookEvent(deliveryId: string, event = EVENT) {
  return { deliveryId, event, payload: JSON.stringify({ deliveryId, event }) };
}

/** A recipient whose copy carries a webhook event. */
function hookRecipient(mailbox: Pick<MailboxRecord, 'id' | 'address'>, deliveryId: string) {
  return { ...recipient(mailbox), webhook: hookEvent(deliveryId) };
}

/** Leases every item due at `now`. */
function claimAll(store: Store, now: number): Promise<OutboxItem[]> {
  return store.claimDueWebhooks(now, LEASE, 1000, []);
}

const deliveryIds = (items: { deliveryId: string }[]) => items.map((i) => i.deliveryId);

/** Finishes an attempt on `item`, made at `attemptedAt`, with `outcome`. */
function finish(
  store: Store,
  item: OutboxItem,
  attemptedAt: number,
  outcome: OutboxOutcome,
  fields: Partial<Pick<WebhookAttempt, 'url' | 'statusCode' | 'error' | 'durationMs'>> = {},
): Promise<void> {
  return store.finishWebhookAttempt(
    item,
    {
      attemptedAt,
      url: 'https://hooks.test/in',
      statusCode: outcome.kind === 'delivered' ? 200 : 500,
      error: null,
      durationMs: 25,
      ...fields,
    },
    outcome,
  );
}

/** Every chunk of a stored part of a message's mail, read one at a time. */
async function readChunks(store: Store, uuid: string, part: ChunkedPart): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for (let seq = 0; ; seq++) {
    const chunk = await store.readChunk(uuid, part, seq);
    if (!chunk) return chunks;
    chunks.push(chunk);
  }
}

/**
 * The store as most tests see it: delivered copies without their `webhookQueued` flag, so they
 * compare equal to the same messages read back (the flag has its own test).
 */
function comparable(store: Store): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'insertDelivery') {
        return async (delivery: NewDelivery) =>
          (await target.insertDelivery(delivery)).map(({ webhookQueued: _, ...message }) => message);
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export function storeContract(name: string, factory: StoreFactory): void {
  /** A test with a fresh store (and the domains mailboxes are claimed on). */
  function it(title: string, fn: (store: Store) => Promise<void>, options: { raw?: boolean } = {}) {
    test(title, async () => {
      const { store, cleanup } = await factory();
      try {
        await store.upsertDomain(DOMAIN, 'free', T0);
        await store.upsertDomain('example.net', 'premium', T0);
        await fn(options.raw ? store : comparable(store));
      } finally {
        await cleanup();
      }
    });
  }

  describe(`Store contract: ${name}`, () => {
    describe('readiness', () => {
      it('pendingMigrations is empty once the store is open (every migration applied)', async (store) => {
        assert.deepEqual(await store.pendingMigrations(), []);
      });
    });

    describe('secrets', () => {
      it('getOrCreateSecret creates a secret once and returns the same value afterwards', async (store) => {
        assert.equal(await store.getOrCreateSecret('session', () => 'first'), 'first');
        assert.equal(await store.getOrCreateSecret('session', () => 'second'), 'first');
        assert.equal(await store.getOrCreateSecret('session', () => 'third'), 'first');
      });

      it('secrets with different names are independent', async (store) => {
        assert.equal(await store.getOrCreateSecret('a', () => 'value-a'), 'value-a');
        assert.equal(await store.getOrCreateSecret('b', () => 'value-b'), 'value-b');
        assert.equal(await store.getOrCreateSecret('a', () => 'other'), 'value-a');
      });

      it('concurrent first uses all get the same value', async (store) => {
        const values = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.getOrCreateSecret('race', () => `v${i}`)),
        );
        assert.equal(new Set(values).size, 1);
        assert.equal(await store.getOrCreateSecret('race', () => 'late'), values[0]);
      });
    });

    describe('domains', () => {
      it('upsertDomain inserts and returns the record; getDomain reads it', async (store) => {
        const record = await store.upsertDomain('new.test', 'premium', T0 + 5);
        assert.deepEqual(record, { name: 'new.test', type: 'premium', createdAt: T0 + 5 });
        assert.deepEqual(await store.getDomain('new.test'), record);
        assert.equal(await store.getDomain('missing.test'), undefined);
      });

      it('re-upserting a domain changes its type and keeps its creation time', async (store) => {
        await store.upsertDomain('switch.test', 'free', T0);
        const changed = await store.upsertDomain('switch.test', 'premium', T0 + HOUR);
        assert.deepEqual(changed, { name: 'switch.test', type: 'premium', createdAt: T0 });
        assert.deepEqual(await store.getDomain('switch.test'), changed);
        const back = await store.upsertDomain('switch.test', 'free', T0 + 2 * HOUR);
        assert.equal(back.type, 'free');
        assert.equal((await store.listDomains()).filter((d) => d.name === 'switch.test').length, 1);
      });

      it('listDomains returns every domain ordered by name', async (store) => {
        const types: Record<string, DomainType> = { 'b.test': 'free', 'a.test': 'premium', 'c.test': 'free' };
        for (const [domain, type] of Object.entries(types)) await store.upsertDomain(domain, type, T0);
        const list = await store.listDomains();
        assert.deepEqual(
          list.map((d) => d.name),
          ['a.test', 'b.test', 'c.test', DOMAIN, 'example.net'],
        );
        assert.deepEqual(
          list.find((d) => d.name === 'a.test'),
          { name: 'a.test', type: 'premium', createdAt: T0 },
        );
      });

      it('removeDomain returns true when it removed the domain and false otherwise', async (store) => {
        await store.upsertDomain('gone.test', 'free', T0);
        assert.equal(await store.removeDomain('gone.test'), true);
        assert.equal(await store.getDomain('gone.test'), undefined);
        assert.equal(await store.removeDomain('gone.test'), false);
        assert.equal(await store.removeDomain('never.test'), false);
        assert.ok(!(await store.listDomains()).some((d) => d.name === 'gone.test'));
        assert.ok(await store.getDomain(DOMAIN), 'other domains stay');
      });
    });

    describe('custom domains', () => {
      const pending = (name: string, userId: number, token = `token-${userId}`, createdAt = T0) => ({
        name,
        userId,
        token,
        status: 'pending' as const,
        createdAt,
        nextCheckAt: createdAt,
      });

      it('addCustomDomain stores a pending claim; it is read back per user and by name', async (store) => {
        const user = await newUser(store, 'owner@people.test');
        const added = await store.addCustomDomain(pending('own.test', user.id, 'tok'), 3);
        assert.ok(added.ok);
        const expected = {
          name: 'own.test',
          userId: user.id,
          token: 'tok',
          status: 'pending',
          createdAt: T0,
          checkedAt: null,
          lastProblem: null,
          verifiedAt: null,
          nextCheckAt: T0,
          catchAll: null,
        };
        assert.deepEqual(added.record, expected);
        assert.deepEqual(await store.getCustomDomain('own.test', user.id), expected);
        assert.deepEqual(await store.listCustomDomainsOfUser(user.id), [expected]);
        assert.deepEqual(await store.listCustomDomains(), [expected]);
        assert.equal(await store.getVerifiedCustomDomain('own.test'), undefined, 'pending takes no mail');
      });

      it('addCustomDomain refuses an operator domain, a second claim of the user, and past the cap', async (store) => {
        const user = await newUser(store, 'owner@people.test');
        assert.deepEqual(await store.addCustomDomain(pending(DOMAIN, user.id), 3), {
          ok: false,
          reason: 'hosted',
        });
        assert.ok((await store.addCustomDomain(pending('a.test', user.id), 2)).ok);
        assert.deepEqual(await store.addCustomDomain(pending('a.test', user.id), 2), {
          ok: false,
          reason: 'exists',
        });
        assert.ok((await store.addCustomDomain(pending('b.test', user.id), 2)).ok);
        assert.deepEqual(await store.addCustomDomain(pending('c.test', user.id), 2), {
          ok: false,
          reason: 'limit_reached',
        });
      });

      it('several accounts claim a name while pending; the first verified wins and fails the others', async (store) => {
        const a = await newUser(store, 'a@people.test');
        const b = await newUser(store, 'b@people.test');
        const c = await newUser(store, 'c@people.test');
        for (const user of [a, b]) assert.ok((await store.addCustomDomain(pending('x.test', user.id), 3)).ok);
        const won = await store.settleCustomDomainCheck('x.test', b.id, { kind: 'verified', at: T0 + 5 });
        assert.equal(won?.status, 'verified');
        assert.equal(won?.verifiedAt, T0 + 5);
        assert.equal((await store.getVerifiedCustomDomain('x.test'))?.userId, b.id);
        const lost = await store.getCustomDomain('x.test', a.id);
        assert.equal(lost?.status, 'failed');
        assert.match(lost?.lastProblem ?? '', /Another account/);
        // A later verified look of the loser does not take the name over.
        const late = await store.settleCustomDomainCheck('x.test', a.id, { kind: 'verified', at: T0 + 6 });
        assert.equal(late?.status, 'failed');
        assert.deepEqual(await store.addCustomDomain(pending('x.test', c.id), 3), {
          ok: false,
          reason: 'taken',
        });
      });

      it('an attached (verified) claim fails the pending ones at once', async (store) => {
        const a = await newUser(store, 'a@people.test');
        const b = await newUser(store, 'b@people.test');
        assert.ok((await store.addCustomDomain(pending('y.test', a.id), 3)).ok);
        const attached = await store.addCustomDomain({ ...pending('y.test', b.id), status: 'verified' }, 3);
        assert.ok(attached.ok);
        assert.equal(attached.record.status, 'verified');
        assert.equal(attached.record.verifiedAt, T0);
        assert.equal((await store.getCustomDomain('y.test', a.id))?.status, 'failed');
      });

      it('settleCustomDomainCheck records a pending look and a failure; a verified claim stays verified', async (store) => {
        const user = await newUser(store, 'owner@people.test');
        await store.addCustomDomain(pending('z.test', user.id), 3);
        const looked = await store.settleCustomDomainCheck('z.test', user.id, {
          kind: 'pending',
          at: T0 + 1,
          problem: 'no TXT',
          nextCheckAt: T0 + HOUR,
        });
        assert.deepEqual(
          [looked?.status, looked?.checkedAt, looked?.lastProblem, looked?.nextCheckAt],
          ['pending', T0 + 1, 'no TXT', T0 + HOUR],
        );
        const failed = await store.settleCustomDomainCheck('z.test', user.id, {
          kind: 'failed',
          at: T0 + 2,
          problem: 'late',
        });
        assert.equal(failed?.status, 'failed');
        await store.settleCustomDomainCheck('z.test', user.id, { kind: 'verified', at: T0 + 3 });
        const kept = await store.settleCustomDomainCheck('z.test', user.id, {
          kind: 'failed',
          at: T0 + 4,
          problem: 'gone',
        });
        assert.equal(kept?.status, 'verified');
        assert.equal(kept?.lastProblem, 'gone');
        assert.equal(
          await store.settleCustomDomainCheck('none.test', user.id, { kind: 'verified', at: T0 }),
          undefined,
        );
      });

      it('takeDueCustomDomainChecks takes due pending claims once, moving them to the lease end', async (store) => {
        const user = await newUser(store, 'owner@people.test');
        await store.addCustomDomain(pending('due.test', user.id, 't', T0), 5);
        await store.addCustomDomain(pending('later.test', user.id, 't', T0 + HOUR), 5);
        await store.addCustomDomain({ ...pending('done.test', user.id), status: 'verified' }, 5);
        const taken = await store.takeDueCustomDomainChecks(T0 + 1, T0 + 10, 10);
        assert.deepEqual(
          taken.map((c) => [c.name, c.nextCheckAt]),
          [['due.test', T0 + 10]],
        );
        assert.deepEqual(await store.takeDueCustomDomainChecks(T0 + 1, T0 + 10, 10), [], 'taken once');
        const next = await store.takeDueCustomDomainChecks(T0 + 2 * HOUR, T0 + 3 * HOUR, 1);
        assert.equal(next.length, 1, 'at most the limit');
      });

      it('removeCustomDomain of a verified claim deletes its mailboxes, messages and quarantines', async (store) => {
        const owner = await newUser(store, 'owner@people.test');
        const rival = await newUser(store, 'rival@people.test');
        await store.addCustomDomain({ ...pending('gone.test', owner.id), status: 'verified' }, 3);
        assert.ok(await store.setCustomDomainCatchAll('gone.test', owner.id, 'box@gone.test'));
        assert.equal((await store.getCustomDomain('gone.test', owner.id))?.catchAll, 'box@gone.test');
        const box = await claim(store, 'box', { userId: owner.id, domain: 'gone.test', expiresAt: null });
        const old = await claim(store, 'old', { userId: owner.id, domain: 'gone.test' });
        await store.releaseMailbox(old.id, T0, Q);
        const elsewhere = await claim(store, 'kept', { userId: owner.id });
        await deliverOne(store, box, 'blob-gone');
        await deliverOne(store, elsewhere, 'blob-kept');

        // A pending claim of another account going leaves the owner's domain alone.
        await store.addCustomDomain(pending('gone.test', rival.id), 3).catch(() => undefined);
        const none = await store.removeCustomDomain('gone.test', rival.id);
        assert.deepEqual(none, { removed: false, blobKeys: [], mailboxes: [] });

        const removed = await store.removeCustomDomain('gone.test', owner.id);
        assert.equal(removed.removed, true);
        assert.deepEqual(
          removed.mailboxes.map((m) => m.address),
          ['box@gone.test'],
        );
        assert.equal(await store.getMailbox(box.id), undefined);
        assert.equal(await store.getCustomDomain('gone.test', owner.id), undefined);
        assert.ok(await store.getMailbox(elsewhere.id), 'mailboxes on other domains stay');
        // The quarantined address is free for the next owner of the domain.
        const next = await tryClaim(store, 'old', { userId: rival.id, domain: 'gone.test', now: T0 + 1 });
        assert.ok(next.ok, refusal(next));
        assert.equal(await store.setCustomDomainCatchAll('gone.test', owner.id, null), false);
      });

      it('removeCustomDomain without a user removes every claim on the name', async (store) => {
        const a = await newUser(store, 'a@people.test');
        const b = await newUser(store, 'b@people.test');
        await store.addCustomDomain(pending('all.test', a.id), 3);
        await store.addCustomDomain(pending('all.test', b.id), 3);
        const removed = await store.removeCustomDomain('all.test', undefined);
        assert.equal(removed.removed, true);
        assert.deepEqual(await store.listCustomDomains(), []);
        assert.equal((await store.removeCustomDomain('all.test', undefined)).removed, false);
      });
    });

    describe('users', () => {
      it('createUser returns the stored record; getUserById and getUserByEmail find it', async (store) => {
        const uuid = randomUUID();
        const user = await store.createUser({
          uuid,
          email: 'bob@example.org',
          passwordHash: 'h1',
          plan: 'pro',
          createdAt: T0 + 7,
        });
        assert.ok(user);
        assert.equal(typeof user.id, 'number');
        assert.deepEqual(user, {
          id: user.id,
          uuid,
          email: 'bob@example.org',
          passwordHash: 'h1',
          plan: 'pro',
          disabled: false,
          isAdmin: false,
          createdAt: T0 + 7,
        });
        assert.deepEqual(await store.getUserById(user.id), user);
        assert.deepEqual(await store.getUserByEmail('bob@example.org'), user);
        assert.equal(await store.getUserById(user.id + 1000), undefined);
        assert.equal(await store.getUserByEmail('nobody@example.org'), undefined);
      });

      it('createUser keeps a null password hash', async (store) => {
        const user = await store.createUser({
          uuid: randomUUID(),
          email: 'nopass@example.org',
          passwordHash: null,
          plan: 'free',
          createdAt: T0,
        });
        assert.equal(user?.passwordHash, null);
        assert.equal((await store.getUserByEmail('nopass@example.org'))?.passwordHash, null);
      });

      it('createUser returns undefined for an email already registered and keeps the first', async (store) => {
        const first = await newUser(store, 'dup@example.org');
        const second = await store.createUser({
          uuid: randomUUID(),
          email: 'dup@example.org',
          passwordHash: 'other',
          plan: 'pro',
          createdAt: T0 + 1,
        });
        assert.equal(second, undefined);
        assert.deepEqual(await store.getUserByEmail('dup@example.org'), first);
      });

      it('users get distinct ids', async (store) => {
        const a = await newUser(store, 'a@example.org');
        const b = await newUser(store, 'b@example.org');
        assert.notEqual(a.id, b.id);
        assert.equal((await store.getUserById(b.id))?.email, 'b@example.org');
      });

      it('updateUser changes only the given fields', async (store) => {
        const user = await newUser(store, 'upd@example.org');
        const other = await newUser(store, 'other@example.org');

        await store.updateUser(user.id, { plan: 'pro' });
        assert.deepEqual(await store.getUserById(user.id), { ...user, plan: 'pro' });

        await store.updateUser(user.id, { disabled: true });
        assert.deepEqual(await store.getUserById(user.id), { ...user, plan: 'pro', disabled: true });

        await store.updateUser(user.id, { passwordHash: 'new-hash' });
        assert.deepEqual(await store.getUserById(user.id), {
          ...user,
          plan: 'pro',
          disabled: true,
          passwordHash: 'new-hash',
        });

        await store.updateUser(user.id, { disabled: false, plan: 'free' });
        assert.deepEqual(await store.getUserById(user.id), { ...user, passwordHash: 'new-hash' });

        await store.updateUser(user.id, {});
        assert.deepEqual(await store.getUserById(user.id), { ...user, passwordHash: 'new-hash' });

        assert.deepEqual(await store.getUserById(other.id), other, 'other users are untouched');
      });

      it('updateUser sets a password on a user without one and leaves it null otherwise', async (store) => {
        const user = await store.createUser({
          uuid: randomUUID(),
          email: 'np@example.org',
          passwordHash: null,
          plan: 'free',
          createdAt: T0,
        });
        assert.ok(user);
        await store.updateUser(user.id, { plan: 'pro' });
        assert.equal((await store.getUserById(user.id))?.passwordHash, null);
        await store.updateUser(user.id, { passwordHash: 'set' });
        assert.equal((await store.getUserById(user.id))?.passwordHash, 'set');
      });

      it('setApiKeyHash makes the user findable by that hash', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        assert.equal(await store.getUserByApiKeyHash('key-a'), undefined);
        await store.setApiKeyHash(alice.id, 'key-a', T0);
        await store.setApiKeyHash(bob.id, 'key-b', T0);
        assert.deepEqual(await store.getUserByApiKeyHash('key-a'), alice);
        assert.deepEqual(await store.getUserByApiKeyHash('key-b'), bob);
        assert.equal(await store.getUserByApiKeyHash('key-c'), undefined);
      });

      it('getApiKeyCreatedAt tells whether and since when the user has a key', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        assert.equal(await store.getApiKeyCreatedAt(alice.id), undefined);
        await store.setApiKeyHash(alice.id, 'key-a', T0);
        assert.equal(await store.getApiKeyCreatedAt(alice.id), T0);
        await store.setApiKeyHash(alice.id, 'key-b', T0 + 5);
        assert.equal(await store.getApiKeyCreatedAt(alice.id), T0 + 5);
      });

      it('a new API key hash replaces the old one', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.setApiKeyHash(alice.id, 'old-key', T0);
        await store.setApiKeyHash(alice.id, 'new-key', T0 + 1);
        assert.equal(await store.getUserByApiKeyHash('old-key'), undefined);
        assert.deepEqual(await store.getUserByApiKeyHash('new-key'), alice);
        // The old hash is free again for another user (it was really replaced, not kept).
        const bob = await newUser(store, 'bob@example.org');
        await store.setApiKeyHash(bob.id, 'old-key', T0 + 2);
        assert.deepEqual(await store.getUserByApiKeyHash('old-key'), bob);
        assert.deepEqual(await store.getUserByApiKeyHash('new-key'), alice);
      });

      it('getUserByApiKeyHash returns the current user record', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.setApiKeyHash(alice.id, 'key', T0);
        await store.updateUser(alice.id, { disabled: true, plan: 'pro' });
        assert.deepEqual(await store.getUserByApiKeyHash('key'), { ...alice, disabled: true, plan: 'pro' });
      });
    });

    describe('request quota', () => {
      it('reserveRequest counts up to the limit, then refuses with used == limit', async (store) => {
        const user = await newUser(store, 'q@example.org');
        assert.equal(await store.getRequestsUsed(user.id, '2024-01'), 0);
        assert.deepEqual(await store.reserveRequest(user.id, '2024-01', 3), { allowed: true, used: 1 });
        assert.deepEqual(await store.reserveRequest(user.id, '2024-01', 3), { allowed: true, used: 2 });
        assert.deepEqual(await store.reserveRequest(user.id, '2024-01', 3), { allowed: true, used: 3 });
        assert.deepEqual(await store.reserveRequest(user.id, '2024-01', 3), { allowed: false, used: 3 });
        assert.deepEqual(await store.reserveRequest(user.id, '2024-01', 3), { allowed: false, used: 3 });
        assert.equal(await store.getRequestsUsed(user.id, '2024-01'), 3);
        // A higher limit (plan upgrade) lets the count continue.
        assert.deepEqual(await store.reserveRequest(user.id, '2024-01', 4), { allowed: true, used: 4 });
        // A lower limit refuses and reports the real count.
        assert.deepEqual(await store.reserveRequest(user.id, '2024-01', 2), { allowed: false, used: 4 });
        assert.equal(await store.getRequestsUsed(user.id, '2024-01'), 4);
      });

      it('countKeyRequest counts for the current user of the key, and only while it is unchanged', async (store) => {
        const user = await newUser(store, 'k@example.org');
        await store.setApiKeyHash(user.id, 'key-1', T0);
        assert.deepEqual(await store.countKeyRequest('key-1', user, 'p', 2), { outcome: 'counted', used: 1 });
        assert.deepEqual(await store.countKeyRequest('key-1', user, 'p', 2), { outcome: 'counted', used: 2 });
        assert.deepEqual(await store.countKeyRequest('key-1', user, 'p', 2), { outcome: 'spent', used: 2 });
        assert.deepEqual(await store.countKeyRequest('key-1', user, 'q', 0), { outcome: 'spent', used: 0 });
        assert.deepEqual(await store.countKeyRequest('other', user, 'p', 9), { outcome: 'stale' });

        await store.updateUser(user.id, { plan: 'pro' });
        assert.deepEqual(await store.countKeyRequest('key-1', user, 'p', 9), { outcome: 'stale' });
        const pro = { ...user, plan: 'pro' };
        assert.deepEqual(await store.countKeyRequest('key-1', pro, 'p', 9), { outcome: 'counted', used: 3 });
        await store.updateUser(user.id, { isAdmin: true });
        assert.deepEqual(await store.countKeyRequest('key-1', pro, 'p', 9), { outcome: 'stale' });
        const admin = { ...pro, isAdmin: true };
        await store.updateUser(user.id, { disabled: true });
        assert.deepEqual(await store.countKeyRequest('key-1', admin, 'p', 9), { outcome: 'stale' });
        await store.updateUser(user.id, { disabled: false });
        await store.setApiKeyHash(user.id, 'key-2', T0 + 1);
        assert.deepEqual(await store.countKeyRequest('key-1', admin, 'p', 9), { outcome: 'stale' });
        assert.deepEqual(await store.countKeyRequest('key-2', admin, 'p', 9), {
          outcome: 'counted',
          used: 4,
        });
        assert.equal(await store.getRequestsUsed(user.id, 'p'), 4, 'a stale request counts nothing');
      });

      it('countKeyRequest stops exactly at the limit under concurrent counts', async (store) => {
        const user = await newUser(store, 'c@example.org');
        await store.setApiKeyHash(user.id, 'key', T0);
        const outcomes = await Promise.all(
          Array.from({ length: 30 }, () => store.countKeyRequest('key', user, 'p', 10)),
        );
        const counted = outcomes
          .filter((o) => o.outcome === 'counted')
          .map((o) => ('used' in o ? o.used : 0));
        assert.deepEqual(
          counted.sort((a, b) => a - b),
          Array.from({ length: 10 }, (_, i) => i + 1),
        );
        assert.equal(await store.getRequestsUsed(user.id, 'p'), 10);
      });

      it('releaseRequest decrements and never goes below 0', async (store) => {
        const user = await newUser(store, 'q@example.org');
        assert.equal(await store.releaseRequest(user.id, 'p'), 0, 'nothing counted yet');
        assert.equal(await store.getRequestsUsed(user.id, 'p'), 0);
        await store.reserveRequest(user.id, 'p', 10);
        await store.reserveRequest(user.id, 'p', 10);
        assert.equal(await store.releaseRequest(user.id, 'p'), 1);
        assert.equal(await store.getRequestsUsed(user.id, 'p'), 1);
        assert.equal(await store.releaseRequest(user.id, 'p'), 0);
        assert.equal(await store.releaseRequest(user.id, 'p'), 0);
        assert.equal(await store.getRequestsUsed(user.id, 'p'), 0);
        assert.deepEqual(await store.reserveRequest(user.id, 'p', 10), { allowed: true, used: 1 });
      });

      it('a released request frees a slot under the limit', async (store) => {
        const user = await newUser(store, 'q@example.org');
        await store.reserveRequest(user.id, 'p', 2);
        await store.reserveRequest(user.id, 'p', 2);
        assert.equal((await store.reserveRequest(user.id, 'p', 2)).allowed, false);
        assert.equal(await store.releaseRequest(user.id, 'p'), 1);
        assert.deepEqual(await store.reserveRequest(user.id, 'p', 2), { allowed: true, used: 2 });
      });

      it('periods and users are counted independently', async (store) => {
        const a = await newUser(store, 'a@example.org');
        const b = await newUser(store, 'b@example.org');
        await store.reserveRequest(a.id, 'p1', 1);
        assert.deepEqual(await store.reserveRequest(a.id, 'p1', 1), { allowed: false, used: 1 });
        assert.deepEqual(await store.reserveRequest(a.id, 'p2', 1), { allowed: true, used: 1 });
        assert.deepEqual(await store.reserveRequest(b.id, 'p1', 1), { allowed: true, used: 1 });
        await store.releaseRequest(a.id, 'p2');
        assert.equal(await store.getRequestsUsed(a.id, 'p1'), 1);
        assert.equal(await store.getRequestsUsed(a.id, 'p2'), 0);
        assert.equal(await store.getRequestsUsed(b.id, 'p1'), 1);
      });

      it('limit 0 refuses the first request and leaves used at 0', async (store) => {
        const user = await newUser(store, 'q@example.org');
        assert.deepEqual(await store.reserveRequest(user.id, 'p', 0), { allowed: false, used: 0 });
        assert.deepEqual(await store.reserveRequest(user.id, 'p', 0), { allowed: false, used: 0 });
        assert.equal(await store.getRequestsUsed(user.id, 'p'), 0);
        assert.deepEqual(await store.reserveRequest(user.id, 'p', 1), { allowed: true, used: 1 });
        assert.deepEqual(await store.reserveRequest(user.id, 'p', 0), { allowed: false, used: 1 });
        assert.equal(await store.getRequestsUsed(user.id, 'p'), 1);
      });

      it('concurrent reserves allow exactly the limit', async (store) => {
        const user = await newUser(store, 'q@example.org');
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.reserveRequest(user.id, 'burst', 20)),
        );
        const allowed = results.filter((r) => r.allowed);
        assert.equal(allowed.length, 20);
        assert.deepEqual(
          allowed.map((r) => r.used).sort((x, y) => x - y),
          Array.from({ length: 20 }, (_, i) => i + 1),
          'each allowed request got its own count',
        );
        for (const r of results.filter((x) => !x.allowed)) assert.equal(r.used, 20);
        assert.equal(await store.getRequestsUsed(user.id, 'burst'), 20);
      });
    });

    describe('mailboxes', () => {
      it('claimMailbox creates the mailbox and returns it with its id and address', async (store) => {
        const user = await newUser(store, 'u@example.org');
        const uuid = randomUUID();
        const result = await store.claimMailbox({
          mailbox: {
            uuid,
            localPart: 'hello',
            domain: DOMAIN,
            userId: user.id,
            createdAt: T0,
            expiresAt: T0 + HOUR,
          },
          now: T0,
          quarantineMs: Q,
        });
        assert.ok(result.ok);
        assert.equal(typeof result.mailbox.id, 'number');
        assert.deepEqual(result, {
          ok: true,
          releasedBlobKeys: [],
          mailbox: {
            id: result.mailbox.id,
            uuid,
            address: `hello@${DOMAIN}`,
            localPart: 'hello',
            domain: DOMAIN,
            userId: user.id,
            createdAt: T0,
            expiresAt: T0 + HOUR,
          },
        });
        assert.deepEqual(await store.getMailbox(result.mailbox.id), result.mailbox);
        assert.deepEqual(await store.getMailboxByUuid(uuid), result.mailbox);
        assert.deepEqual(await store.getMailboxByAddress(`hello@${DOMAIN}`), result.mailbox);
      });

      it('anonymous and never-expiring mailboxes round-trip', async (store) => {
        const mailbox = await claim(store, 'anon', { userId: null, expiresAt: null });
        assert.equal(mailbox.userId, null);
        assert.equal(mailbox.expiresAt, null);
        assert.deepEqual(await store.getMailbox(mailbox.id), mailbox);
      });

      it('get* return undefined for unknown mailboxes', async (store) => {
        const mailbox = await claim(store, 'known');
        assert.equal(await store.getMailbox(mailbox.id + 1000), undefined);
        assert.equal(await store.getMailboxByUuid(randomUUID()), undefined);
        assert.equal(await store.getMailboxByAddress(`unknown@${DOMAIN}`), undefined);
        assert.equal(await store.getMailboxByAddress(`known@example.net`), undefined);
      });

      it('the same local part on different domains are different addresses', async (store) => {
        const a = await claim(store, 'same', { domain: DOMAIN });
        const b = await claim(store, 'same', { domain: 'example.net' });
        assert.notEqual(a.id, b.id);
        assert.equal(b.address, 'same@example.net');
        assert.deepEqual(await store.getMailboxByAddress('same@example.net'), b);
      });

      it('a live address is taken, for its owner too', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const first = await claim(store, 'busy', { userId: alice.id, expiresAt: T0 + HOUR });
        assert.equal(refusal(await tryClaim(store, 'busy', { userId: bob.id, now: T0 + 1 })), 'taken');
        assert.equal(refusal(await tryClaim(store, 'busy', { userId: alice.id, now: T0 + 1 })), 'taken');
        assert.equal(refusal(await tryClaim(store, 'busy', { userId: null, now: T0 + HOUR - 1 })), 'taken');
        await claim(store, 'forever', { userId: alice.id, expiresAt: null });
        assert.equal(
          refusal(await tryClaim(store, 'forever', { userId: bob.id, now: T0 + 1000 * HOUR })),
          'taken',
        );
        assert.deepEqual(await store.getMailboxByAddress(`busy@${DOMAIN}`), first);
      });

      it('concurrent claims of one address: exactly one wins', async (store) => {
        const users = await Promise.all(
          Array.from({ length: 10 }, (_, i) => newUser(store, `racer${i}@example.org`)),
        );
        const results = await Promise.all(users.map((u) => tryClaim(store, 'contested', { userId: u.id })));
        const winners = results.filter((r) => r.ok);
        assert.equal(winners.length, 1);
        for (const r of results.filter((x) => !x.ok)) assert.equal(refusal(r), 'taken');
        const stored = await store.getMailboxByAddress(`contested@${DOMAIN}`);
        assert.deepEqual(stored, winners[0]?.ok ? winners[0].mailbox : undefined);
      });

      it('an expired mailbox on the address is released first and its owner claims it again', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const old = await claim(store, 'reuse', { userId: alice.id, expiresAt: T0 + 100 });
        const message = await deliverOne(store, old, 'blob-old');
        const result = await tryClaim(store, 'reuse', { userId: alice.id, now: T0 + 200 });
        assert.ok(result.ok);
        assert.deepEqual(result.releasedBlobKeys, ['blob-old']);
        assert.notEqual(result.mailbox.id, old.id);
        assert.equal(await store.getMailbox(old.id), undefined);
        assert.equal(await store.getMailboxByUuid(old.uuid), undefined);
        assert.equal(await store.getMessage(message.id), undefined);
        assert.deepEqual(await store.listMessages(result.mailbox.id), []);
        assert.deepEqual(await store.getMailboxByAddress(`reuse@${DOMAIN}`), result.mailbox);
      });

      it('an address whose mailbox expires exactly at `now` is free', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await claim(store, 'edge', { userId: alice.id, expiresAt: T0 + 100 });
        assert.equal(refusal(await tryClaim(store, 'edge', { userId: alice.id, now: T0 + 99 })), 'taken');
        assert.equal(refusal(await tryClaim(store, 'edge', { userId: alice.id, now: T0 + 100 })), 'ok');
      });

      it('an expired mailbox is quarantined for its owner from its expiry; others get it afterwards', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        await claim(store, 'exp', { userId: alice.id, expiresAt: T0 + 100 });
        const result = await tryClaim(store, 'exp', { userId: bob.id, now: T0 + 100 + Q });
        assert.ok(result.ok);
        assert.equal(result.mailbox.userId, bob.id);
      });

      it('a refused claim changes nothing: an expired mailbox is not lost with its blob keys', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const old = await claim(store, 'held', { userId: alice.id, expiresAt: T0 + 100 });
        await deliverOne(store, old, 'blob-held');
        // Bob comes after the expiry but within Alice's quarantine (counted from the expiry).
        const refused = await tryClaim(store, 'held', { userId: bob.id, now: T0 + 100 + Q - 1 });
        assert.equal(refusal(refused), 'quarantined');
        // Whatever the refused claim did, the blob keys of the expired mailbox must still reach
        // a caller: either the mailbox is still there for the sweeper, or nothing was deleted.
        const { count, blobKeys } = await store.releaseExpiredMailboxes(T0 + 100 + Q - 1, 10, Q);
        assert.deepEqual({ count, blobKeys }, { count: 1, blobKeys: ['blob-held'] });
        assert.equal(
          refusal(await tryClaim(store, 'held', { userId: bob.id, now: T0 + 100 + Q - 1 })),
          'quarantined',
          'the sweep quarantines from the expiry too',
        );
        assert.equal(
          refusal(await tryClaim(store, 'held', { userId: alice.id, now: T0 + 100 + Q - 1 })),
          'ok',
        );
      });

      it('a replaced_missing claim changes nothing: an expired mailbox on the address is not lost', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const old = await claim(store, 'target', { userId: alice.id, expiresAt: T0 + 100 });
        await deliverOne(store, old, 'blob-target');
        const result = await tryClaim(store, 'target', {
          userId: alice.id,
          now: T0 + 200,
          replacesMailboxId: old.id + 1000,
        });
        assert.equal(refusal(result), 'replaced_missing');
        const atAddress = await store.getMailboxByAddress(`target@${DOMAIN}`);
        assert.ok(atAddress === undefined || atAddress.id === old.id, 'no new mailbox was created');
        const { count, blobKeys } = await store.releaseExpiredMailboxes(T0 + 200, 10, Q);
        assert.deepEqual({ count, blobKeys }, { count: 1, blobKeys: ['blob-target'] });
      });

      it('after a release the address is quarantined for other users, not for its owner', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const mailbox = await claim(store, 'q', { userId: alice.id, now: T0 });
        const releasedAt = T0 + 1000;
        assert.deepEqual(await store.releaseMailbox(mailbox.id, releasedAt, Q), {
          released: true,
          blobKeys: [],
        });
        assert.equal(await store.getMailbox(mailbox.id), undefined);
        assert.equal(await store.getMailboxByAddress(`q@${DOMAIN}`), undefined);

        assert.equal(refusal(await tryClaim(store, 'q', { userId: bob.id, now: releasedAt })), 'quarantined');
        assert.equal(
          refusal(await tryClaim(store, 'q', { userId: bob.id, now: releasedAt + Q - 1 })),
          'quarantined',
        );
        assert.equal(
          refusal(await tryClaim(store, 'q', { userId: null, now: releasedAt + Q - 1 })),
          'quarantined',
          'anonymous claims are held off too',
        );
        assert.equal(refusal(await tryClaim(store, 'q', { userId: alice.id, now: releasedAt + 1 })), 'ok');
      });

      it('after the quarantine passes another user can claim the address', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const mailbox = await claim(store, 'q', { userId: alice.id });
        await store.releaseMailbox(mailbox.id, T0 + 1000, Q);
        const result = await tryClaim(store, 'q', { userId: bob.id, now: T0 + 1000 + Q });
        assert.ok(result.ok);
        assert.equal(result.mailbox.userId, bob.id);
      });

      it("the owner's reclaim ends the quarantine", async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const first = await claim(store, 'q', { userId: alice.id });
        await store.releaseMailbox(first.id, T0 + 10, Q);
        const again = await claim(store, 'q', { userId: alice.id, now: T0 + 20, expiresAt: T0 + 30 });
        await store.releaseMailbox(again.id, T0 + 25, 0);
        assert.equal(refusal(await tryClaim(store, 'q', { userId: bob.id, now: T0 + 26 })), 'ok');
      });

      it('quarantineMs 0 means no quarantine', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const mailbox = await claim(store, 'free', { userId: alice.id });
        await store.releaseMailbox(mailbox.id, T0 + 1000, 0);
        assert.equal(refusal(await tryClaim(store, 'free', { userId: bob.id, now: T0 + 1000 })), 'ok');
      });

      it('an anonymous release quarantines the address against everyone', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const mailbox = await claim(store, 'anon', { userId: null });
        await store.releaseMailbox(mailbox.id, T0 + 1000, Q);
        assert.equal(refusal(await tryClaim(store, 'anon', { userId: null, now: T0 + 1001 })), 'quarantined');
        assert.equal(
          refusal(await tryClaim(store, 'anon', { userId: alice.id, now: T0 + 1001 })),
          'quarantined',
        );
        assert.equal(refusal(await tryClaim(store, 'anon', { userId: alice.id, now: T0 + 1000 + Q })), 'ok');
      });

      it('replacesMailboxId releases the old mailbox in the same claim', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const old = await claim(store, 'old', { userId: alice.id });
        const message = await deliverOne(store, old, 'blob-old');
        const result = await tryClaim(store, 'new', {
          userId: alice.id,
          now: T0 + 50,
          replacesMailboxId: old.id,
        });
        assert.ok(result.ok);
        assert.deepEqual(result.releasedBlobKeys, ['blob-old']);
        assert.equal(result.mailbox.address, `new@${DOMAIN}`);
        assert.equal(await store.getMailbox(old.id), undefined);
        assert.equal(await store.getMessage(message.id), undefined);
        assert.deepEqual(await store.getMailboxByAddress(`new@${DOMAIN}`), result.mailbox);
        assert.deepEqual(
          (await store.listMailboxesOfUser(alice.id, T0 + 50)).map((m) => m.id),
          [result.mailbox.id],
        );
        // The old address is quarantined for Alice from the switch.
        assert.equal(
          refusal(await tryClaim(store, 'old', { userId: bob.id, now: T0 + 50 + Q - 1 })),
          'quarantined',
        );
        assert.equal(refusal(await tryClaim(store, 'old', { userId: alice.id, now: T0 + 51 })), 'ok');
      });

      it('replacesMailboxId with a missing, foreign or expired mailbox refuses and creates nothing', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const gone = await claim(store, 'gone', { userId: alice.id });
        await store.releaseMailbox(gone.id, T0, 0);
        const bobs = await claim(store, 'bobs', { userId: bob.id });
        const expired = await claim(store, 'expired', { userId: alice.id, expiresAt: T0 + 10 });
        const now = T0 + 20;
        for (const [label, id] of [
          ['missing', gone.id],
          ['foreign', bobs.id],
          ['expired', expired.id],
        ] as const) {
          const result = await tryClaim(store, `new-${label}`, {
            userId: alice.id,
            now,
            replacesMailboxId: id,
          });
          assert.equal(refusal(result), 'replaced_missing', label);
          assert.equal(await store.getMailboxByAddress(`new-${label}@${DOMAIN}`), undefined, label);
        }
        assert.deepEqual(await store.getMailbox(bobs.id), bobs, "Bob's mailbox is untouched");
        assert.deepEqual(await store.listMailboxesOfUser(alice.id, now), []);
      });

      it('listMailboxesOfUser lists the live mailboxes of that user only, newest first', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const now = T0 + 1000;
        const older = await claim(store, 'a1', { userId: alice.id, createdAt: T0 + 1, expiresAt: T0 + HOUR });
        const newest = await claim(store, 'a2', { userId: alice.id, createdAt: T0 + 3, expiresAt: null });
        const middle = await claim(store, 'a3', {
          userId: alice.id,
          createdAt: T0 + 2,
          expiresAt: T0 + HOUR,
        });
        await claim(store, 'a4', { userId: alice.id, createdAt: T0, expiresAt: now }); // expired at `now`
        await claim(store, 'a5', { userId: alice.id, createdAt: T0 + 4, expiresAt: T0 + 500 }); // expired
        await claim(store, 'b1', { userId: bob.id, createdAt: T0 + 5 });
        await claim(store, 'anon', { userId: null, createdAt: T0 + 6 });
        assert.deepEqual(await store.listMailboxesOfUser(alice.id, now), [newest, middle, older]);
        assert.deepEqual(
          (await store.listMailboxesOfUser(bob.id, now)).map((m) => m.address),
          [`b1@${DOMAIN}`],
        );
        assert.deepEqual(await store.listMailboxesOfUser(alice.id + bob.id + 1000, now), []);
      });

      it('releaseMailbox reports released false for an unknown mailbox', async (store) => {
        assert.deepEqual(await store.releaseMailbox(123456, T0, Q), { released: false, blobKeys: [] });
        const mailbox = await claim(store, 'once');
        assert.equal((await store.releaseMailbox(mailbox.id, T0, Q)).released, true);
        assert.deepEqual(await store.releaseMailbox(mailbox.id, T0, Q), { released: false, blobKeys: [] });
      });

      it('releaseExpiredMailboxes honours its limit and leaves live mailboxes', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const expired: MailboxRecord[] = [];
        for (let i = 1; i <= 5; i++) {
          expired.push(await claim(store, `exp${i}`, { userId: alice.id, expiresAt: T0 + i * 10 }));
        }
        const live = [
          await claim(store, 'live1', { userId: alice.id, expiresAt: null }),
          await claim(store, 'live2', { userId: alice.id, expiresAt: T0 + HOUR }),
        ];
        const now = T0 + 100;
        // Each sweep names the mailboxes it released (as they were), so that readers hear of it.
        const sweep = async () => {
          const { count, blobKeys, mailboxes } = await store.releaseExpiredMailboxes(now, 2, Q);
          return { count, blobKeys, mailboxes };
        };
        assert.deepEqual(await sweep(), { count: 2, blobKeys: [], mailboxes: expired.slice(0, 2) });
        assert.deepEqual(await sweep(), { count: 2, blobKeys: [], mailboxes: expired.slice(2, 4) });
        assert.deepEqual(await sweep(), { count: 1, blobKeys: [], mailboxes: expired.slice(4) });
        assert.deepEqual(await sweep(), { count: 0, blobKeys: [], mailboxes: [] });
        for (const m of expired) assert.equal(await store.getMailbox(m.id), undefined, m.address);
        for (const m of live) assert.deepEqual(await store.getMailbox(m.id), m);
      });

      it('releaseExpiredMailboxes releases only mailboxes expired at `now`', async (store) => {
        const m = await claim(store, 'edge', { expiresAt: T0 + 100 });
        assert.equal((await store.releaseExpiredMailboxes(T0 + 99, 10, Q)).count, 0);
        assert.deepEqual(await store.getMailbox(m.id), m);
        assert.equal((await store.releaseExpiredMailboxes(T0 + 100, 10, Q)).count, 1);
        assert.equal(await store.getMailbox(m.id), undefined);
      });

      it('releaseExpiredMailboxes quarantines each address for its owner from its expiry', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        await claim(store, 'swept', { userId: alice.id, expiresAt: T0 + 100 });
        await store.releaseExpiredMailboxes(T0 + 5000, 10, Q);
        assert.equal(
          refusal(await tryClaim(store, 'swept', { userId: bob.id, now: T0 + 100 + Q - 1 })),
          'quarantined',
        );
        assert.equal(refusal(await tryClaim(store, 'swept', { userId: bob.id, now: T0 + 100 + Q })), 'ok');
      });
    });

    describe('messages', () => {
      const attachments = [
        {
          name: 'report.pdf',
          contentType: 'application/pdf',
          size: 2048,
          blobOffset: 1000,
          contentId: null,
          inline: false,
        },
        {
          name: 'logo.png',
          contentType: 'image/png',
          size: 512,
          blobOffset: 3048,
          contentId: '<logo@sender.test>',
          inline: true,
        },
      ];

      it('insertDelivery stores one message per recipient sharing one content', async (store) => {
        const a = await claim(store, 'a');
        const b = await claim(store, 'b', { userId: null });
        const rich = content('blob-rich', {
          subject: 'Grüße — ✉️ "quoted" \'single\'',
          fromName: 'Zoë Ünïcode',
          fromEmail: 'zoe@sender.test',
          text: 'line 1\r\nline 2\n\ttab and emoji 🎉',
          html: '',
          size: 987_654,
          attachments,
        });
        const recipients = [recipient(a), recipient(b)];
        const stored = await store.insertDelivery({ content: rich, receivedAt: T0 + 42, recipients });
        assert.equal(stored.length, 2);
        recipients.forEach((r, i) => {
          assert.deepEqual(stored[i], {
            id: r.id,
            uuid: r.uuid,
            mailboxId: r.mailboxId,
            recipient: r.recipient,
            receivedAt: T0 + 42,
            seen: false,
            content: rich,
          });
        });
        for (const message of stored) {
          assert.deepEqual(await store.getMessage(message.id), message);
        }
        assert.deepEqual(await store.listMessages(a.id), [stored[0]]);
        assert.deepEqual(await store.listMessages(b.id), [stored[1]]);
      });

      it('content fields round-trip exactly', async (store) => {
        const a = await claim(store, 'a');
        const variants: MailContent[] = [
          content('k1', { attachments }),
          content('k2', { subject: '', fromName: '', text: '', html: '<b>only html</b>', size: 0 }),
          content('k3', { text: 'x'.repeat(200_000), attachments: [] }),
        ];
        for (const [i, c] of variants.entries()) {
          const [message] = await store.insertDelivery({
            content: c,
            receivedAt: T0 + i,
            recipients: [recipient(a)],
          });
          assert.ok(message);
          const read = await store.getMessage(message.id);
          assert.deepEqual(read?.content, c);
        }
      });

      it('the TLS a mail came over round-trips: over TLS, plain text, or not recorded', async (store) => {
        const a = await claim(store, 'a');
        const variants: MailContent[] = [
          content('tls', { tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' } }),
          content('plain', { tls: null }),
          content('unrecorded'),
        ];
        for (const [i, c] of variants.entries()) {
          const [message] = await store.insertDelivery({
            content: c,
            receivedAt: T0 + i,
            recipients: [recipient(a)],
          });
          assert.ok(message);
          assert.deepEqual((await store.getMessage(message.id))?.content, c);
          assert.deepEqual((await store.getMessageByUuid(message.uuid))?.content.tls, c.tls);
          assert.deepEqual((await store.getMessageWithoutHtmlByUuid(message.uuid))?.content.tls, c.tls);
        }
      });

      it('what is made from the HTML is stored with the mail, shared by its copies', async (store) => {
        const a = await claim(store, 'a');
        const b = await claim(store, 'b');
        const derived = {
          htmlText: 'Text made from the HTML 🎉\u0000 with a NUL',
          htmlDocument: Buffer.from('<!doctype html><p>Grüße</p>\u0000', 'utf8'),
          remoteImages: 3,
        };
        const [first, second] = await store.insertDelivery({
          content: content('derived', { text: '' }),
          derived,
          receivedAt: T0,
          recipients: [recipient(a), recipient(b)],
        });
        assert.ok(first && second);
        for (const message of [first, second]) {
          assert.equal(await store.getHtmlText(message.uuid), derived.htmlText);
          assert.deepEqual(await store.getDocumentInfo(message.uuid), {
            mailboxId: message.mailboxId,
            remoteImages: 3,
          });
          assert.deepEqual(await readChunks(store, message.uuid, 'document'), [derived.htmlDocument]);
          assert.equal(
            await store.readChunk(message.uuid, 'content', 0),
            undefined,
            'no JSON for small mail',
          );
        }
        // Stored once: a later save does not replace it.
        await store.saveDerivedBodies(first.uuid, {
          htmlText: 'other',
          htmlDocument: Buffer.from('x'),
          remoteImages: 0,
        });
        assert.equal(await store.getHtmlText(second.uuid), derived.htmlText);
        assert.deepEqual(await readChunks(store, second.uuid, 'document'), [derived.htmlDocument]);
        // Empty results are results too (not "not made yet").
        const [plain] = await store.insertDelivery({
          content: content('plain', { html: '' }),
          derived: { htmlText: '', htmlDocument: Buffer.alloc(0), remoteImages: 0 },
          receivedAt: T0,
          recipients: [recipient(a)],
        });
        assert.ok(plain);
        assert.equal(await store.getHtmlText(plain.uuid), '');
        assert.deepEqual(await store.getDocumentInfo(plain.uuid), { mailboxId: a.id, remoteImages: 0 });
        assert.deepEqual(await readChunks(store, plain.uuid, 'document'), [Buffer.alloc(0)]);
        assert.equal(await store.getHtmlText(randomUUID()), undefined, 'no such message');
        assert.equal(await store.getDocumentInfo(randomUUID()), undefined, 'no such message');
      });

      it('mail stored without what is made from its HTML gets it saved later, once', async (store) => {
        const a = await claim(store, 'a');
        const [message] = await store.insertDelivery({
          content: content('later', { text: '' }),
          receivedAt: T0,
          recipients: [recipient(a)],
        });
        assert.ok(message);
        assert.equal(await store.getHtmlText(message.uuid), undefined);
        assert.equal(await store.getDocumentInfo(message.uuid), undefined);
        assert.equal(await store.readChunk(message.uuid, 'document', 0), undefined);
        const derived = {
          htmlText: 'Made later',
          htmlDocument: Buffer.from('<p>later</p>'),
          remoteImages: 1,
        };
        await store.saveDerivedBodies(message.uuid, derived);
        await store.saveDerivedBodies(message.uuid, {
          htmlText: 'again',
          htmlDocument: Buffer.from('y'),
          remoteImages: 2,
        });
        assert.equal(await store.getHtmlText(message.uuid), 'Made later');
        assert.deepEqual(await store.getDocumentInfo(message.uuid), { mailboxId: a.id, remoteImages: 1 });
        assert.deepEqual(await readChunks(store, message.uuid, 'document'), [derived.htmlDocument]);
        // Reading the message itself is unchanged.
        assert.deepEqual((await store.getMessage(message.id))?.content, content('later', { text: '' }));
      });

      it('codes and links are stored with the mail, shared by its copies, kept once', async (store) => {
        const a = await claim(store, 'a');
        const b = await claim(store, 'b');
        const extraction = {
          codes: [
            { value: '482913', kind: 'otp' as const },
            { value: 'AB12CD', kind: 'otp' as const },
          ],
          links: [
            { url: 'https://example.com/verify?t=1&u=2', kind: 'verify' as const },
            { url: 'https://example.com/بريد?x="y"', kind: 'unsubscribe' as const },
          ],
        };
        const [first, second] = await store.insertDelivery({
          content: content('extracted'),
          extraction,
          receivedAt: T0,
          recipients: [recipient(a), recipient(b)],
        });
        assert.ok(first && second);
        assert.deepEqual(await store.getExtraction(first.id), extraction);
        assert.deepEqual(await store.getExtraction(second.id), extraction);
        // Stored once: a later save does not replace it.
        await store.saveExtraction(second.id, { codes: [], links: [] });
        assert.deepEqual(await store.getExtraction(first.id), extraction);
        // Empty lists are a result too (not "not read yet").
        const [none] = await store.insertDelivery({
          content: content('nothing'),
          extraction: { codes: [], links: [] },
          receivedAt: T0,
          recipients: [recipient(a)],
        });
        assert.ok(none);
        assert.deepEqual(await store.getExtraction(none.id), { codes: [], links: [] });
        assert.equal(await store.getExtraction(messageId()), undefined, 'no such message');
        // The mail's other copies keep them when one copy is deleted; they go with the last one.
        await store.deleteMessage(first.id);
        assert.deepEqual(await store.getExtraction(second.id), extraction);
        await store.deleteMessage(second.id);
        assert.equal(await store.getExtraction(second.id), undefined);
      });

      it('mail stored without its codes and links gets them saved later, once', async (store) => {
        const a = await claim(store, 'a');
        const [message] = await store.insertDelivery({
          content: content('older'),
          receivedAt: T0,
          recipients: [recipient(a)],
        });
        assert.ok(message);
        assert.equal(await store.getExtraction(message.id), undefined);
        const later = { codes: [{ value: '1234', kind: 'otp' as const }], links: [] };
        await store.saveExtraction(message.id, later);
        await store.saveExtraction(message.id, { codes: [], links: [] });
        assert.deepEqual(await store.getExtraction(message.id), later);
        await store.saveExtraction(messageId(), later);
        assert.deepEqual((await store.getMessage(message.id))?.content, content('older'));
      });

      it("a mail's arrival is stored with it, its sender checks pending until saved once; the pending ones are listed", async (store) => {
        const a = await claim(store, 'a');
        const b = await claim(store, 'b');
        const arrival = {
          clientIp: '2001:db8::25',
          helo: 'mx.sender.test',
          envelopeFrom: 'bounce@sender.test',
          fromDomain: 'sender.test',
        };
        const [first, second] = await store.insertDelivery({
          content: content('checked', { size: 777 }),
          senderAuth: arrival,
          receivedAt: T0,
          recipients: [recipient(a), recipient(b)],
        });
        const [unchecked] = await store.insertDelivery({
          content: content('unchecked'),
          receivedAt: T0,
          recipients: [recipient(a)],
        });
        const [later] = await store.insertDelivery({
          content: content('later'),
          senderAuth: { ...arrival, envelopeFrom: '' },
          receivedAt: T0 + 1,
          recipients: [recipient(b)],
        });
        assert.ok(first && second && unchecked && later);
        const pending = { pending: true, fromDomain: 'sender.test' };
        assert.deepEqual(await store.getSenderAuth(first.id), pending);
        assert.deepEqual(await store.getSenderAuth(second.id), pending, 'the copies share it');
        assert.equal(await store.getSenderAuth(unchecked.id), undefined, 'stored without checks');
        assert.equal(await store.getSenderAuth(messageId()), undefined, 'no such message');

        // Oldest first, one copy's id each, with what the check needs.
        const listed = await store.listPendingSenderAuth(10);
        assert.equal(listed.length, 2);
        assert.ok([first.id, second.id].includes(listed[0]?.id as string));
        assert.deepEqual(
          { ...listed[0], id: undefined },
          {
            id: undefined,
            blobKey: 'checked',
            size: 777,
            clientIp: '2001:db8::25',
            helo: 'mx.sender.test',
            envelopeFrom: 'bounce@sender.test',
          },
        );
        assert.equal(listed[1]?.id, later.id);
        assert.equal(listed[1]?.envelopeFrom, '');
        assert.deepEqual(await store.listPendingSenderAuth(1), [listed[0]]);

        // Saved once (through any copy); a second save changes nothing.
        const verdict = {
          spf: 'pass',
          dkim: 'pass',
          dmarc: 'pass',
          arc: 'none',
          fromDomain: 'mail.sender.test',
        };
        await store.saveSenderAuth(second.id, verdict);
        await store.saveSenderAuth(first.id, { ...verdict, dmarc: 'fail' });
        assert.deepEqual(await store.getSenderAuth(first.id), { pending: false, ...verdict });
        // A verdict without a From domain keeps the one stored.
        await store.saveSenderAuth(later.id, {
          spf: 'temperror',
          dkim: 'temperror',
          dmarc: 'temperror',
          arc: 'temperror',
          fromDomain: '',
        });
        assert.deepEqual(await store.getSenderAuth(later.id), {
          pending: false,
          spf: 'temperror',
          dkim: 'temperror',
          dmarc: 'temperror',
          arc: 'temperror',
          fromDomain: 'sender.test',
        });
        assert.deepEqual(await store.listPendingSenderAuth(10), []);
        await store.saveSenderAuth(messageId(), verdict);

        // A pending mail whose copies are all deleted is gone from the list.
        const [gone] = await store.insertDelivery({
          content: content('gone'),
          senderAuth: arrival,
          receivedAt: T0,
          recipients: [recipient(a)],
        });
        assert.ok(gone);
        assert.equal((await store.listPendingSenderAuth(10)).length, 1);
        await store.deleteMessage(gone.id);
        assert.deepEqual(await store.listPendingSenderAuth(10), []);
      });

      it('big parts are stored in chunks; a head is read without the bodies', async (store) => {
        const a = await claim(store, 'a');
        const longText = `${'Zoë 🎉 "quoted" \\ line\r\n'.repeat(40_000)}end`;
        const json = { content: Buffer.from(JSON.stringify(longText)), html: Buffer.from('"<p>x</p>"') };
        const bigDocument = Buffer.from(`<p>${'x'.repeat(700_000)}</p>`);
        const [message] = await store.insertDelivery({
          content: content('json', { text: longText, html: '<p>x</p>' }),
          derived: { htmlText: '', htmlDocument: bigDocument, remoteImages: 0, json },
          receivedAt: T0,
          recipients: [recipient(a)],
        });
        assert.ok(message);
        const contentChunks = await readChunks(store, message.uuid, 'content');
        assert.ok(contentChunks.length > 1, 'a big part takes several chunks');
        assert.deepEqual(Buffer.concat(contentChunks), json.content);
        assert.deepEqual(Buffer.concat(await readChunks(store, message.uuid, 'html')), json.html);
        const documentChunks = await readChunks(store, message.uuid, 'document');
        assert.equal(documentChunks.length, 3);
        assert.deepEqual(Buffer.concat(documentChunks), bigDocument);
        assert.equal(await store.readChunk(randomUUID(), 'html', 0), undefined);

        const { content: full, ...rest } = message;
        assert.deepEqual(await store.getMessageHeadByUuid(message.uuid), {
          ...rest,
          content: { subject: full.subject, fromName: full.fromName, fromEmail: full.fromEmail },
        });
        assert.equal(await store.getMessageHeadByUuid(randomUUID()), undefined);
        const { html: _html, ...withoutHtml } = full;
        assert.deepEqual(await store.getMessageWithoutHtmlByUuid(message.uuid), {
          ...rest,
          content: { ...withoutHtml, hasHtml: true },
        });
        const [textOnly] = await store.insertDelivery({
          content: content('text-only', { html: '' }),
          receivedAt: T0,
          recipients: [recipient(a)],
        });
        assert.ok(textOnly);
        assert.equal((await store.getMessageWithoutHtmlByUuid(textOnly.uuid))?.content.hasHtml, false);
        assert.equal(await store.getMessageWithoutHtmlByUuid(randomUUID()), undefined);

        // Saved later for mail stored without them, JSON included.
        const [older] = await store.insertDelivery({
          content: content('older'),
          receivedAt: T0,
          recipients: [recipient(a)],
        });
        assert.ok(older);
        await store.saveDerivedBodies(older.uuid, {
          htmlText: '',
          htmlDocument: Buffer.from('d'),
          remoteImages: 0,
          json: { content: Buffer.from('"c"'), html: Buffer.from('"h"') },
        });
        assert.deepEqual(await readChunks(store, older.uuid, 'content'), [Buffer.from('"c"')]);
        assert.deepEqual(await readChunks(store, older.uuid, 'html'), [Buffer.from('"h"')]);
        assert.deepEqual(await readChunks(store, older.uuid, 'document'), [Buffer.from('d')]);
      });

      it('insertDelivery skips recipients whose mailbox no longer exists', async (store) => {
        const a = await claim(store, 'a');
        const gone = await claim(store, 'gone');
        await store.releaseMailbox(gone.id, T0, 0);
        const b = await claim(store, 'b');
        const recipients = [recipient(a), recipient(gone), recipient(b)];
        const stored = await store.insertDelivery({ content: content('k'), receivedAt: T0, recipients });
        assert.deepEqual(
          stored.map((m) => m.id),
          [recipients[0]?.id, recipients[2]?.id],
        );
        assert.equal(await store.getMessage(recipients[1]?.id ?? ''), undefined);
        assert.equal((await store.listMessages(a.id)).length, 1);
        assert.equal((await store.listMessages(b.id)).length, 1);
      });

      it('insertDelivery returns [] when no recipient mailbox exists', async (store) => {
        const gone = await claim(store, 'gone');
        await store.releaseMailbox(gone.id, T0, 0);
        const r = recipient(gone);
        assert.deepEqual(
          await store.insertDelivery({ content: content('k'), receivedAt: T0, recipients: [r] }),
          [],
        );
        assert.equal(await store.getMessage(r.id), undefined);
        assert.deepEqual(
          await store.insertDelivery({ content: content('k'), receivedAt: T0, recipients: [] }),
          [],
        );
      });

      it('listMessages is newest first, insertion order breaking ties', async (store) => {
        const a = await claim(store, 'a');
        const other = await claim(store, 'other');
        const m1 = await deliverOne(store, a, 'k1', T0 + 10);
        const m2 = await deliverOne(store, a, 'k2', T0 + 30);
        const m3 = await deliverOne(store, a, 'k3', T0 + 20);
        const m4 = await deliverOne(store, a, 'k4', T0 + 20);
        const m5 = await deliverOne(store, a, 'k5', T0 + 20);
        await deliverOne(store, other, 'k6', T0 + 25);
        assert.deepEqual(
          (await store.listMessages(a.id)).map((m) => m.id),
          [m2.id, m5.id, m4.id, m3.id, m1.id],
        );
        assert.deepEqual(await store.listMessages(a.id + other.id + 1000), []);
      });

      it('getMessage returns undefined for an unknown id', async (store) => {
        assert.equal(await store.getMessage(messageId()), undefined);
      });

      it('markSeen marks one message as seen', async (store) => {
        const a = await claim(store, 'a');
        const b = await claim(store, 'b');
        const [ma, mb] = await store.insertDelivery(delivery('shared', [a, b]));
        assert.ok(ma && mb);
        const other = await deliverOne(store, a, 'k2', T0 + 1);
        await store.markSeen(ma.id);
        assert.equal((await store.getMessage(ma.id))?.seen, true);
        assert.equal((await store.getMessage(mb.id))?.seen, false, 'another copy of the same content');
        assert.equal((await store.getMessage(other.id))?.seen, false);
        assert.deepEqual(
          (await store.listMessages(a.id)).map((m) => [m.id, m.seen]),
          [
            [other.id, false],
            [ma.id, true],
          ],
        );
        assert.equal(await store.markSeen(ma.id), false, 'idempotent, and says it changed nothing');
        assert.equal((await store.getMessage(ma.id))?.seen, true, 'idempotent');
        assert.equal(await store.markSeen(messageId()), false); // unknown: no error
        assert.equal(await store.markSeen(other.id), true, 'this call marked it');
      });

      it('listMessageHeadsAfter lists heads oldest first, after a position, unseen only if asked', async (store) => {
        const a = await claim(store, 'a');
        const b = await claim(store, 'b');
        const u = (d: string) => uuidOf(d);
        const m3 = await deliverAs(store, a, 'k3', T0 + 3, u('3'));
        const m1 = await deliverAs(store, a, 'k1', T0 + 1, u('1'));
        const m2b = await deliverAs(store, a, 'k2b', T0 + 2, u('5'));
        const m2a = await deliverAs(store, a, 'k2a', T0 + 2, u('4'));
        await deliverOne(store, b, 'other', T0);
        const ids = (heads: { uuid: string }[]) => heads.map((h) => h.uuid);
        const all = await store.listMessageHeadsAfter(a.id, { unseenOnly: false, limit: 10 });
        assert.deepEqual(ids(all), [m1.uuid, m2a.uuid, m2b.uuid, m3.uuid]);
        assert.equal(all[0]?.recipient, a.address);
        assert.equal(all[0]?.content.subject, 'Subject k1');
        assert.equal((all[0] as { content: { text?: string } }).content.text, undefined, 'no bodies');
        assert.deepEqual(
          ids(
            await store.listMessageHeadsAfter(a.id, {
              after: { at: T0 + 2, uuid: m2a.uuid },
              unseenOnly: false,
              limit: 10,
            }),
          ),
          [m2b.uuid, m3.uuid],
          'strictly after, the uuid breaking ties in time',
        );
        assert.deepEqual(ids(await store.listMessageHeadsAfter(a.id, { unseenOnly: false, limit: 2 })), [
          m1.uuid,
          m2a.uuid,
        ]);
        await store.markSeen(m1.id);
        await store.markSeen(m2b.id);
        assert.deepEqual(ids(await store.listMessageHeadsAfter(a.id, { unseenOnly: true, limit: 10 })), [
          m2a.uuid,
          m3.uuid,
        ]);
        assert.deepEqual(
          ids(
            await store.listMessageHeadsAfter(a.id, {
              after: { at: T0 + 1, uuid: m1.uuid },
              unseenOnly: true,
              limit: 10,
            }),
          ),
          [m2a.uuid, m3.uuid],
        );
      });

      it('deleteMessage returns the blob key only when the last copy of the content goes', async (store) => {
        const a = await claim(store, 'a');
        const b = await claim(store, 'b');
        const [ma, mb] = await store.insertDelivery(delivery('shared', [a, b]));
        assert.ok(ma && mb);
        assert.deepEqual(await store.deleteMessage(ma.id), { deleted: true, blobKeys: [] });
        assert.equal(await store.getMessage(ma.id), undefined);
        assert.deepEqual(await store.listMessages(a.id), []);
        assert.deepEqual(await store.getMessage(mb.id), mb, 'the other copy keeps its content');
        assert.deepEqual(await store.deleteMessage(mb.id), { deleted: true, blobKeys: ['shared'] });
        assert.deepEqual(await store.listMessages(b.id), []);
        assert.deepEqual(await store.deleteMessage(mb.id), { deleted: false, blobKeys: [] });
        assert.deepEqual(await store.deleteMessage(messageId()), { deleted: false, blobKeys: [] });
      });

      it('deleteMessage of a single-recipient message returns its blob key', async (store) => {
        const a = await claim(store, 'a');
        const m = await deliverOne(store, a, 'solo');
        const keep = await deliverOne(store, a, 'keep');
        assert.deepEqual(await store.deleteMessage(m.id), { deleted: true, blobKeys: ['solo'] });
        assert.deepEqual(await store.listMessages(a.id), [keep]);
      });

      it('releaseMailbox returns the blob keys no longer referenced, not shared ones', async (store) => {
        const a = await claim(store, 'a');
        const b = await claim(store, 'b');
        await deliverOne(store, a, 'only-a-1', T0 + 1);
        await deliverOne(store, a, 'only-a-2', T0 + 2);
        const [, shared] = await store.insertDelivery(delivery('shared', [a, b], T0 + 3));
        assert.ok(shared);
        const released = await store.releaseMailbox(a.id, T0 + 10, Q);
        assert.equal(released.released, true);
        assert.deepEqual(sorted(released.blobKeys), ['only-a-1', 'only-a-2']);
        assert.deepEqual(await store.listMessages(a.id), []);
        assert.deepEqual(await store.listMessages(b.id), [shared]);
        assert.deepEqual(await store.releaseMailbox(b.id, T0 + 10, Q), {
          released: true,
          blobKeys: ['shared'],
        });
      });

      it('a content delivered twice to one mailbox is released once', async (store) => {
        const a = await claim(store, 'a');
        const stored = await store.insertDelivery({
          content: content('twice'),
          receivedAt: T0,
          recipients: [recipient(a), recipient(a)],
        });
        assert.equal(stored.length, 2);
        assert.deepEqual(await store.releaseMailbox(a.id, T0, Q), { released: true, blobKeys: ['twice'] });
      });

      it('releaseExpiredMailboxes returns the blob keys no longer referenced, not shared ones', async (store) => {
        const expired = await claim(store, 'expired', { expiresAt: T0 + 10 });
        const live = await claim(store, 'live', { expiresAt: T0 + HOUR });
        await deliverOne(store, expired, 'only-expired');
        const [, kept] = await store.insertDelivery(delivery('shared', [expired, live]));
        assert.ok(kept);
        const { count, blobKeys } = await store.releaseExpiredMailboxes(T0 + 100, 10, Q);
        assert.deepEqual({ count, blobKeys }, { count: 1, blobKeys: ['only-expired'] });
        assert.deepEqual(await store.listMessages(live.id), [kept]);
        assert.deepEqual(await store.deleteMessage(kept.id), { deleted: true, blobKeys: ['shared'] });
      });

      it('concurrent deliveries all resolve and are all listed', async (store) => {
        const a = await claim(store, 'a');
        const b = await claim(store, 'b');
        const deliveries = Array.from({ length: 100 }, (_, i) =>
          delivery(`blob-${i}`, i % 3 === 0 ? [a, b] : [a], T0 + (i % 7)),
        );
        const results = await Promise.all(deliveries.map((d) => store.insertDelivery(d)));
        results.forEach((stored, i) => {
          assert.deepEqual(
            stored.map((m) => m.id),
            deliveries[i]?.recipients.map((r) => r.id),
          );
          assert.equal(stored[0]?.content.blobKey, `blob-${i}`);
        });
        const listA = await store.listMessages(a.id);
        assert.equal(listA.length, 100);
        assert.deepEqual(
          new Set(listA.map((m) => m.id)),
          new Set(deliveries.map((d) => d.recipients[0]?.id)),
        );
        for (let i = 1; i < listA.length; i++) {
          assert.ok((listA[i - 1]?.receivedAt ?? 0) >= (listA[i]?.receivedAt ?? 0), 'newest first');
        }
        assert.equal((await store.listMessages(b.id)).length, 34);
        const sample = listA.find((m) => m.content.blobKey === 'blob-42');
        assert.deepEqual(sample?.content, deliveries[42]?.content);
      });

      it('a delivery to a deleted mailbox does not fail the others delivered with it', async (store) => {
        const a = await claim(store, 'a');
        const gone = await claim(store, 'gone');
        const b = await claim(store, 'b');
        const deliveries = [
          delivery('d0', [a]),
          delivery('d1', [gone]),
          delivery('d2', [gone, b]),
          delivery('d3', [b]),
        ];
        const pending = deliveries.map((d) => store.insertDelivery(d));
        const release = store.releaseMailbox(gone.id, T0, 0);
        const [released, ...results] = await Promise.all([release, ...pending]);
        assert.equal(released.released, true);
        // Whether a copy to `gone` landed before its release or was skipped, the others stand.
        assert.deepEqual(
          results[0]?.map((m) => m.id),
          [deliveries[0]?.recipients[0]?.id],
        );
        assert.deepEqual(
          results[3]?.map((m) => m.id),
          [deliveries[3]?.recipients[0]?.id],
        );
        assert.ok(results[2]?.some((m) => m.id === deliveries[2]?.recipients[1]?.id));
        assert.deepEqual(
          (await store.listMessages(b.id)).map((m) => m.content.blobKey),
          ['d3', 'd2'],
        );
        assert.deepEqual(await store.listMessages(gone.id), []);
        assert.equal(await store.getMessage(deliveries[1]?.recipients[0]?.id ?? ''), undefined);
      });

      it('a delivery to an already deleted mailbox in a concurrent batch resolves to []', async (store) => {
        const a = await claim(store, 'a');
        const gone = await claim(store, 'gone');
        await store.releaseMailbox(gone.id, T0, 0);
        const deliveries = Array.from({ length: 10 }, (_, i) => delivery(`k${i}`, i === 4 ? [gone] : [a]));
        const results = await Promise.all(deliveries.map((d) => store.insertDelivery(d)));
        assert.deepEqual(results[4], []);
        results.forEach((r, i) => {
          if (i !== 4) assert.equal(r.length, 1, `delivery ${i}`);
        });
        assert.equal((await store.listMessages(a.id)).length, 9);
      });

      it('a failing delivery (duplicate message id) rejects alone; its batch is stored', async (store) => {
        const a = await claim(store, 'a');
        const first = await deliverOne(store, a, 'original');
        const clash = delivery('clash', [a]);
        const firstRecipient = clash.recipients[0];
        assert.ok(firstRecipient);
        firstRecipient.id = first.id;
        const others = Array.from({ length: 5 }, (_, i) => delivery(`ok${i}`, [a]));
        const settled = await Promise.allSettled([
          store.insertDelivery(others[0] as NewDelivery),
          store.insertDelivery(clash),
          ...others.slice(1).map((d) => store.insertDelivery(d)),
        ]);
        assert.equal(settled[1]?.status, 'rejected');
        const fulfilled = settled.filter((s) => s.status === 'fulfilled');
        assert.equal(fulfilled.length, 5);
        assert.deepEqual(await store.getMessage(first.id), first, 'the existing message is untouched');
        const listed = await store.listMessages(a.id);
        assert.equal(listed.length, 6);
        assert.ok(!listed.some((m) => m.content.blobKey === 'clash'));
      });

      it('inline bytes are stored with the delivery, read by range, and go with the last copy', async (store) => {
        const a = await claim(store, 'a');
        const b = await claim(store, 'b');
        const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));
        const [first, second] = await store.insertDelivery({
          ...delivery('inline-1', [a, b]),
          inlineBlob: bytes,
        });
        assert.ok(first && second);
        assert.deepEqual(await store.readInlineBlob('inline-1', 0, 4096), bytes);
        assert.deepEqual(await store.readInlineBlob('inline-1', 100, 300), bytes.subarray(100, 300));
        assert.equal((await store.readInlineBlob('inline-1', 10, 10))?.length ?? 0, 0);
        assert.equal(await store.readInlineBlob('no-such-key', 0, 10), undefined);

        // Inline bytes need no deletion by the caller: no blob key is handed back for them.
        assert.deepEqual((await store.deleteMessage(first.id)).blobKeys, []);
        assert.deepEqual(await store.readInlineBlob('inline-1', 0, 4), bytes.subarray(0, 4));
        assert.deepEqual((await store.deleteMessage(second.id)).blobKeys, []);
        assert.equal(await store.readInlineBlob('inline-1', 0, 4), undefined);
      });

      it(
        'insertDelivery tells which copies queued a webhook event',
        async (store) => {
          const owner = await newUser(store, 'hooked@users.test');
          const withHook = await claim(store, 'hooked', { userId: owner.id });
          const without = await claim(store, 'plain', { userId: null });
          await store.setWebhook(owner.id, { url: 'https://hooks.test/in', enabled: true }, T0, () => 's');
          const d = delivery('flagged', [withHook, without]);
          for (const r of d.recipients)
            r.webhook = { deliveryId: randomUUID(), event: 'new_message', payload: '{}' };
          const stored = await store.insertDelivery(d);
          assert.deepEqual(
            stored.map((m) => [m.mailboxId, m.webhookQueued]),
            [
              [withHook.id, true],
              [without.id, false],
            ],
          );
        },
        { raw: true },
      );

      it('inline bytes of a delivery with no live recipient are not kept', async (store) => {
        const a = await claim(store, 'a');
        await store.releaseMailbox(a.id, T0, 0);
        const stored = await store.insertDelivery({
          ...delivery('inline-2', [a]),
          inlineBlob: Buffer.from('x'),
        });
        assert.deepEqual(stored, []);
        assert.equal(await store.readInlineBlob('inline-2', 0, 1), undefined);
      });

      it('releasing a mailbox removes inline bytes without returning their key', async (store) => {
        const a = await claim(store, 'a');
        await store.insertDelivery({ ...delivery('inline-3', [a]), inlineBlob: Buffer.from('abc') });
        await deliverOne(store, a, 'on-disk');
        const { blobKeys } = await store.releaseMailbox(a.id, T0, 0);
        assert.deepEqual(blobKeys, ['on-disk']);
        assert.equal(await store.readInlineBlob('inline-3', 0, 3), undefined);
      });
    });

    describe('live-mailbox cap', () => {
      it('maxLiveMailboxes refuses with limit_reached at the cap and creates nothing', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const a1 = await claim(store, 'a1', { userId: alice.id, maxLiveMailboxes: 2 });
        const a2 = await claim(store, 'a2', { userId: alice.id, maxLiveMailboxes: 2, expiresAt: null });
        const refused = await tryClaim(store, 'a3', { userId: alice.id, now: T0 + 1, maxLiveMailboxes: 2 });
        assert.deepEqual(refused, { ok: false, reason: 'limit_reached' });
        assert.equal(await store.getMailboxByAddress(`a3@${DOMAIN}`), undefined);
        assert.deepEqual(
          new Set((await store.listMailboxesOfUser(alice.id, T0 + 1)).map((m) => m.id)),
          new Set([a1.id, a2.id]),
        );
        assert.equal(
          refusal(await tryClaim(store, 'a3', { userId: alice.id, now: T0 + 1, maxLiveMailboxes: 1 })),
          'limit_reached',
          'over the cap too (e.g. after a downgrade)',
        );
        // The refusal left no hold on the address: another user takes it at once.
        assert.equal(refusal(await tryClaim(store, 'a3', { userId: bob.id, now: T0 + 1 })), 'ok');
        assert.equal(
          refusal(await tryClaim(store, 'a4', { userId: alice.id, now: T0 + 1, maxLiveMailboxes: 3 })),
          'ok',
        );
        assert.equal(refusal(await tryClaim(store, 'a5', { userId: alice.id, now: T0 + 1 })), 'ok', 'no cap');
      });

      it('maxLiveMailboxes counts only the live mailboxes of that user', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const now = T0 + 100;
        await claim(store, 'gone1', { userId: alice.id, expiresAt: T0 + 10 }); // expired, not swept
        await claim(store, 'gone2', { userId: alice.id, expiresAt: now }); // expires exactly at `now`
        await claim(store, 'live', { userId: alice.id, expiresAt: null });
        for (const i of [1, 2, 3]) await claim(store, `bob${i}`, { userId: bob.id });
        await claim(store, 'anon1', { userId: null });
        await claim(store, 'anon2', { userId: null });
        const cap = { now, maxLiveMailboxes: 2 };
        assert.equal(refusal(await tryClaim(store, 'second', { userId: alice.id, ...cap })), 'ok');
        assert.equal(refusal(await tryClaim(store, 'third', { userId: alice.id, ...cap })), 'limit_reached');
        assert.equal(
          refusal(await tryClaim(store, 'bob4', { userId: bob.id, now, maxLiveMailboxes: 3 })),
          'limit_reached',
        );
        assert.equal(
          refusal(await tryClaim(store, 'bob4', { userId: bob.id, now, maxLiveMailboxes: 4 })),
          'ok',
        );
      });

      it('a claim refused by the cap changes nothing', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        // An expired mailbox of Alice's on the address, which a successful claim would release...
        const expired = await claim(store, 'back', { userId: alice.id, expiresAt: T0 + 10 });
        await deliverOne(store, expired, 'blob-back');
        // ...and an address she released, held for her, whose hold a successful claim would end.
        const held = await claim(store, 'held', { userId: alice.id });
        await store.releaseMailbox(held.id, T0 + 5, Q);
        const a1 = await claim(store, 'a1', { userId: alice.id });
        const a2 = await claim(store, 'a2', { userId: alice.id });
        const now = T0 + 20;
        for (const localPart of ['back', 'held']) {
          const result = await tryClaim(store, localPart, { userId: alice.id, now, maxLiveMailboxes: 2 });
          assert.equal(refusal(result), 'limit_reached', localPart);
        }
        assert.deepEqual(
          new Set((await store.listMailboxesOfUser(alice.id, now)).map((m) => m.id)),
          new Set([a1.id, a2.id]),
        );
        assert.equal(await store.getMailboxByAddress(`held@${DOMAIN}`), undefined);
        assert.equal(
          refusal(await tryClaim(store, 'held', { userId: bob.id, now })),
          'quarantined',
          'the hold is still there',
        );
        const { count, blobKeys } = await store.releaseExpiredMailboxes(now, 10, Q);
        assert.deepEqual(
          { count, blobKeys },
          { count: 1, blobKeys: ['blob-back'] },
          'the expired mailbox still reaches the sweeper with its blob key',
        );
      });

      it('a switch refused by the cap keeps the old mailbox and its messages', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const old = await claim(store, 'old', { userId: alice.id });
        const message = await deliverOne(store, old, 'blob-old');
        await claim(store, 'a2', { userId: alice.id });
        await claim(store, 'a3', { userId: alice.id });
        // Three live mailboxes and a cap of 2: even with the old one released the cap is reached.
        const result = await tryClaim(store, 'new', {
          userId: alice.id,
          now: T0 + 1,
          replacesMailboxId: old.id,
          maxLiveMailboxes: 2,
        });
        assert.equal(refusal(result), 'limit_reached');
        assert.deepEqual(await store.getMailbox(old.id), old);
        assert.deepEqual(await store.getMessage(message.id), message);
        assert.equal(await store.getMailboxByAddress(`new@${DOMAIN}`), undefined);
        assert.equal(
          refusal(await tryClaim(store, 'old', { userId: bob.id, now: T0 + 1 })),
          'taken',
          'the old address was neither released nor quarantined',
        );
        assert.equal((await store.listMailboxesOfUser(alice.id, T0 + 1)).length, 3);
      });

      it('a switch at the cap succeeds: the old mailbox is released first', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const old = await claim(store, 'old', { userId: alice.id, maxLiveMailboxes: 2 });
        await deliverOne(store, old, 'blob-old');
        const other = await claim(store, 'other', { userId: alice.id, maxLiveMailboxes: 2 });
        const now = T0 + 1;
        const result = await tryClaim(store, 'new', {
          userId: alice.id,
          now,
          replacesMailboxId: old.id,
          maxLiveMailboxes: 2,
        });
        assert.ok(result.ok, refusal(result));
        assert.deepEqual(result.releasedBlobKeys, ['blob-old']);
        assert.equal(await store.getMailbox(old.id), undefined);
        assert.deepEqual(
          new Set((await store.listMailboxesOfUser(alice.id, now)).map((m) => m.id)),
          new Set([other.id, result.mailbox.id]),
        );
        assert.equal(
          refusal(await tryClaim(store, 'more', { userId: alice.id, now, maxLiveMailboxes: 2 })),
          'limit_reached',
        );
      });

      it('concurrent claims never take a user past the cap', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            tryClaim(store, `c${i}`, { userId: alice.id, maxLiveMailboxes: 3 }),
          ),
        );
        assert.equal(results.filter((r) => r.ok).length, 3);
        for (const r of results.filter((x) => !x.ok)) assert.equal(refusal(r), 'limit_reached');
        assert.equal((await store.listMailboxesOfUser(alice.id, T0)).length, 3);
      });
    });

    describe('pages', () => {
      it('listMailboxesPage lists live mailboxes of that user, newest first, uuid desc on equal times', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const now = T0 + 1000;
        const mine = (
          localPart: string,
          createdAt: number,
          prefix: string,
          expiresAt: number | null = T0 + HOUR,
        ) =>
          claim(store, localPart, { userId: alice.id, createdAt, uuid: uuidStartingWith(prefix), expiresAt });
        const old = await mine('old', T0 + 1, 'f');
        // Equal creation times, created in an order that is neither uuid order nor its reverse.
        const t4 = await mine('t4', T0 + 5, '4');
        const t8 = await mine('t8', T0 + 5, '8', null);
        const t2 = await mine('t2', T0 + 5, '2');
        const t6 = await mine('t6', T0 + 5, '6');
        const newest = await mine('newest', T0 + 9, '0');
        await mine('expired-at-now', T0 + 7, 'e', now);
        await mine('expired', T0 + 8, 'e', T0 + 500);
        const bobs = await claim(store, 'bobs', { userId: bob.id, createdAt: T0 + 6 });
        await claim(store, 'anon', { userId: null, createdAt: T0 + 6 });
        const expected = [newest, t8, t6, t4, t2, old];
        const total = expected.length;

        assert.deepEqual(await store.listMailboxesPage(alice.id, now, 100), { items: expected, total });
        assert.deepEqual(await store.listMailboxesPage(alice.id, now, 2), {
          items: expected.slice(0, 2),
          total,
        });
        for (const [i, m] of expected.entries()) {
          const cursor = { at: m.createdAt, uuid: m.uuid };
          assert.deepEqual(
            await store.listMailboxesPage(alice.id, now, 100, cursor),
            { items: expected.slice(i + 1), total },
            `after ${m.localPart}`,
          );
          assert.deepEqual(
            await store.listMailboxesPage(alice.id, now, 2, cursor),
            { items: expected.slice(i + 1, i + 3), total },
            `two after ${m.localPart}`,
          );
        }
        // A cursor need not be an item's position.
        for (const [cursor, items] of [
          [{ at: T0 + 5, uuid: uuidOf('5') }, [t4, t2, old]],
          [{ at: T0 + 5, uuid: uuidOf('f') }, [t8, t6, t4, t2, old]],
          [{ at: T0 + 5, uuid: uuidOf('0') }, [old]],
          [{ at: T0 + 7, uuid: uuidOf('0') }, [t8, t6, t4, t2, old]],
          [{ at: T0 + 1, uuid: uuidOf('0') }, []],
        ] as const) {
          assert.deepEqual(
            await store.listMailboxesPage(alice.id, now, 100, cursor),
            { items, total },
            JSON.stringify(cursor),
          );
        }
        assert.deepEqual(await store.listMailboxesPage(bob.id, now, 100), { items: [bobs], total: 1 });
        assert.deepEqual(await store.listMailboxesPage(alice.id + bob.id + 1000, now, 10), {
          items: [],
          total: 0,
        });
      });

      it('walking listMailboxesPage through inserts and deletes never repeats or skips a mailbox', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const now = T0 + 1000;
        const initial: MailboxRecord[] = [];
        // Pairs with equal creation times, so page boundaries fall inside ties.
        for (let i = 0; i < 14; i++) {
          initial.push(
            await claim(store, `w${i}`, { userId: alice.id, createdAt: T0 + 100 - Math.floor(i / 2) }),
          );
        }
        const seenIds = new Set<number>();
        const released = new Set<number>();
        const olderInserts: MailboxRecord[] = [];
        const newerInserts: MailboxRecord[] = [];
        let step = 0;
        const seen = await walkPages(
          (cursor) => store.listMailboxesPage(alice.id, now, 3, cursor),
          (m) => m.createdAt,
          async (items) => {
            step++;
            for (const m of items) seenIds.add(m.id);
            if (step > 4) return; // changes ahead of the walk would keep it going forever
            const cursorItem = items[items.length - 1] as MailboxRecord;
            // The cursor's own mailbox goes, and one not reached yet.
            await store.releaseMailbox(cursorItem.id, now, 0);
            released.add(cursorItem.id);
            const ahead = initial.filter((m) => !seenIds.has(m.id) && !released.has(m.id));
            const doomed = ahead[Math.floor(ahead.length / 2)];
            if (doomed) {
              await store.releaseMailbox(doomed.id, now, 0);
              released.add(doomed.id);
            }
            // New mailboxes: newer than the walk, at the cursor's time, and older than everything.
            newerInserts.push(
              await claim(store, `newer${step}`, { userId: alice.id, createdAt: T0 + 200 + step }),
            );
            await claim(store, `tie${step}`, { userId: alice.id, createdAt: cursorItem.createdAt });
            olderInserts.push(await claim(store, `older${step}`, { userId: alice.id, createdAt: T0 - step }));
          },
        );
        assert.ok(step > 4, 'the walk went on after the changes');
        assertWalk(seen, (m) => m.createdAt, [
          ...initial.filter((m) => seenIds.has(m.id) || !released.has(m.id)),
          ...olderInserts,
        ]);
        const seenUuids = new Set(seen.map((m) => m.uuid));
        for (const m of initial) {
          if (released.has(m.id) && !seenIds.has(m.id))
            assert.ok(!seenUuids.has(m.uuid), 'released before reached');
        }
        for (const m of newerInserts) assert.ok(!seenUuids.has(m.uuid), 'newer than the cursor');
      });

      it('listMessagesPage lists the messages of that mailbox, newest first, uuid desc on equal times', async (store) => {
        const a = await claim(store, 'a');
        const b = await claim(store, 'b');
        const old = await deliverAs(store, a, 'old', T0 + 1, uuidStartingWith('f'));
        const [shared, sharedInB] = await store.insertDelivery(delivery('shared', [a, b], T0 + 3));
        assert.ok(shared && sharedInB);
        // Equal receive times, delivered in an order that is neither uuid order nor its reverse.
        const t4 = await deliverAs(store, a, 't4', T0 + 5, uuidStartingWith('4'));
        const t8 = await deliverAs(store, a, 't8', T0 + 5, uuidStartingWith('8'));
        const t2 = await deliverAs(store, a, 't2', T0 + 5, uuidStartingWith('2'));
        const t6 = await deliverAs(store, a, 't6', T0 + 5, uuidStartingWith('6'));
        const newest = await deliverAs(store, a, 'newest', T0 + 9, uuidStartingWith('0'));
        await deliverOne(store, b, 'only-b', T0 + 7);
        await store.markSeen(t6.id);
        const expected = [newest, t8, { ...t6, seen: true }, t4, t2, shared, old];
        const total = expected.length;

        assert.deepEqual(await store.listMessagesPage(a.id, 100), { items: expected, total });
        assert.deepEqual(await store.listMessagesPage(a.id, 3), { items: expected.slice(0, 3), total });
        // The heads: the same page, the same order, without the bodies.
        const head = ({ content: { subject, fromName, fromEmail }, ...m }: MessageRecord) => ({
          ...m,
          content: { subject, fromName, fromEmail },
        });
        assert.deepEqual(await store.listMessageHeadsPage(a.id, 100), { items: expected.map(head), total });
        assert.deepEqual(await store.listMessageHeadsPage(a.id, 2, { at: t8.receivedAt, uuid: t8.uuid }), {
          items: [t6, t4].map((m) => head({ ...m, seen: m === t6 })),
          total,
        });
        // listMessagesChunk: listMessages' order (equal times: the later stored first), in chunks.
        const stored = await store.listMessages(a.id);
        const chunked: MessageRecord[] = [];
        let next: MessageListPosition | undefined;
        do {
          const chunk = await store.listMessagesChunk(a.id, 2, next);
          chunked.push(...chunk.items);
          next = chunk.next;
        } while (next);
        assert.deepEqual(chunked, stored);
        const states: MessageState[] = [];
        next = undefined;
        do {
          const chunk = await store.listMessageStatesChunk(a.id, 3, next);
          states.push(...chunk.items);
          next = chunk.next;
        } while (next);
        assert.deepEqual(
          states,
          stored.map((m) => ({ id: m.id, seen: m.seen })),
        );
        assert.deepEqual(stored, [newest, { ...t6, seen: true }, t2, t8, t4, shared, old]);
        for (const [i, m] of expected.entries()) {
          const cursor = { at: m.receivedAt, uuid: m.uuid };
          assert.deepEqual(
            await store.listMessagesPage(a.id, 100, cursor),
            { items: expected.slice(i + 1), total },
            `after ${m.content.blobKey}`,
          );
          assert.deepEqual(
            await store.listMessagesPage(a.id, 2, cursor),
            { items: expected.slice(i + 1, i + 3), total },
            `two after ${m.content.blobKey}`,
          );
        }
        for (const [cursor, items] of [
          [{ at: T0 + 5, uuid: uuidOf('5') }, [t4, t2, shared, old]],
          [{ at: T0 + 5, uuid: uuidOf('0') }, [shared, old]],
          [{ at: T0 + 100, uuid: uuidOf('0') }, expected],
          [{ at: T0 + 1, uuid: uuidOf('0') }, []],
        ] as const) {
          assert.deepEqual(
            await store.listMessagesPage(a.id, 100, cursor),
            { items, total },
            JSON.stringify(cursor),
          );
        }
        assert.deepEqual((await store.listMessagesPage(b.id, 100)).total, 2);
        assert.deepEqual(
          (await store.listMessagesPage(b.id, 1)).items.map((m) => m.content.blobKey),
          ['only-b'],
        );
        assert.deepEqual(await store.listMessagesPage(a.id + b.id + 1000, 10), { items: [], total: 0 });
      });

      it('walking listMessagesPage through inserts and deletes never repeats or skips a message', async (store) => {
        const a = await claim(store, 'a');
        const initial: MessageRecord[] = [];
        for (let i = 0; i < 14; i++)
          initial.push(await deliverOne(store, a, `w${i}`, T0 + 100 - Math.floor(i / 2)));
        const seenIds = new Set<string>();
        const deleted = new Set<string>();
        const olderInserts: MessageRecord[] = [];
        const newerInserts: MessageRecord[] = [];
        let step = 0;
        const seen = await walkPages(
          (cursor) => store.listMessagesPage(a.id, 3, cursor),
          (m) => m.receivedAt,
          async (items) => {
            step++;
            for (const m of items) seenIds.add(m.id);
            if (step > 4) return; // changes ahead of the walk would keep it going forever
            const cursorItem = items[items.length - 1] as MessageRecord;
            await store.deleteMessage(cursorItem.id);
            deleted.add(cursorItem.id);
            const ahead = initial.filter((m) => !seenIds.has(m.id) && !deleted.has(m.id));
            const doomed = ahead[Math.floor(ahead.length / 2)];
            if (doomed) {
              await store.deleteMessage(doomed.id);
              deleted.add(doomed.id);
            }
            newerInserts.push(await deliverOne(store, a, `newer${step}`, T0 + 200 + step));
            await deliverOne(store, a, `tie${step}`, cursorItem.receivedAt);
            olderInserts.push(await deliverOne(store, a, `older${step}`, T0 - step));
          },
        );
        assert.ok(step > 4, 'the walk went on after the changes');
        assertWalk(seen, (m) => m.receivedAt, [
          ...initial.filter((m) => seenIds.has(m.id) || !deleted.has(m.id)),
          ...olderInserts,
        ]);
        const seenUuids = new Set(seen.map((m) => m.uuid));
        for (const m of initial) {
          if (deleted.has(m.id) && !seenIds.has(m.id))
            assert.ok(!seenUuids.has(m.uuid), 'deleted before reached');
        }
        for (const m of newerInserts) assert.ok(!seenUuids.has(m.uuid), 'newer than the cursor');
      });

      it('getMessageByUuid finds each copy by its own uuid', async (store) => {
        const a = await claim(store, 'a');
        const b = await claim(store, 'b');
        const [ma, mb] = await store.insertDelivery(delivery('shared', [a, b]));
        assert.ok(ma && mb);
        assert.deepEqual(await store.getMessageByUuid(ma.uuid), ma);
        assert.deepEqual(await store.getMessageByUuid(mb.uuid), mb);
        await store.markSeen(ma.id);
        assert.deepEqual(await store.getMessageByUuid(ma.uuid), { ...ma, seen: true });
        assert.deepEqual(await store.getMessageByUuid(mb.uuid), mb);
        await store.deleteMessage(mb.id);
        assert.equal(await store.getMessageByUuid(mb.uuid), undefined);
        await store.releaseMailbox(a.id, T0, 0);
        assert.equal(await store.getMessageByUuid(ma.uuid), undefined);
        assert.equal(await store.getMessageByUuid(randomUUID()), undefined);
      });
    });

    describe('webhooks', () => {
      it('setWebhook creates the config with a new secret; later calls keep the secret', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        assert.equal(await store.getWebhook(alice.id), undefined);
        const created = await store.setWebhook(
          alice.id,
          { url: 'https://hooks.test/a', enabled: true },
          T0,
          () => 'secret-1',
        );
        assert.deepEqual(created, {
          userId: alice.id,
          url: 'https://hooks.test/a',
          enabled: true,
          secret: 'secret-1',
          updatedAt: T0,
        });
        assert.deepEqual(await store.getWebhook(alice.id), created);
        const changed = await store.setWebhook(
          alice.id,
          { url: 'https://hooks.test/b', enabled: false },
          T0 + 5,
          () => 'secret-2',
        );
        assert.deepEqual(changed, {
          userId: alice.id,
          url: 'https://hooks.test/b',
          enabled: false,
          secret: 'secret-1',
          updatedAt: T0 + 5,
        });
        assert.deepEqual(await store.getWebhook(alice.id), changed);
        assert.equal(await store.getWebhook(bob.id), undefined, 'per user');
      });

      it('rotateWebhookSecret replaces the secret and keeps URL and switch', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.setWebhook(alice.id, { url: 'https://hooks.test/a', enabled: true }, T0, () => 'first');
        const rotated = await store.rotateWebhookSecret(alice.id, 'second', T0 + 10);
        assert.deepEqual(rotated, {
          userId: alice.id,
          url: 'https://hooks.test/a',
          enabled: true,
          secret: 'second',
          updatedAt: T0 + 10,
        });
        assert.deepEqual(await store.getWebhook(alice.id), rotated);
        const set = await store.setWebhook(
          alice.id,
          { url: 'https://hooks.test/a', enabled: true },
          T0 + 20,
          () => 'x',
        );
        assert.equal(set.secret, 'second', 'setWebhook keeps the rotated secret');
      });

      it('rotateWebhookSecret before any setWebhook creates a disabled config without a URL', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const rotated = await store.rotateWebhookSecret(alice.id, 'early', T0);
        assert.deepEqual(rotated, {
          userId: alice.id,
          url: '',
          enabled: false,
          secret: 'early',
          updatedAt: T0,
        });
        assert.deepEqual(await store.getWebhook(alice.id), rotated);
        const set = await store.setWebhook(
          alice.id,
          { url: 'https://hooks.test/a', enabled: true },
          T0 + 1,
          () => 'unused',
        );
        assert.deepEqual(set, {
          userId: alice.id,
          url: 'https://hooks.test/a',
          enabled: true,
          secret: 'early',
          updatedAt: T0 + 1,
        });
      });

      it('insertDelivery queues an event only where the owner has an enabled webhook with a URL', async (store) => {
        const on = await newUser(store, 'on@example.org');
        const off = await newUser(store, 'off@example.org');
        const none = await newUser(store, 'none@example.org');
        const noUrl = await newUser(store, 'nourl@example.org');
        const rotated = await newUser(store, 'rotated@example.org');
        await store.setWebhook(on.id, { url: 'https://hooks.test/on', enabled: true }, T0, () => 's1');
        await store.setWebhook(off.id, { url: 'https://hooks.test/off', enabled: false }, T0, () => 's2');
        await store.setWebhook(noUrl.id, { url: '', enabled: true }, T0, () => 's3');
        await store.rotateWebhookSecret(rotated.id, 's4', T0);
        const mailboxes = {
          on: await claim(store, 'on', { userId: on.id }),
          off: await claim(store, 'off', { userId: off.id }),
          none: await claim(store, 'none', { userId: none.id }),
          noUrl: await claim(store, 'nourl', { userId: noUrl.id }),
          rotated: await claim(store, 'rotated', { userId: rotated.id }),
          anon: await claim(store, 'anon', { userId: null }),
        };
        const quiet = await claim(store, 'on-quiet', { userId: on.id }); // a copy without an event
        const receivedAt = T0 + 100;
        const stored = await store.insertDelivery({
          content: content('k'),
          receivedAt,
          recipients: [
            ...Object.entries(mailboxes).map(([name, m]) => hookRecipient(m, `d-${name}`)),
            recipient(quiet),
          ],
        });
        assert.equal(stored.length, 7, 'every copy is stored');
        assert.equal(await store.countPendingWebhooks(), 1);
        const claimed = await claimAll(store, receivedAt);
        assert.equal(claimed.length, 1);
        const [item] = claimed;
        assert.ok(item);
        assert.deepEqual(item, {
          id: item.id,
          ...hookEvent('d-on'),
          userId: on.id,
          attempts: 1,
          createdAt: receivedAt,
          leaseUntil: receivedAt + LEASE,
        });

        // The switch is read at delivery time.
        await store.setWebhook(on.id, { url: 'https://hooks.test/on', enabled: false }, T0 + 200, () => 'x');
        await store.setWebhook(off.id, { url: 'https://hooks.test/off', enabled: true }, T0 + 200, () => 'x');
        await store.insertDelivery({
          content: content('k2'),
          receivedAt: T0 + 300,
          recipients: [hookRecipient(mailboxes.on, 'd-on-2'), hookRecipient(mailboxes.off, 'd-off-2')],
        });
        assert.equal(await store.countPendingWebhooks(), 2);
        assert.deepEqual(deliveryIds(await claimAll(store, T0 + 300)), ['d-off-2']);
      });

      it('insertDelivery queues events only for the copies it stored', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.setWebhook(alice.id, { url: 'https://hooks.test/a', enabled: true }, T0, () => 's');
        const first = await claim(store, 'first', { userId: alice.id });
        const second = await claim(store, 'second', { userId: alice.id });
        const gone = await claim(store, 'gone', { userId: alice.id });
        await store.releaseMailbox(gone.id, T0, 0);
        const stored = await store.insertDelivery({
          content: content('k'),
          receivedAt: T0,
          recipients: [
            hookRecipient(first, 'd-first'),
            hookRecipient(gone, 'd-gone'),
            hookRecipient(second, 'd-second'),
          ],
        });
        assert.equal(stored.length, 2);
        assert.equal(await store.countPendingWebhooks(), 2);
        const none = await store.insertDelivery({
          content: content('k2'),
          receivedAt: T0,
          recipients: [hookRecipient(gone, 'd-gone-2')],
        });
        assert.deepEqual(none, []);
        assert.equal(await store.countPendingWebhooks(), 2);
        assert.deepEqual(sorted(deliveryIds(await claimAll(store, T0))), ['d-first', 'd-second']);
      });

      it('a failing delivery queues nothing; the others in its batch queue theirs', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.setWebhook(alice.id, { url: 'https://hooks.test/a', enabled: true }, T0, () => 's');
        const a = await claim(store, 'a', { userId: alice.id });
        const b = await claim(store, 'b', { userId: alice.id });
        const existing = await deliverOne(store, a, 'original');
        // The first copy is stored and queued before the second fails on a duplicate message id.
        const clash: NewDelivery = {
          content: content('clash'),
          receivedAt: T0,
          recipients: [
            hookRecipient(b, 'd-before-clash'),
            { ...hookRecipient(a, 'd-clash'), id: existing.id },
          ],
        };
        const fine: NewDelivery = {
          content: content('fine'),
          receivedAt: T0,
          recipients: [hookRecipient(a, 'd-fine')],
        };
        const [clashed, ok] = await Promise.allSettled([
          store.insertDelivery(clash),
          store.insertDelivery(fine),
        ]);
        assert.equal(clashed?.status, 'rejected');
        assert.equal(ok?.status, 'fulfilled');
        assert.equal(await store.getMessage(clash.recipients[0]?.id ?? ''), undefined);
        assert.equal(await store.countPendingWebhooks(), 1);
        assert.deepEqual(deliveryIds(await claimAll(store, T0)), ['d-fine']);
      });

      it('enqueueWebhook queues an event due now whatever the switch says', async (store) => {
        const off = await newUser(store, 'off@example.org');
        const none = await newUser(store, 'none@example.org');
        await store.setWebhook(off.id, { url: 'https://hooks.test/off', enabled: false }, T0, () => 's');
        await store.enqueueWebhook(off.id, hookEvent('t-off', 'webhook.test'), T0 + 10);
        await store.enqueueWebhook(none.id, hookEvent('t-none', 'webhook.test'), T0 + 20);
        assert.equal(await store.countPendingWebhooks(), 2);
        assert.deepEqual(await claimAll(store, T0 + 9), [], 'not due before `now`');
        const [item, ...rest] = await claimAll(store, T0 + 10);
        assert.ok(item);
        assert.equal(rest.length, 0);
        assert.deepEqual(item, {
          id: item.id,
          ...hookEvent('t-off', 'webhook.test'),
          userId: off.id,
          attempts: 1,
          createdAt: T0 + 10,
          leaseUntil: T0 + 10 + LEASE,
        });
        const [other] = await claimAll(store, T0 + 20);
        assert.equal(other?.userId, none.id);
        assert.equal(other?.deliveryId, 't-none');
      });
    });

    describe('webhook outbox', () => {
      it('claimDueWebhooks leases an item for leaseMs and counts each attempt', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.enqueueWebhook(alice.id, hookEvent('d1'), T0);
        const [first, ...more] = await store.claimDueWebhooks(T0, LEASE, 10, []);
        assert.ok(first);
        assert.equal(more.length, 0);
        assert.deepEqual(first, {
          id: first.id,
          ...hookEvent('d1'),
          userId: alice.id,
          attempts: 1,
          createdAt: T0,
          leaseUntil: T0 + LEASE,
        });
        assert.deepEqual(await store.claimDueWebhooks(T0, LEASE, 10, []), [], 'leased');
        assert.deepEqual(await store.claimDueWebhooks(T0 + LEASE - 1, LEASE, 10, []), [], 'still leased');
        assert.deepEqual(await store.claimDueWebhooks(T0 + LEASE, LEASE, 10, []), [
          { ...first, attempts: 2, leaseUntil: T0 + 2 * LEASE },
        ]);
        assert.deepEqual(await store.claimDueWebhooks(T0 + LEASE, LEASE, 10, []), []);
        assert.equal(await store.countPendingWebhooks(), 1);
      });

      it('claimDueWebhooks returns due items only, oldest due first, up to limit', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.enqueueWebhook(alice.id, hookEvent('a'), T0 + 30);
        await store.enqueueWebhook(alice.id, hookEvent('b'), T0 + 10);
        await store.enqueueWebhook(alice.id, hookEvent('c'), T0 + 20);
        await store.enqueueWebhook(alice.id, hookEvent('d'), T0 + 50);
        assert.deepEqual(deliveryIds(await store.claimDueWebhooks(T0 + 40, LEASE, 2, [])), ['b', 'c']);
        assert.deepEqual(deliveryIds(await store.claimDueWebhooks(T0 + 40, LEASE, 10, [])), ['a']);
        assert.deepEqual(await store.claimDueWebhooks(T0 + 40, LEASE, 10, []), []);
        assert.deepEqual(deliveryIds(await store.claimDueWebhooks(T0 + 50, LEASE, 10, [])), ['d']);
      });

      it('a rescheduled item is due by its next attempt time, not its creation', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.enqueueWebhook(alice.id, hookEvent('x'), T0);
        await store.enqueueWebhook(alice.id, hookEvent('y'), T0 + 10);
        await store.enqueueWebhook(alice.id, hookEvent('z'), T0 + 25);
        const [x] = await claimAll(store, T0);
        assert.equal(x?.deliveryId, 'x');
        await finish(store, x as OutboxItem, T0 + 1, { kind: 'retry', nextAttemptAt: T0 + 20 });
        const order: string[] = [];
        for (let i = 0; i < 3; i++)
          order.push(...deliveryIds(await store.claimDueWebhooks(T0 + 30, LEASE, 1, [])));
        assert.deepEqual(order, ['y', 'x', 'z']);
      });

      it('claimDueWebhooks leaves the items of skipUserIds alone', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const carol = await newUser(store, 'carol@example.org');
        await store.enqueueWebhook(alice.id, hookEvent('a1'), T0);
        await store.enqueueWebhook(alice.id, hookEvent('a2'), T0);
        await store.enqueueWebhook(carol.id, hookEvent('c1'), T0 + 1);
        await store.enqueueWebhook(bob.id, hookEvent('b1'), T0 + 5);
        // Skipped items do not use up the limit.
        assert.deepEqual(deliveryIds(await store.claimDueWebhooks(T0 + 5, LEASE, 1, [alice.id, carol.id])), [
          'b1',
        ]);
        assert.deepEqual(await store.claimDueWebhooks(T0 + 5, LEASE, 10, [alice.id, carol.id]), []);
        assert.deepEqual(
          sorted(deliveryIds(await store.claimDueWebhooks(T0 + 5, LEASE, 10, [bob.id, carol.id]))),
          ['a1', 'a2'],
        );
        assert.deepEqual(deliveryIds(await store.claimDueWebhooks(T0 + 5, LEASE, 10, [])), ['c1']);
      });

      it('concurrent claims never hand one item to two claimers', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        for (let i = 0; i < 20; i++)
          await store.enqueueWebhook(i % 2 ? alice.id : bob.id, hookEvent(`d${i}`), T0 + i);
        const batches = await Promise.all(
          Array.from({ length: 8 }, () => store.claimDueWebhooks(T0 + 100, LEASE, 5, [])),
        );
        for (const batch of batches) assert.ok(batch.length <= 5);
        const claimed = batches.flat();
        assert.equal(new Set(claimed.map((i) => i.id)).size, claimed.length, 'no item handed out twice');
        for (const item of claimed) assert.equal(item.attempts, 1);
        const all = [...claimed, ...(await claimAll(store, T0 + 100))];
        assert.equal(all.length, 20);
        assert.deepEqual(sorted(deliveryIds(all)), sorted(Array.from({ length: 20 }, (_, i) => `d${i}`)));
      });

      it('finishing as delivered or failed settles the item and logs the attempt', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.setWebhook(alice.id, { url: 'https://hooks.test/config', enabled: true }, T0, () => 's');
        await store.enqueueWebhook(alice.id, hookEvent('d-ok'), T0);
        await store.enqueueWebhook(alice.id, hookEvent('d-bad', 'webhook.test'), T0);
        const claimed = await claimAll(store, T0);
        const ok = claimed.find((i) => i.deliveryId === 'd-ok');
        const bad = claimed.find((i) => i.deliveryId === 'd-bad');
        assert.ok(ok && bad);
        await store.finishWebhookAttempt(
          ok,
          {
            attemptedAt: T0 + 1,
            url: 'https://hooks.test/a',
            statusCode: 204,
            error: null,
            durationMs: 12,
          },
          { kind: 'delivered' },
        );
        assert.equal(await store.countPendingWebhooks(), 1);
        await store.finishWebhookAttempt(
          bad,
          {
            attemptedAt: T0 + 2,
            url: 'https://hooks.test/b',
            statusCode: null,
            error: 'connection refused',
            durationMs: 3001,
          },
          { kind: 'failed' },
        );
        assert.equal(await store.countPendingWebhooks(), 0);
        assert.deepEqual(await claimAll(store, T0 + 10 * LEASE), []);
        assert.equal(await store.nextWebhookDueAt(), undefined);
        assert.deepEqual(await store.listWebhookAttempts(alice.id, 10), [
          {
            deliveryId: 'd-bad',
            event: 'webhook.test',
            attempt: 1,
            attemptedAt: T0 + 2,
            url: 'https://hooks.test/b',
            statusCode: null,
            error: 'connection refused',
            durationMs: 3001,
            outcome: 'failed',
          },
          {
            deliveryId: 'd-ok',
            event: EVENT,
            attempt: 1,
            attemptedAt: T0 + 1,
            url: 'https://hooks.test/a',
            statusCode: 204,
            error: null,
            durationMs: 12,
            outcome: 'delivered',
          },
        ]);
      });

      it('a retry reschedules the item: due at nextAttemptAt, not before, with the next attempt number', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.enqueueWebhook(alice.id, hookEvent('d'), T0);
        const [first] = await claimAll(store, T0);
        assert.equal(first?.attempts, 1);
        // Rescheduled before the lease would end: the retry time counts, not the lease.
        await finish(
          store,
          first as OutboxItem,
          T0 + 1,
          { kind: 'retry', nextAttemptAt: T0 + 5000 },
          { statusCode: 503 },
        );
        assert.equal(await store.countPendingWebhooks(), 1);
        assert.deepEqual(await claimAll(store, T0 + 4999), []);
        assert.equal(await store.nextWebhookDueAt(), T0 + 5000);
        const [second] = await claimAll(store, T0 + 5000);
        assert.deepEqual(second, { ...first, attempts: 2, leaseUntil: T0 + 5000 + LEASE });
        await finish(
          store,
          second as OutboxItem,
          T0 + 5001,
          { kind: 'retry', nextAttemptAt: T0 + 60_000 },
          { statusCode: null, error: 'timeout' },
        );
        assert.deepEqual(await claimAll(store, T0 + 59_999), []);
        const [third] = await claimAll(store, T0 + 60_000);
        assert.equal(third?.attempts, 3);
        await finish(store, third as OutboxItem, T0 + 60_001, { kind: 'failed' });
        assert.equal(await store.countPendingWebhooks(), 0);
        assert.deepEqual(
          (await store.listWebhookAttempts(alice.id, 10)).map((a) => [
            a.deliveryId,
            a.attempt,
            a.outcome,
            a.attemptedAt,
            a.statusCode,
            a.error,
          ]),
          [
            ['d', 3, 'failed', T0 + 60_001, 500, null],
            ['d', 2, 'retry', T0 + 5001, null, 'timeout'],
            ['d', 1, 'retry', T0 + 1, 503, null],
          ],
        );
      });

      it('listWebhookAttempts is per user, newest first, and limited', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const carol = await newUser(store, 'carol@example.org');
        for (let i = 0; i < 3; i++) {
          await store.enqueueWebhook(alice.id, hookEvent(`a${i}`), T0);
          await store.enqueueWebhook(bob.id, hookEvent(`b${i}`), T0);
        }
        const items = new Map((await claimAll(store, T0)).map((i) => [i.deliveryId, i]));
        let t = T0;
        for (let i = 0; i < 3; i++) {
          for (const id of [`a${i}`, `b${i}`])
            await finish(store, items.get(id) as OutboxItem, ++t, { kind: 'delivered' });
        }
        assert.deepEqual(deliveryIds(await store.listWebhookAttempts(alice.id, 10)), ['a2', 'a1', 'a0']);
        assert.deepEqual(deliveryIds(await store.listWebhookAttempts(alice.id, 2)), ['a2', 'a1']);
        assert.deepEqual(deliveryIds(await store.listWebhookAttempts(bob.id, 10)), ['b2', 'b1', 'b0']);
        assert.deepEqual(await store.listWebhookAttempts(carol.id, 10), []);
      });

      it('the delivery log keeps the 200 most recent attempts of each user', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        // Bob's attempts are the oldest of all: trimming Alice's log must not touch them.
        for (let i = 0; i < 3; i++) await store.enqueueWebhook(bob.id, hookEvent(`b${i}`), T0);
        for (const [i, item] of (await claimAll(store, T0)).entries()) {
          await finish(store, item, T0 + i, { kind: 'delivered' });
        }
        for (let i = 0; i < 205; i++) await store.enqueueWebhook(alice.id, hookEvent(`a${i}`), T0 + 10);
        const items = new Map((await claimAll(store, T0 + 10)).map((i) => [i.deliveryId, i]));
        assert.equal(items.size, 205);
        for (let i = 0; i < 205; i++) {
          await finish(store, items.get(`a${i}`) as OutboxItem, T0 + 100 + i, { kind: 'delivered' });
        }
        const log = await store.listWebhookAttempts(alice.id, 1000);
        assert.equal(log.length, 200);
        assert.deepEqual(
          deliveryIds(log),
          Array.from({ length: 200 }, (_, i) => `a${204 - i}`),
        );
        assert.equal((await store.listWebhookAttempts(bob.id, 1000)).length, 3);
      });

      it('a lost lease can neither settle nor give back the item', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.enqueueWebhook(alice.id, hookEvent('slow'), T0);
        const [first] = await claimAll(store, T0);
        assert.ok(first);
        // The first holder stalls past its lease; another worker claims the item.
        const [second] = await claimAll(store, T0 + LEASE);
        assert.ok(second);
        assert.notEqual(second.leaseUntil, first.leaseUntil);
        await finish(store, first, T0 + LEASE + 1, { kind: 'delivered' });
        await store.releaseWebhookLeases([first]);
        assert.equal(await store.countPendingWebhooks(), 1, 'the stale result settled nothing');
        assert.deepEqual(await store.listWebhookAttempts(alice.id, 10), [], 'and logged nothing');
        assert.deepEqual(await claimAll(store, T0 + LEASE + 2), [], 'the second lease still holds');
        await finish(store, second, T0 + LEASE + 3, { kind: 'delivered' });
        assert.equal(await store.countPendingWebhooks(), 0);
        assert.equal((await store.listWebhookAttempts(alice.id, 10))[0]?.attempt, 2);
      });

      it('releaseWebhookLeases makes leased items due at once without counting the attempt', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.enqueueWebhook(alice.id, hookEvent('a'), T0);
        await store.enqueueWebhook(alice.id, hookEvent('b'), T0);
        const claimed = await claimAll(store, T0);
        const a = claimed.find((i) => i.deliveryId === 'a');
        const b = claimed.find((i) => i.deliveryId === 'b');
        assert.ok(a && b);
        await store.releaseWebhookLeases([a]);
        assert.equal(await store.nextWebhookDueAt(), T0);
        const [aAgain, ...others] = await claimAll(store, T0 + 1);
        assert.deepEqual(others, [], 'b stays leased');
        assert.deepEqual(aAgain, { ...a, leaseUntil: T0 + 1 + LEASE }, 'due again, same attempt number');
        await finish(store, aAgain as OutboxItem, T0 + 2, { kind: 'delivered' });
        assert.equal((await store.listWebhookAttempts(alice.id, 10))[0]?.attempt, 1);

        // b's lease runs out (that attempt counts), it is claimed again, then given back.
        const [again] = await claimAll(store, T0 + LEASE);
        assert.deepEqual(again, { ...b, attempts: 2, leaseUntil: T0 + 2 * LEASE });
        await store.releaseWebhookLeases([again as OutboxItem]);
        assert.deepEqual(await claimAll(store, T0 + LEASE), [
          { ...b, attempts: 2, leaseUntil: T0 + 2 * LEASE },
        ]);
        await store.releaseWebhookLeases([]);
        assert.equal(await store.countPendingWebhooks(), 1);
      });

      it('nextWebhookDueAt is the earliest due time, a leased item counting from its lease end', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const lease = 1000;
        assert.equal(await store.nextWebhookDueAt(), undefined);
        await store.enqueueWebhook(alice.id, hookEvent('p'), T0 + 50);
        assert.equal(await store.nextWebhookDueAt(), T0 + 50);
        await store.enqueueWebhook(alice.id, hookEvent('q'), T0 + 20);
        assert.equal(await store.nextWebhookDueAt(), T0 + 20);
        const [q] = await store.claimDueWebhooks(T0 + 30, lease, 10, []);
        assert.equal(q?.deliveryId, 'q');
        assert.equal(await store.nextWebhookDueAt(), T0 + 50, 'q is leased until T0 + 1030');
        await store.enqueueWebhook(alice.id, hookEvent('r'), T0 + 60);
        const [p] = await store.claimDueWebhooks(T0 + 55, lease, 10, []);
        assert.equal(p?.deliveryId, 'p');
        assert.equal(await store.nextWebhookDueAt(), T0 + 60);
        const [r] = await store.claimDueWebhooks(T0 + 60, lease, 10, []);
        assert.equal(r?.deliveryId, 'r');
        assert.equal(await store.nextWebhookDueAt(), T0 + 1030, "q's lease end");
        await finish(store, q as OutboxItem, T0 + 100, { kind: 'retry', nextAttemptAt: T0 + 2000 });
        assert.equal(await store.nextWebhookDueAt(), T0 + 1055, "p's lease end");
        await finish(store, p as OutboxItem, T0 + 100, { kind: 'delivered' });
        await finish(store, r as OutboxItem, T0 + 100, { kind: 'failed' });
        assert.equal(await store.nextWebhookDueAt(), T0 + 2000, "q's retry");
        const [q2] = await store.claimDueWebhooks(T0 + 2000, lease, 10, []);
        await finish(store, q2 as OutboxItem, T0 + 2001, { kind: 'delivered' });
        assert.equal(await store.nextWebhookDueAt(), undefined);
      });
    });

    describe('web accounts', () => {
      it('a new user is not an admin; updateUser sets and clears isAdmin alone', async (store) => {
        const user = await newUser(store, 'admin@example.org');
        const other = await newUser(store, 'other@example.org');
        assert.equal(user.isAdmin, false);
        await store.updateUser(user.id, { isAdmin: true });
        assert.deepEqual(await store.getUserById(user.id), { ...user, isAdmin: true });
        assert.equal((await store.getUserByEmail('admin@example.org'))?.isAdmin, true);
        await store.updateUser(user.id, { plan: 'pro', disabled: true });
        assert.deepEqual(await store.getUserById(user.id), {
          ...user,
          isAdmin: true,
          plan: 'pro',
          disabled: true,
        });
        await store.updateUser(user.id, { isAdmin: false });
        assert.equal((await store.getUserById(user.id))?.isAdmin, false);
        assert.deepEqual(await store.getUserById(other.id), other, 'other users are untouched');
      });

      it('listUsers pages newest first with the total of all users; countUsers counts them', async (store) => {
        assert.deepEqual(await store.listUsers(10, 0), { items: [], total: 0 });
        assert.equal(await store.countUsers(), 0);
        const a = await newUser(store, 'a@example.org', T0 + 1);
        const c = await newUser(store, 'c@example.org', T0 + 3);
        const b = await newUser(store, 'b@example.org', T0 + 2);
        const d = await newUser(store, 'd@example.org', T0 + 3); // same time as c, created later
        assert.equal(await store.countUsers(), 4);
        const all = await store.listUsers(10, 0);
        assert.equal(all.total, 4);
        assert.equal(all.items.length, 4);
        assert.deepEqual(all.items.slice(2), [b, a]);
        assert.deepEqual(sorted(all.items.slice(0, 2).map((u) => u.email)), [c.email, d.email]);
        const first = await store.listUsers(2, 0);
        const second = await store.listUsers(2, 2);
        assert.deepEqual(first, { items: all.items.slice(0, 2), total: 4 });
        assert.deepEqual(second, { items: [b, a], total: 4 });
        assert.deepEqual(await store.listUsers(2, 4), { items: [], total: 4 });
        assert.deepEqual((await store.listUsers(1, 3)).items, [a]);
      });
    });

    describe('sessions', () => {
      function session(idHash: string, userId: number, createdAt = T0, expiresAt = T0 + HOUR) {
        return { idHash, userId, createdAt, expiresAt };
      }

      it('createSession stores a session getSession finds until it expires', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.createSession(session('hash-a', alice.id, T0, T0 + HOUR));
        const expected = { userId: alice.id, createdAt: T0, expiresAt: T0 + HOUR };
        assert.deepEqual(await store.getSession('hash-a', T0), expected);
        assert.deepEqual(await store.getSession('hash-a', T0 + HOUR - 1), expected);
        assert.equal(await store.getSession('hash-a', T0 + HOUR), undefined, 'expired at expiresAt');
        assert.equal(await store.getSession('hash-a', T0 + 2 * HOUR), undefined);
        assert.equal(await store.getSession('unknown', T0), undefined);
      });

      it('a user may hold several sessions; deleteSession ends only the one', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.createSession(session('s1', alice.id));
        await store.createSession(session('s2', alice.id, T0 + 1, T0 + 2 * HOUR));
        await store.deleteSession('s1');
        assert.equal(await store.getSession('s1', T0 + 10), undefined);
        assert.deepEqual(await store.getSession('s2', T0 + 10), {
          userId: alice.id,
          createdAt: T0 + 1,
          expiresAt: T0 + 2 * HOUR,
        });
        await store.deleteSession('s1');
        await store.deleteSession('never');
        assert.ok(await store.getSession('s2', T0 + 10));
      });

      it("deleteSessionsOfUser ends the user's sessions, but the one kept, and nobody else's", async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        for (const id of ['a1', 'a2', 'a3']) await store.createSession(session(id, alice.id));
        await store.createSession(session('b1', bob.id));
        await store.deleteSessionsOfUser(alice.id, 'a2');
        assert.equal(await store.getSession('a1', T0), undefined);
        assert.ok(await store.getSession('a2', T0), 'the kept session stays');
        assert.equal(await store.getSession('a3', T0), undefined);
        assert.ok(await store.getSession('b1', T0), "Bob's session stays");
        await store.deleteSessionsOfUser(alice.id, 'b1');
        assert.equal(
          await store.getSession('a2', T0),
          undefined,
          'keeping another user\u2019s hash keeps nothing',
        );
        assert.ok(await store.getSession('b1', T0));
        await store.deleteSessionsOfUser(bob.id);
        assert.equal(await store.getSession('b1', T0), undefined, 'without an exception all end');
      });

      it('deleteExpired removes sessions expired at `now` and keeps the others', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        await store.createSession(session('old', alice.id, T0, T0 + 100));
        await store.createSession(session('edge', alice.id, T0, T0 + 200));
        await store.createSession(session('live', alice.id, T0, T0 + 201));
        await store.deleteExpired(T0 + 200, T0);
        // Asked about an earlier moment, a session still stored would be found.
        assert.equal(await store.getSession('old', T0), undefined);
        assert.equal(await store.getSession('edge', T0), undefined);
        assert.deepEqual(await store.getSession('live', T0), {
          userId: alice.id,
          createdAt: T0,
          expiresAt: T0 + 201,
        });
      });
    });

    describe('rate limits', () => {
      it('hitRateLimit counts up to the limit, then refuses without counting', async (store) => {
        assert.deepEqual(await store.hitRateLimit('login:k', T0, 3), { allowed: true, count: 1 });
        assert.deepEqual(await store.hitRateLimit('login:k', T0, 3), { allowed: true, count: 2 });
        assert.deepEqual(await store.hitRateLimit('login:k', T0, 3), { allowed: true, count: 3 });
        assert.deepEqual(await store.hitRateLimit('login:k', T0, 3), { allowed: false, count: 3 });
        assert.deepEqual(await store.hitRateLimit('login:k', T0, 3), { allowed: false, count: 3 });
        assert.deepEqual(await store.hitRateLimit('login:k', T0, 4), { allowed: true, count: 4 });
        assert.deepEqual(await store.hitRateLimit('login:k', T0, 2), { allowed: false, count: 4 });
      });

      it('keys and windows are counted independently', async (store) => {
        assert.deepEqual(await store.hitRateLimit('a', T0, 1), { allowed: true, count: 1 });
        assert.deepEqual(await store.hitRateLimit('a', T0, 1), { allowed: false, count: 1 });
        assert.deepEqual(await store.hitRateLimit('b', T0, 1), { allowed: true, count: 1 });
        assert.deepEqual(await store.hitRateLimit('a', T0 + HOUR, 1), { allowed: true, count: 1 });
        assert.deepEqual(await store.hitRateLimit('a', T0, 1), { allowed: false, count: 1 });
      });

      it('limit 0 refuses every hit and counts none', async (store) => {
        assert.deepEqual(await store.hitRateLimit('z', T0, 0), { allowed: false, count: 0 });
        assert.deepEqual(await store.hitRateLimit('z', T0, 0), { allowed: false, count: 0 });
        assert.deepEqual(await store.hitRateLimit('z', T0, 1), { allowed: true, count: 1 });
        assert.deepEqual(await store.hitRateLimit('z', T0, 0), { allowed: false, count: 1 });
      });

      it('concurrent hits allow exactly the limit', async (store) => {
        const results = await Promise.all(
          Array.from({ length: 40 }, () => store.hitRateLimit('burst', T0, 15)),
        );
        const allowed = results.filter((r) => r.allowed);
        assert.equal(allowed.length, 15);
        assert.deepEqual(
          allowed.map((r) => r.count).sort((x, y) => x - y),
          Array.from({ length: 15 }, (_, i) => i + 1),
          'each allowed hit got its own count',
        );
        for (const r of results.filter((x) => !x.allowed)) assert.equal(r.count, 15);
      });

      it('deleteExpired removes windows that started before rateWindowsBefore only', async (store) => {
        await store.hitRateLimit('k', T0, 1);
        await store.hitRateLimit('k', T0 + HOUR, 1);
        await store.deleteExpired(T0, T0 + HOUR);
        assert.deepEqual(
          await store.hitRateLimit('k', T0, 1),
          { allowed: true, count: 1 },
          'old window gone',
        );
        assert.deepEqual(
          await store.hitRateLimit('k', T0 + HOUR, 1),
          { allowed: false, count: 1 },
          'the window starting at rateWindowsBefore stays',
        );
      });
    });

    describe('guest mailboxes', () => {
      it('a guest claim (userId null) replaces a guest mailbox in the same claim', async (store) => {
        const old = await claim(store, 'guest-old', { userId: null });
        await deliverOne(store, old, 'blob-guest');
        const result = await tryClaim(store, 'guest-new', {
          userId: null,
          now: T0 + 50,
          replacesMailboxId: old.id,
        });
        assert.ok(result.ok);
        assert.deepEqual(result.releasedBlobKeys, ['blob-guest']);
        assert.equal(result.mailbox.userId, null);
        assert.equal(await store.getMailbox(old.id), undefined);
        assert.deepEqual(await store.getMailboxByAddress(`guest-new@${DOMAIN}`), result.mailbox);
      });

      it('replacing works within one kind of owner only: guests and users cannot replace each other', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const alices = await claim(store, 'alices', { userId: alice.id });
        const guests = await claim(store, 'guests', { userId: null });
        assert.equal(
          refusal(await tryClaim(store, 'g-new', { userId: null, replacesMailboxId: alices.id })),
          'replaced_missing',
        );
        assert.equal(
          refusal(await tryClaim(store, 'a-new', { userId: alice.id, replacesMailboxId: guests.id })),
          'replaced_missing',
        );
        assert.equal(await store.getMailboxByAddress(`g-new@${DOMAIN}`), undefined);
        assert.equal(await store.getMailboxByAddress(`a-new@${DOMAIN}`), undefined);
        assert.deepEqual(await store.getMailbox(alices.id), alices);
        assert.deepEqual(await store.getMailbox(guests.id), guests);
      });

      it("a guest's switched-away address is held against everyone until the quarantine ends", async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const old = await claim(store, 'was-guest', { userId: null });
        await claim(store, 'now-guest', { userId: null, now: T0 + 10, replacesMailboxId: old.id });
        for (const userId of [null, alice.id]) {
          assert.equal(
            refusal(await tryClaim(store, 'was-guest', { userId, now: T0 + 10 + Q - 1 })),
            'quarantined',
          );
        }
        assert.equal(refusal(await tryClaim(store, 'was-guest', { userId: null, now: T0 + 10 + Q })), 'ok');
      });

      it('guest claims ignore maxLiveMailboxes', async (store) => {
        await claim(store, 'g1', { userId: null, maxLiveMailboxes: 1 });
        assert.equal(refusal(await tryClaim(store, 'g2', { userId: null, maxLiveMailboxes: 1 })), 'ok');
      });

      it('deleteExpired drops lapsed quarantines and leaves running ones holding', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        const lapsed = await claim(store, 'lapsed', { userId: null });
        const running = await claim(store, 'running', { userId: alice.id });
        await store.releaseMailbox(lapsed.id, T0, Q);
        await store.releaseMailbox(running.id, T0 + Q, Q);
        await store.deleteExpired(T0 + Q, T0);
        assert.equal(refusal(await tryClaim(store, 'lapsed', { userId: bob.id, now: T0 + Q })), 'ok');
        assert.equal(
          refusal(await tryClaim(store, 'running', { userId: bob.id, now: T0 + Q + 1 })),
          'quarantined',
        );
      });
    });

    describe('mailbox extension and counts', () => {
      it('extendMailbox sets the expiry of an existing mailbox and reports a gone one', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const mine = await claim(store, 'ext', { userId: alice.id, expiresAt: T0 + HOUR });
        const guest = await claim(store, 'ext-guest', { userId: null, expiresAt: T0 + HOUR });
        assert.equal(await store.extendMailbox(mine.id, T0 + 5 * HOUR), true);
        assert.deepEqual(await store.getMailbox(mine.id), { ...mine, expiresAt: T0 + 5 * HOUR });
        assert.equal(await store.extendMailbox(guest.id, T0 + 2 * HOUR), true);
        assert.equal((await store.getMailboxByAddress(guest.address))?.expiresAt, T0 + 2 * HOUR);
        // The new expiry counts everywhere: live until then, swept after.
        assert.equal((await store.releaseExpiredMailboxes(T0 + 3 * HOUR, 10, Q)).count, 1, 'only the guest');
        assert.deepEqual(
          (await store.listMailboxesOfUser(alice.id, T0 + 4 * HOUR)).map((m) => m.id),
          [mine.id],
        );
        assert.equal(await store.extendMailbox(guest.id, T0 + 9 * HOUR), false, 'gone');
        assert.equal(await store.extendMailbox(mine.id + guest.id + 1000, T0), false, 'never existed');
      });

      it('countMessagesOfMailboxes counts per mailbox, 0 for empty or unknown ones', async (store) => {
        const a = await claim(store, 'a');
        const b = await claim(store, 'b');
        const empty = await claim(store, 'empty');
        await store.insertDelivery(delivery('k1', [a, b]));
        await deliverOne(store, a, 'k2');
        await deliverOne(store, a, 'k3');
        const counts = await store.countMessagesOfMailboxes([a.id, b.id, empty.id, 987654]);
        assert.deepEqual(
          [...counts.entries()].sort(([x], [y]) => x - y),
          [
            [a.id, 3],
            [b.id, 1],
            [empty.id, 0],
            [987654, 0],
          ].sort(([x], [y]) => (x as number) - (y as number)),
        );
        assert.deepEqual((await store.countMessagesOfMailboxes([b.id])).get(b.id), 1);
        assert.equal((await store.countMessagesOfMailboxes([])).size, 0);
      });
    });

    describe('statistics', () => {
      it('countLiveMailboxes counts live mailboxes of users and guests, permanent ones included', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        assert.equal(await store.countLiveMailboxes(T0), 0);
        await claim(store, 'a1', { userId: alice.id, expiresAt: T0 + 100 });
        await claim(store, 'a2', { userId: alice.id, expiresAt: null });
        await claim(store, 'g1', { userId: null, expiresAt: T0 + 200 });
        assert.equal(await store.countLiveMailboxes(T0), 3);
        assert.equal(await store.countLiveMailboxes(T0 + 99), 3);
        assert.equal(await store.countLiveMailboxes(T0 + 100), 2, 'expired at its expiresAt');
        assert.equal(await store.countLiveMailboxes(T0 + 200), 1);
      });

      it('countReceivedByHour counts copies per UTC hour from the hour of `since`, ascending, only hours with mail', async (store) => {
        const h0 = Math.floor(T0 / HOUR) * HOUR;
        const a = await claim(store, 'a', { expiresAt: null });
        const b = await claim(store, 'b', { expiresAt: null });
        assert.deepEqual(await store.countReceivedByHour(h0), []);
        await deliverOne(store, a, 'before', h0 - 1);
        await deliverOne(store, a, 'k1', h0);
        await deliverOne(store, a, 'k2', h0 + HOUR - 1);
        await store.insertDelivery(delivery('k3', [a, b], h0 + 3 * HOUR + 5)); // two copies
        await deliverOne(store, b, 'k4', h0 + HOUR);
        const all = [
          { hourStart: h0, count: 2 },
          { hourStart: h0 + HOUR, count: 1 },
          { hourStart: h0 + 3 * HOUR, count: 2 },
        ];
        assert.deepEqual(await store.countReceivedByHour(h0), all);
        assert.deepEqual(
          await store.countReceivedByHour(h0 + 30),
          all,
          'from the start of the hour of `since`',
        );
        assert.deepEqual(await store.countReceivedByHour(h0 - HOUR), [
          { hourStart: h0 - HOUR, count: 1 },
          ...all,
        ]);
      });

      it('countReceivedByHour keeps counting mail that was deleted or whose mailbox is gone', async (store) => {
        const h0 = Math.floor(T0 / HOUR) * HOUR;
        const a = await claim(store, 'a', { expiresAt: null });
        const b = await claim(store, 'b', { expiresAt: T0 + 10 });
        const [kept, deleted] = await store.insertDelivery(delivery('k1', [a, b], h0 + 5));
        assert.ok(kept && deleted);
        const [alone] = await store.insertDelivery(delivery('k2', [a], h0 + 6));
        await store.deleteMessage((alone as MessageRecord).id);
        await store.releaseExpiredMailboxes(T0 + 10, 10, 0);
        assert.deepEqual(await store.countReceivedByHour(h0), [{ hourStart: h0, count: 3 }]);
        const none = await store.insertDelivery(delivery('k3', [b], h0 + 7));
        assert.deepEqual(none, []);
        assert.deepEqual(
          await store.countReceivedByHour(h0),
          [{ hourStart: h0, count: 3 }],
          'a delivery that stored nothing counts nothing',
        );
      });

      it('countFailedWebhooks counts failed attempts at or after `since`', async (store) => {
        const alice = await newUser(store, 'alice@example.org');
        const bob = await newUser(store, 'bob@example.org');
        assert.equal(await store.countFailedWebhooks(T0), 0);
        for (const id of ['f1', 'f2', 'ok', 'r']) await store.enqueueWebhook(alice.id, hookEvent(id), T0);
        await store.enqueueWebhook(bob.id, hookEvent('f3'), T0);
        const items = new Map((await claimAll(store, T0)).map((i) => [i.deliveryId, i]));
        const item = (id: string) => items.get(id) as OutboxItem;
        await finish(store, item('f1'), T0 + 10, { kind: 'failed' });
        await finish(store, item('f2'), T0 + 20, { kind: 'failed' });
        await finish(store, item('f3'), T0 + 30, { kind: 'failed' });
        await finish(store, item('ok'), T0 + 40, { kind: 'delivered' });
        await finish(store, item('r'), T0 + 50, { kind: 'retry', nextAttemptAt: T0 + 60 });
        assert.equal(await store.countFailedWebhooks(T0), 3);
        assert.equal(await store.countFailedWebhooks(T0 + 20), 2, 'at `since` counts');
        assert.equal(await store.countFailedWebhooks(T0 + 21), 1);
        assert.equal(await store.countFailedWebhooks(T0 + 31), 0);
      });
    });
  });
}
