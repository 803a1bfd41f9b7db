// Mailboxes owned by users: create, switch to another address, delete, look up, page through.
// Guests (the web UI without an account) hold mailboxes too: owner null, on the free plan.
import type { Plan } from '../config/plans.ts';
import type { MailboxRecord, Page, PageCursor, UserRecord } from '../store/types.ts';
import { isReservedLocalPart, normaliseLocalPart, parseAddress } from './addresses.ts';
import { deleteBlobs, openPlanOf, planOf, type ServiceContext } from './context.ts';
import { type DomainService, defaultTypeFilter } from './domains.ts';
import { conflict, forbidden, invalid, notFound } from './errors.ts';
import { newRandomLocalPart, newUuid } from './ids.ts';
import { mailboxToken, verifyMailboxToken } from './tokens.ts';

/** A mailbox takes mail and is shown until it expires (never, for a permanent one). */
export function isLiveAt(mailbox: Pick<MailboxRecord, 'expiresAt'>, now: number): boolean {
  return mailbox.expiresAt === null || mailbox.expiresAt > now;
}

const randomAttempts = 8;

/** One page of a keyset listing: its items, the count across all pages, where the next starts. */
export interface KeysetPage<T> {
  items: T[];
  total: number;
  /** Position of the last item, to pass as `after` for the next page; null on the last page. */
  next: PageCursor | null;
}

/**
 * Turns a store page fetched with `limit + 1` items into a page of at most `limit`: the extra
 * item only tells whether another page follows.
 */
export function keysetPage<T>(page: Page<T>, limit: number, positionOf: (item: T) => PageCursor) {
  const items = page.items.slice(0, limit);
  const last = items.at(-1);
  const next = page.items.length > limit && last !== undefined ? positionOf(last) : null;
  return { items, total: page.total, next } satisfies KeysetPage<T>;
}

/** A user-chosen local part: valid, lower-cased, and not a reserved role name. */
function claimableLocalPart(raw: string): string {
  const localPart = normaliseLocalPart(raw);
  if (isReservedLocalPart(localPart)) throw invalid(`"${localPart}" is a reserved name and cannot be used.`);
  return localPart;
}

export class MailboxService {
  readonly #ctx: ServiceContext;
  readonly #domains: DomainService;
  readonly #tokenSecret: string;

  constructor(ctx: ServiceContext, domains: DomainService, tokenSecret: string) {
    this.#ctx = ctx;
    this.#domains = domains;
    this.#tokenSecret = tokenSecret;
  }

  isLive(mailbox: MailboxRecord): boolean {
    return isLiveAt(mailbox, this.#ctx.now());
  }

  token(mailbox: MailboxRecord): string {
    return mailboxToken(this.#tokenSecret, mailbox.uuid);
  }

  /** The live mailbox a token opens, or undefined. */
  async byToken(token: string): Promise<MailboxRecord | undefined> {
    const uuid = verifyMailboxToken(this.#tokenSecret, token);
    return uuid ? this.byUuid(uuid) : undefined;
  }

  /** The live mailbox with this uuid, or undefined; the caller knows it may open it. */
  async byUuid(uuid: string): Promise<MailboxRecord | undefined> {
    const mailbox = await this.#ctx.store.getMailboxByUuid(uuid);
    return mailbox && this.isLive(mailbox) ? mailbox : undefined;
  }

  /** Creates a mailbox with a random name on a random domain the user's plan allows. */
  createRandom(user: UserRecord): Promise<MailboxRecord> {
    return this.#createRandom(user);
  }

  /** A guest's mailbox (no owner): a random name on a random domain of the free plan, its lifetime. */
  createGuest(): Promise<MailboxRecord> {
    return this.#createRandom(undefined);
  }

  async #createRandom(owner: UserRecord | undefined): Promise<MailboxRecord> {
    const plan = this.#planOf(owner);
    const domains = await this.#domains.listForPlan(plan, defaultTypeFilter(plan));
    if (domains.length === 0) throw forbidden('No domain is available to your plan on this server.');
    for (let attempt = 0; attempt < randomAttempts; attempt++) {
      const domain = domains[Math.floor(Math.random() * domains.length)]?.name as string;
      const claimed = await this.#claim(owner, newRandomLocalPart(), domain);
      if (claimed) return claimed;
    }
    throw conflict('Could not find a free random address; please try again.');
  }

  /** The plan of a mailbox owner; guests (undefined) have the free plan. */
  #planOf(owner: UserRecord | undefined): Plan {
    return owner ? planOf(this.#ctx, owner) : openPlanOf(this.#ctx);
  }

  /**
   * Pushes the expiry of `owner`'s live mailbox (a guest's: owner undefined) to now + the
   * owner's plan lifetime (the free plan's for guests). Never shortens it; a permanent mailbox
   * is returned unchanged. Someone else's mailbox looks like a missing one.
   */
  async extend(mailbox: MailboxRecord, owner: UserRecord | undefined): Promise<MailboxRecord> {
    // The stored record, not the caller's copy: another extend may have moved it meanwhile.
    const current = await this.#ctx.store.getMailbox(mailbox.id);
    if (!current || current.userId !== (owner?.id ?? null) || !this.isLive(current)) {
      throw notFound(`Mailbox ${mailbox.address} was not found.`);
    }
    if (current.expiresAt === null) return current;
    const expiresAt = this.#ctx.now() + this.#planOf(owner).mailboxLifetimeSeconds * 1000;
    if (expiresAt <= current.expiresAt) return current;
    if (!(await this.#ctx.store.extendMailbox(current.id, expiresAt))) {
      throw notFound(`Mailbox ${mailbox.address} was not found.`);
    }
    return { ...current, expiresAt };
  }

  /**
   * A guest's `switch`: retires the guest's live mailbox and returns a new guest mailbox at
   * `username@domain` (a free-plan domain), with a fresh free-plan lifetime. The retired
   * address is quarantined against everybody (a guest is nobody to reserve it for).
   */
  async switchGuest(mailbox: MailboxRecord, username: string, domainName: string): Promise<MailboxRecord> {
    if (mailbox.userId !== null || !this.isLive(mailbox)) {
      throw notFound(`Mailbox ${mailbox.address} was not found.`);
    }
    const localPart = claimableLocalPart(username);
    const domain = await this.#domains.requireUsable(this.#planOf(undefined), domainName, undefined);
    if (`${localPart}@${domain.name}` === mailbox.address) {
      throw conflict(`The mailbox is already ${mailbox.address}.`);
    }
    const created = await this.#claim(undefined, localPart, domain.name, { replaces: mailbox });
    if (!created) throw conflict(`The address ${localPart}@${domain.name} is not available.`);
    return created;
  }

  /** Deletes a guest's mailbox with its messages (nothing happens if it is already gone). */
  async deleteGuest(mailbox: MailboxRecord): Promise<void> {
    if (mailbox.userId !== null) throw notFound(`Mailbox ${mailbox.address} was not found.`);
    await this.release(mailbox);
  }

  /** Key dialect `generate`: `name@domain`, living `lifetimeMs` (null: never expires). */
  async createNamed(user: UserRecord, name: string, domainName: string, lifetimeMs: number | null) {
    const localPart = claimableLocalPart(name);
    const plan = planOf(this.#ctx, user);
    if (lifetimeMs === null && !plan.permanentMailboxes) {
      throw forbidden('Your plan does not allow permanent mailboxes.');
    }
    const domain = await this.#domains.requireUsable(plan, domainName, user);
    const mailbox = await this.#claim(user, localPart, domain.name, { lifetimeMs });
    if (!mailbox) throw conflict(`The address ${localPart}@${domain.name} is not available.`);
    return mailbox;
  }

  /** Retires `currentAddress` and returns a new mailbox at `username@domain`. */
  async switch(
    user: UserRecord,
    currentAddress: string,
    username: string,
    domainName: string,
  ): Promise<MailboxRecord> {
    const current = await this.requireOwned(user, currentAddress);
    const localPart = claimableLocalPart(username);
    const domain = await this.#domains.requireUsable(planOf(this.#ctx, user), domainName, user);
    if (`${localPart}@${domain.name}` === current.address) {
      throw conflict(`The mailbox is already ${current.address}.`);
    }
    const mailbox = await this.#claim(user, localPart, domain.name, { replaces: current });
    if (!mailbox) throw conflict(`The address ${localPart}@${domain.name} is not available.`);
    return mailbox;
  }

  /**
   * Claims `localPart@domain` for the user (a guest: undefined). `lifetimeMs` defaults to the
   * plan's lifetime; null never expires. Resolves undefined when the address is taken or
   * quarantined.
   */
  async #claim(
    owner: UserRecord | undefined,
    localPart: string,
    domain: string,
    options: { replaces?: MailboxRecord; lifetimeMs?: number | null } = {},
  ) {
    const now = this.#ctx.now();
    const plan = this.#planOf(owner);
    const lifetimeMs =
      options.lifetimeMs === undefined ? plan.mailboxLifetimeSeconds * 1000 : options.lifetimeMs;
    const result = await this.#ctx.store.claimMailbox({
      mailbox: {
        uuid: newUuid(),
        localPart,
        domain,
        userId: owner?.id ?? null,
        createdAt: now,
        expiresAt: lifetimeMs === null ? null : now + lifetimeMs,
      },
      now,
      quarantineMs: this.#ctx.quarantineMs,
      replacesMailboxId: options.replaces?.id,
      // Guests are limited by rate (per client address), not by a count of live mailboxes.
      maxLiveMailboxes: owner ? (plan.maxMailboxes ?? undefined) : undefined,
    });
    if (!result.ok && result.reason === 'limit_reached') {
      throw forbidden(`Your plan allows at most ${plan.maxMailboxes} live mailboxes; delete one first.`);
    }
    if (!result.ok) {
      if (result.reason === 'replaced_missing') throw notFound('The current mailbox no longer exists.');
      return undefined;
    }
    await deleteBlobs(this.#ctx, result.releasedBlobKeys);
    // The mailbox switched away from is gone, as if deleted: its live readers hear so.
    if (options.replaces) this.#ctx.events.publish('mailbox.deleted', { mailbox: options.replaces });
    return result.mailbox;
  }

  /** The user's live mailbox at `address`; someone else's looks exactly like a missing one. */
  async requireOwned(user: UserRecord, address: string): Promise<MailboxRecord> {
    const { address: normalised } = parseAddress(address);
    const mailbox = await this.#ctx.store.getMailboxByAddress(normalised);
    if (!mailbox || mailbox.userId !== user.id || !this.isLive(mailbox)) {
      throw notFound(`Mailbox ${normalised} was not found.`);
    }
    return mailbox;
  }

  async delete(user: UserRecord, address: string): Promise<void> {
    const mailbox = await this.requireOwned(user, address);
    await this.release(mailbox);
  }

  async release(mailbox: MailboxRecord): Promise<void> {
    const { released, blobKeys } = await this.#ctx.store.releaseMailbox(
      mailbox.id,
      this.#ctx.now(),
      this.#ctx.quarantineMs,
    );
    await deleteBlobs(this.#ctx, blobKeys);
    if (released) this.#ctx.events.publish('mailbox.deleted', { mailbox });
  }

  /** The user's live mailbox with this uuid; someone else's looks exactly like a missing one. */
  async requireOwnedByUuid(user: UserRecord, uuid: string): Promise<MailboxRecord> {
    const mailbox = await this.#ctx.store.getMailboxByUuid(uuid.toLowerCase());
    if (!mailbox || mailbox.userId !== user.id || !this.isLive(mailbox)) {
      throw notFound(`Mailbox ${uuid} was not found.`);
    }
    return mailbox;
  }

  async deleteByUuid(user: UserRecord, uuid: string): Promise<void> {
    await this.release(await this.requireOwnedByUuid(user, uuid));
  }

  /** The user's live mailboxes, newest first (created, then uuid, descending), `limit` after `after`. */
  async pageOfUser(user: UserRecord, limit: number, after?: PageCursor): Promise<KeysetPage<MailboxRecord>> {
    const page = await this.#ctx.store.listMailboxesPage(user.id, this.#ctx.now(), limit + 1, after);
    return keysetPage(page, limit, (m) => ({ at: m.createdAt, uuid: m.uuid }));
  }

  listOfUser(user: UserRecord): Promise<MailboxRecord[]> {
    return this.#ctx.store.listMailboxesOfUser(user.id, this.#ctx.now());
  }
}
