// Runs the Store contract against the PostgreSQL backend (a fresh schema per test), plus what
// only a database shared by several processes can show: migrations raced by processes
// starting at once, and two stores (two pools, as two processes have) racing for the same
// webhook items, quota, address and expired mailboxes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { migratePostgres } from '../../src/store/postgres/migrate.ts';
import { connectPostgres, PostgresStore } from '../../src/store/postgres/store.ts';
import type { MailboxRecord, Store } from '../../src/store/types.ts';
import {
  dropSchema,
  freshSchemaName,
  freshSchemaStore,
  postgresUnavailable,
  postgresUrl,
} from '../support/postgres.ts';
import { storeContract } from './contract.ts';

const skip = await postgresUnavailable();

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

describe('PostgresStore', { skip }, () => {
  storeContract('postgres', freshSchemaStore);

  /** Two stores on one new schema, each with its own pool, as two processes would have. */
  async function twoProcesses(): Promise<{ a: PostgresStore; b: PostgresStore; cleanup(): Promise<void> }> {
    const schema = freshSchemaName();
    const a = await PostgresStore.open(postgresUrl(), { schema, max: 5 });
    const b = await PostgresStore.open(postgresUrl(), { schema, max: 5 });
    return {
      a,
      b,
      async cleanup() {
        await a.close();
        await b.close();
        await dropSchema(schema);
      },
    };
  }

  async function newUser(store: Store, email: string) {
    const user = await store.createUser({
      uuid: randomUUID(),
      email,
      passwordHash: null,
      plan: 'free',
      createdAt: T0,
    });
    assert.ok(user);
    return user;
  }

  function claimRequest(
    localPart: string,
    userId: number | null,
    expiresAt: number | null = T0 + HOUR,
    now = T0,
  ) {
    return {
      mailbox: { uuid: randomUUID(), localPart, domain: 'example.com', userId, createdAt: now, expiresAt },
      now,
      quarantineMs: 60_000,
    };
  }

  function messageId(): string {
    return `${randomUUID().replaceAll('-', '')}${randomUUID().replaceAll('-', '').slice(0, 14)}`;
  }

  async function deliver(store: Store, mailboxes: MailboxRecord[], blobKey: string) {
    return store.insertDelivery({
      content: {
        subject: blobKey,
        fromName: '',
        fromEmail: 'a@b.test',
        text: 'text',
        html: '',
        size: 10,
        blobKey,
        attachments: [],
      },
      receivedAt: T0,
      recipients: mailboxes.map((m) => ({
        mailboxId: m.id,
        recipient: m.address,
        id: messageId(),
        uuid: randomUUID(),
      })),
    });
  }

  describe('PostgreSQL specifics', () => {
    test('pendingMigrations names a migration the database has not applied', async () => {
      const { a, cleanup } = await twoProcesses();
      try {
        assert.deepEqual(await a.pendingMigrations(), []);
        await a.sql`DELETE FROM schema_migrations WHERE version = '007_mail_tls'`;
        assert.deepEqual(await a.pendingMigrations(), ['007_mail_tls']);
      } finally {
        await cleanup();
      }
    });

    test('mail text with NUL and ESC characters round-trips exactly', async () => {
      const { store, cleanup } = await freshSchemaStore();
      try {
        await store.upsertDomain('example.com', 'free', T0);
        const claimed = await store.claimMailbox(claimRequest('nul', null));
        assert.ok(claimed.ok);
        const tricky = ['a\u0000b', '\u0000', '\u001b0', '\u001be\u0000\u001b', 'x\u001b\u001b00y', 'plain'];
        for (const [i, s] of tricky.entries()) {
          const content = {
            subject: `${s}-s`,
            fromName: `${s}-n`,
            fromEmail: `${s}-e`,
            text: s,
            html: `<p>${s}</p>`,
            size: 1,
            blobKey: `k${i}`,
            attachments: [
              { name: s, contentType: 'text/plain', size: 1, blobOffset: 0, contentId: null, inline: false },
            ],
          };
          const [message] = await store.insertDelivery({
            content,
            receivedAt: T0 + i,
            recipients: [
              {
                mailboxId: claimed.mailbox.id,
                recipient: claimed.mailbox.address,
                id: messageId(),
                uuid: randomUUID(),
              },
            ],
          });
          assert.ok(message);
          assert.deepEqual((await store.getMessage(message.id))?.content, content, JSON.stringify(s));
        }
        const page = await store.listMessagesPage(claimed.mailbox.id, 100);
        assert.deepEqual(
          page.items.map((m) => m.content.text),
          [...tricky].reverse(),
        );
      } finally {
        await cleanup();
      }
    });

    test('migrations are idempotent, and safe when four processes open one new schema at once', async () => {
      const schema = freshSchemaName();
      const stores = await Promise.all(
        Array.from({ length: 4 }, () => PostgresStore.open(postgresUrl(), { schema, max: 2 })),
      );
      try {
        const [first, ...others] = stores as [PostgresStore, ...PostgresStore[]];
        const versions = await first.sql<
          { version: string }[]
        >`SELECT version FROM schema_migrations ORDER BY version`;
        assert.ok(versions.length >= 1);
        assert.equal(
          new Set(versions.map((v) => v.version)).size,
          versions.length,
          'each version recorded once',
        );
        assert.deepEqual(await migratePostgres(first.sql), { applied: [] }, 'nothing left to apply');
        // Every store works on the same tables.
        await first.upsertDomain('example.com', 'free', T0);
        for (const store of others) assert.equal((await store.getDomain('example.com'))?.type, 'free');
      } finally {
        for (const store of stores) await store.close();
        await dropSchema(schema);
      }

      // Raw migrations raced on separate pools: exactly one applies everything.
      const raced = freshSchemaName();
      const pools = Array.from({ length: 4 }, () =>
        connectPostgres(postgresUrl(), { schema: raced, max: 1 }),
      );
      try {
        const results = await Promise.all(pools.map((sql) => migratePostgres(sql, { schema: raced })));
        const applying = results.filter((r) => r.applied.length > 0);
        assert.equal(applying.length, 1);
        assert.deepEqual(applying[0]?.applied, [...(applying[0]?.applied ?? [])].sort(), 'in order');
        assert.deepEqual(await migratePostgres(pools[0] as (typeof pools)[number], { schema: raced }), {
          applied: [],
        });
      } finally {
        for (const sql of pools) await sql.end();
        await dropSchema(raced);
      }
    });

    test('two processes claiming due webhooks at once never get the same item', async () => {
      const { a, b, cleanup } = await twoProcesses();
      try {
        const users = [await newUser(a, 'u1@example.org'), await newUser(a, 'u2@example.org')];
        const total = 300;
        for (let i = 0; i < total; i++) {
          const user = users[i % 2] as { id: number };
          await a.enqueueWebhook(user.id, { deliveryId: `d${i}`, event: 'e', payload: '{}' }, T0 + (i % 10));
        }
        const claimedBy = async (store: Store) => {
          const ids: number[] = [];
          for (;;) {
            const batch = await store.claimDueWebhooks(T0 + 100, 60_000, 7, []);
            if (batch.length === 0) return ids;
            ids.push(...batch.map((item) => item.id));
          }
        };
        const [fromA, fromB] = await Promise.all([
          Promise.all(Array.from({ length: 3 }, () => claimedBy(a))),
          Promise.all(Array.from({ length: 3 }, () => claimedBy(b))),
        ]);
        const all = [...fromA.flat(), ...fromB.flat()];
        assert.equal(new Set(all).size, all.length, 'no item was handed out twice');
        assert.equal(all.length, total);
        assert.ok(fromA.flat().length > 0 && fromB.flat().length > 0, 'both processes got items');
      } finally {
        await cleanup();
      }
    });

    test('two processes reserving quota at once never exceed the limit', async () => {
      const { a, b, cleanup } = await twoProcesses();
      try {
        const user = await newUser(a, 'quota@example.org');
        const results = await Promise.all(
          Array.from({ length: 80 }, (_, i) => (i % 2 ? a : b).reserveRequest(user.id, '2024-05', 50)),
        );
        const allowed = results.filter((r) => r.allowed);
        assert.equal(allowed.length, 50);
        assert.deepEqual(
          allowed.map((r) => r.used).sort((x, y) => x - y),
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
        for (const r of results.filter((x) => !x.allowed)) assert.equal(r.used, 50);
        assert.equal(await b.getRequestsUsed(user.id, '2024-05'), 50);
      } finally {
        await cleanup();
      }
    });

    test('two processes claiming one address at once: exactly one gets it', async () => {
      const { a, b, cleanup } = await twoProcesses();
      try {
        await a.upsertDomain('example.com', 'free', T0);
        const alice = await newUser(a, 'alice@example.org');
        const bob = await newUser(a, 'bob@example.org');
        // Free addresses, and addresses held by an expired mailbox that a claim releases first.
        for (let i = 0; i < 10; i++) {
          const expired = await a.claimMailbox(claimRequest(`old${i}`, null, T0 + 1));
          assert.ok(expired.ok);
          await deliver(a, [expired.mailbox], `blob-old${i}`);
        }
        const later = T0 + 2 * HOUR; // past every quarantine
        const races = Array.from({ length: 20 }, (_, i) => {
          const localPart = i < 10 ? `new${i}` : `old${i - 10}`;
          return Promise.all([
            a.claimMailbox(claimRequest(localPart, alice.id, null, later)),
            b.claimMailbox(claimRequest(localPart, bob.id, null, later)),
          ]);
        });
        const blobKeys: string[] = [];
        for (const [i, results] of (await Promise.all(races)).entries()) {
          const winners = results.filter((r) => r.ok);
          assert.equal(winners.length, 1, `race ${i}`);
          for (const r of results) if (!r.ok) assert.equal(r.reason, 'taken', `race ${i}`);
          for (const r of winners) blobKeys.push(...r.releasedBlobKeys);
          const localPart = i < 10 ? `new${i}` : `old${i - 10}`;
          const stored = await a.getMailboxByAddress(`${localPart}@example.com`);
          assert.equal(stored?.uuid, winners[0]?.ok ? winners[0].mailbox.uuid : undefined);
        }
        assert.deepEqual(
          blobKeys.sort(),
          Array.from({ length: 10 }, (_, i) => `blob-old${i}`).sort(),
          'each expired mailbox released once',
        );
      } finally {
        await cleanup();
      }
    });

    test('two processes sweeping expired mailboxes at once release each exactly once', async () => {
      const { a, b, cleanup } = await twoProcesses();
      try {
        await a.upsertDomain('example.com', 'free', T0);
        const mailboxes: MailboxRecord[] = [];
        for (let i = 0; i < 120; i++) {
          const claimed = await a.claimMailbox(claimRequest(`sweep${i}`, null, T0 + 10 + i));
          assert.ok(claimed.ok);
          mailboxes.push(claimed.mailbox);
        }
        // Own mail in each, and mail shared by neighbours: a shared key comes back once, with
        // whichever release removes its last copy.
        for (const [i, m] of mailboxes.entries()) await deliver(a, [m], `own${i}`);
        for (let i = 0; i < mailboxes.length; i += 2) {
          await deliver(a, [mailboxes[i] as MailboxRecord, mailboxes[i + 1] as MailboxRecord], `shared${i}`);
        }
        const live = await a.claimMailbox(claimRequest('live', null, null));
        assert.ok(live.ok);
        const now = T0 + HOUR;
        const sweep = async (store: Store) => {
          let count = 0;
          const keys: string[] = [];
          for (;;) {
            const result = await store.releaseExpiredMailboxes(now, 7, 60_000);
            if (result.count === 0) return { count, keys };
            count += result.count;
            keys.push(...result.blobKeys);
          }
        };
        const results = await Promise.all([sweep(a), sweep(b), sweep(a), sweep(b)]);
        assert.equal(
          results.reduce((n, r) => n + r.count, 0),
          120,
          'each released once',
        );
        const keys = results.flatMap((r) => r.keys).sort();
        const expected = [
          ...mailboxes.map((_, i) => `own${i}`),
          ...mailboxes.flatMap((_, i) => (i % 2 === 0 ? [`shared${i}`] : [])),
        ].sort();
        assert.deepEqual(keys, expected, 'every blob key handed back once');
        assert.equal(await a.countLiveMailboxes(now), 1);
        assert.deepEqual(await a.getMailbox(live.mailbox.id), live.mailbox);
        const [mails] = await a.sql<{ n: number }[]>`SELECT count(*) AS n FROM mails`;
        assert.equal(mails?.n, 0, 'no mail left behind');
      } finally {
        await cleanup();
      }
    });

    test('concurrent deletions of the last copies of a shared mail hand its blob key back once', async () => {
      const { a, b, cleanup } = await twoProcesses();
      try {
        await a.upsertDomain('example.com', 'free', T0);
        const boxes: MailboxRecord[] = [];
        for (let i = 0; i < 4; i++) {
          const claimed = await a.claimMailbox(claimRequest(`box${i}`, null));
          assert.ok(claimed.ok);
          boxes.push(claimed.mailbox);
        }
        for (let round = 0; round < 20; round++) {
          const copies = await deliver(a, boxes, `shared-${round}`);
          assert.equal(copies.length, boxes.length);
          const results = await Promise.all(copies.map((c, i) => (i % 2 ? a : b).deleteMessage(c.id)));
          assert.deepEqual(
            results.flatMap((r) => r.blobKeys),
            [`shared-${round}`],
            `round ${round}`,
          );
        }
      } finally {
        await cleanup();
      }
    });
  });
});
