// Webhook delivery: sends the events queued in the store's outbox (written in the same
// transaction as each received message, so none is lost) to each user's URL, signed, with
// retries and backoff until a horizon. At-least-once: a receiver deduplicates with
// X-Webhook-Id.
//
// Scheduling follows the injected clock (ctx.now): leases, retry times and the horizon are all
// in its time, so tests move time forward instead of sleeping. Request timeouts are real time.
//
// Isolation: at most `concurrency` requests are in flight over all users and `userConcurrency`
// for one user; a user already holding enough claimed items is skipped when claiming, so a slow
// or dead endpoint holds up only its own user's events, never SMTP ingest (which only writes
// outbox rows) or other users' deliveries.
import { performance } from 'node:perf_hooks';
import type { ServiceContext } from '../domain/context.ts';
import { signWebhook, type WebhookService, wireEvent } from '../domain/webhooks.ts';
import {
  createAgents,
  type OutboundAgents,
  postOnce,
  RequestTimeoutError,
  TargetRefusedError,
} from '../net/outbound.ts';
import type { ResolveHost } from '../net/target-check.ts';
import type { OutboxItem, OutboxLease, OutboxOutcome } from '../store/types.ts';
import { defaultBaseDelayMs, defaultMaxDelayMs, retryDelayMs } from './retry-policy.ts';

export const userAgent = 'Burnbox-Webhook/1';

export interface WebhookDeliveryOptions {
  /** Per attempt, until the response headers (real time). */
  timeoutMs: number;
  /** Retries stop this long after the event was queued; the item is then `failed`. */
  retryHorizonMs: number;
  allowPrivate: boolean;
  /** Most requests in flight over all users. */
  concurrency: number;
  /** Most requests in flight for one user. */
  userConcurrency: number;
  /** First retry delay; it doubles with each attempt up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How long a claimed item stays leased (default: timeout + 20 s). */
  leaseMs?: number;
  /** Longest sleep between looks at the outbox (rows queued by other processes). */
  maxIdleMs?: number;
  /** For tests of the jitter; default Math.random. */
  random?: () => number;
}

/** A leased outbox item this process holds: waiting for a free slot, or being sent. */
interface Held {
  item: OutboxItem;
  /** When it was claimed (injected clock): its lease runs out `leaseMs` after. */
  claimedAt: number;
  controller?: AbortController;
  done?: Promise<void>;
}

export class WebhookDelivery {
  readonly #ctx: ServiceContext;
  readonly #webhooks: WebhookService;
  readonly #resolveHost: ResolveHost | undefined;
  readonly #finishPayload: (event: string, payload: string) => Promise<string>;
  readonly #options: Required<WebhookDeliveryOptions>;
  /** Claimed and waiting for a free slot, in claim (due-time) order. */
  #queue: Held[] = [];
  readonly #inFlight = new Map<number, Held>();
  /** Per user: items held (queued + in flight), and in flight. */
  readonly #userHeld = new Map<number, number>();
  readonly #userInFlight = new Map<number, number>();
  /** Items whose attempt was cut short by stop(): their leases are given back. */
  readonly #abandoned: OutboxLease[] = [];
  // Claiming several items in one transaction saves a commit (an fsync) per event, so a user's
  // items are claimed ahead of their slots, up to `#userHoldMax`; a user holding
  // `#userRefillAt` or more is skipped by claims. A queued item is sent only while its lease
  // still covers a whole attempt, else it is given back.
  readonly #userHoldMax: number;
  readonly #userRefillAt: number;
  readonly #holdMax: number;
  readonly #maxQueuedMs: number;
  #agents: OutboundAgents | undefined;
  #unsubscribe: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #wakeScheduled = false;
  #pumping: Promise<void> | undefined;
  #pumpAgain = false;
  #started = false;
  #stopping = false;
  #finished = 0;

  /** `resolveHost` answers the endpoints' host names (default: the system's resolver). */
  constructor(
    deps: {
      ctx: ServiceContext;
      webhooks: WebhookService;
      resolveHost?: ResolveHost;
      /** Gives a stored payload its sender checks as they stand when it is sent. */
      finishPayload?: (event: string, payload: string) => Promise<string>;
    },
    options: WebhookDeliveryOptions,
  ) {
    this.#ctx = deps.ctx;
    this.#webhooks = deps.webhooks;
    this.#resolveHost = deps.resolveHost;
    this.#finishPayload = deps.finishPayload ?? (async (_event, payload) => payload);
    this.#options = {
      baseDelayMs: defaultBaseDelayMs,
      maxDelayMs: defaultMaxDelayMs,
      leaseMs: options.timeoutMs + 20_000,
      maxIdleMs: 5_000,
      random: Math.random,
      ...options,
    };
    const { userConcurrency, concurrency, leaseMs, timeoutMs } = this.#options;
    this.#userHoldMax = userConcurrency * 4;
    this.#userRefillAt = userConcurrency * 2;
    this.#holdMax = Math.max(concurrency * 4, this.#userHoldMax);
    this.#maxQueuedMs = Math.max(0, leaseMs - timeoutMs - 5_000);
  }

  /** Starts delivering: what is pending now (e.g. left by a previous run), then as mail arrives. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#agents = createAgents(this.#options.concurrency);
    this.#unsubscribe.push(
      // Only copies that queued an event wake the job: most mail has no webhook to push.
      this.#ctx.events.subscribe('message.received', ({ mailbox, webhookQueued }) => {
        if (webhookQueued && mailbox.userId !== null) this.wake(mailbox.userId);
      }),
      this.#webhooks.onQueued((userId) => this.wake(userId)),
    );
    this.wake();
  }

  /**
   * Looks at the outbox soon (coalesced: many wakes in one event-loop turn make one look).
   * Skipped when `userId` already holds enough items; a finishing attempt looks again.
   */
  wake(userId?: number): void {
    if (this.#stopping || this.#wakeScheduled) return;
    if (this.#held() >= this.#holdMax) return;
    if (userId !== undefined && (this.#userHeld.get(userId) ?? 0) >= this.#userRefillAt) return;
    this.#wakeScheduled = true;
    setImmediate(() => {
      this.#wakeScheduled = false;
      void this.#pump();
    });
  }

  /**
   * Claims and sends what is due now (by the injected clock), and resolves when those attempts
   * and any already under way have finished, with the number of attempts finished meanwhile.
   */
  async runDue(): Promise<number> {
    const before = this.#finished;
    for (;;) {
      await this.#pump();
      this.#startQueued();
      if (this.#inFlight.size === 0) break;
      await Promise.all([...this.#inFlight.values()].map((h) => h.done));
    }
    return this.#finished - before;
  }

  /** Requests in flight now (for tests and metrics). */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Stops: no new attempts; requests in flight are aborted and, with the items claimed but not
   * sent yet, given back, due at once, so the next run sends them without waiting for leases.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    clearTimeout(this.#timer);
    await this.#pumping;
    for (const held of this.#queue.splice(0)) this.#abandoned.push(held.item);
    for (const held of this.#inFlight.values()) held.controller?.abort(new Error('server stopping'));
    await Promise.all([...this.#inFlight.values()].map((h) => h.done));
    await this.#release(this.#abandoned.splice(0));
    this.#agents?.destroy();
  }

  #held(): number {
    return this.#queue.length + this.#inFlight.size;
  }

  /** One look at the outbox at a time; a look asked for during one runs right after it. */
  #pump(): Promise<void> {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return this.#pumping;
    }
    this.#pumping = (async () => {
      try {
        do {
          this.#pumpAgain = false;
          try {
            await this.#claim();
            await this.#scheduleNextLook();
          } catch (err) {
            if (this.#stopping) return;
            this.#ctx.log.error({ err }, 'webhook delivery: could not read the outbox');
            this.#setTimer(this.#options.maxIdleMs);
          }
        } while (this.#pumpAgain && !this.#stopping);
      } finally {
        this.#pumping = undefined;
      }
    })();
    return this.#pumping;
  }

  async #claim(): Promise<void> {
    const { store } = this.#ctx;
    const { leaseMs } = this.#options;
    while (!this.#stopping && this.#held() < this.#holdMax) {
      const skip = [...this.#userHeld].filter(([, n]) => n >= this.#userRefillAt).map(([id]) => id);
      // A user not skipped has room for this many: none need giving back.
      const limit = Math.min(this.#userHoldMax - this.#userRefillAt + 1, this.#holdMax - this.#held());
      const claimedAt = this.#ctx.now();
      const items = await store.claimDueWebhooks(claimedAt, leaseMs, limit, skip);
      // One claim may bring more of one user's items than the user may hold.
      const extra: OutboxLease[] = [];
      for (const item of items) {
        const held = this.#userHeld.get(item.userId) ?? 0;
        if (this.#stopping || held >= this.#userHoldMax) {
          extra.push(item);
          continue;
        }
        this.#userHeld.set(item.userId, held + 1);
        this.#queue.push({ item, claimedAt });
      }
      this.#startQueued();
      await this.#release(extra);
      if (items.length < limit) return;
    }
  }

  /** Sends queued items while there are free slots (global and per user). */
  #startQueued(): void {
    if (this.#stopping) return;
    const { concurrency, userConcurrency } = this.#options;
    const now = this.#ctx.now();
    const stale: OutboxLease[] = [];
    const waiting: Held[] = [];
    for (const held of this.#queue) {
      const { userId } = held.item;
      if (now - held.claimedAt > this.#maxQueuedMs) {
        stale.push(held.item);
        this.#unhold(userId);
      } else if (
        this.#inFlight.size < concurrency &&
        (this.#userInFlight.get(userId) ?? 0) < userConcurrency
      ) {
        this.#begin(held);
      } else {
        waiting.push(held);
      }
    }
    this.#queue = waiting;
    // Waited too long for a slot (its user's endpoint is slow): due again for whoever is free.
    if (stale.length) void this.#release(stale);
  }

  async #release(leases: OutboxLease[]): Promise<void> {
    if (leases.length === 0) return;
    try {
      await this.#ctx.store.releaseWebhookLeases(leases);
    } catch (err) {
      this.#ctx.log.error({ err }, 'could not give back webhook leases (they expire by themselves)');
    }
  }

  #unhold(userId: number): void {
    const n = (this.#userHeld.get(userId) ?? 1) - 1;
    if (n > 0) this.#userHeld.set(userId, n);
    else this.#userHeld.delete(userId);
  }

  async #scheduleNextLook(): Promise<void> {
    if (this.#stopping) return;
    const due = await this.#ctx.store.nextWebhookDueAt();
    const { maxIdleMs } = this.#options;
    if (due === undefined) return this.#setTimer(maxIdleMs);
    const wait = due - this.#ctx.now();
    // Due but not claimed: users' or the global limits are reached, and a finishing attempt
    // looks again; or another process just took it.
    this.#setTimer(wait > 0 ? Math.min(wait, maxIdleMs) : this.#held() > 0 ? maxIdleMs : 1000);
  }

  #setTimer(ms: number): void {
    clearTimeout(this.#timer);
    if (this.#stopping) return;
    this.#timer = setTimeout(() => void this.#pump(), ms);
    this.#timer.unref();
  }

  #begin(held: Held): void {
    const { item } = held;
    held.controller = new AbortController();
    this.#userInFlight.set(item.userId, (this.#userInFlight.get(item.userId) ?? 0) + 1);
    this.#inFlight.set(item.id, held);
    held.done = this.#attempt(item, held.controller.signal)
      .catch((err) => {
        // The store failed: the lease expires and the item is tried again.
        this.#ctx.log.error({ err, deliveryId: item.deliveryId }, 'webhook delivery: attempt not recorded');
      })
      .finally(() => {
        // Due items were left in the outbox only if a limit held them back: look again when
        // this attempt lifts one (other new items wake the job themselves).
        const wasFull = this.#held() >= this.#holdMax;
        const userWasFull = (this.#userHeld.get(item.userId) ?? 0) >= this.#userRefillAt;
        this.#inFlight.delete(item.id);
        const n = (this.#userInFlight.get(item.userId) ?? 1) - 1;
        if (n > 0) this.#userInFlight.set(item.userId, n);
        else this.#userInFlight.delete(item.userId);
        this.#unhold(item.userId);
        this.#finished++;
        this.#startQueued();
        if (wasFull || (userWasFull && (this.#userHeld.get(item.userId) ?? 0) < this.#userRefillAt)) {
          this.wake();
        }
      });
  }

  async #attempt(item: OutboxItem, signal: AbortSignal): Promise<void> {
    const { store } = this.#ctx;
    const attemptedAt = this.#ctx.now();
    const config = await store.getWebhook(item.userId);
    const { event, test } = wireEvent(item.event);
    if (!config?.url || (!config.enabled && !test)) {
      await store.finishWebhookAttempt(
        item,
        {
          attemptedAt,
          url: config?.url ?? '',
          statusCode: null,
          error: 'webhook disabled',
          durationMs: 0,
        },
        { kind: 'failed' },
      );
      this.#ctx.metrics.webhookDeliveries.inc({ outcome: 'failed' });
      return;
    }
    const secret = config.secret || (await this.#secretOf(item.userId));
    const body = await this.#finishPayload(item.event, item.payload);
    const timestamp = Math.floor(attemptedAt / 1000);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': userAgent,
      'X-Webhook-Event': event,
      'X-Webhook-Id': item.deliveryId,
      'X-Webhook-Timestamp': String(timestamp),
      'X-Webhook-Signature': signWebhook(secret, timestamp, body),
    };
    if (test) headers['X-Webhook-Test'] = 'true';

    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let permanent = false;
    try {
      ({ statusCode } = await postOnce(config.url, {
        headers,
        body,
        timeoutMs: this.#options.timeoutMs,
        allowPrivate: this.#options.allowPrivate,
        agents: this.#agents,
        signal,
        resolveHost: this.#resolveHost,
      }));
    } catch (err) {
      if (signal.aborted && this.#stopping) {
        this.#abandoned.push(item);
        return;
      }
      ({ error, permanent } = describeFailure(err));
    }
    const durationMs = performance.now() - started;
    const delivered = statusCode !== null && statusCode >= 200 && statusCode < 300;
    if (statusCode !== null && statusCode >= 300 && statusCode < 400) {
      error = `redirect (HTTP ${statusCode}) not followed: configure the final URL`;
    }
    const outcome = delivered ? ({ kind: 'delivered' } as const) : this.#afterFailure(item, permanent);
    await store.finishWebhookAttempt(
      item,
      { attemptedAt, url: config.url, statusCode, error, durationMs },
      outcome,
    );
    this.#ctx.metrics.webhookDeliveries.inc({ outcome: outcome.kind });
    if (outcome.kind === 'failed') {
      this.#ctx.log.warn(
        { deliveryId: item.deliveryId, userId: item.userId, attempts: item.attempts, statusCode, error },
        'webhook delivery given up',
      );
    }
  }

  #afterFailure(item: OutboxItem, permanent: boolean): OutboxOutcome {
    const now = this.#ctx.now();
    const deadline = item.createdAt + this.#options.retryHorizonMs;
    if (permanent || now >= deadline) return { kind: 'failed' };
    const { baseDelayMs, maxDelayMs, random } = this.#options;
    // The last try is made at the horizon itself.
    const next = now + retryDelayMs(item.attempts, baseDelayMs, maxDelayMs, random);
    return { kind: 'retry', nextAttemptAt: Math.min(next, deadline) };
  }

  async #secretOf(userId: number): Promise<string> {
    const user = await this.#ctx.store.getUserById(userId);
    if (!user) throw new Error(`user ${userId} is gone`);
    return this.#webhooks.secret(user);
  }
}

/** A log line for a failed request; `permanent` when retrying cannot help (a malformed URL). */
function describeFailure(err: unknown): { error: string; permanent: boolean } {
  if (err instanceof TargetRefusedError || err instanceof RequestTimeoutError) {
    return { error: err.message, permanent: false };
  }
  if (err instanceof TypeError && (err as { code?: string }).code === 'ERR_INVALID_URL') {
    return { error: 'invalid webhook URL', permanent: true };
  }
  if (err instanceof TypeError && err.message.startsWith('unsupported protocol')) {
    return { error: err.message, permanent: true };
  }
  const e = err as { code?: string; message?: string };
  const message = e.message || String(err);
  return { error: e.code && !message.includes(e.code) ? `${e.code}: ${message}` : message, permanent: false };
}
