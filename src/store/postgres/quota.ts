// The requests counted against each user's plan, per period: each count is one statement,
// atomic on its own, so counting stays exact across processes.
import type { KeyRequestCount, UserRecord } from '../types.ts';
import type { PostgresSql } from './connection.ts';

export class PostgresQuota {
  readonly #sql: PostgresSql;

  constructor(sql: PostgresSql) {
    this.#sql = sql;
  }

  async countKeyRequest(
    keyHash: string,
    user: UserRecord,
    period: string,
    limit: number,
  ): Promise<KeyRequestCount> {
    // One statement: the key check and the count commit together. The conflicting row is
    // locked and re-read before the WHERE is checked, so concurrent counts from any number of
    // processes stop exactly at the limit.
    const [row] = await this.#sql<{ current: boolean; used: number | null }[]>`
      WITH current AS (
        SELECT 1 FROM api_keys k JOIN users u ON u.id = k.user_id
        WHERE k.key_hash = ${keyHash} AND u.id = ${user.id} AND u.plan = ${user.plan}
          AND u.is_admin = ${user.isAdmin} AND NOT u.disabled
      ), counted AS (
        INSERT INTO request_counts (user_id, period, used)
        SELECT ${user.id}, ${period}, 1 FROM current WHERE ${limit}::int > 0
        ON CONFLICT (user_id, period) DO UPDATE SET used = request_counts.used + 1
        WHERE request_counts.used < ${limit}
        RETURNING used
      )
      SELECT EXISTS (SELECT 1 FROM current) AS current, (SELECT used FROM counted) AS used`;
    if (!row?.current) return { outcome: 'stale' };
    if (row.used !== null) return { outcome: 'counted', used: row.used };
    return { outcome: 'spent', used: await this.getRequestsUsed(user.id, period) };
  }

  async reserveRequest(
    userId: number,
    period: string,
    limit: number,
  ): Promise<{ allowed: boolean; used: number }> {
    if (limit > 0) {
      // The conflicting row is locked and its count re-read before the WHERE is checked, so
      // concurrent reserves from any number of processes stop exactly at the limit.
      const [row] = await this.#sql<{ used: number }[]>`
        INSERT INTO request_counts (user_id, period, used) VALUES (${userId}, ${period}, 1)
        ON CONFLICT (user_id, period) DO UPDATE SET used = request_counts.used + 1
        WHERE request_counts.used < ${limit}
        RETURNING used`;
      if (row) return { allowed: true, used: row.used };
    }
    return { allowed: false, used: await this.getRequestsUsed(userId, period) };
  }

  async releaseRequest(userId: number, period: string): Promise<number> {
    const [row] = await this.#sql<{ used: number }[]>`
      UPDATE request_counts SET used = greatest(used - 1, 0)
      WHERE user_id = ${userId} AND period = ${period} RETURNING used`;
    return row?.used ?? 0;
  }

  async getRequestsUsed(userId: number, period: string): Promise<number> {
    const [row] = await this.#sql<{ used: number }[]>`
      SELECT used FROM request_counts WHERE user_id = ${userId} AND period = ${period}`;
    return row?.used ?? 0;
  }
}
