// Runs the Store contract against the SQLite backend (a fresh database file in its own
// temporary directory per test), plus what only a file-backed store can show: persistence
// across reopening and close() flushing deliveries still queued for group commit.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import type { NewDelivery } from '../../src/store/types.ts';
import { until } from '../support/until.ts';
import { storeContract } from './contract.ts';

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'burnbox-store-'));
}

storeContract('sqlite', async () => {
  const dir = tempDir();
  const store = new SqliteStore(path.join(dir, 'burnbox.db'), { sync: false });
  return {
    store,
    async cleanup() {
      try {
        await store.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
});

describe('SqliteStore file behaviour', () => {
  test('data and secrets survive closing and reopening the file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'nested', 'burnbox.db');
    try {
      const first = new SqliteStore(file, { sync: true });
      assert.equal(await first.getOrCreateSecret('s', () => 'one'), 'one');
      await first.upsertDomain('example.com', 'free', 1);
      const claimed = await first.claimMailbox({
        mailbox: {
          uuid: randomUUID(),
          localPart: 'keep',
          domain: 'example.com',
          userId: null,
          createdAt: 1,
          expiresAt: null,
        },
        now: 1,
        quarantineMs: 0,
      });
      assert.ok(claimed.ok);
      await first.close();

      const second = new SqliteStore(file, { sync: false });
      try {
        assert.equal(await second.getOrCreateSecret('s', () => 'two'), 'one');
        assert.deepEqual(await second.getMailbox(claimed.mailbox.id), claimed.mailbox);
        assert.equal((await second.getDomain('example.com'))?.type, 'free');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('pendingMigrations names a migration the database has not applied', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'burnbox.db');
    try {
      const store = new SqliteStore(file, { sync: false });
      try {
        assert.deepEqual(await store.pendingMigrations(), []);
        const db = new Database(file);
        db.prepare('DELETE FROM schema_migrations WHERE version = 9').run();
        db.close();
        assert.deepEqual(await store.pendingMigrations(), ['009_mail_tls']);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('close() commits deliveries still waiting for their group commit', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'burnbox.db');
    try {
      const first = new SqliteStore(file, { sync: false });
      await first.upsertDomain('example.com', 'free', 1);
      const claimed = await first.claimMailbox({
        mailbox: {
          uuid: randomUUID(),
          localPart: 'late',
          domain: 'example.com',
          userId: null,
          createdAt: 1,
          expiresAt: null,
        },
        now: 1,
        quarantineMs: 0,
      });
      assert.ok(claimed.ok);
      const id = `${randomUUID().replaceAll('-', '')}00000000000000`;
      const pending = first.insertDelivery({
        content: {
          subject: 's',
          fromName: '',
          fromEmail: 'a@b.test',
          text: 't',
          html: '',
          size: 1,
          blobKey: 'k',
          attachments: [],
        },
        receivedAt: 2,
        recipients: [
          { mailboxId: claimed.mailbox.id, recipient: claimed.mailbox.address, id, uuid: randomUUID() },
        ],
      });
      await first.close();
      assert.equal((await pending).length, 1);

      const second = new SqliteStore(file, { sync: false });
      try {
        assert.equal((await second.getMessage(id))?.content.blobKey, 'k');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a group commit is settled only once its fsync is done; the next batch waits for it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'burnbox.db');
    // An fsync that ends only when the test says so.
    const gates: (() => void)[] = [];
    const walFsync = {
      sync: () => new Promise<void>((resolve) => gates.push(resolve)),
      close: async () => {},
    };
    const store = new SqliteStore(file, { sync: true, walFsync });
    try {
      await store.upsertDomain('example.com', 'free', 1);
      const claimed = await store.claimMailbox({
        mailbox: {
          uuid: randomUUID(),
          localPart: 'durable',
          domain: 'example.com',
          userId: null,
          createdAt: 1,
          expiresAt: null,
        },
        now: 1,
        quarantineMs: 0,
      });
      assert.ok(claimed.ok);
      const delivery = (id: string): NewDelivery => ({
        content: {
          subject: 's',
          fromName: '',
          fromEmail: 'a@b.test',
          text: 't',
          html: '',
          size: 1,
          blobKey: randomUUID(),
          attachments: [],
        },
        receivedAt: 2,
        recipients: [
          { mailboxId: claimed.mailbox.id, recipient: claimed.mailbox.address, id, uuid: randomUUID() },
        ],
      });
      const firstId = `${randomUUID().replaceAll('-', '')}00000000000000`;
      const secondId = `${randomUUID().replaceAll('-', '')}00000000000001`;
      let firstSettled = false;
      const first = store.insertDelivery(delivery(firstId)).finally(() => {
        firstSettled = true;
      });
      await until(() => gates.length === 1, 'the first batch is being fsynced');
      assert.ok(await store.getMessage(firstId), 'committed');
      let secondSettled = false;
      const second = store.insertDelivery(delivery(secondId)).finally(() => {
        secondSettled = true;
      });
      // Many turns of the event loop: neither is answered, and the second is not committed yet.
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(firstSettled, false, 'not answered before its fsync');
      assert.equal(await store.getMessage(secondId), undefined, 'the next batch waits for the fsync');

      gates[0]?.();
      assert.equal((await first).length, 1);
      await until(() => gates.length === 2, 'the second batch is being fsynced');
      assert.ok(await store.getMessage(secondId), 'committed after the first fsync');
      assert.equal(secondSettled, false, 'not answered before its own fsync');
      gates[1]?.();
      assert.equal((await second).length, 1);
    } finally {
      for (const open of gates) open();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with fsync on, committed pages reach the database file from the checkpoint thread, not at 1,000 pages of log', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'burnbox.db');
    const store = new SqliteStore(file, { sync: true });
    try {
      await store.upsertDomain('example.com', 'free', 1);
      const claimed = await store.claimMailbox({
        mailbox: {
          uuid: randomUUID(),
          localPart: 'copied',
          domain: 'example.com',
          userId: null,
          createdAt: 1,
          expiresAt: null,
        },
        now: 1,
        quarantineMs: 0,
      });
      assert.ok(claimed.ok);
      const before = statSync(file).size;
      // About 50 pages: far from the 1,000 at which SQLite would checkpoint inside a commit.
      await store.insertDelivery({
        content: {
          subject: 's',
          fromName: '',
          fromEmail: 'a@b.test',
          text: 'x'.repeat(200 * 1024),
          html: '',
          size: 1,
          blobKey: randomUUID(),
          attachments: [],
        },
        receivedAt: 2,
        recipients: [
          {
            mailboxId: claimed.mailbox.id,
            recipient: claimed.mailbox.address,
            id: `${randomUUID().replaceAll('-', '')}00000000000000`,
            uuid: randomUUID(),
          },
        ],
      });
      await until(() => statSync(file).size >= before + 200 * 1024, 'the pages are in the database file');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
