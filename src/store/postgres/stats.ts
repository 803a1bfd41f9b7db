// Figures for the admin page and metrics.
import { hourOf } from '../hours.ts';
import type { PostgresSql } from './connection.ts';

export class PostgresStats {
  readonly #sql: PostgresSql;

  constructor(sql: PostgresSql) {
    this.#sql = sql;
  }

  async countLiveMailboxes(now: number): Promise<number> {
    const [row] = await this.#sql<{ n: number }[]>`
      SELECT count(*) AS n FROM mailboxes WHERE expires_at IS NULL OR expires_at > ${now}`;
    return row?.n ?? 0;
  }

  async countReceivedByHour(since: number): Promise<{ hourStart: number; count: number }[]> {
    const rows = await this.#sql<{ hour_start: number; n: number }[]>`
      SELECT hour_start, sum(count)::bigint AS n FROM received_per_hour
      WHERE hour_start >= ${hourOf(since)} GROUP BY 1 HAVING sum(count) > 0 ORDER BY 1`;
    return rows.map((r) => ({ hourStart: r.hour_start, count: r.n }));
  }

  async countFailedWebhooks(since: number): Promise<number> {
    const [row] = await this.#sql<{ n: number }[]>`
      SELECT count(*) AS n FROM webhook_attempts WHERE outcome = 'failed' AND attempted_at >= ${since}`;
    return row?.n ?? 0;
  }
}
