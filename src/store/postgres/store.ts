// The PostgreSQL backend, for several Burnbox processes sharing one database. Each method is
// one statement where it can be (a statement is atomic on its own: webhook claims and results,
// quota and rate-limit counters, a delivery), otherwise one transaction in READ COMMITTED with
// explicit row locks. Deliveries are group-committed like SQLite's. Between processes:
// - an address is unique by constraint: of two processes claiming it at once, one gets it;
// - sweepers and webhook workers pick rows with FOR UPDATE SKIP LOCKED, so several never take
//   the same row nor wait for each other;
// - mailbox rows are always locked in id order (claims, deliveries), so they cannot deadlock;
// - whoever deletes a message locks its mail row before checking whether it was the last copy,
//   so concurrent deletions of the last copies never both leave the mail (and its blob) behind.
import { randomInt } from 'node:crypto';
import postgres from 'postgres';
import { PostgresBlobStore } from '../../blobs/postgres.ts';
import type { DomainType } from '../../config/plans.ts';
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
import { migratePostgres, pendingPostgresMigrations } from './migrate.ts';
import {
  type AttemptRow,
  type DomainRow,
  fromDbText,
  headColumns,
  type MailboxRow,
  type MessageHeadRow,
  type MessageRow,
  type MessageWithoutHtmlRow,
  messageColumns,
  type OutboxRow,
  type SessionRow,
  toAttempt,
  toDbText,
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
  withoutHtmlColumns,
} from './rows.ts';

/** A postgres.js connection (pool) whose int8 values arrive as numbers. */
export type PostgresSql = postgres.Sql<{ bigint: number }>;
type Tx = postgres.TransactionSql<{ bigint: number }>;
/** The pool or a transaction. */
type Queryable = postgres.ISql<{ bigint: number }>;

export interface PostgresStoreOptions {
  /** Schema for every table (created when missing): the connection's search_path. */
  schema?: string;
  /** Connections in the pool (default 10). */
  max?: number;
}

/** How many recent attempts the delivery log keeps per user. */
const attemptLogLength = 200;
/** Most deliveries written in one transaction. */
const maxDeliveriesPerCommit = 200;

interface PendingDelivery {
  delivery: NewDelivery;
  resolve: (stored: DeliveredMessage[]) => void;
  reject: (err: unknown) => void;
}

/** A pending delivery with its webhook events made. */
interface PreparedDelivery extends PendingDelivery {
  events: { id: string; deliveryId: string; event: string; payload: string }[];
  mailboxIds: number[];
}

/** Connects with the options the store relies on; `open` migrates it too. */
export function connectPostgres(url: string, options: PostgresStoreOptions = {}): PostgresSql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    ...(options.schema ? { connection: { search_path: quoteIdentifier(options.schema) } } : {}),
    types: {
      // Ids, times and counts: all far below 2^53.
      bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
    },
  });
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const live = (m: MailboxRow, now: number) => m.expires_at === null || m.expires_at > now;

/** A mailbox being released, and the time its quarantine counts from. */
interface Release {
  row: MailboxRow;
  releasedAt: number;
}

/** Stored documents and JSON fields are cut in chunks of this size, each read on its own. */
const chunkBytes = 256 * 1024;

/** Stands in for a delivery stored without derived bodies (its chunk insert selects no mail). */
const noDerived: DerivedBodies = { htmlText: '', htmlDocument: Buffer.alloc(0), remoteImages: 0 };

/**
 * An INSERT of the chunks of `derived` (its document, and its JSON fields if any) for the mail
 * whose id `mailIds` selects (none when it selects nothing): each cut into chunkBytes pieces by
 * the database, at least one chunk each.
 */
function chunksInsert(
  sql: Queryable,
  mailIds: postgres.PendingQuery<postgres.Row[]>,
  derived: DerivedBodies,
) {
  return sql`
    INSERT INTO mail_chunks (mail_id, part, seq, data)
    SELECT mail.id, p.part, g.seq, substring(p.data FROM g.seq * ${chunkBytes} + 1 FOR ${chunkBytes})
    FROM (${mailIds}) AS mail,
      (VALUES ('document', ${derived.htmlDocument}::bytea, true),
        ('content', ${derived.json?.content ?? Buffer.alloc(0)}::bytea, ${derived.json !== undefined}::boolean),
        ('html', ${derived.json?.html ?? Buffer.alloc(0)}::bytea, ${derived.json !== undefined}::boolean))
        AS p(part, data, wanted),
      generate_series(0, greatest(length(p.data) - 1, 0) / ${chunkBytes}) AS g(seq)
    WHERE p.wanted`;
}

export class PostgresStore implements Store {
  readonly #sql: PostgresSql;
  /**
   * This process's row in each hour's received-mail counters: processes committing deliveries
   * at the same time add to rows of their own instead of queueing on one (summed on reading).
   */
  readonly #receivedSlot = randomInt(0, 64);
  #pendingDeliveries: PendingDelivery[] = [];
  /** The loop writing pending deliveries, while there are any. */
  #deliveryWriter: Promise<void> | undefined;

  /** Wraps a connection whose schema is migrated (see `open`). */
  constructor(sql: PostgresSql) {
    this.#sql = sql;
  }

  /** Connects, creates the schema when missing and applies pending migrations. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const sql = connectPostgres(url, options);
    try {
      const [row] = await sql<{ server_encoding: string }[]>`SHOW server_encoding`;
      if (row && !['UTF8', 'SQL_ASCII'].includes(row.server_encoding)) {
        throw new Error(`the database's encoding is ${row.server_encoding}: Burnbox needs UTF8`);
      }
      await migratePostgres(sql, options.schema ? { schema: options.schema } : {});
    } catch (err) {
      await sql.end({ timeout: 1 });
      throw err;
    }
    return new PostgresStore(sql);
  }

  /** The connection pool, shared with what else lives in the database (blobs, notifications). */
  get sql(): PostgresSql {
    return this.#sql;
  }

  /** A blob store in the same database, on the same pool. */
  blobStore(): PostgresBlobStore {
    return new PostgresBlobStore(this.#sql);
  }

  async pendingMigrations(): Promise<string[]> {
    return pendingPostgresMigrations(this.#sql);
  }

  async close(): Promise<void> {
    // Deliveries still waiting for their group commit are written first.
    while (this.#deliveryWriter) await this.#deliveryWriter;
    await this.#sql.end({ timeout: 5 });
  }

  async getOrCreateSecret(name: string, create: () => string): Promise<string> {
    const sql = this.#sql;
    const read = async () =>
      (await sql<{ value: string }[]>`SELECT value FROM secrets WHERE name = ${name}`)[0];
    const existing = await read();
    if (existing) return existing.value;
    const [inserted] = await sql<{ value: string }[]>`
      INSERT INTO secrets (name, value) VALUES (${name}, ${create()})
      ON CONFLICT (name) DO NOTHING RETURNING value`;
    // Lost the race: the winner's row is committed, and this new statement sees it.
    return (inserted ?? ((await read()) as { value: string })).value;
  }

  // --- domains ---

  async upsertDomain(name: string, type: DomainType, now: number): Promise<DomainRecord> {
    const [row] = await this.#sql<DomainRow[]>`
      INSERT INTO domains (name, type, created_at) VALUES (${name}, ${type}, ${now})
      ON CONFLICT (name) DO UPDATE SET type = excluded.type RETURNING *`;
    return toDomain(row as DomainRow);
  }

  async removeDomain(name: string): Promise<boolean> {
    return (await this.#sql`DELETE FROM domains WHERE name = ${name}`).count > 0;
  }

  async listDomains(): Promise<DomainRecord[]> {
    return (await this.#sql<DomainRow[]>`SELECT * FROM domains ORDER BY name`).map(toDomain);
  }

  async getDomain(name: string): Promise<DomainRecord | undefined> {
    const [row] = await this.#sql<DomainRow[]>`SELECT * FROM domains WHERE name = ${name}`;
    return row && toDomain(row);
  }

  // --- custom domains ---
  // Every change to the claims on one name takes a transaction-scoped advisory lock on the name
  // first, so two accounts verifying (or an operator attaching) at once are decided one after
  // the other; the unique index on verified names is the backstop.

  async #lockName(tx: Tx, name: string): Promise<void> {
    await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`custom-domain:${name}`}, 0))`;
  }

  async addCustomDomain(claim: NewCustomDomain, maxPerUser: number): Promise<CustomDomainAddResult> {
    return this.#sql.begin(async (tx): Promise<CustomDomainAddResult> => {
      await this.#lockName(tx, claim.name);
      if ((await tx`SELECT 1 FROM domains WHERE name = ${claim.name}`).length > 0)
        return { ok: false, reason: 'hosted' };
      const [verified] = await tx<CustomDomainRow[]>`
        SELECT * FROM custom_domains WHERE name = ${claim.name} AND status = 'verified'`;
      if (verified && verified.user_id !== claim.userId) return { ok: false, reason: 'taken' };
      const mine =
        await tx`SELECT 1 FROM custom_domains WHERE name = ${claim.name} AND user_id = ${claim.userId}`;
      if (mine.length > 0) return { ok: false, reason: 'exists' };
      // Claims of one user take turns on the user's row, so two at once cannot pass the cap.
      await tx`SELECT 1 FROM users WHERE id = ${claim.userId} FOR NO KEY UPDATE`;
      const [held] = await tx<{ n: number }[]>`
        SELECT count(*) AS n FROM custom_domains WHERE user_id = ${claim.userId}`;
      if ((held?.n ?? 0) >= maxPerUser) return { ok: false, reason: 'limit_reached' };
      const verifiedAt = claim.status === 'verified' ? claim.createdAt : null;
      if (verifiedAt !== null) await this.#failOtherClaims(tx, claim.name, claim.userId, claim.createdAt);
      const [row] = await tx<CustomDomainRow[]>`
        INSERT INTO custom_domains (name, user_id, token, status, created_at, verified_at, next_check_at)
        VALUES (${claim.name}, ${claim.userId}, ${claim.token}, ${claim.status}, ${claim.createdAt},
          ${verifiedAt}, ${claim.nextCheckAt})
        RETURNING *`;
      return { ok: true, record: toCustomDomain(row as CustomDomainRow) };
    });
  }

  /** Every other claim on the name that is still pending fails: the name has its owner. */
  async #failOtherClaims(tx: Tx, name: string, winner: number, at: number): Promise<void> {
    await tx`
      UPDATE custom_domains SET status = 'failed', last_problem = ${lostToAnotherClaim}, checked_at = ${at}
      WHERE name = ${name} AND user_id <> ${winner} AND status = 'pending'`;
  }

  async getCustomDomain(name: string, userId: number): Promise<CustomDomainRecord | undefined> {
    const [row] = await this.#sql<CustomDomainRow[]>`
      SELECT * FROM custom_domains WHERE name = ${name} AND user_id = ${userId}`;
    return row && toCustomDomain(row);
  }

  async getVerifiedCustomDomain(name: string): Promise<CustomDomainRecord | undefined> {
    const [row] = await this.#sql<CustomDomainRow[]>`
      SELECT * FROM custom_domains WHERE name = ${name} AND status = 'verified'`;
    return row && toCustomDomain(row);
  }

  async listCustomDomainsOfUser(userId: number): Promise<CustomDomainRecord[]> {
    const rows = await this.#sql<CustomDomainRow[]>`
      SELECT * FROM custom_domains WHERE user_id = ${userId} ORDER BY name`;
    return rows.map(toCustomDomain);
  }

  async listCustomDomains(): Promise<CustomDomainRecord[]> {
    const rows = await this.#sql<CustomDomainRow[]>`SELECT * FROM custom_domains ORDER BY name, user_id`;
    return rows.map(toCustomDomain);
  }

  async settleCustomDomainCheck(
    name: string,
    userId: number,
    outcome: CustomDomainCheckOutcome,
  ): Promise<CustomDomainRecord | undefined> {
    return this.#sql.begin(async (tx) => {
      await this.#lockName(tx, name);
      const [current] = await tx<CustomDomainRow[]>`
        SELECT * FROM custom_domains WHERE name = ${name} AND user_id = ${userId}`;
      if (!current) return undefined;
      let row: CustomDomainRow | undefined;
      if (outcome.kind === 'verified') {
        if (current.status === 'verified') {
          [row] = await tx<CustomDomainRow[]>`
            UPDATE custom_domains SET checked_at = ${outcome.at}, last_problem = NULL
            WHERE name = ${name} AND user_id = ${userId} RETURNING *`;
          return row && toCustomDomain(row);
        }
        const otherOwner = await tx`
          SELECT 1 FROM custom_domains WHERE name = ${name} AND status = 'verified' AND user_id <> ${userId}`;
        const hosted = (await tx`SELECT 1 FROM domains WHERE name = ${name}`).length > 0;
        if (otherOwner.length > 0 || hosted) {
          const problem = hosted ? 'The domain is hosted by this server already.' : lostToAnotherClaim;
          [row] = await tx<CustomDomainRow[]>`
            UPDATE custom_domains SET status = 'failed', checked_at = ${outcome.at}, last_problem = ${problem}
            WHERE name = ${name} AND user_id = ${userId} RETURNING *`;
          return row && toCustomDomain(row);
        }
        await this.#failOtherClaims(tx, name, userId, outcome.at);
        [row] = await tx<CustomDomainRow[]>`
          UPDATE custom_domains SET status = 'verified', checked_at = ${outcome.at}, verified_at = ${outcome.at},
            last_problem = NULL
          WHERE name = ${name} AND user_id = ${userId} RETURNING *`;
        return row && toCustomDomain(row);
      }
      // A verified domain stays verified: a later look only records what it found.
      const status = current.status === 'verified' ? 'verified' : outcome.kind;
      const next = outcome.kind === 'pending' ? outcome.nextCheckAt : current.next_check_at;
      [row] = await tx<CustomDomainRow[]>`
        UPDATE custom_domains SET status = ${status}, checked_at = ${outcome.at}, last_problem = ${outcome.problem},
          next_check_at = ${next}
        WHERE name = ${name} AND user_id = ${userId} RETURNING *`;
      return row && toCustomDomain(row);
    });
  }

  async takeDueCustomDomainChecks(
    now: number,
    leaseUntil: number,
    limit: number,
  ): Promise<CustomDomainRecord[]> {
    // Claims another process is taking are left to it.
    const rows = await this.#sql<CustomDomainRow[]>`
      UPDATE custom_domains SET next_check_at = ${leaseUntil}
      WHERE (name, user_id) IN (
        SELECT name, user_id FROM custom_domains WHERE status = 'pending' AND next_check_at <= ${now}
        ORDER BY next_check_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING *`;
    return rows.map(toCustomDomain);
  }

  async setCustomDomainCatchAll(name: string, userId: number, address: string | null): Promise<boolean> {
    const result = await this.#sql`
      UPDATE custom_domains SET catch_all = ${address} WHERE name = ${name} AND user_id = ${userId}`;
    return result.count > 0;
  }

  async removeCustomDomain(
    name: string,
    userId: number | undefined,
  ): Promise<Released & { removed: boolean; mailboxes: MailboxRecord[] }> {
    return this.#sql.begin(async (tx) => {
      await this.#lockName(tx, name);
      const removed = await tx<CustomDomainRow[]>`
        DELETE FROM custom_domains WHERE name = ${name} AND (${userId ?? null}::bigint IS NULL OR user_id = ${userId ?? null}::bigint)
        RETURNING *`;
      // Mailboxes exist on a custom domain only while it is verified: a pending claim going
      // leaves alone the mailboxes of the account that owns the name.
      if (!removed.some((r) => r.status === 'verified')) {
        return { removed: removed.length > 0, blobKeys: [], mailboxes: [] };
      }
      // Locked in id order, as claims and deliveries lock them.
      const rows = await tx<
        MailboxRow[]
      >`SELECT * FROM mailboxes WHERE domain = ${name} ORDER BY id FOR UPDATE`;
      const blobKeys = await this.#release(
        tx,
        rows.map((row) => ({ row, releasedAt: 0 })),
        0,
      );
      await tx`DELETE FROM released_addresses WHERE address LIKE ${`%@${name}`}`;
      return { removed: true, blobKeys, mailboxes: rows.map(toMailbox) };
    });
  }

  // --- users and keys ---

  async createUser(user: NewUser): Promise<UserRecord | undefined> {
    const [row] = await this.#sql<UserRow[]>`
      INSERT INTO users (uuid, email, password_hash, plan, created_at)
      VALUES (${user.uuid}, ${user.email}, ${user.passwordHash}, ${user.plan}, ${user.createdAt})
      ON CONFLICT (email) DO NOTHING RETURNING *`;
    return row && toUser(row);
  }

  async getUserById(id: number): Promise<UserRecord | undefined> {
    const [row] = await this.#sql<UserRow[]>`SELECT * FROM users WHERE id = ${id}`;
    return row && toUser(row);
  }

  async getUserByEmail(email: string): Promise<UserRecord | undefined> {
    const [row] = await this.#sql<UserRow[]>`SELECT * FROM users WHERE email = ${email}`;
    return row && toUser(row);
  }

  async updateUser(
    id: number,
    change: { plan?: string; disabled?: boolean; passwordHash?: string; isAdmin?: boolean },
  ): Promise<void> {
    await this.#sql`
      UPDATE users SET plan = coalesce(${change.plan ?? null}::text, plan),
        disabled = coalesce(${change.disabled ?? null}::boolean, disabled),
        password_hash = coalesce(${change.passwordHash ?? null}::text, password_hash),
        is_admin = coalesce(${change.isAdmin ?? null}::boolean, is_admin)
      WHERE id = ${id}`;
  }

  async listUsers(limit: number, offset: number): Promise<Page<UserRecord>> {
    // One round trip: the total, joined with the page (a row of nulls when the page is empty).
    const rows = await this.#sql<(UserRow & { total: number })[]>`
      SELECT t.total, u.* FROM (SELECT count(*) AS total FROM users) t
      LEFT JOIN LATERAL (
        SELECT * FROM users ORDER BY created_at DESC, id DESC LIMIT ${limit} OFFSET ${offset}
      ) u ON true`;
    return { items: rows.filter((r) => r.id !== null).map(toUser), total: rows[0]?.total ?? 0 };
  }

  async countUsers(): Promise<number> {
    const [row] = await this.#sql<{ n: number }[]>`SELECT count(*) AS n FROM users`;
    return row?.n ?? 0;
  }

  async setApiKeyHash(userId: number, keyHash: string, now: number): Promise<void> {
    await this.#sql`
      INSERT INTO api_keys (user_id, key_hash, created_at) VALUES (${userId}, ${keyHash}, ${now})
      ON CONFLICT (user_id) DO UPDATE SET key_hash = excluded.key_hash, created_at = excluded.created_at`;
  }

  async getUserByApiKeyHash(keyHash: string): Promise<UserRecord | undefined> {
    const [row] = await this.#sql<UserRow[]>`
      SELECT u.* FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ${keyHash}`;
    return row && toUser(row);
  }

  async getApiKeyCreatedAt(userId: number): Promise<number | undefined> {
    const [row] = await this.#sql<{ created_at: number }[]>`
      SELECT created_at FROM api_keys WHERE user_id = ${userId}`;
    return row?.created_at;
  }

  // --- quota ---

  async countKeyRequest(
    keyHash: string,
    user: UserRecord,
    period: string,
    limit: number,
  ): Promise<KeyRequestCount> {
    // One statement: the key check and the count commit together. The conflicting row is
    // locked and re-read before the WHERE is checked, so concurrent counts from any number of
    // processes stop exactly at the limit.
    const [row] = await this.#sql<{ current: boolean; used: number | null }[]>`
      WITH current AS (
        SELECT 1 FROM api_keys k JOIN users u ON u.id = k.user_id
        WHERE k.key_hash = ${keyHash} AND u.id = ${user.id} AND u.plan = ${user.plan}
          AND u.is_admin = ${user.isAdmin} AND NOT u.disabled
      ), counted AS (
        INSERT INTO request_counts (user_id, period, used)
        SELECT ${user.id}, ${period}, 1 FROM current WHERE ${limit}::int > 0
        ON CONFLICT (user_id, period) DO UPDATE SET used = request_counts.used + 1
        WHERE request_counts.used < ${limit}
        RETURNING used
      )
      SELECT EXISTS (SELECT 1 FROM current) AS current, (SELECT used FROM counted) AS used`;
    if (!row?.current) return { outcome: 'stale' };
    if (row.used !== null) return { outcome: 'counted', used: row.used };
    return { outcome: 'spent', used: await this.getRequestsUsed(user.id, period) };
  }

  async reserveRequest(
    userId: number,
    period: string,
    limit: number,
  ): Promise<{ allowed: boolean; used: number }> {
    if (limit > 0) {
      // The conflicting row is locked and its count re-read before the WHERE is checked, so
      // concurrent reserves from any number of processes stop exactly at the limit.
      const [row] = await this.#sql<{ used: number }[]>`
        INSERT INTO request_counts (user_id, period, used) VALUES (${userId}, ${period}, 1)
        ON CONFLICT (user_id, period) DO UPDATE SET used = request_counts.used + 1
        WHERE request_counts.used < ${limit}
        RETURNING used`;
      if (row) return { allowed: true, used: row.used };
    }
    return { allowed: false, used: await this.getRequestsUsed(userId, period) };
  }

  async releaseRequest(userId: number, period: string): Promise<number> {
    const [row] = await this.#sql<{ used: number }[]>`
      UPDATE request_counts SET used = greatest(used - 1, 0)
      WHERE user_id = ${userId} AND period = ${period} RETURNING used`;
    return row?.used ?? 0;
  }

  async getRequestsUsed(userId: number, period: string): Promise<number> {
    const [row] = await this.#sql<{ used: number }[]>`
      SELECT used FROM request_counts WHERE user_id = ${userId} AND period = ${period}`;
    return row?.used ?? 0;
  }

  // --- web sessions and rate limits ---

  async createSession(session: {
    idHash: string;
    userId: number;
    createdAt: number;
    expiresAt: number;
  }): Promise<void> {
    await this.#sql`
      INSERT INTO sessions (id_hash, user_id, created_at, expires_at)
      VALUES (${session.idHash}, ${session.userId}, ${session.createdAt}, ${session.expiresAt})`;
  }

  async getSession(idHash: string, now: number): Promise<SessionRecord | undefined> {
    const [row] = await this.#sql<SessionRow[]>`
      SELECT user_id, created_at, expires_at FROM sessions WHERE id_hash = ${idHash} AND expires_at > ${now}`;
    return row && toSession(row);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.#sql`DELETE FROM sessions WHERE id_hash = ${idHash}`;
  }

  async deleteSessionsOfUser(userId: number, exceptIdHash?: string): Promise<void> {
    await this.#sql`
      DELETE FROM sessions WHERE user_id = ${userId} AND id_hash IS DISTINCT FROM ${exceptIdHash ?? null}::text`;
  }

  async hitRateLimit(
    key: string,
    windowStart: number,
    limit: number,
  ): Promise<{ allowed: boolean; count: number }> {
    if (limit > 0) {
      const [row] = await this.#sql<{ count: number }[]>`
        INSERT INTO rate_limits (key, window_start, count) VALUES (${key}, ${windowStart}, 1)
        ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1
        WHERE rate_limits.count < ${limit}
        RETURNING count`;
      if (row) return { allowed: true, count: row.count };
    }
    const [row] = await this.#sql<{ count: number }[]>`
      SELECT count FROM rate_limits WHERE key = ${key} AND window_start = ${windowStart}`;
    return { allowed: false, count: row?.count ?? 0 };
  }

  async deleteExpired(now: number, rateWindowsBefore: number): Promise<void> {
    await this.#sql`
      WITH s AS (DELETE FROM sessions WHERE expires_at <= ${now}),
        r AS (DELETE FROM rate_limits WHERE window_start < ${rateWindowsBefore})
      DELETE FROM released_addresses WHERE until <= ${now}`;
  }

  // --- mailboxes ---

  async claimMailbox(request: ClaimRequest): Promise<ClaimResult> {
    try {
      return await this.#sql.begin((tx) => this.#claimMailbox(tx, request));
    } catch (err) {
      // Another process inserted the address between our look and our insert.
      if (isUniqueViolation(err, 'mailboxes_address_key')) return { ok: false, reason: 'taken' };
      throw err;
    }
  }

  /** Decides first, writes after: a refused claim changes nothing. */
  async #claimMailbox(tx: Tx, request: ClaimRequest): Promise<ClaimResult> {
    const { mailbox, now, quarantineMs } = request;
    const address = `${mailbox.localPart}@${mailbox.domain}`;
    // The mailbox on the address and the one replaced, locked in id order (as deliveries lock).
    const rows = await tx<MailboxRow[]>`
      SELECT * FROM mailboxes WHERE address = ${address} OR id = ${request.replacesMailboxId ?? null}::bigint
      ORDER BY id FOR UPDATE`;
    const existing = rows.find((r) => r.address === address);
    if (existing && live(existing, now)) return { ok: false, reason: 'taken' };

    // Releasing an expired mailbox on the address quarantines it for its owner from its expiry,
    // replacing any older hold; otherwise the hold is what is stored (read after the row locks,
    // so a release committed meanwhile is seen).
    const held =
      existing && quarantineMs > 0
        ? { user_id: existing.user_id, until: (existing.expires_at as number) + quarantineMs }
        : (
            await tx<{ user_id: number | null; until: number }[]>`
              SELECT user_id, until FROM released_addresses WHERE address = ${address}`
          )[0];
    if (held && held.until > now && (held.user_id === null || held.user_id !== mailbox.userId)) {
      return { ok: false, reason: 'quarantined' };
    }

    let old: MailboxRow | undefined;
    if (request.replacesMailboxId !== undefined) {
      old = rows.find(
        (r) => r.id === request.replacesMailboxId && r.user_id === mailbox.userId && live(r, now),
      );
      if (!old) return { ok: false, reason: 'replaced_missing' };
    }

    if (request.maxLiveMailboxes !== undefined && mailbox.userId !== null) {
      // Claims of one user under a cap take turns on the user's row; the count is a later
      // statement, so it sees every mailbox the previous holder committed.
      await tx`SELECT 1 FROM users WHERE id = ${mailbox.userId} FOR NO KEY UPDATE`;
      const [count] = await tx<{ n: number }[]>`
        SELECT count(*) AS n FROM mailboxes
        WHERE user_id = ${mailbox.userId} AND (expires_at IS NULL OR expires_at > ${now})`;
      // The replaced mailbox is released by this claim: it does not count.
      if ((count?.n ?? 0) - (old ? 1 : 0) >= request.maxLiveMailboxes) {
        return { ok: false, reason: 'limit_reached' };
      }
    }

    const releases: Release[] = [];
    if (existing) releases.push({ row: existing, releasedAt: existing.expires_at as number });
    if (old) releases.push({ row: old, releasedAt: now });
    const releasedBlobKeys = await this.#release(tx, releases, quarantineMs);
    const [created] = await tx<{ id: number }[]>`
      WITH freed AS (DELETE FROM released_addresses WHERE address = ${address})
      INSERT INTO mailboxes (uuid, address, local_part, domain, user_id, created_at, expires_at)
      VALUES (${mailbox.uuid}, ${address}, ${mailbox.localPart}, ${mailbox.domain}, ${mailbox.userId},
        ${mailbox.createdAt}, ${mailbox.expiresAt})
      RETURNING id`;
    return {
      ok: true,
      mailbox: { ...mailbox, id: (created as { id: number }).id, address },
      releasedBlobKeys,
    };
  }

  /**
   * Deletes locked mailboxes with their messages and quarantines their addresses for their
   * owners; returns the blob keys no message refers to any more.
   */
  async #release(tx: Tx, releases: Release[], quarantineMs: number): Promise<string[]> {
    if (releases.length === 0) return [];
    const ids = releases.map((r) => r.row.id);
    const held = quarantineMs > 0 ? releases : [];
    // Deleting the messages first, then locking their mails (see #deleteOrphanMails).
    const mails = await tx<{ id: number }[]>`
      WITH gone AS (DELETE FROM messages WHERE mailbox_id = ANY(${ids}::bigint[]) RETURNING mail_id),
        boxes AS (DELETE FROM mailboxes WHERE id = ANY(${ids}::bigint[])),
        holds AS (
          INSERT INTO released_addresses (address, user_id, until)
          SELECT * FROM unnest(${held.map((r) => r.row.address)}::text[],
            ${held.map((r) => r.row.user_id)}::bigint[],
            ${held.map((r) => r.releasedAt + quarantineMs)}::bigint[])
          ON CONFLICT (address) DO UPDATE SET user_id = excluded.user_id, until = excluded.until
        )
      SELECT id FROM mails WHERE id IN (SELECT mail_id FROM gone) ORDER BY id FOR UPDATE`;
    return this.#deleteOrphanMails(
      tx,
      mails.map((m) => m.id),
    );
  }

  /**
   * Deletes the given mails, locked by the caller after it deleted its messages, if no message
   * refers to them any more, with their inline bytes; returns the blob keys of those kept in
   * the blob store. This check is a statement after the lock, so it sees the deletions of
   * whoever held the lock before: the last deleter of a shared mail always sees it orphaned.
   */
  async #deleteOrphanMails(tx: Tx, mailIds: number[]): Promise<string[]> {
    if (mailIds.length === 0) return [];
    const rows = await tx<{ blob_key: string }[]>`
      WITH gone AS (
          DELETE FROM mails WHERE id = ANY(${mailIds}::bigint[])
            AND NOT EXISTS (SELECT 1 FROM messages WHERE mail_id = mails.id)
          RETURNING blob_key
        ),
        inline AS (DELETE FROM inline_blobs WHERE key IN (SELECT blob_key FROM gone) RETURNING key)
      SELECT blob_key FROM gone WHERE blob_key NOT IN (SELECT key FROM inline)`;
    return rows.map((r) => r.blob_key);
  }

  async getMailbox(id: number): Promise<MailboxRecord | undefined> {
    const [row] = await this.#sql<MailboxRow[]>`SELECT * FROM mailboxes WHERE id = ${id}`;
    return row && toMailbox(row);
  }

  async getMailboxByUuid(uuid: string): Promise<MailboxRecord | undefined> {
    const [row] = await this.#sql<MailboxRow[]>`SELECT * FROM mailboxes WHERE uuid = ${uuid}`;
    return row && toMailbox(row);
  }

  async getMailboxByAddress(address: string): Promise<MailboxRecord | undefined> {
    const [row] = await this.#sql<MailboxRow[]>`SELECT * FROM mailboxes WHERE address = ${address}`;
    return row && toMailbox(row);
  }

  async listMailboxesOfUser(userId: number, now: number): Promise<MailboxRecord[]> {
    const rows = await this.#sql<MailboxRow[]>`
      SELECT * FROM mailboxes WHERE user_id = ${userId} AND (expires_at IS NULL OR expires_at > ${now})
      ORDER BY created_at DESC, id DESC`;
    return rows.map(toMailbox);
  }

  async extendMailbox(id: number, expiresAt: number): Promise<boolean> {
    return (await this.#sql`UPDATE mailboxes SET expires_at = ${expiresAt} WHERE id = ${id}`).count > 0;
  }

  async releaseMailbox(
    id: number,
    now: number,
    quarantineMs: number,
  ): Promise<Released & { released: boolean }> {
    return this.#sql.begin(async (tx) => {
      // Waits for deliveries in flight to the mailbox, so their messages are released too.
      const [row] = await tx<MailboxRow[]>`SELECT * FROM mailboxes WHERE id = ${id} FOR UPDATE`;
      if (!row) return { released: false, blobKeys: [] };
      return { released: true, blobKeys: await this.#release(tx, [{ row, releasedAt: now }], quarantineMs) };
    });
  }

  async releaseExpiredMailboxes(
    now: number,
    limit: number,
    quarantineMs: number,
  ): Promise<Released & { count: number; mailboxes: MailboxRecord[] }> {
    return this.#sql.begin(async (tx) => {
      // Rows another sweeper (or a claim, a release, a delivery) holds are left for later.
      const rows = await tx<MailboxRow[]>`
        SELECT * FROM mailboxes WHERE expires_at IS NOT NULL AND expires_at <= ${now}
        ORDER BY expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
      const releases = rows.map((row) => ({ row, releasedAt: row.expires_at as number }));
      const blobKeys = await this.#release(tx, releases, quarantineMs);
      return { count: rows.length, blobKeys, mailboxes: rows.map(toMailbox) };
    });
  }

  // --- messages ---

  // Deliveries are group-committed, as in SQLite: those that arrive while the previous group
  // is being written go together in the next transaction (one commit, one WAL flush), one
  // group at a time, so deliveries land in the order they were made.

  insertDelivery(d: NewDelivery): Promise<DeliveredMessage[]> {
    if (d.recipients.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#pendingDeliveries.push({ delivery: d, resolve, reject });
      this.#deliveryWriter ??= this.#writeDeliveries();
    });
  }

  async #writeDeliveries(): Promise<void> {
    // Deliveries made in this event-loop turn join the first group.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.#pendingDeliveries.length > 0) {
        await this.#commitDeliveries(this.#pendingDeliveries.splice(0, maxDeliveriesPerCommit));
      }
    } finally {
      this.#deliveryWriter = undefined;
    }
  }

  /** Writes a group of deliveries and settles each; never throws. */
  async #commitDeliveries(group: PendingDelivery[]): Promise<void> {
    let prepared: PreparedDelivery[];
    try {
      prepared = await this.#prepareDeliveries(group);
    } catch (err) {
      for (const p of group) p.reject(err);
      return;
    }
    if (prepared.length === 0) return;
    if (prepared.length > 1) {
      try {
        const results = await this.#sql.begin((tx) => {
          // Every mailbox of the group locked first, in id order (as claims lock them).
          const ids = [...new Set(prepared.flatMap((p) => p.mailboxIds))];
          const lock = tx`SELECT 1 FROM mailboxes WHERE id = ANY(${ids}::bigint[]) ORDER BY id FOR KEY SHARE`;
          lock.execute();
          // Pipelined: sent at once, run in order.
          return Promise.all([lock, ...prepared.map((p) => this.#deliveryStatement(tx, p))]);
        });
        prepared.forEach((p, i) => {
          p.resolve(results[i + 1] as DeliveredMessage[]);
        });
        return;
      } catch {
        // One of them failed (a duplicate message id, say), so none was kept: each again on
        // its own, so that only the failing one fails.
      }
    }
    for (const p of prepared) {
      try {
        p.resolve(await this.#deliveryStatement(this.#sql, p));
      } catch (err) {
        p.reject(err);
      }
    }
  }

  /**
   * Makes the webhook payloads, only for copies whose owner has a webhook on (one look for the
   * whole group; the insert checks the webhooks again). A delivery whose payload fails is
   * rejected alone.
   */
  async #prepareDeliveries(group: PendingDelivery[]): Promise<PreparedDelivery[]> {
    const lazy = group.flatMap((p) =>
      p.delivery.recipients
        .filter((r) => r.webhook && typeof r.webhook.payload !== 'string')
        .map((r) => r.mailboxId),
    );
    let hooked = new Set<number>();
    if (lazy.length > 0) {
      const rows = await this.#sql<{ id: number }[]>`
        SELECT m.id FROM mailboxes m JOIN webhooks w ON w.user_id = m.user_id
        WHERE m.id = ANY(${[...new Set(lazy)]}::bigint[]) AND w.enabled AND w.url <> ''`;
      hooked = new Set(rows.map((r) => r.id));
    }
    return group.flatMap((p) => {
      try {
        const events = p.delivery.recipients.flatMap((r) => {
          if (!r.webhook) return [];
          const { deliveryId, event, payload } = r.webhook;
          if (typeof payload === 'string') return [{ id: r.id, deliveryId, event, payload }];
          return hooked.has(r.mailboxId) ? [{ id: r.id, deliveryId, event, payload: payload() }] : [];
        });
        return [{ ...p, events, mailboxIds: [...new Set(p.delivery.recipients.map((r) => r.mailboxId))] }];
      } catch (err) {
        p.reject(err);
        return [];
      }
    });
  }

  /**
   * One delivery in one statement (atomic on its own). Its mailboxes are locked against
   * deletion (KEY SHARE, in id order) before the copies go in: a mailbox released meanwhile is
   * skipped, and a release waits for the delivery to land.
   */
  #deliveryStatement(sql: Queryable, p: PreparedDelivery): Promise<DeliveredMessage[]> {
    const d = p.delivery;
    const c = d.content;
    const { events } = p;
    const extraction = d.extraction && toExtractionColumns(d.extraction);
    const auth = d.senderAuth;
    const query = sql<{ kind: 'copy' | 'event'; id: string }[]>`
      WITH live AS MATERIALIZED (
          SELECT id, user_id FROM mailboxes WHERE id = ANY(${p.mailboxIds}::bigint[]) ORDER BY id FOR KEY SHARE
        ),
        mail AS (
          INSERT INTO mails (subject, from_name, from_email, text_body, html_body, size, blob_key, attachments,
            over_tls, tls_protocol, tls_cipher, codes, links)
          SELECT ${toDbText(c.subject)}, ${toDbText(c.fromName)}, ${toDbText(c.fromEmail)}, ${toDbText(c.text)},
            ${toDbText(c.html)}, ${c.size}, ${c.blobKey}, ${JSON.stringify(c.attachments)},
            ${c.tls === undefined ? null : c.tls !== null}::boolean, ${c.tls ? toDbText(c.tls.protocol) : null}::text,
            ${c.tls ? toDbText(c.tls.cipher) : null}::text, ${extraction?.codes ?? null}::text, ${extraction?.links ?? null}::text
          WHERE EXISTS (SELECT 1 FROM live)
          RETURNING id
        ),
        derived AS (
          INSERT INTO mail_derived (mail_id, remote_images, html_text)
          SELECT mail.id, ${d.derived?.remoteImages ?? 0}::integer, ${toDbText(d.derived?.htmlText ?? '')}::text
          FROM mail WHERE ${d.derived !== undefined}::boolean
          RETURNING mail_id AS id
        ),
        chunks AS (
          ${chunksInsert(sql, sql`SELECT id FROM derived`, d.derived ?? noDerived)}
        ),
        arrival AS (
          INSERT INTO mail_auth (mail_id, client_ip, helo, envelope_from, from_domain)
          SELECT mail.id, ${toDbText(auth?.clientIp ?? '')}::text, ${toDbText(auth?.helo ?? '')}::text,
            ${toDbText(auth?.envelopeFrom ?? '')}::text, ${toDbText(auth?.fromDomain ?? '')}::text
          FROM mail WHERE ${auth !== undefined}::boolean
        ),
        copies AS (
          INSERT INTO messages (public_id, uuid, mailbox_id, mail_id, recipient, received_at)
          SELECT r.public_id, r.uuid, r.mailbox_id, mail.id, r.recipient, ${d.receivedAt}
          FROM unnest(${d.recipients.map((r) => r.id)}::text[], ${d.recipients.map((r) => r.uuid)}::text[],
              ${d.recipients.map((r) => r.mailboxId)}::bigint[], ${d.recipients.map((r) => r.recipient)}::text[])
            WITH ORDINALITY AS r(public_id, uuid, mailbox_id, recipient, n)
          JOIN live ON live.id = r.mailbox_id
          CROSS JOIN mail
          ORDER BY r.n
          RETURNING public_id, mailbox_id
        ),
        events AS (
          INSERT INTO webhook_outbox (delivery_id, user_id, event, payload, created_at, next_attempt_at)
          SELECT e.delivery_id, w.user_id, e.event, e.payload, ${d.receivedAt}, ${d.receivedAt}
          FROM unnest(${events.map((e) => e.id)}::text[], ${events.map((e) => e.deliveryId)}::text[],
              ${events.map((e) => e.event)}::text[], ${events.map((e) => toDbText(e.payload))}::text[])
            AS e(public_id, delivery_id, event, payload)
          JOIN copies ON copies.public_id = e.public_id
          JOIN live ON live.id = copies.mailbox_id
          JOIN webhooks w ON w.user_id = live.user_id AND w.enabled AND w.url <> ''
          RETURNING delivery_id
        ),
        inline AS (
          INSERT INTO inline_blobs (key, data)
          SELECT b.key, b.data FROM (VALUES (${c.blobKey}, ${d.inlineBlob ?? null}::bytea)) AS b(key, data), mail
          WHERE b.data IS NOT NULL
        ),
        counted AS (
          INSERT INTO received_per_hour (hour_start, slot, count)
          SELECT ${hourOf(d.receivedAt)}, ${this.#receivedSlot}, count(*) FROM copies HAVING count(*) > 0
          ON CONFLICT (hour_start, slot) DO UPDATE SET count = received_per_hour.count + excluded.count
        )
      SELECT 'copy' AS kind, public_id AS id FROM copies
      UNION ALL SELECT 'event', delivery_id FROM events`;
    return query.then((rows) => {
      const stored = new Set(rows.filter((r) => r.kind === 'copy').map((r) => r.id));
      const queued = new Set(rows.filter((r) => r.kind === 'event').map((r) => r.id));
      return d.recipients
        .filter((r) => stored.has(r.id))
        .map((r) => ({
          webhookQueued: r.webhook !== undefined && queued.has(r.webhook.deliveryId),
          id: r.id,
          uuid: r.uuid,
          mailboxId: r.mailboxId,
          recipient: r.recipient,
          receivedAt: d.receivedAt,
          seen: false,
          content: c,
        }));
    });
  }

  async readInlineBlob(key: string, start: number, end: number): Promise<Buffer | undefined> {
    const [row] = await this.#sql<{ data: Buffer }[]>`
      SELECT substring(data FROM least(${start}::bigint + 1, 2147483647)::int
        FOR least(${Math.max(end - start, 0)}::bigint, 2147483647)::int) AS data
      FROM inline_blobs WHERE key = ${key}`;
    return row?.data;
  }

  // --- key dialect pages ---
  // One round trip each: the total joined with the page (a row of nulls when it is empty).

  async listMailboxesPage(
    userId: number,
    now: number,
    limit: number,
    cursor?: PageCursor,
  ): Promise<Page<MailboxRecord>> {
    const sql = this.#sql;
    const rows = await sql<(MailboxRow & { total: number })[]>`
      SELECT t.total, p.* FROM (
        SELECT count(*) AS total FROM mailboxes
        WHERE user_id = ${userId} AND (expires_at IS NULL OR expires_at > ${now})
      ) t
      LEFT JOIN LATERAL (
        SELECT * FROM mailboxes
        WHERE user_id = ${userId} AND (expires_at IS NULL OR expires_at > ${now})
        ${cursor ? sql`AND (created_at, uuid) < (${cursor.at}::bigint, ${cursor.uuid}::text)` : sql``}
        ORDER BY created_at DESC, uuid DESC LIMIT ${limit}
      ) p ON true`;
    return { items: rows.filter((r) => r.id !== null).map(toMailbox), total: rows[0]?.total ?? 0 };
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

  async #messagesPage<Row extends { public_id: string | null }, T>(
    columns: string,
    toItem: (row: Row) => T,
    mailboxId: number,
    limit: number,
    cursor?: PageCursor,
  ): Promise<Page<T>> {
    const sql = this.#sql;
    const rows = await sql<(Row & { total: number })[]>`
      SELECT t.total, p.* FROM (SELECT count(*) AS total FROM messages WHERE mailbox_id = ${mailboxId}) t
      LEFT JOIN LATERAL (
        SELECT ${sql.unsafe(columns)} FROM messages m JOIN mails ml ON ml.id = m.mail_id
        WHERE m.mailbox_id = ${mailboxId}
        ${cursor ? sql`AND (m.received_at, m.uuid) < (${cursor.at}::bigint, ${cursor.uuid}::text)` : sql``}
        ORDER BY m.received_at DESC, m.uuid DESC LIMIT ${limit}
      ) p ON true`;
    return { items: rows.filter((r) => r.public_id !== null).map(toItem), total: rows[0]?.total ?? 0 };
  }

  async countMessagesOfMailboxes(mailboxIds: number[]): Promise<Map<number, number>> {
    const counts = new Map<number, number>(mailboxIds.map((id) => [id, 0]));
    if (mailboxIds.length === 0) return counts;
    const rows = await this.#sql<{ mailbox_id: number; n: number }[]>`
      SELECT mailbox_id, count(*) AS n FROM messages WHERE mailbox_id = ANY(${mailboxIds}::bigint[])
      GROUP BY mailbox_id`;
    for (const row of rows) counts.set(row.mailbox_id, row.n);
    return counts;
  }

  // --- statistics ---

  async countLiveMailboxes(now: number): Promise<number> {
    const [row] = await this.#sql<{ n: number }[]>`
      SELECT count(*) AS n FROM mailboxes WHERE expires_at IS NULL OR expires_at > ${now}`;
    return row?.n ?? 0;
  }

  async countReceivedByHour(since: number): Promise<{ hourStart: number; count: number }[]> {
    const rows = await this.#sql<{ hour_start: number; n: number }[]>`
      SELECT hour_start, sum(count)::bigint AS n FROM received_per_hour
      WHERE hour_start >= ${hourOf(since)} GROUP BY 1 HAVING sum(count) > 0 ORDER BY 1`;
    return rows.map((r) => ({ hourStart: r.hour_start, count: r.n }));
  }

  async countFailedWebhooks(since: number): Promise<number> {
    const [row] = await this.#sql<{ n: number }[]>`
      SELECT count(*) AS n FROM webhook_attempts WHERE outcome = 'failed' AND attempted_at >= ${since}`;
    return row?.n ?? 0;
  }

  async getMessageByUuid(uuid: string): Promise<MessageRecord | undefined> {
    const sql = this.#sql;
    const [row] = await sql<MessageRow[]>`
      SELECT ${sql.unsafe(messageColumns)} FROM messages m JOIN mails ml ON ml.id = m.mail_id WHERE m.uuid = ${uuid}`;
    return row && toMessage(row);
  }

  // --- webhooks ---

  async getWebhook(userId: number): Promise<WebhookConfig | undefined> {
    const [row] = await this.#sql<WebhookRow[]>`SELECT * FROM webhooks WHERE user_id = ${userId}`;
    return row && toWebhook(row);
  }

  async setWebhook(
    userId: number,
    change: { url: string; enabled: boolean },
    now: number,
    newSecret: () => string,
  ): Promise<WebhookConfig> {
    const [row] = await this.#sql<WebhookRow[]>`
      INSERT INTO webhooks (user_id, url, enabled, secret, updated_at)
      VALUES (${userId}, ${change.url}, ${change.enabled}, ${newSecret()}, ${now})
      ON CONFLICT (user_id) DO UPDATE
        SET url = excluded.url, enabled = excluded.enabled, updated_at = excluded.updated_at
      RETURNING *`;
    return toWebhook(row as WebhookRow);
  }

  async rotateWebhookSecret(userId: number, secret: string, now: number): Promise<WebhookConfig> {
    const [row] = await this.#sql<WebhookRow[]>`
      INSERT INTO webhooks (user_id, url, enabled, secret, updated_at) VALUES (${userId}, '', false, ${secret}, ${now})
      ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at
      RETURNING *`;
    return toWebhook(row as WebhookRow);
  }

  async enqueueWebhook(
    userId: number,
    item: { deliveryId: string; event: string; payload: string },
    now: number,
  ): Promise<void> {
    await this.#sql`
      INSERT INTO webhook_outbox (delivery_id, user_id, event, payload, created_at, next_attempt_at)
      VALUES (${item.deliveryId}, ${userId}, ${item.event}, ${toDbText(item.payload)}, ${now}, ${now})`;
  }

  async claimDueWebhooks(
    now: number,
    leaseMs: number,
    limit: number,
    skipUserIds: number[],
  ): Promise<OutboxItem[]> {
    // Items another worker is claiming right now are skipped, not waited for.
    const rows = await this.#sql<(OutboxRow & { next_attempt_at: number })[]>`
      WITH due AS MATERIALIZED (
        SELECT id FROM webhook_outbox
        WHERE next_attempt_at <= ${now} AND locked_until <= ${now} AND user_id <> ALL(${skipUserIds}::bigint[])
        ORDER BY next_attempt_at, id LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      UPDATE webhook_outbox o SET locked_until = ${now + leaseMs}, attempts = o.attempts + 1
      FROM due WHERE o.id = due.id
      RETURNING o.id, o.delivery_id, o.user_id, o.event, o.payload, o.attempts, o.created_at, o.locked_until,
        o.next_attempt_at`;
    return rows
      .sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.id - b.id)
      .map((r) => toOutboxItem(r));
  }

  async finishWebhookAttempt(
    lease: OutboxLease,
    attempt: Omit<WebhookAttempt, 'deliveryId' | 'event' | 'attempt' | 'outcome'>,
    outcome: OutboxOutcome,
  ): Promise<void> {
    const retry = outcome.kind === 'retry';
    // One statement. The item is found only under this lease (a later claim changed it), and
    // the log keeps the newest attemptLogLength - 1 older rows besides this one.
    await this.#sql`
      WITH item AS MATERIALIZED (
          SELECT id, user_id, delivery_id, event, attempts FROM webhook_outbox
          WHERE id = ${lease.id} AND locked_until = ${lease.leaseUntil} FOR UPDATE
        ),
        logged AS (
          INSERT INTO webhook_attempts
            (user_id, delivery_id, event, attempt, attempted_at, url, status_code, error, duration_ms, outcome)
          SELECT user_id, delivery_id, event, attempts, ${attempt.attemptedAt}, ${attempt.url},
            ${attempt.statusCode}::int, ${attempt.error === null ? null : toDbText(attempt.error)}::text,
            ${Math.round(attempt.durationMs)}, ${outcome.kind}
          FROM item
        ),
        trimmed AS (
          DELETE FROM webhook_attempts a USING item
          WHERE a.user_id = item.user_id AND a.id <= (
            SELECT b.id FROM webhook_attempts b WHERE b.user_id = item.user_id
            ORDER BY b.id DESC OFFSET ${attemptLogLength - 1} LIMIT 1
          )
        ),
        rescheduled AS (
          UPDATE webhook_outbox o SET next_attempt_at = ${retry ? outcome.nextAttemptAt : null}::bigint, locked_until = 0
          FROM item WHERE o.id = item.id AND ${retry}::boolean
        )
      DELETE FROM webhook_outbox o USING item WHERE o.id = item.id AND NOT ${retry}::boolean`;
  }

  async releaseWebhookLeases(leases: OutboxLease[]): Promise<void> {
    if (leases.length === 0) return;
    await this.#sql`
      UPDATE webhook_outbox o SET locked_until = 0, attempts = greatest(o.attempts - 1, 0)
      FROM unnest(${leases.map((l) => l.id)}::bigint[], ${leases.map((l) => l.leaseUntil)}::bigint[]) AS l(id, lease)
      WHERE o.id = l.id AND o.locked_until = l.lease`;
  }

  async nextWebhookDueAt(): Promise<number | undefined> {
    const [row] = await this.#sql<{ at: number | null }[]>`
      SELECT min(greatest(next_attempt_at, locked_until)) AS at FROM webhook_outbox`;
    return row?.at ?? undefined;
  }

  async listWebhookAttempts(userId: number, limit: number): Promise<WebhookAttempt[]> {
    const rows = await this.#sql<AttemptRow[]>`
      SELECT * FROM webhook_attempts WHERE user_id = ${userId} ORDER BY id DESC LIMIT ${limit}`;
    return rows.map(toAttempt);
  }

  async countPendingWebhooks(): Promise<number> {
    const [row] = await this.#sql<{ n: number }[]>`SELECT count(*) AS n FROM webhook_outbox`;
    return row?.n ?? 0;
  }

  async listMessages(mailboxId: number): Promise<MessageRecord[]> {
    const sql = this.#sql;
    const rows = await sql<MessageRow[]>`
      SELECT ${sql.unsafe(messageColumns)} FROM messages m JOIN mails ml ON ml.id = m.mail_id
      WHERE m.mailbox_id = ${mailboxId} ORDER BY m.received_at DESC, m.id DESC`;
    return rows.map(toMessage);
  }

  async listMessagesChunk(
    mailboxId: number,
    limit: number,
    after?: MessageListPosition,
  ): Promise<MessageChunk> {
    const sql = this.#sql;
    const rows = await sql<(MessageRow & { seq: string })[]>`
      SELECT ${sql.unsafe(messageColumns)}, m.id AS seq FROM messages m JOIN mails ml ON ml.id = m.mail_id
      WHERE m.mailbox_id = ${mailboxId}
      ${after ? sql`AND (m.received_at, m.id) < (${after.at}, ${after.seq})` : sql``}
      ORDER BY m.received_at DESC, m.id DESC LIMIT ${limit}`;
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    return {
      items: rows.map(toMessage),
      next: last && { at: Number(last.received_at), seq: Number(last.seq) },
    };
  }

  async listMessageStatesChunk(
    mailboxId: number,
    limit: number,
    after?: MessageListPosition,
  ): Promise<{ items: MessageState[]; next?: MessageListPosition }> {
    const sql = this.#sql;
    const rows = await sql<{ public_id: string; seen: boolean; received_at: number; seq: string }[]>`
      SELECT m.public_id, m.seen, m.received_at, m.id AS seq FROM messages m
      WHERE m.mailbox_id = ${mailboxId}
      ${after ? sql`AND (m.received_at, m.id) < (${after.at}, ${after.seq})` : sql``}
      ORDER BY m.received_at DESC, m.id DESC LIMIT ${limit}`;
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    return {
      items: rows.map((r) => ({ id: r.public_id, seen: r.seen })),
      next: last && { at: Number(last.received_at), seq: Number(last.seq) },
    };
  }

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    const sql = this.#sql;
    const [row] = await sql<MessageRow[]>`
      SELECT ${sql.unsafe(messageColumns)} FROM messages m JOIN mails ml ON ml.id = m.mail_id
      WHERE m.public_id = ${id}`;
    return row && toMessage(row);
  }

  async getHtmlText(uuid: string): Promise<string | undefined> {
    const [row] = await this.#sql<{ html_text: string }[]>`
      SELECT d.html_text FROM messages m JOIN mail_derived d ON d.mail_id = m.mail_id WHERE m.uuid = ${uuid}`;
    return row && fromDbText(row.html_text);
  }

  async getDocumentInfo(uuid: string): Promise<{ mailboxId: number; remoteImages: number } | undefined> {
    const [row] = await this.#sql<{ mailbox_id: number; remote_images: number }[]>`
      SELECT m.mailbox_id, d.remote_images FROM messages m JOIN mail_derived d ON d.mail_id = m.mail_id
      WHERE m.uuid = ${uuid}`;
    return row && { mailboxId: Number(row.mailbox_id), remoteImages: row.remote_images };
  }

  async saveDerivedBodies(uuid: string, derived: DerivedBodies): Promise<void> {
    const sql = this.#sql;
    await sql`
      WITH saved AS (
          INSERT INTO mail_derived (mail_id, remote_images, html_text)
          SELECT mail_id, ${derived.remoteImages}, ${toDbText(derived.htmlText)}
          FROM messages WHERE uuid = ${uuid}
          ON CONFLICT (mail_id) DO NOTHING
          RETURNING mail_id AS id
        )
      ${chunksInsert(sql, sql`SELECT id FROM saved`, derived)}`;
  }

  async getExtraction(id: string): Promise<Extraction | undefined> {
    const [row] = await this.#sql<(ExtractionColumns | UnreadExtractionColumns)[]>`
      SELECT ml.codes, ml.links FROM messages m JOIN mails ml ON ml.id = m.mail_id
      WHERE m.public_id = ${id}`;
    return row && fromExtractionColumns(row);
  }

  async saveExtraction(id: string, extraction: Extraction): Promise<void> {
    const { codes, links } = toExtractionColumns(extraction);
    // The first reading stays.
    await this.#sql`
      UPDATE mails SET codes = ${codes}, links = ${links}
      WHERE id = (SELECT mail_id FROM messages WHERE public_id = ${id}) AND codes IS NULL`;
  }

  async getMessageWithoutHtmlByUuid(uuid: string): Promise<MessageWithoutHtml | undefined> {
    const sql = this.#sql;
    const [row] = await sql<MessageWithoutHtmlRow[]>`
      SELECT ${sql.unsafe(withoutHtmlColumns)} FROM messages m JOIN mails ml ON ml.id = m.mail_id
      WHERE m.uuid = ${uuid}`;
    return row && toMessageWithoutHtml(row);
  }

  async getMessageHeadByUuid(uuid: string): Promise<MessageHead | undefined> {
    const sql = this.#sql;
    const [row] = await sql<MessageHeadRow[]>`
      SELECT ${sql.unsafe(headColumns)} FROM messages m JOIN mails ml ON ml.id = m.mail_id WHERE m.uuid = ${uuid}`;
    return row && toMessageHead(row);
  }

  async readChunk(uuid: string, part: ChunkedPart, seq: number): Promise<Buffer | undefined> {
    const [row] = await this.#sql<{ data: Buffer }[]>`
      SELECT c.data FROM messages m JOIN mail_chunks c ON c.mail_id = m.mail_id
      WHERE m.uuid = ${uuid} AND c.part = ${part} AND c.seq = ${seq}`;
    return row?.data;
  }

  async markSeen(id: string): Promise<boolean> {
    const result = await this.#sql`UPDATE messages SET seen = true WHERE public_id = ${id} AND NOT seen`;
    return result.count > 0;
  }

  async listMessageHeadsAfter(
    mailboxId: number,
    options: { after?: PageCursor; unseenOnly: boolean; limit: number },
  ): Promise<MessageHead[]> {
    const sql = this.#sql;
    const { after, unseenOnly, limit } = options;
    const rows = await sql<MessageHeadRow[]>`
      SELECT ${sql.unsafe(headColumns)} FROM messages m JOIN mails ml ON ml.id = m.mail_id
      WHERE m.mailbox_id = ${mailboxId} ${unseenOnly ? sql`AND NOT m.seen` : sql``}
      ${after ? sql`AND (m.received_at, m.uuid) > (${after.at}, ${after.uuid})` : sql``}
      ORDER BY m.received_at, m.uuid LIMIT ${limit}`;
    return rows.map(toMessageHead);
  }

  async deleteMessage(id: string): Promise<Released & { deleted: boolean }> {
    return this.#sql.begin(async (tx) => {
      const mails = await tx<{ id: number }[]>`
        WITH gone AS (DELETE FROM messages WHERE public_id = ${id} RETURNING mail_id)
        SELECT id FROM mails WHERE id IN (SELECT mail_id FROM gone) FOR UPDATE`;
      if (mails.length === 0) return { deleted: false, blobKeys: [] };
      return {
        deleted: true,
        blobKeys: await this.#deleteOrphanMails(
          tx,
          mails.map((m) => m.id),
        ),
      };
    });
  }

  async getSenderAuth(id: string): Promise<SenderAuthRecord | undefined> {
    const sql = this.#sql;
    const [row] = await sql<SenderAuthRow[]>`
      SELECT ${sql.unsafe(senderAuthColumns)} FROM messages m JOIN mail_auth a ON a.mail_id = m.mail_id
      WHERE m.public_id = ${id}`;
    return row && toSenderAuth(row);
  }

  async saveSenderAuth(id: string, v: SenderAuthVerdict): Promise<void> {
    await this.#sql`
      UPDATE mail_auth SET spf = ${v.spf}, dkim = ${v.dkim}, dmarc = ${v.dmarc}, arc = ${v.arc},
        from_domain = COALESCE(NULLIF(${toDbText(v.fromDomain)}, ''), from_domain)
      WHERE spf IS NULL AND mail_id = (SELECT mail_id FROM messages WHERE public_id = ${id})`;
  }

  async listPendingSenderAuth(limit: number): Promise<PendingSenderAuth[]> {
    const rows = await this.#sql<PendingSenderAuthRow[]>`
      SELECT (SELECT public_id FROM messages WHERE mail_id = a.mail_id LIMIT 1) AS id,
        ml.blob_key, ml.size, a.client_ip, a.helo, a.envelope_from
      FROM mail_auth a JOIN mails ml ON ml.id = a.mail_id
      WHERE a.spf IS NULL AND EXISTS (SELECT 1 FROM messages WHERE mail_id = a.mail_id)
      ORDER BY a.mail_id LIMIT ${limit}`;
    return rows.map(toPendingSenderAuth);
  }
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  return err instanceof postgres.PostgresError && err.code === '23505' && err.constraint_name === constraint;
}
