// Users, their API keys, web sessions and rate limits.
import type { NewUser, Page, SessionRecord, UserRecord } from '../types.ts';
import type { PostgresSql } from './connection.ts';
import { type SessionRow, toSession, toUser, type UserRow } from './rows.ts';

export class PostgresAccounts {
  readonly #sql: PostgresSql;

  constructor(sql: PostgresSql) {
    this.#sql = sql;
  }

  // --- users and keys ---

  async createUser(user: NewUser): Promise<UserRecord | undefined> {
    const [row] = await this.#sql<UserRow[]>`
      INSERT INTO users (uuid, email, password_hash, plan, created_at)
      VALUES (${user.uuid}, ${user.email}, ${user.passwordHash}, ${user.plan}, ${user.createdAt})
      ON CONFLICT (email) DO NOTHING RETURNING *`;
    return row && toUser(row);
  }

  async getUserById(id: number): Promise<UserRecord | undefined> {
    const [row] = await this.#sql<UserRow[]>`SELECT * FROM users WHERE id = ${id}`;
    return row && toUser(row);
  }

  async getUserByEmail(email: string): Promise<UserRecord | undefined> {
    const [row] = await this.#sql<UserRow[]>`SELECT * FROM users WHERE email = ${email}`;
    return row && toUser(row);
  }

  async updateUser(
    id: number,
    change: { plan?: string; disabled?: boolean; passwordHash?: string; isAdmin?: boolean },
  ): Promise<void> {
    await this.#sql`
      UPDATE users SET plan = coalesce(${change.plan ?? null}::text, plan),
        disabled = coalesce(${change.disabled ?? null}::boolean, disabled),
        password_hash = coalesce(${change.passwordHash ?? null}::text, password_hash),
        is_admin = coalesce(${change.isAdmin ?? null}::boolean, is_admin)
      WHERE id = ${id}`;
  }

  async listUsers(limit: number, offset: number): Promise<Page<UserRecord>> {
    // One round trip: the total, joined with the page (a row of nulls when the page is empty).
    const rows = await this.#sql<(UserRow & { total: number })[]>`
      SELECT t.total, u.* FROM (SELECT count(*) AS total FROM users) t
      LEFT JOIN LATERAL (
        SELECT * FROM users ORDER BY created_at DESC, id DESC LIMIT ${limit} OFFSET ${offset}
      ) u ON true`;
    return { items: rows.filter((r) => r.id !== null).map(toUser), total: rows[0]?.total ?? 0 };
  }

  async countUsers(): Promise<number> {
    const [row] = await this.#sql<{ n: number }[]>`SELECT count(*) AS n FROM users`;
    return row?.n ?? 0;
  }

  async setApiKeyHash(userId: number, keyHash: string, now: number): Promise<void> {
    await this.#sql`
      INSERT INTO api_keys (user_id, key_hash, created_at) VALUES (${userId}, ${keyHash}, ${now})
      ON CONFLICT (user_id) DO UPDATE SET key_hash = excluded.key_hash, created_at = excluded.created_at`;
  }

  async getUserByApiKeyHash(keyHash: string): Promise<UserRecord | undefined> {
    const [row] = await this.#sql<UserRow[]>`
      SELECT u.* FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ${keyHash}`;
    return row && toUser(row);
  }

  async getApiKeyCreatedAt(userId: number): Promise<number | undefined> {
    const [row] = await this.#sql<{ created_at: number }[]>`
      SELECT created_at FROM api_keys WHERE user_id = ${userId}`;
    return row?.created_at;
  }

  // --- web sessions and rate limits ---

  async createSession(session: {
    idHash: string;
    userId: number;
    createdAt: number;
    expiresAt: number;
  }): Promise<void> {
    await this.#sql`
      INSERT INTO sessions (id_hash, user_id, created_at, expires_at)
      VALUES (${session.idHash}, ${session.userId}, ${session.createdAt}, ${session.expiresAt})`;
  }

  async getSession(idHash: string, now: number): Promise<SessionRecord | undefined> {
    const [row] = await this.#sql<SessionRow[]>`
      SELECT user_id, created_at, expires_at FROM sessions WHERE id_hash = ${idHash} AND expires_at > ${now}`;
    return row && toSession(row);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.#sql`DELETE FROM sessions WHERE id_hash = ${idHash}`;
  }

  async deleteSessionsOfUser(userId: number, exceptIdHash?: string): Promise<void> {
    await this.#sql`
      DELETE FROM sessions WHERE user_id = ${userId} AND id_hash IS DISTINCT FROM ${exceptIdHash ?? null}::text`;
  }

  async hitRateLimit(
    key: string,
    windowStart: number,
    limit: number,
  ): Promise<{ allowed: boolean; count: number }> {
    if (limit > 0) {
      const [row] = await this.#sql<{ count: number }[]>`
        INSERT INTO rate_limits (key, window_start, count) VALUES (${key}, ${windowStart}, 1)
        ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1
        WHERE rate_limits.count < ${limit}
        RETURNING count`;
      if (row) return { allowed: true, count: row.count };
    }
    const [row] = await this.#sql<{ count: number }[]>`
      SELECT count FROM rate_limits WHERE key = ${key} AND window_start = ${windowStart}`;
    return { allowed: false, count: row?.count ?? 0 };
  }

  async deleteExpired(now: number, rateWindowsBefore: number): Promise<void> {
    await this.#sql`
      WITH s AS (DELETE FROM sessions WHERE expires_at <= ${now}),
        r AS (DELETE FROM rate_limits WHERE window_start < ${rateWindowsBefore})
      DELETE FROM released_addresses WHERE until <= ${now}`;
  }
}
