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
//
// Each aggregate has its own file (deliveries.ts holds the group commit); this class only hands
// every method of the Store interface to the one that owns it.
import { PostgresBlobStore } from '../../blobs/postgres.ts';
import type { DomainType } from '../../config/plans.ts';
import type { Extraction } from '../../mail/extract/types.ts';
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
import { PostgresAccounts } from './accounts.ts';
import { connectPostgres, type PostgresSql, type PostgresStoreOptions } from './connection.ts';
import { PostgresCustomDomains } from './custom-domains.ts';
import { PostgresDeliveries } from './deliveries.ts';
import { PostgresDomains } from './domains.ts';
import { PostgresMailboxes } from './mailboxes.ts';
import { PostgresMessageBodies } from './message-bodies.ts';
import { PostgresMessages } from './messages.ts';
import { migratePostgres, pendingPostgresMigrations } from './migrate.ts';
import { PostgresQuota } from './quota.ts';
import { PostgresSenderAuth } from './sender-auth.ts';
import { PostgresStats } from './stats.ts';
import { PostgresWebhooks } from './webhooks.ts';

export { connectPostgres, type PostgresSql, type PostgresStoreOptions } from './connection.ts';

export class PostgresStore implements Store {
  readonly #sql: PostgresSql;
  readonly #domains: PostgresDomains;
  readonly #accounts: PostgresAccounts;
  readonly #quota: PostgresQuota;
  readonly #customDomains: PostgresCustomDomains;
  readonly #mailboxes: PostgresMailboxes;
  readonly #deliveries: PostgresDeliveries;
  readonly #messages: PostgresMessages;
  readonly #bodies: PostgresMessageBodies;
  readonly #senderAuth: PostgresSenderAuth;
  readonly #webhooks: PostgresWebhooks;
  readonly #stats: PostgresStats;

  /** Wraps a connection whose schema is migrated (see `open`). */
  constructor(sql: PostgresSql) {
    this.#sql = sql;
    this.#domains = new PostgresDomains(sql);
    this.#accounts = new PostgresAccounts(sql);
    this.#quota = new PostgresQuota(sql);
    this.#customDomains = new PostgresCustomDomains(sql);
    this.#mailboxes = new PostgresMailboxes(sql);
    this.#deliveries = new PostgresDeliveries(sql);
    this.#messages = new PostgresMessages(sql);
    this.#bodies = new PostgresMessageBodies(sql);
    this.#senderAuth = new PostgresSenderAuth(sql);
    this.#webhooks = new PostgresWebhooks(sql);
    this.#stats = new PostgresStats(sql);
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
    await this.#deliveries.flush();
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
  removeDomain(name: string): Promise<boolean> {
    return this.#domains.removeDomain(name);
  }
  getDomain(name: string): Promise<DomainRecord | undefined> {
    return this.#domains.getDomain(name);
  }
  getCustomDomain(name: string, userId: number): Promise<CustomDomainRecord | undefined> {
    return this.#customDomains.getCustomDomain(name, userId);
  }
  listCustomDomainsOfUser(userId: number): Promise<CustomDomainRecord[]> {
    return this.#customDomains.listCustomDomainsOfUser(userId);
  }
  settleCustomDomainCheck(
    name: string,
    userId: number,
    outcome: CustomDomainCheckOutcome,
  ): Promise<CustomDomainRecord | undefined> {
    return this.#customDomains.settleCustomDomainCheck(name, userId, outcome);
  }
  setCustomDomainCatchAll(name: string, userId: number, address: string | null): Promise<boolean> {
    return this.#customDomains.setCustomDomainCatchAll(name, userId, address);
  }
  createUser(user: NewUser): Promise<UserRecord | undefined> {
    return this.#accounts.createUser(user);
  }
  getUserByEmail(email: string): Promise<UserRecord | undefined> {
    return this.#accounts.getUserByEmail(email);
  }
  listUsers(limit: number, offset: number): Promise<Page<UserRecord>> {
    return this.#accounts.listUsers(limit, offset);
  }
  setApiKeyHash(userId: number, keyHash: string, now: number): Promise<void> {
    return this.#accounts.setApiKeyHash(userId, keyHash, now);
  }
  getApiKeyCreatedAt(userId: number): Promise<number | undefined> {
    return this.#accounts.getApiKeyCreatedAt(userId);
  }
  reserveRequest(userId: number, period: string, limit: number): Promise<{ allowed: boolean; used: number }> {
    return this.#quota.reserveRequest(userId, period, limit);
  }
  getRequestsUsed(userId: number, period: string): Promise<number> {
    return this.#quota.getRequestsUsed(userId, period);
  }
  getSession(idHash: string, now: number): Promise<SessionRecord | undefined> {
    return this.#accounts.getSession(idHash, now);
  }
  deleteSessionsOfUser(userId: number, exceptIdHash?: string): Promise<void> {
    return this.#accounts.deleteSessionsOfUser(userId, exceptIdHash);
  }
  deleteExpired(now: number, rateWindowsBefore: number): Promise<void> {
    return this.#accounts.deleteExpired(now, rateWindowsBefore);
  }
  getMailbox(id: number): Promise<MailboxRecord | undefined> {
    return this.#mailboxes.getMailbox(id);
  }
  getMailboxByAddress(address: string): Promise<MailboxRecord | undefined> {
    return this.#mailboxes.getMailboxByAddress(address);
  }
  extendMailbox(id: number, expiresAt: number): Promise<boolean> {
    return this.#mailboxes.extendMailbox(id, expiresAt);
  }
  releaseExpiredMailboxes(
    now: number,
    limit: number,
    quarantineMs: number,
  ): Promise<Released & { count: number; mailboxes: MailboxRecord[] }> {
    return this.#mailboxes.releaseExpiredMailboxes(now, limit, quarantineMs);
  }
  readInlineBlob(key: string, start: number, end: number): Promise<Buffer | undefined> {
    return this.#bodies.readInlineBlob(key, start, end);
  }
  listMessagesPage(mailboxId: number, limit: number, cursor?: PageCursor): Promise<Page<MessageRecord>> {
    return this.#messages.listMessagesPage(mailboxId, limit, cursor);
  }
  countMessagesOfMailboxes(mailboxIds: number[]): Promise<Map<number, number>> {
    return this.#messages.countMessagesOfMailboxes(mailboxIds);
  }
  countReceivedByHour(since: number): Promise<{ hourStart: number; count: number }[]> {
    return this.#stats.countReceivedByHour(since);
  }
  getMessageByUuid(uuid: string): Promise<MessageRecord | undefined> {
    return this.#messages.getMessageByUuid(uuid);
  }
  setWebhook(
    userId: number,
    change: { url: string; enabled: boolean },
    now: number,
    newSecret: () => string,
  ): Promise<WebhookConfig> {
    return this.#webhooks.setWebhook(userId, change, now, newSecret);
  }
  enqueueWebhook(
    userId: number,
    item: { deliveryId: string; event: string; payload: string },
    now: number,
  ): Promise<void> {
    return this.#webhooks.enqueueWebhook(userId, item, now);
  }
  finishWebhookAttempt(
    lease: OutboxLease,
    attempt: Omit<WebhookAttempt, 'deliveryId' | 'event' | 'attempt' | 'outcome'>,
    outcome: OutboxOutcome,
  ): Promise<void> {
    return this.#webhooks.finishWebhookAttempt(lease, attempt, outcome);
  }
  nextWebhookDueAt(): Promise<number | undefined> {
    return this.#webhooks.nextWebhookDueAt();
  }
  countPendingWebhooks(): Promise<number> {
    return this.#webhooks.countPendingWebhooks();
  }
  listMessagesChunk(mailboxId: number, limit: number, after?: MessageListPosition): Promise<MessageChunk> {
    return this.#messages.listMessagesChunk(mailboxId, limit, after);
  }
  getMessage(id: string): Promise<MessageRecord | undefined> {
    return this.#messages.getMessage(id);
  }
  getDocumentInfo(uuid: string): Promise<{ mailboxId: number; remoteImages: number } | undefined> {
    return this.#bodies.getDocumentInfo(uuid);
  }
  getExtraction(id: string): Promise<Extraction | undefined> {
    return this.#bodies.getExtraction(id);
  }
  getMessageWithoutHtmlByUuid(uuid: string): Promise<MessageWithoutHtml | undefined> {
    return this.#messages.getMessageWithoutHtmlByUuid(uuid);
  }
  readChunk(uuid: string, part: ChunkedPart, seq: number): Promise<Buffer | undefined> {
    return this.#bodies.readChunk(uuid, part, seq);
  }
  listMessageHeadsAfter(
    mailboxId: number,
    options: { after?: PageCursor; unseenOnly: boolean; limit: number },
  ): Promise<MessageHead[]> {
    return this.#messages.listMessageHeadsAfter(mailboxId, options);
  }
  getSenderAuth(id: string): Promise<SenderAuthRecord | undefined> {
    return this.#senderAuth.getSenderAuth(id);
  }
  listPendingSenderAuth(limit: number): Promise<PendingSenderAuth[]> {
    return this.#senderAuth.listPendingSenderAuth(limit);
  }

  // --- domains.ts ---

  upsertDomain(name: string, type: DomainType, now: number): Promise<DomainRecord> {
    return this.#domains.upsertDomain(name, type, now);
  }

  listDomains(): Promise<DomainRecord[]> {
    return this.#domains.listDomains();
  }

  // --- accounts.ts ---

  getUserById(id: number): Promise<UserRecord | undefined> {
    return this.#accounts.getUserById(id);
  }

  updateUser(
    id: number,
    change: { plan?: string; disabled?: boolean; passwordHash?: string; isAdmin?: boolean },
  ): Promise<void> {
    return this.#accounts.updateUser(id, change);
  }

  countUsers(): Promise<number> {
    return this.#accounts.countUsers();
  }

  getUserByApiKeyHash(keyHash: string): Promise<UserRecord | undefined> {
    return this.#accounts.getUserByApiKeyHash(keyHash);
  }

  createSession(session: {
    idHash: string;
    userId: number;
    createdAt: number;
    expiresAt: number;
  }): Promise<void> {
    return this.#accounts.createSession(session);
  }

  deleteSession(idHash: string): Promise<void> {
    return this.#accounts.deleteSession(idHash);
  }

  hitRateLimit(
    key: string,
    windowStart: number,
    limit: number,
  ): Promise<{ allowed: boolean; count: number }> {
    return this.#accounts.hitRateLimit(key, windowStart, limit);
  }

  // --- quota.ts ---

  countKeyRequest(
    keyHash: string,
    user: UserRecord,
    period: string,
    limit: number,
  ): Promise<KeyRequestCount> {
    return this.#quota.countKeyRequest(keyHash, user, period, limit);
  }

  releaseRequest(userId: number, period: string): Promise<number> {
    return this.#quota.releaseRequest(userId, period);
  }

  // --- custom-domains.ts ---

  addCustomDomain(claim: NewCustomDomain, maxPerUser: number): Promise<CustomDomainAddResult> {
    return this.#customDomains.addCustomDomain(claim, maxPerUser);
  }

  getVerifiedCustomDomain(name: string): Promise<CustomDomainRecord | undefined> {
    return this.#customDomains.getVerifiedCustomDomain(name);
  }

  listCustomDomains(): Promise<CustomDomainRecord[]> {
    return this.#customDomains.listCustomDomains();
  }

  takeDueCustomDomainChecks(now: number, leaseUntil: number, limit: number): Promise<CustomDomainRecord[]> {
    return this.#customDomains.takeDueCustomDomainChecks(now, leaseUntil, limit);
  }

  removeCustomDomain(
    name: string,
    userId: number | undefined,
  ): Promise<Released & { removed: boolean; mailboxes: MailboxRecord[] }> {
    return this.#customDomains.removeCustomDomain(name, userId);
  }

  // --- mailboxes.ts ---

  claimMailbox(request: ClaimRequest): Promise<ClaimResult> {
    return this.#mailboxes.claimMailbox(request);
  }

  getMailboxByUuid(uuid: string): Promise<MailboxRecord | undefined> {
    return this.#mailboxes.getMailboxByUuid(uuid);
  }

  listMailboxesOfUser(userId: number, now: number): Promise<MailboxRecord[]> {
    return this.#mailboxes.listMailboxesOfUser(userId, now);
  }

  releaseMailbox(id: number, now: number, quarantineMs: number): Promise<Released & { released: boolean }> {
    return this.#mailboxes.releaseMailbox(id, now, quarantineMs);
  }

  listMailboxesPage(
    userId: number,
    now: number,
    limit: number,
    cursor?: PageCursor,
  ): Promise<Page<MailboxRecord>> {
    return this.#mailboxes.listMailboxesPage(userId, now, limit, cursor);
  }

  // --- deliveries.ts ---

  insertDelivery(d: NewDelivery): Promise<DeliveredMessage[]> {
    return this.#deliveries.insertDelivery(d);
  }

  // --- messages.ts ---

  listMessageHeadsPage(mailboxId: number, limit: number, cursor?: PageCursor): Promise<Page<MessageHead>> {
    return this.#messages.listMessageHeadsPage(mailboxId, limit, cursor);
  }

  listMessages(mailboxId: number): Promise<MessageRecord[]> {
    return this.#messages.listMessages(mailboxId);
  }

  listMessageStatesChunk(
    mailboxId: number,
    limit: number,
    after?: MessageListPosition,
  ): Promise<{ items: MessageState[]; next?: MessageListPosition }> {
    return this.#messages.listMessageStatesChunk(mailboxId, limit, after);
  }

  getMessageHeadByUuid(uuid: string): Promise<MessageHead | undefined> {
    return this.#messages.getMessageHeadByUuid(uuid);
  }

  markSeen(id: string): Promise<boolean> {
    return this.#messages.markSeen(id);
  }

  deleteMessage(id: string): Promise<Released & { deleted: boolean }> {
    return this.#messages.deleteMessage(id);
  }

  // --- message-bodies.ts ---

  getHtmlText(uuid: string): Promise<string | undefined> {
    return this.#bodies.getHtmlText(uuid);
  }

  saveDerivedBodies(uuid: string, derived: DerivedBodies): Promise<void> {
    return this.#bodies.saveDerivedBodies(uuid, derived);
  }

  saveExtraction(id: string, extraction: Extraction): Promise<void> {
    return this.#bodies.saveExtraction(id, extraction);
  }

  // --- sender-auth.ts ---

  saveSenderAuth(id: string, v: SenderAuthVerdict): Promise<void> {
    return this.#senderAuth.saveSenderAuth(id, v);
  }

  // --- webhooks.ts ---

  getWebhook(userId: number): Promise<WebhookConfig | undefined> {
    return this.#webhooks.getWebhook(userId);
  }

  rotateWebhookSecret(userId: number, secret: string, now: number): Promise<WebhookConfig> {
    return this.#webhooks.rotateWebhookSecret(userId, secret, now);
  }

  claimDueWebhooks(
    now: number,
    leaseMs: number,
    limit: number,
    skipUserIds: number[],
  ): Promise<OutboxItem[]> {
    return this.#webhooks.claimDueWebhooks(now, leaseMs, limit, skipUserIds);
  }

  releaseWebhookLeases(leases: OutboxLease[]): Promise<void> {
    return this.#webhooks.releaseWebhookLeases(leases);
  }

  listWebhookAttempts(userId: number, limit: number): Promise<WebhookAttempt[]> {
    return this.#webhooks.listWebhookAttempts(userId, limit);
  }

  // --- stats.ts ---

  countLiveMailboxes(now: number): Promise<number> {
    return this.#stats.countLiveMailboxes(now);
  }

  countFailedWebhooks(since: number): Promise<number> {
    return this.#stats.countFailedWebhooks(since);
  }
}
