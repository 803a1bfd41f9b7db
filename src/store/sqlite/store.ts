// The embedded SQLite backend. better-sqlite3 is synchronous; every method still returns a
// Promise so callers are written once for every backend. Deliveries from concurrent SMTP
// sessions are group-committed: all that arrive within one event-loop turn share a single
// transaction (and a single fsync); if one of them fails, the batch is rolled back and each is
// written again in its own transaction, so one failure does not affect the others (a savepoint
// around each cost more than the rare retry). The fsync runs off the event loop (see wal-fsync.ts): while it runs, the
// next batch gathers, and is committed once it is done.
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DomainType } from '../../config/plans.ts';
import { makePrivateDirSync, makePrivateFileSync } from '../../fs/private-files.ts';
import type { Extraction } from '../../mail/extract/types.ts';
import { type CustomDomainRow, lostToAnotherClaim, toCustomDomain } from '../custom-domain-rows.ts';
import {
  type ExtractionColumns,
  fromExtractionColumns,
  toExtractionColumns,
  type UnreadExtractionColumns,
} from '../extraction-json.ts';
import { hourOf } from '../hours.ts';
import {
  type PendingSenderAuthRow,
  type SenderAuthRow,
  senderAuthColumns,
  toPendingSenderAuth,
  toSenderAuth,
} from '../sender-auth-rows.ts';
import type {
  ChunkedPart,
  ClaimRequest,
  ClaimResult,
  CustomDomainAddResult,
  CustomDomainCheckOutcome,
  CustomDomainRecord,
  DeliveredMessage,
  DerivedBodies,
  DomainRecord,
  KeyRequestCount,
  MailboxRecord,
  MessageChunk,
  MessageHead,
  MessageListPosition,
  MessageRecord,
  MessageState,
  MessageWithoutHtml,
  NewCustomDomain,
  NewDelivery,
  NewUser,
  OutboxItem,
  OutboxLease,
  OutboxOutcome,
  Page,
  PageCursor,
  PendingSenderAuth,
  Released,
  SenderAuthRecord,
  SenderAuthVerdict,
  SessionRecord,
  Store,
  UserRecord,
  WebhookAttempt,
  WebhookConfig,
} from '../types.ts';
import { Checkpointer } from './checkpointer.ts';
import { migrate, pendingMigrations } from './migrate.ts';
import {
  type AttemptRow,
  type DomainRow,
  type MailboxRow,
  type MessageHeadRow,
  type MessageRow,
  type MessageWithoutHtmlRow,
  type OutboxRow,
  type SessionRow,
  toAttempt,
  toDomain,
  toMailbox,
  toMessage,
  toMessageHead,
  toMessageWithoutHtml,
  toOutboxItem,
  toSession,
  toUser,
  toWebhook,
  type UserRow,
  type WebhookRow,
} from './rows.ts';
import { WalFsync } from './wal-fsync.ts';

/** How many recent attempts the delivery log keeps per user. */
const attemptLogLength = 200;

const messageColumns = `m.public_id, m.uuid, m.mailbox_id, m.recipient, m.received_at, m.seen,
  ml.subject, ml.from_name, ml.from_email, ml.text_body, ml.html_body, ml.size, ml.blob_key, ml.attachments,
  ml.over_tls, ml.tls_protocol, ml.tls_cipher`;

/** The message columns but its raw HTML, and whether it has any (octet_length reads no content). */
const withoutHtmlColumns = `m.public_id, m.uuid, m.mailbox_id, m.recipient, m.received_at, m.seen,
  ml.subject, ml.from_name, ml.from_email, ml.text_body, octet_length(ml.html_body) > 0 AS has_html,
  ml.size, ml.blob_key, ml.attachments, ml.over_tls, ml.tls_protocol, ml.tls_cipher`;

/** The message columns but its bodies: a head is read without loading them. */
const headColumns = `m.public_id, m.uuid, m.mailbox_id, m.recipient, m.received_at, m.seen,
  ml.subject, ml.from_name, ml.from_email`;

/** Stored documents and JSON fields are cut in chunks of this size, each read on its own. */
const chunkBytes = 256 * 1024;

/** A write waiting for the next group commit. */
/** What became of one write of a group commit. */
type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

interface PendingWrite {
  write: () => unknown;
  resolve: (result: never) => void;
  reject: (err: unknown) => void;
}

/** Thrown inside the claim transaction to roll it back; turned into a refusal result. */
class ClaimRefused extends Error {
  readonly reason: 'quarantined' | 'replaced_missing' | 'limit_reached';
  constructor(reason: 'quarantined' | 'replaced_missing' | 'limit_reached') {
    super(reason);
    this.reason = reason;
  }
}

export interface SqliteStoreOptions {
  /** fsync each commit (synchronous=FULL); otherwise commits survive a process crash but not power loss. */
  sync: boolean;
  /** How group commits are fsynced when `sync` is on (tests hold it back); default the -wal file's. */
  walFsync?: Pick<WalFsync, 'sync' | 'close'>;
}

export class SqliteStore implements Store {
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
  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.#statement(sql).get(...params) as T | undefined;
  }

  #all<T>(sql: string, ...params: unknown[]): T[] {
    return this.#statement(sql).all(...params) as T[];
  }

  #run(sql: string, ...params: unknown[]) {
    return this.#statement(sql).run(...params);
  }

  async getOrCreateSecret(name: string, create: () => string): Promise<string> {
    const existing = this.#get<{ value: string }>('SELECT value FROM secrets WHERE name = ?', name);
    if (existing) return existing.value;
    this.#run(
      'INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
      name,
      create(),
    );
    return (
      this.#get<{ value: string }>('SELECT value FROM secrets WHERE name = ?', name) as { value: string }
    ).value;
  }

  // --- domains ---

  async upsertDomain(name: string, type: DomainType, now: number): Promise<DomainRecord> {
    this.#run(
      'INSERT INTO domains (name, type, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET type = excluded.type',
      name,
      type,
      now,
    );
    return toDomain(this.#get<DomainRow>('SELECT * FROM domains WHERE name = ?', name) as DomainRow);
  }

  async removeDomain(name: string): Promise<boolean> {
    return this.#run('DELETE FROM domains WHERE name = ?', name).changes > 0;
  }

  async listDomains(): Promise<DomainRecord[]> {
    return this.#all<DomainRow>('SELECT * FROM domains ORDER BY name').map(toDomain);
  }

  async getDomain(name: string): Promise<DomainRecord | undefined> {
    const row = this.#get<DomainRow>('SELECT * FROM domains WHERE name = ?', name);
    return row && toDomain(row);
  }

  // --- users and keys ---

  async createUser(user: NewUser): Promise<UserRecord | undefined> {
    const result = this.#run(
      `INSERT INTO users (uuid, email, password_hash, plan, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (email) DO NOTHING`,
      user.uuid,
      user.email,
      user.passwordHash,
      user.plan,
      user.createdAt,
    );
    return result.changes ? this.getUserById(Number(result.lastInsertRowid)) : undefined;
  }

  async getUserById(id: number): Promise<UserRecord | undefined> {
    const row = this.#get<UserRow>('SELECT * FROM users WHERE id = ?', id);
    return row && toUser(row);
  }

  async getUserByEmail(email: string): Promise<UserRecord | undefined> {
    const row = this.#get<UserRow>('SELECT * FROM users WHERE email = ?', email);
    return row && toUser(row);
  }

  async updateUser(
    id: number,
    change: { plan?: string; disabled?: boolean; passwordHash?: string; isAdmin?: boolean },
  ): Promise<void> {
    this.#run(
      `UPDATE users SET plan = coalesce(?, plan), disabled = coalesce(?, disabled),
       password_hash = coalesce(?, password_hash), is_admin = coalesce(?, is_admin) WHERE id = ?`,
      change.plan ?? null,
      change.disabled === undefined ? null : Number(change.disabled),
      change.passwordHash ?? null,
      change.isAdmin === undefined ? null : Number(change.isAdmin),
      id,
    );
  }

  async listUsers(limit: number, offset: number): Promise<Page<UserRecord>> {
    const items = this.#all<UserRow>(
      'SELECT * FROM users ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?',
      limit,
      offset,
    ).map(toUser);
    return { items, total: await this.countUsers() };
  }

  async countUsers(): Promise<number> {
    return this.#get<{ n: number }>('SELECT count(*) AS n FROM users')?.n ?? 0;
  }

  async setApiKeyHash(userId: number, keyHash: string, now: number): Promise<void> {
    this.#run(
      `INSERT INTO api_keys (user_id, key_hash, created_at) VALUES (?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET key_hash = excluded.key_hash, created_at = excluded.created_at`,
      userId,
      keyHash,
      now,
    );
  }

  async getUserByApiKeyHash(keyHash: string): Promise<UserRecord | undefined> {
    const row = this.#get<UserRow>(
      'SELECT u.* FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?',
      keyHash,
    );
    return row && toUser(row);
  }

  async getApiKeyCreatedAt(userId: number): Promise<number | undefined> {
    return this.#get<{ created_at: number }>('SELECT created_at FROM api_keys WHERE user_id = ?', userId)
      ?.created_at;
  }

  // --- quota ---
  // Counted inside the group commit: every request of a turn shares one transaction and one
  // fsync instead of paying one each, and each count is still durable before it resolves. Each
  // write runs alone under the database's write lock, so counting stays exact.

  countKeyRequest(
    keyHash: string,
    user: UserRecord,
    period: string,
    limit: number,
  ): Promise<KeyRequestCount> {
    return this.#groupCommit((): KeyRequestCount => {
      const current = `FROM api_keys k JOIN users u ON u.id = k.user_id
         WHERE k.key_hash = ? AND u.id = ? AND u.plan = ? AND u.is_admin = ? AND u.disabled = 0`;
      const keyParams = [keyHash, user.id, user.plan, Number(user.isAdmin)];
      // Usually one statement: counted only if the key is still the user's, as remembered.
      const row = this.#get<{ used: number }>(
        `INSERT INTO request_counts (user_id, period, used) SELECT u.id, ?, 1 ${current}
         ON CONFLICT (user_id, period) DO UPDATE SET used = used + 1 WHERE used < ?
         RETURNING used`,
        period,
        ...keyParams,
        limit,
      );
      if (row && row.used <= limit) return { outcome: 'counted', used: row.used };
      if (row) {
        // Only reachable with limit 0 on a first request: undo the insert.
        this.#run(
          'UPDATE request_counts SET used = used - 1 WHERE user_id = ? AND period = ?',
          user.id,
          period,
        );
      }
      // Nothing counted: the quota is spent, or the key or user changed.
      if (!this.#get(`SELECT 1 ${current}`, ...keyParams)) return { outcome: 'stale' };
      return { outcome: 'spent', used: this.#requestsUsed(user.id, period) };
    });
  }

  reserveRequest(userId: number, period: string, limit: number): Promise<{ allowed: boolean; used: number }> {
    return this.#groupCommit(() => this.#reserve(userId, period, limit));
  }

  #reserve(userId: number, period: string, limit: number): { allowed: boolean; used: number } {
    const row = this.#get<{ used: number }>(
      `INSERT INTO request_counts (user_id, period, used) VALUES (?, ?, 1)
       ON CONFLICT (user_id, period) DO UPDATE SET used = used + 1 WHERE used < ?
       RETURNING used`,
      userId,
      period,
      limit,
    );
    if (row && row.used <= limit) return { allowed: true, used: row.used };
    if (row) {
      // Only reachable with limit 0 on a first request: undo the insert.
      this.#run('UPDATE request_counts SET used = used - 1 WHERE user_id = ? AND period = ?', userId, period);
    }
    return { allowed: false, used: this.#requestsUsed(userId, period) };
  }

  releaseRequest(userId: number, period: string): Promise<number> {
    return this.#groupCommit(
      () =>
        this.#get<{ used: number }>(
          'UPDATE request_counts SET used = max(used - 1, 0) WHERE user_id = ? AND period = ? RETURNING used',
          userId,
          period,
        )?.used ?? 0,
    );
  }

  async getRequestsUsed(userId: number, period: string): Promise<number> {
    return this.#requestsUsed(userId, period);
  }

  #requestsUsed(userId: number, period: string): number {
    return (
      this.#get<{ used: number }>(
        'SELECT used FROM request_counts WHERE user_id = ? AND period = ?',
        userId,
        period,
      )?.used ?? 0
    );
  }

  // --- web sessions and rate limits ---
  // Written by web requests, so group-committed like deliveries: a burst of logins or guest
  // mailboxes shares one fsync instead of paying one each.

  createSession(session: {
    idHash: string;
    userId: number;
    createdAt: number;
    expiresAt: number;
  }): Promise<void> {
    return this.#groupCommit(() => {
      this.#run(
        'INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
        session.idHash,
        session.userId,
        session.createdAt,
        session.expiresAt,
      );
    });
  }

  async getSession(idHash: string, now: number): Promise<SessionRecord | undefined> {
    const row = this.#get<SessionRow>(
      'SELECT user_id, created_at, expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?',
      idHash,
      now,
    );
    return row && toSession(row);
  }

  deleteSession(idHash: string): Promise<void> {
    return this.#groupCommit(() => {
      this.#run('DELETE FROM sessions WHERE id_hash = ?', idHash);
    });
  }

  deleteSessionsOfUser(userId: number, exceptIdHash?: string): Promise<void> {
    return this.#groupCommit(() => {
      this.#run('DELETE FROM sessions WHERE user_id = ? AND id_hash IS NOT ?', userId, exceptIdHash ?? null);
    });
  }

  hitRateLimit(
    key: string,
    windowStart: number,
    limit: number,
  ): Promise<{ allowed: boolean; count: number }> {
    return this.#groupCommit(() => {
      const current = () =>
        this.#get<{ count: number }>(
          'SELECT count FROM rate_limits WHERE key = ? AND window_start = ?',
          key,
          windowStart,
        )?.count ?? 0;
      if (limit <= 0) return { allowed: false, count: current() };
      const row = this.#get<{ count: number }>(
        `INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1)
         ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1 WHERE count < ?
         RETURNING count`,
        key,
        windowStart,
        limit,
      );
      return row ? { allowed: true, count: row.count } : { allowed: false, count: current() };
    });
  }

  async deleteExpired(now: number, rateWindowsBefore: number): Promise<void> {
    this.#db
      .transaction(() => {
        this.#run('DELETE FROM sessions WHERE expires_at <= ?', now);
        this.#run('DELETE FROM rate_limits WHERE window_start < ?', rateWindowsBefore);
        this.#run('DELETE FROM released_addresses WHERE until <= ?', now);
      })
      .immediate();
  }

  // --- custom domains ---

  async addCustomDomain(claim: NewCustomDomain, maxPerUser: number): Promise<CustomDomainAddResult> {
    return this.#db
      .transaction((): CustomDomainAddResult => {
        if (this.#get('SELECT 1 FROM domains WHERE name = ?', claim.name))
          return { ok: false, reason: 'hosted' };
        const verified = this.#get<CustomDomainRow>(
          "SELECT * FROM custom_domains WHERE name = ? AND status = 'verified'",
          claim.name,
        );
        if (verified && verified.user_id !== claim.userId) return { ok: false, reason: 'taken' };
        if (
          this.#get('SELECT 1 FROM custom_domains WHERE name = ? AND user_id = ?', claim.name, claim.userId)
        )
          return { ok: false, reason: 'exists' };
        const held = this.#get<{ n: number }>(
          'SELECT count(*) AS n FROM custom_domains WHERE user_id = ?',
          claim.userId,
        )?.n as number;
        if (held >= maxPerUser) return { ok: false, reason: 'limit_reached' };
        const verifiedAt = claim.status === 'verified' ? claim.createdAt : null;
        if (verifiedAt !== null) this.#failOtherClaims(claim.name, claim.userId, claim.createdAt);
        this.#run(
          `INSERT INTO custom_domains (name, user_id, token, status, created_at, verified_at, next_check_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          claim.name,
          claim.userId,
          claim.token,
          claim.status,
          claim.createdAt,
          verifiedAt,
          claim.nextCheckAt,
        );
        return { ok: true, record: this.#customDomain(claim.name, claim.userId) as CustomDomainRecord };
      })
      .immediate();
  }

  /** Every other claim on the name that is still pending fails: the name has its owner. */
  #failOtherClaims(name: string, winner: number, at: number): void {
    this.#run(
      `UPDATE custom_domains SET status = 'failed', last_problem = ?, checked_at = ?
       WHERE name = ? AND user_id <> ? AND status = 'pending'`,
      lostToAnotherClaim,
      at,
      name,
      winner,
    );
  }

  #customDomain(name: string, userId: number): CustomDomainRecord | undefined {
    const row = this.#get<CustomDomainRow>(
      'SELECT * FROM custom_domains WHERE name = ? AND user_id = ?',
      name,
      userId,
    );
    return row && toCustomDomain(row);
  }

  async getCustomDomain(name: string, userId: number): Promise<CustomDomainRecord | undefined> {
    return this.#customDomain(name, userId);
  }

  async getVerifiedCustomDomain(name: string): Promise<CustomDomainRecord | undefined> {
    const row = this.#get<CustomDomainRow>(
      "SELECT * FROM custom_domains WHERE name = ? AND status = 'verified'",
      name,
    );
    return row && toCustomDomain(row);
  }

  async listCustomDomainsOfUser(userId: number): Promise<CustomDomainRecord[]> {
    return this.#all<CustomDomainRow>(
      'SELECT * FROM custom_domains WHERE user_id = ? ORDER BY name',
      userId,
    ).map(toCustomDomain);
  }

  async listCustomDomains(): Promise<CustomDomainRecord[]> {
    return this.#all<CustomDomainRow>('SELECT * FROM custom_domains ORDER BY name, user_id').map(
      toCustomDomain,
    );
  }

  async settleCustomDomainCheck(
    name: string,
    userId: number,
    outcome: CustomDomainCheckOutcome,
  ): Promise<CustomDomainRecord | undefined> {
    return this.#db
      .transaction(() => {
        const current = this.#customDomain(name, userId);
        if (!current) return undefined;
        if (outcome.kind === 'verified') {
          if (current.status === 'verified') {
            this.#run(
              'UPDATE custom_domains SET checked_at = ?, last_problem = NULL WHERE name = ? AND user_id = ?',
              outcome.at,
              name,
              userId,
            );
            return this.#customDomain(name, userId);
          }
          const otherOwner = this.#get(
            "SELECT 1 FROM custom_domains WHERE name = ? AND status = 'verified' AND user_id <> ?",
            name,
            userId,
          );
          const hosted = this.#get('SELECT 1 FROM domains WHERE name = ?', name);
          if (otherOwner || hosted) {
            this.#run(
              `UPDATE custom_domains SET status = 'failed', checked_at = ?, last_problem = ?
               WHERE name = ? AND user_id = ?`,
              outcome.at,
              hosted ? 'The domain is hosted by this server already.' : lostToAnotherClaim,
              name,
              userId,
            );
            return this.#customDomain(name, userId);
          }
          this.#failOtherClaims(name, userId, outcome.at);
          this.#run(
            `UPDATE custom_domains SET status = 'verified', checked_at = ?, verified_at = ?, last_problem = NULL
             WHERE name = ? AND user_id = ?`,
            outcome.at,
            outcome.at,
            name,
            userId,
          );
        } else {
          this.#run(
            `UPDATE custom_domains SET status = ?, checked_at = ?, last_problem = ?, next_check_at = ?
             WHERE name = ? AND user_id = ?`,
            // A verified domain stays verified: a later look only records what it found.
            current.status === 'verified' ? 'verified' : outcome.kind,
            outcome.at,
            outcome.problem,
            outcome.kind === 'pending' ? outcome.nextCheckAt : current.nextCheckAt,
            name,
            userId,
          );
        }
        return this.#customDomain(name, userId);
      })
      .immediate();
  }

  async takeDueCustomDomainChecks(
    now: number,
    leaseUntil: number,
    limit: number,
  ): Promise<CustomDomainRecord[]> {
    return this.#db
      .transaction(() => {
        const rows = this.#all<CustomDomainRow>(
          `UPDATE custom_domains SET next_check_at = ?
           WHERE rowid IN (SELECT rowid FROM custom_domains WHERE status = 'pending' AND next_check_at <= ?
             ORDER BY next_check_at LIMIT ?)
           RETURNING *`,
          leaseUntil,
          now,
          limit,
        );
        return rows.map(toCustomDomain);
      })
      .immediate();
  }

  async setCustomDomainCatchAll(name: string, userId: number, address: string | null): Promise<boolean> {
    return (
      this.#run(
        'UPDATE custom_domains SET catch_all = ? WHERE name = ? AND user_id = ?',
        address,
        name,
        userId,
      ).changes > 0
    );
  }

  async removeCustomDomain(
    name: string,
    userId: number | undefined,
  ): Promise<Released & { removed: boolean; mailboxes: MailboxRecord[] }> {
    return this.#db
      .transaction(() => {
        const removed = this.#all<CustomDomainRow>(
          'DELETE FROM custom_domains WHERE name = ? AND (? IS NULL OR user_id = ?) RETURNING *',
          name,
          userId ?? null,
          userId ?? null,
        );
        // Mailboxes exist on a custom domain only while it is verified: a pending claim going
        // leaves alone the mailboxes of the account that owns the name.
        if (!removed.some((r) => r.status === 'verified')) {
          return { removed: removed.length > 0, blobKeys: [], mailboxes: [] };
        }
        const rows = this.#all<MailboxRow>('SELECT * FROM mailboxes WHERE domain = ?', name);
        const blobKeys = rows.flatMap((row) => this.#release(row, 0, 0));
        this.#run('DELETE FROM released_addresses WHERE address LIKE ?', `%@${name}`);
        return { removed: true, blobKeys, mailboxes: rows.map(toMailbox) };
      })
      .immediate();
  }

  // --- mailboxes ---

  async claimMailbox(request: ClaimRequest): Promise<ClaimResult> {
    try {
      return this.#claimMailbox(request);
    } catch (err) {
      // A refusal rolls back everything the claim did (e.g. releasing an expired mailbox,
      // whose blob keys a refusal cannot report): a refused claim changes nothing.
      if (err instanceof ClaimRefused) return { ok: false, reason: err.reason };
      throw err;
    }
  }

  #claimMailbox(request: ClaimRequest): ClaimResult {
    return this.#db
      .transaction((): ClaimResult => {
        const { mailbox, now, quarantineMs } = request;
        const address = `${mailbox.localPart}@${mailbox.domain}`;
        const releasedBlobKeys: string[] = [];
        const existing = this.#get<MailboxRow>('SELECT * FROM mailboxes WHERE address = ?', address);
        if (existing) {
          if (existing.expires_at === null || existing.expires_at > now)
            return { ok: false, reason: 'taken' };
          releasedBlobKeys.push(...this.#release(existing, existing.expires_at, quarantineMs));
        }
        const held = this.#get<{ user_id: number | null }>(
          'SELECT user_id FROM released_addresses WHERE address = ? AND until > ?',
          address,
          now,
        );
        if (held && (held.user_id === null || held.user_id !== mailbox.userId)) {
          throw new ClaimRefused('quarantined');
        }
        if (request.replacesMailboxId !== undefined) {
          const old = this.#get<MailboxRow>(
            'SELECT * FROM mailboxes WHERE id = ? AND user_id IS ? AND (expires_at IS NULL OR expires_at > ?)',
            request.replacesMailboxId,
            mailbox.userId,
            now,
          );
          if (!old) throw new ClaimRefused('replaced_missing');
          releasedBlobKeys.push(...this.#release(old, now, quarantineMs));
        }
        if (request.maxLiveMailboxes !== undefined && mailbox.userId !== null) {
          const live = this.#get<{ n: number }>(
            'SELECT count(*) AS n FROM mailboxes WHERE user_id = ? AND (expires_at IS NULL OR expires_at > ?)',
            mailbox.userId,
            now,
          )?.n as number;
          if (live >= request.maxLiveMailboxes) throw new ClaimRefused('limit_reached');
        }
        this.#run('DELETE FROM released_addresses WHERE address = ?', address);
        const result = this.#run(
          `INSERT INTO mailboxes (uuid, address, local_part, domain, user_id, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
          mailbox.uuid,
          address,
          mailbox.localPart,
          mailbox.domain,
          mailbox.userId,
          mailbox.createdAt,
          mailbox.expiresAt,
        );
        return {
          ok: true,
          mailbox: { ...mailbox, id: Number(result.lastInsertRowid), address },
          releasedBlobKeys,
        };
      })
      .immediate();
  }

  /** Deletes a mailbox with its messages, quarantines the address; returns orphaned blob keys. */
  #release(mailbox: MailboxRow, releasedAt: number, quarantineMs: number): string[] {
    const mailIds = this.#all<{ mail_id: number }>(
      'SELECT DISTINCT mail_id FROM messages WHERE mailbox_id = ?',
      mailbox.id,
    ).map((r) => r.mail_id);
    this.#run('DELETE FROM messages WHERE mailbox_id = ?', mailbox.id);
    this.#run('DELETE FROM mailboxes WHERE id = ?', mailbox.id);
    if (quarantineMs > 0) {
      this.#run(
        `INSERT INTO released_addresses (address, user_id, until) VALUES (?, ?, ?)
         ON CONFLICT (address) DO UPDATE SET user_id = excluded.user_id, until = excluded.until`,
        mailbox.address,
        mailbox.user_id,
        releasedAt + quarantineMs,
      );
    }
    return this.#deleteOrphanMails(mailIds);
  }

  /**
   * Deletes the given mails if no message refers to them any more, with their inline bytes;
   * returns the blob keys of those kept in the blob store, for the caller to delete.
   */
  #deleteOrphanMails(mailIds: number[]): string[] {
    const keys: string[] = [];
    const statement = this.#statement(
      'DELETE FROM mails WHERE id = ? AND NOT EXISTS (SELECT 1 FROM messages WHERE mail_id = ?) RETURNING blob_key',
    );
    const deleteInline = this.#statement('DELETE FROM inline_blobs WHERE key = ?');
    for (const id of mailIds) {
      const row = statement.get(id, id) as { blob_key: string } | undefined;
      if (row && deleteInline.run(row.blob_key).changes === 0) keys.push(row.blob_key);
    }
    return keys;
  }

  async getMailbox(id: number): Promise<MailboxRecord | undefined> {
    const row = this.#get<MailboxRow>('SELECT * FROM mailboxes WHERE id = ?', id);
    return row && toMailbox(row);
  }

  async getMailboxByUuid(uuid: string): Promise<MailboxRecord | undefined> {
    const row = this.#get<MailboxRow>('SELECT * FROM mailboxes WHERE uuid = ?', uuid);
    return row && toMailbox(row);
  }

  async getMailboxByAddress(address: string): Promise<MailboxRecord | undefined> {
    const row = this.#get<MailboxRow>('SELECT * FROM mailboxes WHERE address = ?', address);
    return row && toMailbox(row);
  }

  async listMailboxesOfUser(userId: number, now: number): Promise<MailboxRecord[]> {
    return this.#all<MailboxRow>(
      `SELECT * FROM mailboxes WHERE user_id = ? AND (expires_at IS NULL OR expires_at > ?)
       ORDER BY created_at DESC, id DESC`,
      userId,
      now,
    ).map(toMailbox);
  }

  extendMailbox(id: number, expiresAt: number): Promise<boolean> {
    return this.#groupCommit(
      () => this.#run('UPDATE mailboxes SET expires_at = ? WHERE id = ?', expiresAt, id).changes > 0,
    );
  }

  async releaseMailbox(
    id: number,
    now: number,
    quarantineMs: number,
  ): Promise<Released & { released: boolean }> {
    return this.#db
      .transaction(() => {
        const row = this.#get<MailboxRow>('SELECT * FROM mailboxes WHERE id = ?', id);
        if (!row) return { released: false, blobKeys: [] };
        return { released: true, blobKeys: this.#release(row, now, quarantineMs) };
      })
      .immediate();
  }

  async releaseExpiredMailboxes(
    now: number,
    limit: number,
    quarantineMs: number,
  ): Promise<Released & { count: number; mailboxes: MailboxRecord[] }> {
    return this.#db
      .transaction(() => {
        const rows = this.#all<MailboxRow>(
          'SELECT * FROM mailboxes WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?',
          now,
          limit,
        );
        const blobKeys = rows.flatMap((row) => this.#release(row, row.expires_at as number, quarantineMs));
        return { count: rows.length, blobKeys, mailboxes: rows.map(toMailbox) };
      })
      .immediate();
  }

  // --- messages ---

  insertDelivery(delivery: NewDelivery): Promise<DeliveredMessage[]> {
    return this.#groupCommit(() => this.#insertDelivery(delivery));
  }

  /**
   * Runs `write` in the next group commit: writes queued within one event-loop turn share one
   * transaction (one fsync). `write` may run twice (the batch is retried one by one when a write
   * in it fails), so it does nothing but its statements.
   */
  #groupCommit<T>(write: () => T): Promise<T> {
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
    if (this.#walFsync) this.#statement('PRAGMA synchronous = NORMAL').run();
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
      if (this.#walFsync) this.#statement('PRAGMA synchronous = FULL').run();
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

  #insertDelivery(d: NewDelivery): DeliveredMessage[] {
    const c = d.content;
    const extraction = d.extraction && toExtractionColumns(d.extraction);
    const mailId = Number(
      this.#run(
        `INSERT INTO mails (subject, from_name, from_email, text_body, html_body, size, blob_key, attachments,
           over_tls, tls_protocol, tls_cipher, codes, links)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        c.subject,
        c.fromName,
        c.fromEmail,
        c.text,
        c.html,
        c.size,
        c.blobKey,
        JSON.stringify(c.attachments),
        c.tls === undefined ? null : c.tls ? 1 : 0,
        c.tls?.protocol ?? null,
        c.tls?.cipher ?? null,
        extraction?.codes ?? null,
        extraction?.links ?? null,
      ).lastInsertRowid,
    );
    if (d.derived) this.#insertDerived(mailId, d.derived);
    if (d.senderAuth) {
      const a = d.senderAuth;
      this.#statement(
        'INSERT INTO mail_auth (mail_id, client_ip, helo, envelope_from, from_domain) VALUES (?, ?, ?, ?, ?)',
      ).run(mailId, a.clientIp, a.helo, a.envelopeFrom, a.fromDomain);
    }
    const insertMessage = this.#statement(
      `INSERT INTO messages (public_id, uuid, mailbox_id, mail_id, recipient, received_at)
       SELECT ?, ?, id, ?, ?, ? FROM mailboxes WHERE id = ?`,
    );
    const webhookOwner = this.#statement(
      `SELECT w.user_id FROM mailboxes m JOIN webhooks w ON w.user_id = m.user_id
       WHERE m.id = ? AND w.enabled = 1 AND w.url <> ''`,
    );
    const enqueueWebhook = this.#statement(
      `INSERT INTO webhook_outbox (delivery_id, user_id, event, payload, created_at, next_attempt_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const stored: DeliveredMessage[] = [];
    for (const r of d.recipients) {
      if (insertMessage.run(r.id, r.uuid, mailId, r.recipient, d.receivedAt, r.mailboxId).changes) {
        let webhookQueued = false;
        const owner = r.webhook && (webhookOwner.get(r.mailboxId) as { user_id: number } | undefined);
        if (r.webhook && owner) {
          const { deliveryId, event, payload } = r.webhook;
          const body = typeof payload === 'string' ? payload : payload();
          enqueueWebhook.run(deliveryId, owner.user_id, event, body, d.receivedAt, d.receivedAt);
          webhookQueued = true;
        }
        stored.push({
          webhookQueued,
          id: r.id,
          uuid: r.uuid,
          mailboxId: r.mailboxId,
          recipient: r.recipient,
          receivedAt: d.receivedAt,
          seen: false,
          content: c,
        });
      }
    }
    if (stored.length === 0) {
      this.#run('DELETE FROM mails WHERE id = ?', mailId);
      return stored;
    }
    if (d.inlineBlob) {
      this.#run('INSERT INTO inline_blobs (key, data) VALUES (?, ?)', c.blobKey, d.inlineBlob);
    }
    this.#run(
      `INSERT INTO received_per_hour (hour_start, slot, count) VALUES (?, 0, ?)
       ON CONFLICT (hour_start, slot) DO UPDATE SET count = count + excluded.count`,
      hourOf(d.receivedAt),
      stored.length,
    );
    return stored;
  }

  async readInlineBlob(key: string, start: number, end: number): Promise<Buffer | undefined> {
    const row = this.#get<{ data: Buffer }>(
      'SELECT substr(data, ?, ?) AS data FROM inline_blobs WHERE key = ?',
      start + 1,
      Math.max(end - start, 0),
      key,
    );
    return row?.data;
  }

  // --- key dialect pages ---

  async listMailboxesPage(
    userId: number,
    now: number,
    limit: number,
    cursor?: PageCursor,
  ): Promise<Page<MailboxRecord>> {
    const live = 'user_id = ? AND (expires_at IS NULL OR expires_at > ?)';
    const items = this.#all<MailboxRow>(
      `SELECT * FROM mailboxes WHERE ${live}
       AND (? IS NULL OR created_at < ? OR (created_at = ? AND uuid < ?))
       ORDER BY created_at DESC, uuid DESC LIMIT ?`,
      userId,
      now,
      cursor?.at ?? null,
      cursor?.at ?? null,
      cursor?.at ?? null,
      cursor?.uuid ?? null,
      limit,
    ).map(toMailbox);
    const total =
      this.#get<{ n: number }>(`SELECT count(*) AS n FROM mailboxes WHERE ${live}`, userId, now)?.n ?? 0;
    return { items, total };
  }

  async listMessagesPage(
    mailboxId: number,
    limit: number,
    cursor?: PageCursor,
  ): Promise<Page<MessageRecord>> {
    return this.#messagesPage(messageColumns, toMessage, mailboxId, limit, cursor);
  }

  async listMessageHeadsPage(
    mailboxId: number,
    limit: number,
    cursor?: PageCursor,
  ): Promise<Page<MessageHead>> {
    return this.#messagesPage(headColumns, toMessageHead, mailboxId, limit, cursor);
  }

  #messagesPage<Row, T>(
    columns: string,
    toItem: (row: Row) => T,
    mailboxId: number,
    limit: number,
    cursor?: PageCursor,
  ): Page<T> {
    const items = this.#all<Row>(
      `SELECT ${columns} FROM messages m JOIN mails ml ON ml.id = m.mail_id
       WHERE m.mailbox_id = ?
       AND (? IS NULL OR m.received_at < ? OR (m.received_at = ? AND m.uuid < ?))
       ORDER BY m.received_at DESC, m.uuid DESC LIMIT ?`,
      mailboxId,
      cursor?.at ?? null,
      cursor?.at ?? null,
      cursor?.at ?? null,
      cursor?.uuid ?? null,
      limit,
    ).map(toItem);
    const total =
      this.#get<{ n: number }>('SELECT count(*) AS n FROM messages WHERE mailbox_id = ?', mailboxId)?.n ?? 0;
    return { items, total };
  }

  async countMessagesOfMailboxes(mailboxIds: number[]): Promise<Map<number, number>> {
    const counts = new Map<number, number>(mailboxIds.map((id) => [id, 0]));
    if (mailboxIds.length === 0) return counts;
    const rows = this.#all<{ mailbox_id: number; n: number }>(
      `SELECT mailbox_id, count(*) AS n FROM messages
       WHERE mailbox_id IN (SELECT value FROM json_each(?)) GROUP BY mailbox_id`,
      JSON.stringify(mailboxIds),
    );
    for (const row of rows) counts.set(row.mailbox_id, row.n);
    return counts;
  }

  // --- statistics ---

  async countLiveMailboxes(now: number): Promise<number> {
    return (
      this.#get<{ n: number }>(
        'SELECT count(*) AS n FROM mailboxes WHERE expires_at IS NULL OR expires_at > ?',
        now,
      )?.n ?? 0
    );
  }

  async countReceivedByHour(since: number): Promise<{ hourStart: number; count: number }[]> {
    return this.#all<{ hour_start: number; n: number }>(
      `SELECT hour_start, sum(count) AS n FROM received_per_hour
       WHERE hour_start >= ? GROUP BY hour_start HAVING sum(count) > 0 ORDER BY hour_start`,
      hourOf(since),
    ).map((r) => ({ hourStart: r.hour_start, count: r.n }));
  }

  async countFailedWebhooks(since: number): Promise<number> {
    return (
      this.#get<{ n: number }>(
        "SELECT count(*) AS n FROM webhook_attempts WHERE outcome = 'failed' AND attempted_at >= ?",
        since,
      )?.n ?? 0
    );
  }

  async getMessageByUuid(uuid: string): Promise<MessageRecord | undefined> {
    const row = this.#get<MessageRow>(
      `SELECT ${messageColumns} FROM messages m JOIN mails ml ON ml.id = m.mail_id WHERE m.uuid = ?`,
      uuid,
    );
    return row && toMessage(row);
  }

  // --- webhooks ---

  async getWebhook(userId: number): Promise<WebhookConfig | undefined> {
    const row = this.#get<WebhookRow>('SELECT * FROM webhooks WHERE user_id = ?', userId);
    return row && toWebhook(row);
  }

  async setWebhook(
    userId: number,
    change: { url: string; enabled: boolean },
    now: number,
    newSecret: () => string,
  ): Promise<WebhookConfig> {
    const row = this.#get<WebhookRow>(
      `INSERT INTO webhooks (user_id, url, enabled, secret, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET url = excluded.url, enabled = excluded.enabled, updated_at = excluded.updated_at
       RETURNING *`,
      userId,
      change.url,
      Number(change.enabled),
      newSecret(),
      now,
    ) as WebhookRow;
    return toWebhook(row);
  }

  async rotateWebhookSecret(userId: number, secret: string, now: number): Promise<WebhookConfig> {
    const row = this.#get<WebhookRow>(
      `INSERT INTO webhooks (user_id, url, enabled, secret, updated_at) VALUES (?, '', 0, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at
       RETURNING *`,
      userId,
      secret,
      now,
    ) as WebhookRow;
    return toWebhook(row);
  }

  async enqueueWebhook(
    userId: number,
    item: { deliveryId: string; event: string; payload: string },
    now: number,
  ): Promise<void> {
    this.#run(
      `INSERT INTO webhook_outbox (delivery_id, user_id, event, payload, created_at, next_attempt_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      item.deliveryId,
      userId,
      item.event,
      item.payload,
      now,
      now,
    );
  }

  async claimDueWebhooks(
    now: number,
    leaseMs: number,
    limit: number,
    skipUserIds: number[],
  ): Promise<OutboxItem[]> {
    // Group-committed: a claim shares its fsync with the deliveries and results of the same turn.
    return this.#groupCommit(() => {
      const ids = this.#all<{ id: number }>(
        `SELECT id FROM webhook_outbox WHERE next_attempt_at <= ? AND locked_until <= ?
           AND user_id NOT IN (SELECT value FROM json_each(?))
           ORDER BY next_attempt_at, id LIMIT ?`,
        now,
        now,
        JSON.stringify(skipUserIds),
        limit,
      );
      const lease = this.#statement(
        `UPDATE webhook_outbox SET locked_until = ?, attempts = attempts + 1 WHERE id = ?
           RETURNING id, delivery_id, user_id, event, payload, attempts, created_at, locked_until`,
      );
      return ids.map(({ id }) => toOutboxItem(lease.get(now + leaseMs, id) as OutboxRow));
    });
  }

  async finishWebhookAttempt(
    lease: OutboxLease,
    attempt: Omit<WebhookAttempt, 'deliveryId' | 'event' | 'attempt' | 'outcome'>,
    outcome: OutboxOutcome,
  ): Promise<void> {
    // Group-committed like deliveries: under load, many attempts finish in one event-loop turn.
    await this.#groupCommit(() => {
      const { id } = lease;
      const item = this.#get<OutboxRow>(
        'SELECT * FROM webhook_outbox WHERE id = ? AND locked_until = ?',
        id,
        lease.leaseUntil,
      );
      if (!item) return; // settled already, or the lease was lost to a later claim
      this.#run(
        `INSERT INTO webhook_attempts
           (user_id, delivery_id, event, attempt, attempted_at, url, status_code, error, duration_ms, outcome)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        item.user_id,
        item.delivery_id,
        item.event,
        item.attempts,
        attempt.attemptedAt,
        attempt.url,
        attempt.statusCode,
        attempt.error,
        Math.round(attempt.durationMs),
        outcome.kind,
      );
      this.#run(
        `DELETE FROM webhook_attempts WHERE user_id = ? AND id <=
           (SELECT id FROM webhook_attempts WHERE user_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
        item.user_id,
        item.user_id,
        attemptLogLength,
      );
      if (outcome.kind === 'retry') {
        this.#run(
          'UPDATE webhook_outbox SET next_attempt_at = ?, locked_until = 0 WHERE id = ?',
          outcome.nextAttemptAt,
          id,
        );
      } else {
        this.#run('DELETE FROM webhook_outbox WHERE id = ?', id);
      }
    });
  }

  async releaseWebhookLeases(leases: OutboxLease[]): Promise<void> {
    const release = this.#statement(
      'UPDATE webhook_outbox SET locked_until = 0, attempts = max(attempts - 1, 0) WHERE id = ? AND locked_until = ?',
    );
    this.#db.transaction(() => {
      for (const lease of leases) release.run(lease.id, lease.leaseUntil);
    })();
  }

  async nextWebhookDueAt(): Promise<number | undefined> {
    return (
      this.#get<{ at: number | null }>(
        'SELECT min(max(next_attempt_at, locked_until)) AS at FROM webhook_outbox',
      )?.at ?? undefined
    );
  }

  async listWebhookAttempts(userId: number, limit: number): Promise<WebhookAttempt[]> {
    return this.#all<AttemptRow>(
      'SELECT * FROM webhook_attempts WHERE user_id = ? ORDER BY id DESC LIMIT ?',
      userId,
      limit,
    ).map(toAttempt);
  }

  async countPendingWebhooks(): Promise<number> {
    return this.#get<{ n: number }>('SELECT count(*) AS n FROM webhook_outbox')?.n ?? 0;
  }

  async listMessages(mailboxId: number): Promise<MessageRecord[]> {
    return this.#all<MessageRow>(
      `SELECT ${messageColumns} FROM messages m JOIN mails ml ON ml.id = m.mail_id
       WHERE m.mailbox_id = ? ORDER BY m.received_at DESC, m.id DESC`,
      mailboxId,
    ).map(toMessage);
  }

  async listMessagesChunk(
    mailboxId: number,
    limit: number,
    after?: MessageListPosition,
  ): Promise<MessageChunk> {
    const from = `SELECT ${messageColumns}, m.id AS seq FROM messages m JOIN mails ml ON ml.id = m.mail_id
       WHERE m.mailbox_id = ?`;
    const order = 'ORDER BY m.received_at DESC, m.id DESC LIMIT ?';
    const rows = after
      ? this.#all<MessageRow & { seq: number }>(
          `${from} AND (m.received_at, m.id) < (?, ?) ${order}`,
          mailboxId,
          after.at,
          after.seq,
          limit,
        )
      : this.#all<MessageRow & { seq: number }>(`${from} ${order}`, mailboxId, limit);
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    return { items: rows.map(toMessage), next: last && { at: last.received_at, seq: last.seq } };
  }

  async listMessageStatesChunk(
    mailboxId: number,
    limit: number,
    after?: MessageListPosition,
  ): Promise<{ items: MessageState[]; next?: MessageListPosition }> {
    type Row = { public_id: string; seen: number; received_at: number; seq: number };
    const from = 'SELECT public_id, seen, received_at, id AS seq FROM messages m WHERE mailbox_id = ?';
    const order = 'ORDER BY m.received_at DESC, m.id DESC LIMIT ?';
    const rows = after
      ? this.#all<Row>(
          `${from} AND (m.received_at, m.id) < (?, ?) ${order}`,
          mailboxId,
          after.at,
          after.seq,
          limit,
        )
      : this.#all<Row>(`${from} ${order}`, mailboxId, limit);
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    return {
      items: rows.map((r) => ({ id: r.public_id, seen: r.seen === 1 })),
      next: last && { at: last.received_at, seq: last.seq },
    };
  }

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    const row = this.#get<MessageRow>(
      `SELECT ${messageColumns} FROM messages m JOIN mails ml ON ml.id = m.mail_id WHERE m.public_id = ?`,
      id,
    );
    return row && toMessage(row);
  }

  #insertDerived(mailId: number, derived: DerivedBodies): void {
    const inserted = this.#run(
      `INSERT INTO mail_derived (mail_id, remote_images, html_text) VALUES (?, ?, ?)
       ON CONFLICT (mail_id) DO NOTHING`,
      mailId,
      derived.remoteImages,
      derived.htmlText,
    ).changes;
    if (!inserted) return;
    const insertChunk = this.#statement(
      'INSERT INTO mail_chunks (mail_id, part, seq, data) VALUES (?, ?, ?, ?)',
    );
    const parts: [ChunkedPart, Buffer][] = [['document', derived.htmlDocument]];
    if (derived.json) parts.push(['content', derived.json.content], ['html', derived.json.html]);
    for (const [part, bytes] of parts) {
      // At least one chunk, even for an empty document: its presence says it was made.
      for (let seq = 0; seq === 0 || seq * chunkBytes < bytes.length; seq++) {
        insertChunk.run(mailId, part, seq, bytes.subarray(seq * chunkBytes, (seq + 1) * chunkBytes));
      }
    }
  }

  async getMessageWithoutHtmlByUuid(uuid: string): Promise<MessageWithoutHtml | undefined> {
    const row = this.#get<MessageWithoutHtmlRow>(
      `SELECT ${withoutHtmlColumns} FROM messages m JOIN mails ml ON ml.id = m.mail_id WHERE m.uuid = ?`,
      uuid,
    );
    return row && toMessageWithoutHtml(row);
  }

  async getMessageHeadByUuid(uuid: string): Promise<MessageHead | undefined> {
    const row = this.#get<MessageHeadRow>(
      `SELECT ${headColumns} FROM messages m JOIN mails ml ON ml.id = m.mail_id WHERE m.uuid = ?`,
      uuid,
    );
    return row && toMessageHead(row);
  }

  async readChunk(uuid: string, part: ChunkedPart, seq: number): Promise<Buffer | undefined> {
    return this.#get<{ data: Buffer }>(
      `SELECT c.data FROM messages m JOIN mail_chunks c ON c.mail_id = m.mail_id
       WHERE m.uuid = ? AND c.part = ? AND c.seq = ?`,
      uuid,
      part,
      seq,
    )?.data;
  }

  async getHtmlText(uuid: string): Promise<string | undefined> {
    return this.#get<{ html_text: string }>(
      'SELECT d.html_text FROM messages m JOIN mail_derived d ON d.mail_id = m.mail_id WHERE m.uuid = ?',
      uuid,
    )?.html_text;
  }

  async getDocumentInfo(uuid: string): Promise<{ mailboxId: number; remoteImages: number } | undefined> {
    const row = this.#get<{ mailbox_id: number; remote_images: number }>(
      `SELECT m.mailbox_id, d.remote_images FROM messages m JOIN mail_derived d ON d.mail_id = m.mail_id
       WHERE m.uuid = ?`,
      uuid,
    );
    return row && { mailboxId: row.mailbox_id, remoteImages: row.remote_images };
  }

  async saveDerivedBodies(uuid: string, derived: DerivedBodies): Promise<void> {
    this.#db.transaction(() => {
      const row = this.#get<{ mail_id: number }>('SELECT mail_id FROM messages WHERE uuid = ?', uuid);
      if (row) this.#insertDerived(row.mail_id, derived);
    })();
  }

  async markSeen(id: string): Promise<boolean> {
    return this.#run('UPDATE messages SET seen = 1 WHERE public_id = ? AND seen = 0', id).changes > 0;
  }

  async listMessageHeadsAfter(
    mailboxId: number,
    options: { after?: PageCursor; unseenOnly: boolean; limit: number },
  ): Promise<MessageHead[]> {
    const { after, unseenOnly, limit } = options;
    return this.#all<MessageHeadRow>(
      `SELECT ${headColumns} FROM messages m JOIN mails ml ON ml.id = m.mail_id
       WHERE m.mailbox_id = ? AND (? = 0 OR m.seen = 0)
       AND (? IS NULL OR m.received_at > ? OR (m.received_at = ? AND m.uuid > ?))
       ORDER BY m.received_at, m.uuid LIMIT ?`,
      mailboxId,
      unseenOnly ? 1 : 0,
      after?.at ?? null,
      after?.at ?? null,
      after?.at ?? null,
      after?.uuid ?? null,
      limit,
    ).map(toMessageHead);
  }

  async getExtraction(id: string): Promise<Extraction | undefined> {
    const row = this.#get<ExtractionColumns | UnreadExtractionColumns>(
      `SELECT ml.codes, ml.links FROM messages m JOIN mails ml ON ml.id = m.mail_id
       WHERE m.public_id = ?`,
      id,
    );
    return row && fromExtractionColumns(row);
  }

  async saveExtraction(id: string, extraction: Extraction): Promise<void> {
    const { codes, links } = toExtractionColumns(extraction);
    // Committed with the deliveries of the same moment (one fsync). The first reading stays.
    return this.#groupCommit(() => {
      this.#run(
        `UPDATE mails SET codes = ?, links = ?
         WHERE id = (SELECT mail_id FROM messages WHERE public_id = ?) AND codes IS NULL`,
        codes,
        links,
        id,
      );
    });
  }

  async deleteMessage(id: string): Promise<Released & { deleted: boolean }> {
    return this.#db
      .transaction(() => {
        const row = this.#get<{ mail_id: number }>(
          'DELETE FROM messages WHERE public_id = ? RETURNING mail_id',
          id,
        );
        if (!row) return { deleted: false, blobKeys: [] };
        return { deleted: true, blobKeys: this.#deleteOrphanMails([row.mail_id]) };
      })
      .immediate();
  }

  async getSenderAuth(id: string): Promise<SenderAuthRecord | undefined> {
    const row = this.#get<SenderAuthRow>(
      `SELECT ${senderAuthColumns} FROM messages m JOIN mail_auth a ON a.mail_id = m.mail_id
       WHERE m.public_id = ?`,
      id,
    );
    return row && toSenderAuth(row);
  }

  async saveSenderAuth(id: string, v: SenderAuthVerdict): Promise<void> {
    // Saved as mail arrives: committed with the deliveries of the same moment (one fsync).
    return this.#groupCommit(() => {
      this.#run(
        `UPDATE mail_auth SET spf = ?, dkim = ?, dmarc = ?, arc = ?,
           from_domain = COALESCE(NULLIF(?, ''), from_domain)
         WHERE spf IS NULL AND mail_id = (SELECT mail_id FROM messages WHERE public_id = ?)`,
        v.spf,
        v.dkim,
        v.dmarc,
        v.arc,
        v.fromDomain,
        id,
      );
    });
  }

  async listPendingSenderAuth(limit: number): Promise<PendingSenderAuth[]> {
    return this.#all<PendingSenderAuthRow>(
      `SELECT (SELECT public_id FROM messages WHERE mail_id = a.mail_id LIMIT 1) AS id,
         ml.blob_key, ml.size, a.client_ip, a.helo, a.envelope_from
       FROM mail_auth a JOIN mails ml ON ml.id = a.mail_id
       WHERE a.spf IS NULL AND EXISTS (SELECT 1 FROM messages WHERE mail_id = a.mail_id)
       ORDER BY a.mail_id LIMIT ?`,
      limit,
    ).map(toPendingSenderAuth);
  }
}
