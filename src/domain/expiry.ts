// Deletes expired mailboxes with their messages and files, in bounded batches. Expired
// mailboxes are already invisible and closed to mail (every read checks expiresAt); the
// sweeper only reclaims space, yielding between batches so ingest never waits on it.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { deleteBlobs, type ServiceContext } from './context.ts';

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
      const { count, blobKeys } = await this.#ctx.store.releaseExpiredMailboxes(
        this.#ctx.now(),
        this.#batchSize,
        this.#ctx.quarantineMs,
      );
      await deleteBlobs(this.#ctx, blobKeys);
      total += count;
      if (count < this.#batchSize) return total;
      await yieldToEventLoop();
    }
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
