// Deletes expired mailboxes with their messages and files, in bounded batches. Expired
// mailboxes are already invisible and closed to mail (every read checks expiresAt); the
// sweeper only reclaims space, yielding between batches so ingest never waits on it. It also
// drops expired login sessions, rate-limit windows older than a day and lapsed quarantines.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { deleteBlobs, type ServiceContext } from './context.ts';

/** Rate-limit windows that started longer ago than this are deleted (windows are at most this long). */
const rateWindowRetentionMs = 24 * 3_600_000;

export class ExpiryService {
  readonly #ctx: ServiceContext;
  readonly #batchSize: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(ctx: ServiceContext, batchSize: number) {
    this.#ctx = ctx;
    this.#batchSize = batchSize;
  }

  /** Sweeps until no expired mailbox is left; returns how many were deleted. */
  sweep(): Promise<number> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const { count, blobKeys, mailboxes } = await this.#ctx.store.releaseExpiredMailboxes(
        this.#ctx.now(),
        this.#batchSize,
        this.#ctx.quarantineMs,
      );
      await deleteBlobs(this.#ctx, blobKeys);
      // Whoever still has one of them open (a live inbox) hears that it is gone.
      for (const mailbox of mailboxes) this.#ctx.events.publish('mailbox.deleted', { mailbox });
      total += count;
      if (count < this.#batchSize) break;
      await yieldToEventLoop();
    }
    const now = this.#ctx.now();
    await this.#ctx.store.deleteExpired(now, now - rateWindowRetentionMs);
    return total;
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => {
      this.sweep().catch((err) => this.#ctx.log.error({ err }, 'expiry sweep failed'));
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running?.catch(() => {});
  }
}
