// Figures for the admin page and metrics.
import { hourOf } from '../hours.ts';
import type { SqliteConnection } from './connection.ts';

export class SqliteStats {
  readonly #db: SqliteConnection;

  constructor(db: SqliteConnection) {
    this.#db = db;
  }

  async countLiveMailboxes(now: number): Promise<number> {
    return (
      this.#db.get<{ n: number }>(
        'SELECT count(*) AS n FROM mailboxes WHERE expires_at IS NULL OR expires_at > ?',
        now,
      )?.n ?? 0
    );
  }

  async countReceivedByHour(since: number): Promise<{ hourStart: number; count: number }[]> {
    return this.#db
      .all<{ hour_start: number; n: number }>(
        `SELECT hour_start, sum(count) AS n FROM received_per_hour
       WHERE hour_start >= ? GROUP BY hour_start HAVING sum(count) > 0 ORDER BY hour_start`,
        hourOf(since),
      )
      .map((r) => ({ hourStart: r.hour_start, count: r.n }));
  }

  async countFailedWebhooks(since: number): Promise<number> {
    return (
      this.#db.get<{ n: number }>(
        "SELECT count(*) AS n FROM webhook_attempts WHERE outcome = 'failed' AND attempted_at >= ?",
        since,
      )?.n ?? 0
    );
  }
}
