// Figures for the admin overview page.
import type { ServiceContext } from './context.ts';

const hourMs = 3_600_000;
const hours = 24;

export interface StatsOverview {
  /**
   * Messages received in each of exactly 24 UTC hours, oldest first, the last being the current
   * hour; hours without mail are 0. Mail deleted since still counts: it was received.
   */
  messagesPerHour: { hourStart: number; count: number }[];
  liveMailboxes: number;
  users: number;
  /** Webhook deliveries given up (`failed`) in the last 24 hours. */
  webhookFailures24h: number;
  /** Webhook events waiting in the outbox. */
  pendingWebhooks: number;
}

export class StatsService {
  readonly #ctx: ServiceContext;
  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
  }

  async overview(): Promise<StatsOverview> {
    const { store } = this.#ctx;
    const now = this.#ctx.now();
    const currentHour = Math.floor(now / hourMs) * hourMs;
    const firstHour = currentHour - (hours - 1) * hourMs;
    const [byHour, liveMailboxes, users, webhookFailures24h, pendingWebhooks] = await Promise.all([
      store.countReceivedByHour(firstHour),
      store.countLiveMailboxes(now),
      store.countUsers(),
      store.countFailedWebhooks(now - hours * hourMs),
      store.countPendingWebhooks(),
    ]);
    const counts = new Map(byHour.map((b) => [b.hourStart, b.count]));
    const messagesPerHour = Array.from({ length: hours }, (_, i) => {
      const hourStart = firstHour + i * hourMs;
      return { hourStart, count: counts.get(hourStart) ?? 0 };
    });
    return { messagesPerHour, liveMailboxes, users, webhookFailures24h, pendingWebhooks };
  }
}
