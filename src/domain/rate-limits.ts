// Fixed-window rate limits (guest mailboxes per client address, failed logins, ...), counted
// in the store so every process on the same data shares them. Windows are aligned to
// multiples of `windowMs` since the epoch; the sweeper drops windows older than a day, so a
// window may be at most 24 hours long.
import type { ServiceContext } from './context.ts';

export class RateLimiter {
  readonly #ctx: ServiceContext;
  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
  }

  /**
   * Counts one hit of `subject` (e.g. a client address) in `bucket` (what is limited) if fewer
   * than `limit` were counted in the current window. A refused hit is not counted and says
   * how many seconds remain until the window ends.
   */
  async hit(
    bucket: string,
    subject: string,
    limit: number,
    windowMs: number,
  ): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    const now = this.#ctx.now();
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const { allowed } = await this.#ctx.store.hitRateLimit(`${bucket}:${subject}`, windowStart, limit);
    const retryAfterSeconds = allowed ? 0 : Math.max(Math.ceil((windowStart + windowMs - now) / 1000), 1);
    return { allowed, retryAfterSeconds };
  }
}
