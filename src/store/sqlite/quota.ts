// The requests counted against each user's plan, per period. Counted inside the group commit:
// every request of a turn shares one transaction and one fsync instead of paying one each, and
// each count is still durable before it resolves. Each write runs alone under the database's
// write lock, so counting stays exact.
import type { KeyRequestCount, UserRecord } from '../types.ts';
import type { SqliteConnection } from './connection.ts';

export class SqliteQuota {
  readonly #db: SqliteConnection;

  constructor(db: SqliteConnection) {
    this.#db = db;
  }

  countKeyRequest(
    keyHash: string,
    user: UserRecord,
    period: string,
    limit: number,
  ): Promise<KeyRequestCount> {
    return this.#db.groupCommit((): KeyRequestCount => {
      const current = `FROM api_keys k JOIN users u ON u.id = k.user_id
         WHERE k.key_hash = ? AND u.id = ? AND u.plan = ? AND u.is_admin = ? AND u.disabled = 0`;
      const keyParams = [keyHash, user.id, user.plan, Number(user.isAdmin)];
      // Usually one statement: counted only if the key is still the user's, as remembered.
      const row = this.#db.get<{ used: number }>(
        `INSERT INTO request_counts (user_id, period, used) SELECT u.id, ?, 1 ${current}
         ON CONFLICT (user_id, period) DO UPDATE SET used = used + 1 WHERE used < ?
         RETURNING used`,
        period,
        ...keyParams,
        limit,
      );
      if (row && row.used <= limit) return { outcome: 'counted', used: row.used };
      if (row) {
        // Only reachable with limit 0 on a first request: undo the insert.
        this.#db.run(
          'UPDATE request_counts SET used = used - 1 WHERE user_id = ? AND period = ?',
          user.id,
          period,
        );
      }
      // Nothing counted: the quota is spent, or the key or user changed.
      if (!this.#db.get(`SELECT 1 ${current}`, ...keyParams)) return { outcome: 'stale' };
      return { outcome: 'spent', used: this.#requestsUsed(user.id, period) };
    });
  }

  reserveRequest(userId: number, period: string, limit: number): Promise<{ allowed: boolean; used: number }> {
    return this.#db.groupCommit(() => this.#reserve(userId, period, limit));
  }

  #reserve(userId: number, period: string, limit: number): { allowed: boolean; used: number } {
    const row = this.#db.get<{ used: number }>(
      `INSERT INTO request_counts (user_id, period, used) VALUES (?, ?, 1)
       ON CONFLICT (user_id, period) DO UPDATE SET used = used + 1 WHERE used < ?
       RETURNING used`,
      userId,
      period,
      limit,
    );
    if (row && row.used <= limit) return { allowed: true, used: row.used };
    if (row) {
      // Only reachable with limit 0 on a first request: undo the insert.
      this.#db.run(
        'UPDATE request_counts SET used = used - 1 WHERE user_id = ? AND period = ?',
        userId,
        period,
      );
    }
    return { allowed: false, used: this.#requestsUsed(userId, period) };
  }

  releaseRequest(userId: number, period: string): Promise<number> {
    return this.#db.groupCommit(
      () =>
        this.#db.get<{ used: number }>(
          'UPDATE request_counts SET used = max(used - 1, 0) WHERE user_id = ? AND period = ? RETURNING used',
          userId,
          period,
        )?.used ?? 0,
    );
  }

  async getRequestsUsed(userId: number, period: string): Promise<number> {
    return this.#requestsUsed(userId, period);
  }

  #requestsUsed(userId: number, period: string): number {
    return (
      this.#db.get<{ used: number }>(
        'SELECT used FROM request_counts WHERE user_id = ? AND period = ?',
        userId,
        period,
      )?.used ?? 0
    );
  }
}
