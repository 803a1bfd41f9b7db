// The one storage interface every backend implements (SQLite embedded, PostgreSQL later).
// It is asynchronous even where a driver is synchronous, and each method is atomic: where a
// rule needs several rows to change together (claiming an address, storing a delivery),
// the backend does it in one transaction. Domain rules live in the services, not here.
import type { DomainType } from '../config/plans.ts';
import type { Extraction } from '../mail/extract/types.ts';

export interface DomainRecord {
  name: string;
  type: DomainType;
  createdAt: number;
}

/** Where a user's claim on a domain of their own stands: only a verified one takes mail. */
export type CustomDomainStatus = 'pending' | 'verified' | 'failed';

/**
 * One account's claim on a domain of its own. Several accounts may claim one name while it is
 * pending (each with its own token); one of them at most is verified, and then the others fail.
 */
export interface CustomDomainRecord {
  name: string;
  userId: number;
  /** The value of the TXT record `burnbox-verify=<token>` that proves control of the domain. */
  token: string;
  status: CustomDomainStatus;
  createdAt: number;
  /** When DNS was last looked at; null before the first look (and for an operator's attach). */
  checkedAt: number | null;
  /** What the last look found missing or wrong; null when none ran or it passed. */
  lastProblem: string | null;
  verifiedAt: number | null;
  /** When the background check looks at a pending claim next. */
  nextCheckAt: number;
  /** The address of the owner's mailbox that takes mail for unknown addresses on the domain; null = none. */
  catchAll: string | null;
}

export interface NewCustomDomain {
  name: string;
  userId: number;
  token: string;
  /** `verified` attaches it at once (the operator's way), failing every other claim on the name. */
  status: 'pending' | 'verified';
  createdAt: number;
  nextCheckAt: number;
}

export type CustomDomainAddResult =
  | { ok: true; record: CustomDomainRecord }
  | {
      ok: false;
      /**
       * hosted: an operator domain; taken: verified by another account; exists: this user claims
       * it already; limit_reached: the user holds `maxPerUser` claims.
       */
      reason: 'hosted' | 'taken' | 'exists' | 'limit_reached';
    };

/** What one DNS look at a claim concluded. */
export type CustomDomainCheckOutcome =
  | { kind: 'verified'; at: number }
  | { kind: 'pending'; at: number; problem: string; nextCheckAt: number }
  | { kind: 'failed'; at: number; problem: string };

export interface UserRecord {
  id: number;
  uuid: string;
  email: string;
  passwordHash: string | null;
  plan: string;
  disabled: boolean;
  /** May use the admin pages of the web UI. */
  isAdmin: boolean;
  createdAt: number;
}

/** What counting a request made with an API key found (Store.countKeyRequest). */
export type KeyRequestCount = { outcome: 'stale' } | { outcome: 'counted' | 'spent'; used: number };

/** A login session of the web UI, found by the sha256 of its token (the token is never stored). */
export interface SessionRecord {
  userId: number;
  createdAt: number;
  expiresAt: number;
}

export interface MailboxRecord {
  id: number;
  uuid: string;
  address: string;
  localPart: string;
  domain: string;
  /** null = a guest's mailbox (made without an account). */
  userId: number | null;
  createdAt: number;
  /** null = never expires */
  expiresAt: number | null;
}

export interface AttachmentRecord {
  /** Safe display name, unique within its message; never a path. */
  name: string;
  contentType: string;
  size: number;
  /** Where the decoded bytes start inside the message's blob. */
  blobOffset: number;
  contentId: string | null;
  inline: boolean;
}

/** The TLS a message was received over (STARTTLS): protocol (`TLSv1.3`) and cipher suite. */
export interface TlsUse {
  protocol: string;
  cipher: string;
}

/** What was parsed from one SMTP transaction: stored once, shared by all its recipients. */
export interface MailContent {
  subject: string;
  fromName: string;
  fromEmail: string;
  text: string;
  html: string;
  /** Size of the raw message in bytes; the raw message is blob bytes [0, size). */
  size: number;
  blobKey: string;
  attachments: AttachmentRecord[];
  /**
   * How the sending server delivered it: over TLS (which), or `null` in plain text; absent when
   * not recorded (mail stored before Burnbox recorded it, or not received over SMTP).
   */
  tls?: TlsUse | null;
}

export interface MessageRecord {
  /** 46-character public id (user dialect). */
  id: string;
  uuid: string;
  mailboxId: number;
  recipient: string;
  receivedAt: number;
  seen: boolean;
  content: MailContent;
}

export interface NewUser {
  uuid: string;
  email: string;
  passwordHash: string | null;
  plan: string;
  createdAt: number;
}

export interface NewMailbox {
  uuid: string;
  localPart: string;
  domain: string;
  userId: number | null;
  createdAt: number;
  expiresAt: number | null;
}

export interface ClaimRequest {
  mailbox: NewMailbox;
  now: number;
  /** How long a released address stays reserved for its last owner. */
  quarantineMs: number;
  /**
   * Switch: this mailbox of the same owner is released in the same transaction. "Same owner"
   * holds for guests too: a guest claim (userId null) replaces only a guest mailbox, and a
   * user's claim never replaces a guest's mailbox.
   */
  replacesMailboxId?: number;
  /**
   * Refuse (`limit_reached`) when the owner already has this many live mailboxes. Ignored for
   * guest claims (userId null): guests are not one owner, they are limited by rate instead.
   */
  maxLiveMailboxes?: number;
}

export type ClaimResult =
  | { ok: true; mailbox: MailboxRecord; releasedBlobKeys: string[] }
  | { ok: false; reason: 'taken' | 'quarantined' | 'replaced_missing' | 'limit_reached' };

/**
 * What is made from a mail's HTML once, in a worker (src/mail/html-work.ts), and stored with it,
 * so that reading a message never sanitises or converts it again.
 */
export interface DerivedBodies {
  /** Plain text made from the HTML, for HTML-only mail ('' when the mail has a text part or no HTML). */
  htmlText: string;
  /** The sanitised HTML document (UTF-8) the web UI shows; empty when the mail has no HTML. */
  htmlDocument: Buffer;
  /** Remote images in that document (its CSP blocks them until the reader asks). */
  remoteImages: number;
  /**
   * For big mail: the APIs' `content` (the text part, or htmlText) and `html` as JSON string
   * literals (UTF-8, quotes included), stored in chunks and sent as they are read, so that
   * reading the message neither loads megabytes in one go nor escapes them again. Absent for
   * small mail, or when they could not be made in time: then they are escaped when read.
   */
  json?: Record<JsonField, Buffer>;
}

/** The fields of a message the APIs may send from stored JSON literals. */
export type JsonField = 'content' | 'html';

/** What is stored in chunks: the document, and the JSON fields. */
export type ChunkedPart = JsonField | 'document';

/** A message with all but its raw HTML, and whether it has any (the web UI's reader). */
export type MessageWithoutHtml = Omit<MessageRecord, 'content'> & {
  content: Omit<MailContent, 'html'> & { hasHtml: boolean };
};

/**
 * A message with only the columns stored before its bodies: read without loading them (or
 * walking their pages to reach later columns).
 */
export type MessageHead = Omit<MessageRecord, 'content'> & {
  content: Pick<MailContent, 'subject' | 'fromName' | 'fromEmail'>;
};

/** How a message arrived, recorded with it for checking its sender (SPF needs all three). */
export interface ArrivalRecord {
  /** The connecting client's IP address. */
  clientIp: string;
  /** The name the client gave in HELO/EHLO ('' when none). */
  helo: string;
  /** MAIL FROM ('' for a null sender). */
  envelopeFrom: string;
}

/** A result of one sender check, as mailauth names it (`pass`, `fail`, `softfail`, `none`, `temperror`, …). */
export type AuthResult = string;

/** The sender checks of one mail. */
export interface SenderAuthVerdict {
  spf: AuthResult;
  dkim: AuthResult;
  dmarc: AuthResult;
  arc: AuthResult;
  /** The domain of the From header (what DMARC authenticates); '' when it has none. */
  fromDomain: string;
}

/** The stored sender checks of a mail: computed, or not yet (`pending`). */
export type SenderAuthRecord =
  | ({ pending: false } & SenderAuthVerdict)
  | { pending: true; fromDomain: string };

/** A mail whose sender checks are still pending, and what computing them needs. */
export interface PendingSenderAuth extends ArrivalRecord {
  /** Public id of one of its copies. */
  id: string;
  blobKey: string;
  /** Size of the raw message: blob bytes [0, size). */
  size: number;
}

export interface NewDelivery {
  content: MailContent;
  /** Stored with the content; absent = made on first read (as for mail stored before it existed). */
  derived?: DerivedBodies;
  /**
   * The verification codes and action links read out of the content, stored with it (shared by
   * its copies); absent = read on first request (as for mail stored before it existed).
   */
  extraction?: Extraction;
  /**
   * How the mail arrived, when its sender is to be checked: stored with it, its checks
   * `pending` (with `fromDomain` from the parsed From) until `saveSenderAuth`. Absent = never
   * checked (the check is switched off).
   */
  senderAuth?: ArrivalRecord & { fromDomain: string };
  /**
   * The content's bytes (raw message, then attachments) when they are small enough to live in
   * the store itself, committed with the rows under `content.blobKey`. Otherwise they are
   * already in the blob store.
   */
  inlineBlob?: Buffer;
  receivedAt: number;
  recipients: NewRecipientMessage[];
}

/** A stored copy of a delivery, and whether a webhook event was queued for it. */
export interface DeliveredMessage extends MessageRecord {
  webhookQueued: boolean;
}

export interface NewRecipientMessage {
  mailboxId: number;
  recipient: string;
  id: string;
  uuid: string;
  /**
   * The webhook event of this copy. Queued in the outbox in the same transaction, only if the
   * mailbox's owner has an enabled webhook with a URL.
   */
  webhook?: {
    deliveryId: string;
    event: string;
    /** The body, or a function making it: called only when the event is queued. */
    payload: string | (() => string);
  };
}

/** Where a chunk of listMessagesChunk ended: its last message's time and storage order. */
export interface MessageListPosition {
  at: number;
  seq: number;
}

/** A message's id and whether it was read: what changes of a message once it is stored. */
export interface MessageState {
  id: string;
  seen: boolean;
}

export interface MessageChunk {
  items: MessageRecord[];
  next?: MessageListPosition;
}

/** Keyset page position: items strictly older than (at, uuid) in (time desc, uuid desc) order. */
export interface PageCursor {
  at: number;
  uuid: string;
}

export interface Page<T> {
  items: T[];
  /** All items, across every page. */
  total: number;
}

export interface WebhookConfig {
  userId: number;
  url: string;
  enabled: boolean;
  /** Signing secret the user can read and rotate. */
  secret: string;
  updatedAt: number;
}

export interface OutboxItem {
  id: number;
  deliveryId: string;
  userId: number;
  event: string;
  payload: string;
  /** Attempts made so far, including the one this claim is for. */
  attempts: number;
  createdAt: number;
  /** End of this claim's lease; also its token: only the lease holder may settle or release. */
  leaseUntil: number;
}

/** Names one claim of an outbox item (a later claim of the same item has another lease). */
export type OutboxLease = Pick<OutboxItem, 'id' | 'leaseUntil'>;

export type OutboxOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; nextAttemptAt: number }
  | { kind: 'failed' };

export interface WebhookAttempt {
  deliveryId: string;
  event: string;
  attempt: number;
  attemptedAt: number;
  url: string;
  /** HTTP status, or null when no response came (see `error`). */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** What became of the delivery after this attempt. */
  outcome: OutboxOutcome['kind'];
}

export interface Released {
  /** Blob keys no longer referenced by any message: the caller deletes them from the blob store. */
  blobKeys: string[];
}

export interface Store {
  close(): Promise<void>;

  /**
   * The migrations this version of Burnbox has that the database has not applied (none once
   * it is up to date); rejects when the database does not answer. For the readiness probe.
   */
  pendingMigrations(): Promise<string[]>;

  /** A named server secret, created on first use and the same for every process afterwards. */
  getOrCreateSecret(name: string, create: () => string): Promise<string>;

  upsertDomain(name: string, type: DomainType, now: number): Promise<DomainRecord>;
  removeDomain(name: string): Promise<boolean>;
  listDomains(): Promise<DomainRecord[]>;
  getDomain(name: string): Promise<DomainRecord | undefined>;

  /**
   * Adds a claim on a custom domain, checked in one transaction against operator domains,
   * another account's verified claim, the user's own claim and `maxPerUser` claims of the user.
   */
  addCustomDomain(claim: NewCustomDomain, maxPerUser: number): Promise<CustomDomainAddResult>;
  getCustomDomain(name: string, userId: number): Promise<CustomDomainRecord | undefined>;
  /** The verified claim on `name` (the one that takes mail), if any. */
  getVerifiedCustomDomain(name: string): Promise<CustomDomainRecord | undefined>;
  /** The user's claims, by name. */
  listCustomDomainsOfUser(userId: number): Promise<CustomDomainRecord[]>;
  /** Every claim of every user, by name then user. */
  listCustomDomains(): Promise<CustomDomainRecord[]>;
  /**
   * Records what a DNS look at the user's claim found. A `verified` outcome wins only if no
   * other account's claim is verified and no operator domain has the name (else the claim
   * fails); winning fails every other claim on the name. Undefined when the claim is gone.
   */
  settleCustomDomainCheck(
    name: string,
    userId: number,
    outcome: CustomDomainCheckOutcome,
  ): Promise<CustomDomainRecord | undefined>;
  /**
   * Pending claims due for a look (nextCheckAt <= now), at most `limit`, each moved to
   * `leaseUntil` as it is taken: several processes never take the same claim at once.
   */
  takeDueCustomDomainChecks(now: number, leaseUntil: number, limit: number): Promise<CustomDomainRecord[]>;
  /** Sets (an address) or clears (null) the catch-all of the user's claim; false when there is no claim. */
  setCustomDomainCatchAll(name: string, userId: number, address: string | null): Promise<boolean>;
  /**
   * Removes the user's claim on `name` (every claim on it when `userId` is undefined). When a
   * verified claim goes, every mailbox on the domain goes with its messages (no quarantine:
   * the next owner of the domain may use every address), and so do the domain's quarantines.
   */
  removeCustomDomain(
    name: string,
    userId: number | undefined,
  ): Promise<Released & { removed: boolean; mailboxes: MailboxRecord[] }>;

  /** undefined when the email is already registered. */
  createUser(user: NewUser): Promise<UserRecord | undefined>;
  getUserById(id: number): Promise<UserRecord | undefined>;
  getUserByEmail(email: string): Promise<UserRecord | undefined>;
  updateUser(
    id: number,
    change: { plan?: string; disabled?: boolean; passwordHash?: string; isAdmin?: boolean },
  ): Promise<void>;
  /** Users newest first (createdAt desc, then id desc), `limit` after skipping `offset`; total = all users. */
  listUsers(limit: number, offset: number): Promise<Page<UserRecord>>;
  countUsers(): Promise<number>;
  /** Replaces the user's API key (only its hash is stored). */
  setApiKeyHash(userId: number, keyHash: string, now: number): Promise<void>;
  getUserByApiKeyHash(keyHash: string): Promise<UserRecord | undefined>;
  /** When the user's current API key was made; undefined when the user has none. */
  getApiKeyCreatedAt(userId: number): Promise<number | undefined>;

  /**
   * Counts one request made with the API key of sha256 `keyHash`, as reserveRequest does, if
   * that key still belongs to `user` as it was read (same id, plan and admin flag, not disabled);
   * otherwise counts nothing and answers `stale`. The check and the count are one atomic step,
   * so a user record kept in memory is never honoured after its key was replaced, its plan
   * changed or its account disabled, by whichever process. Resolves once the count is committed.
   */
  countKeyRequest(keyHash: string, user: UserRecord, period: string, limit: number): Promise<KeyRequestCount>;
  /** Counts one request if fewer than `limit` were counted in `period`; atomic. */
  reserveRequest(userId: number, period: string, limit: number): Promise<{ allowed: boolean; used: number }>;
  /** Takes back one reserved request (the response was not 2xx); returns the new count. */
  releaseRequest(userId: number, period: string): Promise<number>;
  getRequestsUsed(userId: number, period: string): Promise<number>;

  /** Stores a login session under the sha256 of its token. */
  createSession(session: {
    idHash: string;
    userId: number;
    createdAt: number;
    expiresAt: number;
  }): Promise<void>;
  /** The session, or undefined when unknown or expired (expiresAt <= now). */
  getSession(idHash: string, now: number): Promise<SessionRecord | undefined>;
  /** Ends one session; nothing happens if there is none. */
  deleteSession(idHash: string): Promise<void>;
  /** Ends every session of the user except `exceptIdHash` (all of them when it is not given). */
  deleteSessionsOfUser(userId: number, exceptIdHash?: string): Promise<void>;

  /**
   * Fixed-window counter: counts one hit on `key` in the window starting at `windowStart` if
   * fewer than `limit` were counted there; atomic, so concurrent hits never overshoot. `count`
   * is the window's count after this hit (when allowed) or as it stands (when refused).
   */
  hitRateLimit(key: string, windowStart: number, limit: number): Promise<{ allowed: boolean; count: number }>;
  /**
   * Housekeeping: deletes sessions expired at `now`, rate-limit windows that started before
   * `rateWindowsBefore`, and quarantines that ended at `now` (they no longer hold anything).
   */
  deleteExpired(now: number, rateWindowsBefore: number): Promise<void>;

  /**
   * Creates a mailbox if its address is free: no live mailbox has it, and no other user holds
   * it in quarantine. An expired mailbox on the address is released first.
   *
   * A quarantine left by a guest (a mailbox with userId null) belongs to nobody: it holds the
   * address against everybody, guests and users alike, until it ends (`quarantineMs` after the
   * release), and then the address is free for anyone.
   */
  claimMailbox(request: ClaimRequest): Promise<ClaimResult>;
  getMailbox(id: number): Promise<MailboxRecord | undefined>;
  getMailboxByUuid(uuid: string): Promise<MailboxRecord | undefined>;
  getMailboxByAddress(address: string): Promise<MailboxRecord | undefined>;
  listMailboxesOfUser(userId: number, now: number): Promise<MailboxRecord[]>;
  /**
   * Sets the mailbox's expiry; false when the mailbox is gone. It does not check liveness
   * (there is no `now`): the caller extends only a mailbox it has seen live. An expired one is
   * invisible anyway and is removed by the sweeper or by a claim of its address.
   */
  extendMailbox(id: number, expiresAt: number): Promise<boolean>;
  /** Deletes the mailbox and its messages and quarantines its address for its owner. */
  releaseMailbox(id: number, now: number, quarantineMs: number): Promise<Released & { released: boolean }>;
  /** Releases up to `limit` mailboxes that expired before `now`, oldest expiry first; names them. */
  releaseExpiredMailboxes(
    now: number,
    limit: number,
    quarantineMs: number,
  ): Promise<Released & { count: number; mailboxes: MailboxRecord[] }>;

  /** Bytes [start, end) of an inline blob stored with a delivery; undefined if there is none. */
  readInlineBlob(key: string, start: number, end: number): Promise<Buffer | undefined>;
  /** The user's live mailboxes, newest first (createdAt desc, uuid desc), after `cursor`. */
  listMailboxesPage(
    userId: number,
    now: number,
    limit: number,
    cursor?: PageCursor,
  ): Promise<Page<MailboxRecord>>;
  /** A mailbox's messages, newest first (receivedAt desc, uuid desc), after `cursor`. */
  listMessagesPage(mailboxId: number, limit: number, cursor?: PageCursor): Promise<Page<MessageRecord>>;
  /** listMessagesPage without the bodies: what a list of summaries needs, read without loading them. */
  listMessageHeadsPage(mailboxId: number, limit: number, cursor?: PageCursor): Promise<Page<MessageHead>>;
  /** How many messages each of the mailboxes holds: every given id is a key (0 when none or gone). */
  countMessagesOfMailboxes(mailboxIds: number[]): Promise<Map<number, number>>;

  /** Mailboxes live at `now` (permanent ones included), of users and guests. */
  countLiveMailboxes(now: number): Promise<number>;
  /**
   * Messages received per UTC hour (hourStart = floor(receivedAt / 3600000) * 3600000), for the
   * hours from the one holding `since` on, only hours with messages, ascending. Counted when a
   * delivery is stored: one per copy (a message to several mailboxes counts once per copy), and
   * deleting messages or releasing mailboxes later does not take them back.
   */
  countReceivedByHour(since: number): Promise<{ hourStart: number; count: number }[]>;
  /**
   * Webhook attempts attempted at or after `since` whose outcome was `failed` (the delivery was
   * given up), from the delivery log, which keeps only each user's most recent attempts.
   */
  countFailedWebhooks(since: number): Promise<number>;
  getMessageByUuid(uuid: string): Promise<MessageRecord | undefined>;

  getWebhook(userId: number): Promise<WebhookConfig | undefined>;
  /** Sets URL and switch; the secret is created (with `newSecret`) the first time. */
  setWebhook(
    userId: number,
    change: { url: string; enabled: boolean },
    now: number,
    newSecret: () => string,
  ): Promise<WebhookConfig>;
  rotateWebhookSecret(userId: number, secret: string, now: number): Promise<WebhookConfig>;
  /** Queues an event for the user's webhook now (e.g. a test event), whatever its switch says. */
  enqueueWebhook(
    userId: number,
    item: { deliveryId: string; event: string; payload: string },
    now: number,
  ): Promise<void>;
  /**
   * Leases up to `limit` due outbox items (next attempt at or before `now`, lease expired) for
   * `leaseMs`, counting the attempt; items of `skipUserIds` are left alone. Safe when several
   * workers or processes claim at once: an item is leased to one of them.
   */
  claimDueWebhooks(now: number, leaseMs: number, limit: number, skipUserIds: number[]): Promise<OutboxItem[]>;
  /**
   * Records an attempt in the user's delivery log and settles or reschedules the item. Does
   * nothing if the lease was lost (expired and claimed again): the new holder reports instead.
   */
  finishWebhookAttempt(
    lease: OutboxLease,
    attempt: Omit<WebhookAttempt, 'deliveryId' | 'event' | 'attempt' | 'outcome'>,
    outcome: OutboxOutcome,
  ): Promise<void>;
  /** Gives leased items back (a process stopping mid-delivery), due again at once; lost leases are ignored. */
  releaseWebhookLeases(leases: OutboxLease[]): Promise<void>;
  /** When the next pending item is due (its lease end if leased), or undefined if none. */
  nextWebhookDueAt(): Promise<number | undefined>;
  /** The user's most recent attempts, newest first. */
  listWebhookAttempts(userId: number, limit: number): Promise<WebhookAttempt[]>;
  /** Outbox items not yet delivered or failed (for tests, metrics and the admin view). */
  countPendingWebhooks(): Promise<number>;

  /** Stores one parsed message for each recipient whose mailbox still exists. */
  insertDelivery(delivery: NewDelivery): Promise<DeliveredMessage[]>;
  /** Newest first. */
  listMessages(mailboxId: number): Promise<MessageRecord[]>;
  /**
   * The messages listMessages would list, `limit` at a time: the first chunk, then each after
   * the previous one's `next` (absent on the last). Messages stored or deleted meanwhile are
   * never listed twice; those newer than the first chunk are not listed.
   */
  listMessagesChunk(mailboxId: number, limit: number, after?: MessageListPosition): Promise<MessageChunk>;
  /**
   * The ids and seen flags of the messages listMessagesChunk would give for the same arguments,
   * read from the message rows alone (none of the mail's content).
   */
  listMessageStatesChunk(
    mailboxId: number,
    limit: number,
    after?: MessageListPosition,
  ): Promise<{ items: MessageState[]; next?: MessageListPosition }>;
  getMessage(id: string): Promise<MessageRecord | undefined>;
  /**
   * The plain text made from the HTML of the mail of message `uuid`; undefined when it was not
   * made yet (or there is no such message).
   */
  getHtmlText(uuid: string): Promise<string | undefined>;
  /**
   * The mailbox of message `uuid` and how many remote images its mail's document has;
   * undefined when the document was not made yet (or there is no such message).
   */
  getDocumentInfo(uuid: string): Promise<{ mailboxId: number; remoteImages: number } | undefined>;
  /** Message `uuid` without its raw HTML (not read; only whether there is any). */
  getMessageWithoutHtmlByUuid(uuid: string): Promise<MessageWithoutHtml | undefined>;
  /** Message `uuid` without its bodies (neither is read). */
  getMessageHeadByUuid(uuid: string): Promise<MessageHead | undefined>;
  /**
   * Chunk `seq` (from 0) of `part` stored with the mail of message `uuid`: its document, or a
   * JSON field (see DerivedBodies.json); undefined past its end, or when it is not stored.
   */
  readChunk(uuid: string, part: ChunkedPart, seq: number): Promise<Buffer | undefined>;
  /** Stores what was made from the HTML of the mail of message `uuid`, unless it is stored already. */
  saveDerivedBodies(uuid: string, derived: DerivedBodies): Promise<void>;
  /** Marks the message seen; true when this call did (it was unseen), so one reader claims it. */
  markSeen(id: string): Promise<boolean>;
  /**
   * Heads of a mailbox's messages, oldest first (receivedAt, then uuid, ascending), strictly
   * after `after` when given, only unseen ones when `unseenOnly`; at most `limit`.
   */
  listMessageHeadsAfter(
    mailboxId: number,
    options: { after?: PageCursor; unseenOnly: boolean; limit: number },
  ): Promise<MessageHead[]>;
  /**
   * The codes and links stored with the mail of message `id` (public id); undefined when they
   * were not read yet (or there is no such message).
   */
  getExtraction(id: string): Promise<Extraction | undefined>;
  /** Stores the codes and links of the mail of message `id`, unless some are stored already. */
  saveExtraction(id: string, extraction: Extraction): Promise<void>;
  deleteMessage(id: string): Promise<Released & { deleted: boolean }>;

  /**
   * The sender checks of the mail of message `id` (public id); undefined when it was stored
   * without them (or there is no such message).
   */
  getSenderAuth(id: string): Promise<SenderAuthRecord | undefined>;
  /** Stores the sender checks of the mail of message `id`, only while they are pending. */
  saveSenderAuth(id: string, verdict: SenderAuthVerdict): Promise<void>;
  /** Up to `limit` mails whose sender checks are pending, oldest first. */
  listPendingSenderAuth(limit: number): Promise<PendingSenderAuth[]>;
}
