// The SQLite connection every part of the store shares: the database handle, its cache of
// prepared statements, and the group commit. Deliveries from concurrent SMTP sessions are
// group-committed: all that arrive within one event-loop turn share a single transaction (and a
// single fsync); if one of them fails, the batch is rolled back and each is written again in its
// own transaction, so one failure does not affect the others (a savepoint around each cost more
// than the rare retry). The fsync runs off the event loop (see wal-fsync.ts): while it runs, the
// next batch gathers, and is committed once it is done.
import path from 'node:path';
import Database from 'better-sqlite3';
import { makePrivateDirSync, makePrivateFileSync } from '../../fs/private-files.ts';
import { Checkpointer } from './checkpointer.ts';
import { migrate, pendingMigrations } from './migrate.ts';
import { WalFsync } from './wal-fsync.ts';

/** What became of one write of a group commit. */
type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/** A write waiting for the next group commit. */
interface PendingWrite {
  write: () => unknown;
  resolve: (result: never) => void;
  reject: (err: unknown) => void;
}

export interface SqliteStoreOptions {
  /** fsync each commit (synchronous=FULL); otherwise commits survive a process crash but not power loss. */
  sync: boolean;
  /** How group commits are fsynced when `sync` is on (tests hold it back); default the -wal file's. */
  walFsync?: Pick<WalFsync, 'sync' | 'close'>;
}

export class SqliteConnection {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  #pending: PendingWrite[] = [];
  #flushScheduled = false;
  /** With fsync on and a database file: group commits are made durable by this, off the loop. */
  readonly #walFsync: Pick<WalFsync, 'sync' | 'close'> | undefined;
  /** With #walFsync: checkpoints run in a worker thread rather than inside commits. */
  readonly #checkpointer: Checkpointer | undefined;
  /** The fsync of the last group commit, while it runs: the next batch waits for it. */
  #syncing: Promise<void> | undefined;

  constructor(file: string, options: SqliteStoreOptions) {
    if (file !== ':memory:') {
      // Created 0600 before SQLite opens it (SQLite would make it 0644); its -wal and -shm
      // files take the database file's mode.
      makePrivateDirSync(path.dirname(file));
      makePrivateFileSync(file);
    }
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${options.sync ? 'FULL' : 'NORMAL'}`);
    if (options.sync && file !== ':memory:') {
      this.#walFsync = options.walFsync ?? new WalFsync(file);
      this.#db.pragma('wal_autocheckpoint = 0');
      this.#checkpointer = new Checkpointer(file, () => {
        if (this.#db.open) this.#db.pragma('wal_autocheckpoint = 1000');
      });
    }
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    migrate(this.#db);
  }

  async close(): Promise<void> {
    await this.#syncing;
    if (this.#pending.length) await this.#flushWrites();
    await this.#walFsync?.close();
    await this.#checkpointer?.close();
    this.#db.close();
  }

  async pendingMigrations(): Promise<string[]> {
    return pendingMigrations(this.#db).map((f) => f.replace(/\.sql$/, ''));
  }

  /** Prepared statements are cached by their SQL: preparing is far costlier than running. */
  statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.statement(sql).get(...params) as T | undefined;
  }

  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.statement(sql).all(...params) as T[];
  }

  run(sql: string, ...params: unknown[]) {
    return this.statement(sql).run(...params);
  }

  /** A transaction of the database handle (run it, or `.immediate()` to take the write lock first). */
  transaction<F extends (...args: never[]) => unknown>(fn: F): Database.Transaction<F> {
    return this.#db.transaction(fn);
  }

  /**
   * Runs `write` in the next group commit: writes queued within one event-loop turn share one
   * transaction (one fsync). `write` may run twice (the batch is retried one by one when a write
   * in it fails), so it does nothing but its statements.
   */
  groupCommit<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ write, resolve: resolve as (result: never) => void, reject });
      this.#scheduleFlush();
    });
  }

  /** The next group commit: at the end of this event-loop turn, or once the running fsync ends. */
  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#syncing || this.#pending.length === 0) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      // close() may have committed them already.
      if (this.#pending.length > 0 && this.#db.open) void this.#flushWrites();
    });
  }

  /** Commits the waiting writes; resolves once each has been settled (after its fsync). */
  #flushWrites(): Promise<void> | undefined {
    const batch = this.#pending;
    this.#pending = [];
    let outcomes: Outcome[];
    // Committed without SQLite's own fsync when #walFsync makes it durable instead; every other
    // write of this connection keeps synchronous=FULL.
    if (this.#walFsync) this.statement('PRAGMA synchronous = NORMAL').run();
    /** Set when a write itself threw (not BEGIN or COMMIT: a busy or failing database). */
    let writeFailed = false;
    const write = (item: PendingWrite): Outcome => {
      try {
        return { ok: true, result: item.write() };
      } catch (error) {
        writeFailed = true;
        throw error;
      }
    };
    try {
      outcomes = this.#db.transaction(() => batch.map(write)).immediate();
    } catch (error) {
      // One write failed and took the batch with it: each is written again on its own, so that
      // only the failing one fails. A database that could not begin or commit fails them all
      // at once (trying each again would wait out the busy timeout once per write).
      outcomes =
        batch.length === 1 || !writeFailed
          ? batch.map((): Outcome => ({ ok: false, error }))
          : batch.map((item): Outcome => {
              try {
                return { ok: true, result: this.#db.transaction(item.write).immediate() };
              } catch (error) {
                return { ok: false, error };
              }
            });
    } finally {
      if (this.#walFsync) this.statement('PRAGMA synchronous = FULL').run();
    }
    const settle = () =>
      batch.forEach((item, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) item.resolve(outcome.result as never);
        else item.reject(outcome?.error);
      });
    if (!this.#walFsync) {
      settle();
      return;
    }
    // Committed but not yet durable: nobody is told it is stored until the fsync is done. A
    // failed fsync fails the whole batch (the sender retries; a copy may then be kept twice,
    // never lost).
    const syncing = this.#walFsync.sync().then(settle, (error) => {
      for (const item of batch) item.reject(error);
    });
    this.#syncing = syncing.finally(() => {
      this.#syncing = undefined;
      this.#checkpointer?.request();
      this.#scheduleFlush();
    });
    return this.#syncing;
  }
}
