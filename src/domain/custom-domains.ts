// Domains users bring themselves. A user links a domain, Burnbox tells them which DNS records to
// create (an MX pointing at this server, a TXT record with a token of theirs), and looks them up:
// at once when asked, and in the background until the check window closes. Only a verified
// domain takes mail and mailboxes, and only its owner's. Several accounts may claim one name
// while it is pending (each with its own token): the first to verify wins and the others fail,
// so a stale claim never blocks the domain's real owner.
import net from 'node:net';
import { domainToASCII } from 'node:url';
import { checkDomainRecords, type DnsResolver, verificationRecord } from '../net/dns-records.ts';
import type {
  CustomDomainCheckOutcome,
  CustomDomainRecord,
  MailboxRecord,
  NewCustomDomain,
  UserRecord,
} from '../store/types.ts';
import { isValidDomainName, parseAddress } from './addresses.ts';
import { deleteBlobs, planOf, type ServiceContext } from './context.ts';
import { conflict, forbidden, invalid, notFound } from './errors.ts';
import { newSecret } from './ids.ts';
import { isLiveAt } from './mailboxes.ts';

export interface CustomDomainOptions {
  /** The host name MX records must point at (BURNBOX_HOSTNAME). */
  mailHost: string;
  /** How often a pending claim is looked up again. */
  checkIntervalMs: number;
  /** How long after it was added a claim still pending is marked failed. */
  checkWindowMs: number;
  /** Each DNS lookup waits at most this long. */
  dnsTimeoutMs: number;
}

/** A DNS record the owner creates, in zone-file terms. */
export interface DnsRecordToCreate {
  type: 'MX' | 'TXT';
  name: string;
  value: string;
  priority?: number;
}

/** Claims looked up per background round (the rest wait for the next round). */
const checksPerRound = 50;
/** The operator attaches without a cap. */
const noCap = Number.MAX_SAFE_INTEGER;

/**
 * A domain name as typed, normalised: trimmed, without the root's dot, lower case, IDNA names in
 * punycode (bücher.example → xn--bcher-kva.example). IP literals and other non-names are refused.
 */
export function normaliseCustomDomain(raw: string): string {
  const typed = raw.trim().replace(/\.$/, '');
  if (!typed) throw invalid('A domain name is required.');
  if (net.isIP(typed.replace(/^\[(.*)\]$/, '$1')) !== 0 || /^\[.*\]$/.test(typed)) {
    throw invalid(`"${raw}" is an IP address; a custom domain must be a domain name.`);
  }
  const ascii = domainToASCII(typed);
  if (!ascii || !isValidDomainName(ascii)) throw invalid(`"${raw}" is not a valid domain name.`);
  return ascii;
}

export class CustomDomainService {
  readonly #ctx: ServiceContext;
  readonly #options: CustomDomainOptions;
  readonly #resolver: DnsResolver;

  constructor(ctx: ServiceContext, options: CustomDomainOptions, resolver: DnsResolver) {
    this.#ctx = ctx;
    this.#options = options;
    this.#resolver = resolver;
  }

  get mailHost(): string {
    return this.#options.mailHost;
  }

  /** The records the owner of `claim` creates in DNS. */
  recordsOf(claim: CustomDomainRecord): DnsRecordToCreate[] {
    return [
      { type: 'MX', name: claim.name, value: this.#options.mailHost.replace(/\.$/, ''), priority: 10 },
      { type: 'TXT', name: claim.name, value: verificationRecord(claim.token) },
    ];
  }

  /** Links `rawName` to the user, pending until its DNS records are found. */
  async link(user: UserRecord, rawName: string): Promise<CustomDomainRecord> {
    const plan = planOf(this.#ctx, user);
    if (plan.customDomains === 0) throw forbidden('Your plan does not allow custom domains.');
    const name = normaliseCustomDomain(rawName);
    await this.#refuseOperatorName(name);
    const now = this.#ctx.now();
    return this.#add(
      { name, userId: user.id, token: newSecret(), status: 'pending', createdAt: now, nextCheckAt: now },
      plan.customDomains,
    );
  }

  /** The operator's way: the domain is the user's at once, without a DNS check. */
  async attach(user: UserRecord, rawName: string): Promise<CustomDomainRecord> {
    const name = normaliseCustomDomain(rawName);
    await this.#refuseOperatorName(name);
    const existing = await this.#ctx.store.getCustomDomain(name, user.id);
    if (existing) {
      // A claim of the user's own (pending or failed) is settled as verified.
      const settled = await this.#ctx.store.settleCustomDomainCheck(name, user.id, {
        kind: 'verified',
        at: this.#ctx.now(),
      });
      if (settled?.status !== 'verified') throw conflict(`The domain ${name} is linked to another account.`);
      return settled;
    }
    const now = this.#ctx.now();
    return this.#add(
      { name, userId: user.id, token: newSecret(), status: 'verified', createdAt: now, nextCheckAt: now },
      noCap,
    );
  }

  async #add(claim: NewCustomDomain, cap: number): Promise<CustomDomainRecord> {
    const result = await this.#ctx.store.addCustomDomain(claim, cap);
    if (result.ok) return result.record;
    switch (result.reason) {
      case 'hosted':
        throw conflict(`The domain ${claim.name} is hosted by this server already.`);
      case 'taken':
        throw conflict(`The domain ${claim.name} is linked to another account.`);
      case 'exists':
        throw conflict(`You have linked ${claim.name} already.`);
      case 'limit_reached':
        throw forbidden(`Your plan allows at most ${cap} custom domains; remove one first.`);
    }
  }

  /** An operator domain, or a name under one, is the operator's DNS to speak for. */
  async #refuseOperatorName(name: string): Promise<void> {
    const hosted = (await this.#ctx.store.listDomains()).find(
      (d) => name === d.name || name.endsWith(`.${d.name}`),
    );
    if (hosted) throw conflict(`The domain ${name} is hosted by this server already.`);
  }

  /** The user's claims, by name. */
  listOf(user: UserRecord): Promise<CustomDomainRecord[]> {
    return this.#ctx.store.listCustomDomainsOfUser(user.id);
  }

  /** Every claim (the operator's listing). */
  listAll(): Promise<CustomDomainRecord[]> {
    return this.#ctx.store.listCustomDomains();
  }

  /** The user's verified domains: the ones they may create mailboxes on. */
  async verifiedOf(user: UserRecord): Promise<CustomDomainRecord[]> {
    return (await this.listOf(user)).filter((d) => d.status === 'verified');
  }

  /** The verified claim on `name` (it takes mail), if any. */
  hosting(name: string): Promise<CustomDomainRecord | undefined> {
    return this.#ctx.store.getVerifiedCustomDomain(name);
  }

  /** The user's claim on `rawName`; someone else's looks exactly like a missing one. */
  async requireOwn(user: UserRecord, rawName: string): Promise<CustomDomainRecord> {
    const name = normaliseCustomDomain(rawName);
    const claim = await this.#ctx.store.getCustomDomain(name, user.id);
    if (!claim) throw notFound(`You have not linked the domain ${name}.`);
    return claim;
  }

  /** Looks the records up now ("check now"); the answer is the claim as it stands after. */
  async checkNow(user: UserRecord, rawName: string): Promise<CustomDomainRecord> {
    const claim = await this.requireOwn(user, rawName);
    const verdict = await this.#lookUp(claim);
    const at = this.#ctx.now();
    // A failed look leaves the background schedule as it was; a failed claim stays failed
    // unless this look finds the records.
    const outcome: CustomDomainCheckOutcome = verdict.ok
      ? { kind: 'verified', at }
      : claim.status === 'failed'
        ? { kind: 'failed', at, problem: verdict.problem }
        : { kind: 'pending', at, problem: verdict.problem, nextCheckAt: claim.nextCheckAt };
    return (await this.#ctx.store.settleCustomDomainCheck(claim.name, user.id, outcome)) ?? claim;
  }

  /**
   * One background round: looks up the pending claims that are due, verifies those whose records
   * are right, fails those past the check window, and schedules the rest. Returns how many it
   * looked at.
   */
  async runDueChecks(): Promise<number> {
    const now = this.#ctx.now();
    const { checkIntervalMs, checkWindowMs } = this.#options;
    const due = await this.#ctx.store.takeDueCustomDomainChecks(now, now + checkIntervalMs, checksPerRound);
    await Promise.all(
      due.map(async (claim) => {
        const verdict = await this.#lookUp(claim);
        const at = this.#ctx.now();
        const outcome: CustomDomainCheckOutcome = verdict.ok
          ? { kind: 'verified', at }
          : at >= claim.createdAt + checkWindowMs
            ? { kind: 'failed', at, problem: verdict.problem }
            : { kind: 'pending', at, problem: verdict.problem, nextCheckAt: at + checkIntervalMs };
        await this.#ctx.store.settleCustomDomainCheck(claim.name, claim.userId, outcome);
      }),
    );
    return due.length;
  }

  #lookUp(claim: CustomDomainRecord) {
    return checkDomainRecords(
      this.#resolver,
      claim.name,
      claim.token,
      this.#options.mailHost,
      this.#options.dnsTimeoutMs,
    ).catch((err: Error) => ({ ok: false as const, problem: `The DNS lookup failed (${err.message}).` }));
  }

  /**
   * Sends mail to unknown addresses on the user's verified domain to one of their mailboxes
   * (`address`), or stops doing so (null).
   */
  async setCatchAll(user: UserRecord, rawName: string, address: string | null): Promise<CustomDomainRecord> {
    const claim = await this.requireOwn(user, rawName);
    if (claim.status !== 'verified') {
      throw conflict(`The domain ${claim.name} is not verified yet; a catch-all needs a verified domain.`);
    }
    let target: string | null = null;
    if (address !== null) {
      const { address: normalised } = parseAddress(address);
      const mailbox = await this.#ctx.store.getMailboxByAddress(normalised);
      if (!mailbox || mailbox.userId !== user.id || !isLiveAt(mailbox, this.#ctx.now())) {
        throw notFound(`Mailbox ${normalised} was not found.`);
      }
      target = normalised;
    }
    await this.#ctx.store.setCustomDomainCatchAll(claim.name, user.id, target);
    return { ...claim, catchAll: target };
  }

  /**
   * The owner's catch-all mailbox for mail to `domain` (a verified custom domain): live and
   * still theirs, else undefined.
   */
  async catchAllOf(claim: CustomDomainRecord): Promise<MailboxRecord | undefined> {
    if (!claim.catchAll) return undefined;
    const mailbox = await this.#ctx.store.getMailboxByAddress(claim.catchAll);
    if (!mailbox || mailbox.userId !== claim.userId || !isLiveAt(mailbox, this.#ctx.now())) return undefined;
    return mailbox;
  }

  /** The user unlinks their domain: mail to it stops, and its mailboxes go with their messages. */
  async remove(user: UserRecord, rawName: string): Promise<void> {
    const claim = await this.requireOwn(user, rawName);
    await this.#remove(claim.name, user.id);
  }

  /** The operator unlinks a domain from whoever holds it (every claim on the name). */
  async removeByOperator(rawName: string): Promise<void> {
    const name = normaliseCustomDomain(rawName);
    if (!(await this.#remove(name, undefined))) throw notFound(`No account has linked the domain ${name}.`);
  }

  async #remove(name: string, userId: number | undefined): Promise<boolean> {
    const { removed, blobKeys, mailboxes } = await this.#ctx.store.removeCustomDomain(name, userId);
    await deleteBlobs(this.#ctx, blobKeys);
    // Live readers of those mailboxes (waits, streams, open pages) hear that they are gone.
    for (const mailbox of mailboxes) this.#ctx.events.publish('mailbox.deleted', { mailbox });
    return removed;
  }
}
