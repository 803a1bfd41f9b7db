// The embedded SQLite backend. better-sqlite3 is synchronous; every method still returns a
// Promise so callers are written once for every backend. The connection (connection.ts) holds
// the database handle, the statement cache and the group commit; each aggregate has its own
// file, and this class only hands every method of the Store interface to the one that owns it.
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
import { SqliteAccounts } from './accounts.ts';
import { SqliteConnection, type SqliteStoreOptions } from './connection.ts';
import { SqliteCustomDomains } from './custom-domains.ts';
import { SqliteDeliveries } from './deliveries.ts';
import { SqliteDomains } from './domains.ts';
import { SqliteMailboxes } from './mailboxes.ts';
import { SqliteMessageBodies } from './message-bodies.ts';
import { SqliteMessages } from './messages.ts';
import { SqliteQuota } from './quota.ts';
import { SqliteSenderAuth } from './sender-auth.ts';
import { SqliteStats } from './stats.ts';
import { SqliteWebhooks } from './webhooks.ts';

export type { SqliteStoreOptions } from './connection.ts';

export class SqliteStore implements Store {
  readonly #db: SqliteConnection;
  readonly #domains: SqliteDomains;
  readonly #accounts: SqliteAccounts;
  readonly #quota: SqliteQuota;
  readonly #customDomains: SqliteCustomDomains;
  readonly #mailboxes: SqliteMailboxes;
  readonly #deliveries: SqliteDeliveries;
  readonly #messages: SqliteMessages;
  readonly #bodies: SqliteMessageBodies;
  readonly #senderAuth: SqliteSenderAuth;
  readonly #webhooks: SqliteWebhooks;
  readonly #stats: SqliteStats;

  constructor(file: string, options: SqliteStoreOptions) {
    this.#db = new SqliteConnection(file, options);
    this.#domains = new SqliteDomains(this.#db);
    this.#accounts = new SqliteAccounts(this.#db);
    this.#quota = new SqliteQuota(this.#db);
    this.#customDomains = new SqliteCustomDomains(this.#db);
    this.#mailboxes = new SqliteMailboxes(this.#db);
    this.#deliveries = new SqliteDeliveries(this.#db);
    this.#messages = new SqliteMessages(this.#db);
    this.#bodies = new SqliteMessageBodies(this.#db);
    this.#senderAuth = new SqliteSenderAuth(this.#db);
    this.#webhooks = new SqliteWebhooks(this.#db);
    this.#stats = new SqliteStats(this.#db);
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  pendingMigrations(): Promise<string[]> {
    return this.#db.pendingMigrations();
  }

  async getOrCreateSecret(name: string, create: () => string): Promise<string> {
    const existing = this.#db.get<{ value: string }>('SELECT value FROM secrets WHERE name = ?', name);
    if (existing) return existing.value;
    this.#db.run(
      'INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
      name,
      create(),
    );
    return (
      this.#db.get<{ value: string }>('SELECT value FROM secrets WHERE name = ?', name) as { value: string }
    ).value;
  }

  // --- domains.ts ---

  upsertDomain(name: string, type: DomainType, now: number): Promise<DomainRecord> {
    return this.#domains.upsertDomain(name, type, now);
  }

  removeDomain(name: string): Promise<boolean> {
    return this.#domains.removeDomain(name);
  }

  listDomains(): Promise<DomainRecord[]> {
    return this.#domains.listDomains();
  }

  getDomain(name: string): Promise<DomainRecord | undefined> {
    return this.#domains.getDomain(name);
  }

  // --- accounts.ts ---

  createUser(user: NewUser): Promise<UserRecord | undefined> {
    return this.#accounts.createUser(user);
  }

  getUserById(id: number): Promise<UserRecord | undefined> {
    return this.#accounts.getUserById(id);
  }

  getUserByEmail(email: string): Promise<UserRecord | undefined> {
    return this.#accounts.getUserByEmail(email);
  }

  updateUser(
    id: number,
    change: { plan?: string; disabled?: boolean; passwordHash?: string; isAdmin?: boolean },
  ): Promise<void> {
    return this.#accounts.updateUser(id, change);
  }

  listUsers(limit: number, offset: number): Promise<Page<UserRecord>> {
    return this.#accounts.listUsers(limit, offset);
  }

  countUsers(): Promise<number> {
    return this.#accounts.countUsers();
  }

  setApiKeyHash(userId: number, keyHash: string, now: number): Promise<void> {
    return this.#accounts.setApiKeyHash(userId, keyHash, now);
  }

  getUserByApiKeyHash(keyHash: string): Promise<UserRecord | undefined> {
    return this.#accounts.getUserByApiKeyHash(keyHash);
  }

  getApiKeyCreatedAt(userId: number): Promise<number | undefined> {
    return this.#accounts.getApiKeyCreatedAt(userId);
  }

  createSession(session: {
    idHash: string;
    userId: number;
    createdAt: number;
    expiresAt: number;
  }): Promise<void> {
    return this.#accounts.createSession(session);
  }

  getSession(idHash: string, now: number): Promise<SessionRecord | undefined> {
    return this.#accounts.getSession(idHash, now);
  }

  deleteSession(idHash: string): Promise<void> {
    return this.#accounts.deleteSession(idHash);
  }

  deleteSessionsOfUser(userId: number, exceptIdHash?: string): Promise<void> {
    return this.#accounts.deleteSessionsOfUser(userId, exceptIdHash);
  }

  hitRateLimit(
    key: string,
    windowStart: number,
    limit: number,
  ): Promise<{ allowed: boolean; count: number }> {
    return this.#accounts.hitRateLimit(key, windowStart, limit);
  }

  deleteExpired(now: number, rateWindowsBefore: number): Promise<void> {
    return this.#accounts.deleteExpired(now, rateWindowsBefore);
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

  reserveRequest(userId: number, period: string, limit: number): Promise<{ allowed: boolean; used: number }> {
    return this.#quota.reserveRequest(userId, period, limit);
  }

  releaseRequest(userId: number, period: string): Promise<number> {
    return this.#quota.releaseRequest(userId, period);
  }

  getRequestsUsed(userId: number, period: string): Promise<number> {
    return this.#quota.getRequestsUsed(userId, period);
  }

  // --- custom-domains.ts ---

  addCustomDomain(claim: NewCustomDomain, maxPerUser: number): Promise<CustomDomainAddResult> {
    return this.#customDomains.addCustomDomain(claim, maxPerUser);
  }

  getCustomDomain(name: string, userId: number): Promise<CustomDomainRecord | undefined> {
    return this.#customDomains.getCustomDomain(name, userId);
  }

  getVerifiedCustomDomain(name: string): Promise<CustomDomainRecord | undefined> {
    return this.#customDomains.getVerifiedCustomDomain(name);
  }

  listCustomDomainsOfUser(userId: number): Promise<CustomDomainRecord[]> {
    return this.#customDomains.listCustomDomainsOfUser(userId);
  }

  listCustomDomains(): Promise<CustomDomainRecord[]> {
    return this.#customDomains.listCustomDomains();
  }

  settleCustomDomainCheck(
    name: string,
    userId: number,
    outcome: CustomDomainCheckOutcome,
  ): Promise<CustomDomainRecord | undefined> {
    return this.#customDomains.settleCustomDomainCheck(name, userId, outcome);
  }

  takeDueCustomDomainChecks(now: number, leaseUntil: number, limit: number): Promise<CustomDomainRecord[]> {
    return this.#customDomains.takeDueCustomDomainChecks(now, leaseUntil, limit);
  }

  setCustomDomainCatchAll(name: string, userId: number, address: string | null): Promise<boolean> {
    return this.#customDomains.setCustomDomainCatchAll(name, userId, address);
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

  getMailbox(id: number): Promise<MailboxRecord | undefined> {
    return this.#mailboxes.getMailbox(id);
  }

  getMailboxByUuid(uuid: string): Promise<MailboxRecord | undefined> {
    return this.#mailboxes.getMailboxByUuid(uuid);
  }

  getMailboxByAddress(address: string): Promise<MailboxRecord | undefined> {
    return this.#mailboxes.getMailboxByAddress(address);
  }

  listMailboxesOfUser(userId: number, now: number): Promise<MailboxRecord[]> {
    return this.#mailboxes.listMailboxesOfUser(userId, now);
  }

  extendMailbox(id: number, expiresAt: number): Promise<boolean> {
    return this.#mailboxes.extendMailbox(id, expiresAt);
  }

  releaseMailbox(id: number, now: number, quarantineMs: number): Promise<Released & { released: boolean }> {
    return this.#mailboxes.releaseMailbox(id, now, quarantineMs);
  }

  releaseExpiredMailboxes(
    now: number,
    limit: number,
    quarantineMs: number,
  ): Promise<Released & { count: number; mailboxes: MailboxRecord[] }> {
    return this.#mailboxes.releaseExpiredMailboxes(now, limit, quarantineMs);
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

  insertDelivery(delivery: NewDelivery): Promise<DeliveredMessage[]> {
    return this.#deliveries.insertDelivery(delivery);
  }

  // --- messages.ts ---

  listMessagesPage(mailboxId: number, limit: number, cursor?: PageCursor): Promise<Page<MessageRecord>> {
    return this.#messages.listMessagesPage(mailboxId, limit, cursor);
  }

  listMessageHeadsPage(mailboxId: number, limit: number, cursor?: PageCursor): Promise<Page<MessageHead>> {
    return this.#messages.listMessageHeadsPage(mailboxId, limit, cursor);
  }

  countMessagesOfMailboxes(mailboxIds: number[]): Promise<Map<number, number>> {
    return this.#messages.countMessagesOfMailboxes(mailboxIds);
  }

  getMessageByUuid(uuid: string): Promise<MessageRecord | undefined> {
    return this.#messages.getMessageByUuid(uuid);
  }

  listMessages(mailboxId: number): Promise<MessageRecord[]> {
    return this.#messages.listMessages(mailboxId);
  }

  listMessagesChunk(mailboxId: number, limit: number, after?: MessageListPosition): Promise<MessageChunk> {
    return this.#messages.listMessagesChunk(mailboxId, limit, after);
  }

  listMessageStatesChunk(
    mailboxId: number,
    limit: number,
    after?: MessageListPosition,
  ): Promise<{ items: MessageState[]; next?: MessageListPosition }> {
    return this.#messages.listMessageStatesChunk(mailboxId, limit, after);
  }

  getMessage(id: string): Promise<MessageRecord | undefined> {
    return this.#messages.getMessage(id);
  }

  getMessageWithoutHtmlByUuid(uuid: string): Promise<MessageWithoutHtml | undefined> {
    return this.#messages.getMessageWithoutHtmlByUuid(uuid);
  }

  getMessageHeadByUuid(uuid: string): Promise<MessageHead | undefined> {
    return this.#messages.getMessageHeadByUuid(uuid);
  }

  markSeen(id: string): Promise<boolean> {
    return this.#messages.markSeen(id);
  }

  listMessageHeadsAfter(
    mailboxId: number,
    options: { after?: PageCursor; unseenOnly: boolean; limit: number },
  ): Promise<MessageHead[]> {
    return this.#messages.listMessageHeadsAfter(mailboxId, options);
  }

  deleteMessage(id: string): Promise<Released & { deleted: boolean }> {
    return this.#messages.deleteMessage(id);
  }

  // --- message-bodies.ts ---

  readInlineBlob(key: string, start: number, end: number): Promise<Buffer | undefined> {
    return this.#bodies.readInlineBlob(key, start, end);
  }

  readChunk(uuid: string, part: ChunkedPart, seq: number): Promise<Buffer | undefined> {
    return this.#bodies.readChunk(uuid, part, seq);
  }

  getHtmlText(uuid: string): Promise<string | undefined> {
    return this.#bodies.getHtmlText(uuid);
  }

  getDocumentInfo(uuid: string): Promise<{ mailboxId: number; remoteImages: number } | undefined> {
    return this.#bodies.getDocumentInfo(uuid);
  }

  saveDerivedBodies(uuid: string, derived: DerivedBodies): Promise<void> {
    return this.#bodies.saveDerivedBodies(uuid, derived);
  }

  getExtraction(id: string): Promise<Extraction | undefined> {
    return this.#bodies.getExtraction(id);
  }

  saveExtraction(id: string, extraction: Extraction): Promise<void> {
    return this.#bodies.saveExtraction(id, extraction);
  }

  // --- sender-auth.ts ---

  getSenderAuth(id: string): Promise<SenderAuthRecord | undefined> {
    return this.#senderAuth.getSenderAuth(id);
  }

  saveSenderAuth(id: string, v: SenderAuthVerdict): Promise<void> {
    return this.#senderAuth.saveSenderAuth(id, v);
  }

  listPendingSenderAuth(limit: number): Promise<PendingSenderAuth[]> {
    return this.#senderAuth.listPendingSenderAuth(limit);
  }

  // --- webhooks.ts ---

  getWebhook(userId: number): Promise<WebhookConfig | undefined> {
    return this.#webhooks.getWebhook(userId);
  }

  setWebhook(
    userId: number,
    change: { url: string; enabled: boolean },
    now: number,
    newSecret: () => string,
  ): Promise<WebhookConfig> {
    return this.#webhooks.setWebhook(userId, change, now, newSecret);
  }

  rotateWebhookSecret(userId: number, secret: string, now: number): Promise<WebhookConfig> {
    return this.#webhooks.rotateWebhookSecret(userId, secret, now);
  }

  enqueueWebhook(
    userId: number,
    item: { deliveryId: string; event: string; payload: string },
    now: number,
  ): Promise<void> {
    return this.#webhooks.enqueueWebhook(userId, item, now);
  }

  claimDueWebhooks(
    now: number,
    leaseMs: number,
    limit: number,
    skipUserIds: number[],
  ): Promise<OutboxItem[]> {
    return this.#webhooks.claimDueWebhooks(now, leaseMs, limit, skipUserIds);
  }

  finishWebhookAttempt(
    lease: OutboxLease,
    attempt: Omit<WebhookAttempt, 'deliveryId' | 'event' | 'attempt' | 'outcome'>,
    outcome: OutboxOutcome,
  ): Promise<void> {
    return this.#webhooks.finishWebhookAttempt(lease, attempt, outcome);
  }

  releaseWebhookLeases(leases: OutboxLease[]): Promise<void> {
    return this.#webhooks.releaseWebhookLeases(leases);
  }

  nextWebhookDueAt(): Promise<number | undefined> {
    return this.#webhooks.nextWebhookDueAt();
  }

  listWebhookAttempts(userId: number, limit: number): Promise<WebhookAttempt[]> {
    return this.#webhooks.listWebhookAttempts(userId, limit);
  }

  countPendingWebhooks(): Promise<number> {
    return this.#webhooks.countPendingWebhooks();
  }

  // --- stats.ts ---

  countLiveMailboxes(now: number): Promise<number> {
    return this.#stats.countLiveMailboxes(now);
  }

  countReceivedByHour(since: number): Promise<{ hourStart: number; count: number }[]> {
    return this.#stats.countReceivedByHour(since);
  }

  countFailedWebhooks(since: number): Promise<number> {
    return this.#stats.countFailedWebhooks(since);
  }
}
