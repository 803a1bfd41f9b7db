// The monthly request quota. A request is counted before it runs, atomically with the check of
// its key (Store.countKeyRequest), so concurrent requests can never overshoot the limit; it is
// taken back if its response is not 2xx.
import type { UserRecord } from '../store/types.ts';
import { planOf, type ServiceContext } from './context.ts';
import { monthlyPeriod } from './time.ts';

export interface QuotaState {
  limit: number;
  used: number;
  remaining: number;
  resetsAt: number;
}

export interface QuotaReservation extends QuotaState {
  allowed: boolean;
  period: string;
  /** Let through without being counted (the store had no space to count it): nothing to take back. */
  uncounted?: true;
}

export class QuotaService {
  readonly #ctx: ServiceContext;
  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
  }

  #state(limit: number, used: number, resetsAt: number): QuotaState {
    return { limit, used, remaining: Math.max(limit - used, 0), resetsAt };
  }

  /**
   * Reserves one request of the user holding the API key of sha256 `keyHash`; undefined when the
   * key is no longer the user's or the user changed since it was read (nothing is counted).
   */
  async reserveWithKey(keyHash: string, user: UserRecord): Promise<QuotaReservation | undefined> {
    const limit = planOf(this.#ctx, user).monthlyRequests;
    const { key, resetsAt } = monthlyPeriod(this.#ctx.now(), this.#ctx.timeZone);
    const count = await this.#ctx.store.countKeyRequest(keyHash, user, key, limit);
    if (count.outcome === 'stale') return undefined;
    if (count.outcome !== 'counted') this.#ctx.metrics.quotaRefusals.inc({ plan: user.plan });
    return { allowed: count.outcome === 'counted', period: key, ...this.#state(limit, count.used, resetsAt) };
  }

  /**
   * A reservation that counts nothing, for a request the store has no space to count: reads must
   * keep working on a full disk, so it is let through if the quota has room, uncounted.
   */
  async uncounted(user: UserRecord): Promise<QuotaReservation> {
    const state = await this.current(user);
    const { key } = monthlyPeriod(this.#ctx.now(), this.#ctx.timeZone);
    return { allowed: state.remaining > 0, period: key, uncounted: true, ...state };
  }

  /** Takes back a reservation whose response was not successful. */
  async release(user: UserRecord, reservation: QuotaReservation): Promise<QuotaState> {
    if (reservation.uncounted) return this.#state(reservation.limit, reservation.used, reservation.resetsAt);
    const used = await this.#ctx.store.releaseRequest(user.id, reservation.period);
    return this.#state(reservation.limit, used, reservation.resetsAt);
  }

  async current(user: UserRecord): Promise<QuotaState> {
    const limit = planOf(this.#ctx, user).monthlyRequests;
    const { key, resetsAt } = monthlyPeriod(this.#ctx.now(), this.#ctx.timeZone);
    return this.#state(limit, await this.#ctx.store.getRequestsUsed(user.id, key), resetsAt);
  }
}
