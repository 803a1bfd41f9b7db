// Who sent a received message: SPF, DKIM, DMARC and ARC (src/mail/sender-checks.ts), for every
// message, without ever holding up its delivery. The message is stored and answered 250 first,
// its arrival (connecting IP, HELO, MAIL FROM) recorded with it and its checks `pending`; they
// run right after, a few at a time from a bounded queue, with short DNS lookups answered from a
// cache (src/net/dns-lookups.ts), and are saved with the mail. A DNS failure gives `temperror`,
// never a lost message. Mail the queue had no room for stays pending in the store and is
// picked up when the queue drains, and a start finishes what a stop left pending.
//
// An answer asked for a message whose checks are under way here waits for them a little (the
// DNS time limit), so a wait or stream answered at the commit usually carries the verdicts.
import type { Readable } from 'node:stream';
import type { ExtractedCode, ExtractedLink, Extraction } from '../mail/extract/types.ts';
import { type SenderCheckResolver, SenderCheckWorker } from '../mail/sender-check-work.ts';
import { temporaryFailure } from '../mail/sender-checks.ts';
import type { ArrivalRecord, MessageRecord, NewDelivery, SenderAuthVerdict } from '../store/types.ts';
import type { ServiceContext } from './context.ts';
import { openBlobRange } from './message-bytes.ts';
import { newMessageEvent } from './webhooks.ts';

/** The `auth` object of the APIs, webhooks and MCP tools. */
export interface AuthView {
  spf: string;
  dkim: string;
  dmarc: string;
  arc: string;
  /** The domain of the From header, which DMARC authenticates. */
  from_domain: string;
}

/** Codes and links, each saying whether its sender is authenticated, and the checks themselves. */
export interface VouchedExtraction {
  codes: (ExtractedCode & { trusted: boolean })[];
  links: (ExtractedLink & { trusted: boolean })[];
  auth: AuthView;
}

export interface SenderAuthOptions {
  enabled: boolean;
  /**
   * The checks' DNS lookups: a function (asked on this thread), or the network's time limit and
   * servers (the checks' worker thread then looks up, with its own cache).
   */
  resolver: SenderCheckResolver;
  /** This server's name, in the checks' reasons. */
  mta: string;
  /** How long an answer waits for checks under way (the DNS time limit). */
  answerWaitMs: number;
  /** Checks running at once. */
  concurrency?: number;
  /** Messages waiting for a check in memory; past it they wait in the store. */
  maxQueued?: number;
  /** Raw messages kept in memory for their check (else read back from the store). */
  maxHeldBytes?: number;
  /** While mail is being stored, at least this long between starting two checks. */
  busyGapMs?: number;
  /** Told each verdict as it is saved (metrics). */
  onVerdict?: (verdict: SenderAuthVerdict) => void;
}

interface Check {
  /** Resolves the check's `finished` once it is done (or dropped). */
  done: () => void;
  started: boolean;
  /** Public ids of the mail's stored copies: the first is saved under, each waits on it. */
  ids: string[];
  blobKey: string;
  size: number;
  arrival: ArrivalRecord;
  /** The raw message, when it was small enough to keep until its check. */
  raw?: Buffer;
}

/** The sender is authenticated: its domain passed DMARC. */
export function isTrusted(auth: AuthView): boolean {
  return auth.dmarc === 'pass';
}

export function vouch(extraction: Extraction, auth: AuthView): VouchedExtraction {
  const trusted = isTrusted(auth);
  return {
    codes: extraction.codes.map((c) => ({ ...c, trusted })),
    links: extraction.links.map((l) => ({ ...l, trusted })),
    auth,
  };
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1).toLowerCase() : '';
}

/** How long after the last delivery stored ingest counts as quiet (checks run at full speed). */
const quietMs = 50;

const unchecked = (fromDomain: string): AuthView => ({
  spf: 'none',
  dkim: 'none',
  dmarc: 'none',
  arc: 'none',
  from_domain: fromDomain,
});

export class SenderAuthService {
  readonly #ctx: ServiceContext;
  readonly #options: Required<Omit<SenderAuthOptions, 'onVerdict'>> & Pick<SenderAuthOptions, 'onVerdict'>;
  readonly #queue: Check[] = [];
  /** Blob keys of the mails queued or being checked (one check per mail). */
  readonly #known = new Set<string>();
  /** The check of each copy queued or under way, by public id. */
  readonly #inFlight = new Map<string, { check: Check; finished: Promise<void> }>();
  #running = 0;
  /** Deliveries being stored now: while there are any, checks yield to them. */
  #ingesting = 0;
  /** When the last check started (performance.now()), for pacing them while mail is stored. */
  #lastStart = Number.NEGATIVE_INFINITY;
  #lastIngestEnd = Number.NEGATIVE_INFINITY;
  #pumpTimer: NodeJS.Timeout | undefined;
  #pumpAt = 0;
  #heldBytes = 0;
  /** Pending mail may be in the store that is not queued here: look when the queue drains. */
  #rescan = false;
  #scanning = false;
  #closed = false;
  #idle: (() => void)[] = [];
  readonly #saving = new Set<Promise<void>>();
  /** Where the checks run: a worker thread, asking this thread for its DNS lookups. */
  readonly #checks: SenderCheckWorker;

  constructor(ctx: ServiceContext, options: SenderAuthOptions) {
    this.#ctx = ctx;
    this.#checks = new SenderCheckWorker({ resolver: options.resolver, mta: options.mta });
    this.#options = {
      concurrency: 4,
      maxQueued: 1000,
      maxHeldBytes: 4 * 1024 * 1024,
      busyGapMs: 500,
      ...options,
    };
  }

  get enabled(): boolean {
    return this.#options.enabled;
  }

  /** What a delivery stores to have its sender checked (nothing when the checks are off). */
  arrivalOf(arrival: ArrivalRecord | undefined, fromEmail: string): NewDelivery['senderAuth'] {
    if (!this.#options.enabled || !arrival) return undefined;
    return { ...arrival, fromDomain: domainOf(fromEmail) };
  }

  /** Queues the check of a mail just stored under `ids` (its copies). */
  afterStore(
    ids: string[],
    mail: { blobKey: string; size: number; arrival: ArrivalRecord; raw?: Buffer },
  ): void {
    if (!this.#options.enabled || this.#closed || ids.length === 0) return;
    let raw: Buffer | undefined;
    if (mail.raw && this.#heldBytes + mail.raw.length <= this.#options.maxHeldBytes) raw = mail.raw;
    this.#enqueue({ ids, blobKey: mail.blobKey, size: mail.size, arrival: mail.arrival, raw });
  }

  /**
   * Ingest tells when it stores a delivery (and `ingestEnded` when done): meanwhile checks start
   * one at a time, at most one per `busyGapMs`, so that under a flood of mail they take little of
   * the event loop, and catch up when it passes (what the queue has no room for waits in the
   * store). A check an answer is waiting for starts at once.
   */
  ingestStarted(): void {
    this.#ingesting++;
  }

  ingestEnded(): void {
    this.#ingesting--;
    this.#lastIngestEnd = performance.now();
    // Full speed again once no mail has been stored for a moment.
    if (this.#ingesting === 0 && this.#queue.length > 0) this.#pumpIn(quietMs);
  }

  /** Mail is being stored, or was a moment ago (between the deliveries of a flood). */
  #busy(): boolean {
    return this.#ingesting > 0 || performance.now() - this.#lastIngestEnd < quietMs;
  }

  /** Finishes the checks a previous run left pending (called once at start). */
  start(): void {
    if (!this.#options.enabled) return;
    this.#checks.warmUp();
    void this.#scan();
  }

  /** The `auth` object of a message: its verdicts, `pending`, or `none` when it was never checked. */
  async of(
    message: Pick<MessageRecord, 'id'> & { content: Pick<MessageRecord['content'], 'fromEmail'> },
  ): Promise<AuthView> {
    const underway = this.#inFlight.get(message.id);
    if (underway) {
      // Somebody is waiting for this one: it goes ahead of the queue.
      if (!underway.check.started) {
        this.#queue.splice(this.#queue.indexOf(underway.check), 1);
        this.#begin(underway.check);
      }
      await withinMs(underway.finished, this.#options.answerWaitMs);
    }
    const record = await this.#ctx.store.getSenderAuth(message.id);
    if (!record) return unchecked(domainOf(message.content.fromEmail));
    if (record.pending) {
      return {
        spf: 'pending',
        dkim: 'pending',
        dmarc: 'pending',
        arc: 'pending',
        from_domain: record.fromDomain,
      };
    }
    const { spf, dkim, dmarc, arc, fromDomain } = record;
    return { spf, dkim, dmarc, arc, from_domain: fromDomain };
  }

  /** The message's codes and links (being read meanwhile), each saying whether to trust it, and `auth`. */
  async vouch(
    message: Parameters<SenderAuthService['of']>[0],
    extraction: Promise<Extraction>,
  ): Promise<VouchedExtraction> {
    const [read, auth] = await Promise.all([extraction, this.of(message)]);
    return vouch(read, auth);
  }

  /**
   * A `new_message` webhook payload with its message's `auth` added (the seed's fields stay as
   * they are): its checks as they stand when it is sent, since it was queued in the commit,
   * before them. Other events are sent as stored.
   */
  async finishWebhookPayload(event: string, payload: string): Promise<string> {
    if (event !== newMessageEvent) return payload;
    const uuid = /"messageId":"([0-9a-f-]{36})"/.exec(payload.slice(0, 512))?.[1];
    const head = uuid ? await this.#ctx.store.getMessageHeadByUuid(uuid) : undefined;
    const auth = head ? await this.of(head) : unchecked('');
    const end = payload.lastIndexOf('}');
    if (end < 0) return payload;
    return `${payload.slice(0, end)},"auth":${JSON.stringify(auth)}${payload.slice(end)}`;
  }

  /** Resolves once nothing is queued or being checked (tests, benchmarks). */
  settled(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Starts no more checks and waits for the verdicts being saved. Checks still waiting for DNS
   * are not waited for: their mail stays pending, and the next start checks it again.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#pumpTimer);
    for (const check of this.#queue.splice(0)) this.#forget(check);
    await Promise.all([...this.#saving, this.#checks.close()]);
  }

  #isIdle(): boolean {
    return this.#running === 0 && this.#queue.length === 0 && !this.#scanning;
  }

  #enqueue(mail: Omit<Check, 'done' | 'started'>): void {
    if (this.#known.has(mail.blobKey)) return;
    if (this.#queue.length >= this.#options.maxQueued) {
      // Stays pending in the store; picked up when the queue has drained.
      this.#rescan = true;
      return;
    }
    this.#known.add(mail.blobKey);
    this.#heldBytes += mail.raw?.length ?? 0;
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const check: Check = { ...mail, done, started: false };
    for (const id of check.ids) this.#inFlight.set(id, { check, finished });
    this.#queue.push(check);
    this.#pump();
  }

  #pump(): void {
    clearTimeout(this.#pumpTimer);
    this.#pumpTimer = undefined;
    while (!this.#closed && this.#running < this.#options.concurrency && this.#queue.length > 0) {
      if (this.#busy()) {
        // Mail is being stored: one check at a time, paced.
        const wait = Math.max(
          this.#lastStart + this.#options.busyGapMs - performance.now(),
          this.#running === 0 ? 0 : quietMs,
        );
        if (wait > 0) {
          this.#pumpIn(wait);
          return;
        }
      }
      this.#begin(this.#queue.shift() as Check);
    }
    if (this.#running > 0 || this.#queue.length > 0 || this.#scanning) return;
    if (this.#rescan && !this.#closed) {
      void this.#scan();
      return;
    }
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Pumps in `ms`, or sooner if it was due sooner already. */
  #pumpIn(ms: number): void {
    const at = performance.now() + ms;
    if (this.#pumpTimer && this.#pumpAt <= at) return;
    clearTimeout(this.#pumpTimer);
    this.#pumpAt = at;
    this.#pumpTimer = setTimeout(() => this.#pump(), ms);
  }

  #begin(check: Check): void {
    check.started = true;
    this.#running++;
    this.#lastStart = performance.now();
    void this.#run(check).finally(() => {
      this.#running--;
      this.#forget(check);
      this.#pump();
    });
  }

  #forget(check: Check): void {
    this.#known.delete(check.blobKey);
    this.#heldBytes -= check.raw?.length ?? 0;
    for (const id of check.ids) this.#inFlight.delete(id);
    check.done();
  }

  async #run(check: Check): Promise<void> {
    let verdict: SenderAuthVerdict;
    try {
      const raw: Buffer | Readable =
        check.raw ?? (await openBlobRange(this.#ctx, check.blobKey, 0, check.size));
      verdict = await this.#checks.check(raw, check.size, check.arrival);
    } catch (err) {
      // Stopped meanwhile: the mail stays pending for the next start.
      if (this.#closed) return;
      // The message could not be read back, or a check broke: say so, and keep the message.
      this.#ctx.log.warn({ err, id: check.ids[0] }, 'checking the sender of a message failed');
      verdict = temporaryFailure('');
    }
    if (this.#closed) return;
    const saving = this.#ctx.store.saveSenderAuth(check.ids[0] as string, verdict);
    this.#saving.add(saving);
    try {
      await saving;
    } catch (err) {
      // Stays pending: the next start finishes it. No rescan meanwhile, or it would loop.
      this.#rescan = false;
      this.#ctx.log.warn({ err, id: check.ids[0] }, 'could not save the sender checks of a message');
      return;
    } finally {
      this.#saving.delete(saving);
    }
    try {
      this.#options.onVerdict?.(verdict);
    } catch (err) {
      this.#ctx.log.warn({ err }, 'a sender check listener failed');
    }
  }

  async #scan(): Promise<void> {
    if (this.#scanning || this.#closed) return;
    this.#scanning = true;
    this.#rescan = false;
    try {
      const room = this.#options.maxQueued - this.#queue.length;
      const pending = await this.#ctx.store.listPendingSenderAuth(room);
      // A full page: there may be more behind it, looked for once these are done.
      if (pending.length >= room) this.#rescan = true;
      this.#scanning = false;
      for (const p of pending) {
        const { id, blobKey, size, ...arrival } = p;
        this.#enqueue({ ids: [id], blobKey, size, arrival });
      }
    } catch (err) {
      this.#ctx.log.warn({ err }, 'could not look for messages whose sender checks are pending');
    } finally {
      this.#scanning = false;
      this.#pump();
    }
  }
}

/** Resolves when `promise` does, or after `ms`, whichever is first. */
async function withinMs(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
