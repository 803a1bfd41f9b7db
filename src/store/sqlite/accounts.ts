// Users, their API keys, web sessions and rate limits.
import type { NewUser, Page, SessionRecord, UserRecord } from '../types.ts';
import type { SqliteConnection } from './connection.ts';
import { type SessionRow, toSession, toUser, type UserRow } from './rows.ts';

export class SqliteAccounts {
  readonly #db: SqliteConnection;

  constructor(db: SqliteConnection) {
    this.#db = db;
  }

  // --- users and keys ---

  async createUser(user: NewUser): Promise<UserRecord | undefined> {
    const result = this.#db.run(
      `INSERT INTO users (uuid, email, password_hash, plan, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (email) DO NOTHING`,
      user.uuid,
      user.email,
      user.passwordHash,
      user.plan,
      user.createdAt,
    );
    return result.changes ? this.getUserById(Number(result.lastInsertRowid)) : undefined;
  }

  async getUserById(id: number): Promise<UserRecord | undefined> {
    const row = this.#db.get<UserRow>('SELECT * FROM users WHERE id = ?', id);
    return row && toUser(row);
  }

  async getUserByEmail(email: string): Promise<UserRecord | undefined> {
    const row = this.#db.get<UserRow>('SELECT * FROM users WHERE email = ?', email);
    return row && toUser(row);
  }

  async updateUser(
    id: number,
    change: { plan?: string; disabled?: boolean; passwordHash?: string; isAdmin?: boolean },
  ): Promise<void> {
    this.#db.run(
      `UPDATE users SET plan = coalesce(?, plan), disabled = coalesce(?, disabled),
       password_hash = coalesce(?, password_hash), is_admin = coalesce(?, is_admin) WHERE id = ?`,
      change.plan ?? null,
      change.disabled === undefined ? null : Number(change.disabled),
      change.passwordHash ?? null,
      change.isAdmin === undefined ? null : Number(change.isAdmin),
      id,
    );
  }

  async listUsers(limit: number, offset: number): Promise<Page<UserRecord>> {
    const items = this.#db
      .all<UserRow>('SELECT * FROM users ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?', limit, offset)
      .map(toUser);
    return { items, total: await this.countUsers() };
  }

  async countUsers(): Promise<number> {
    return this.#db.get<{ n: number }>('SELECT count(*) AS n FROM users')?.n ?? 0;
  }

  async setApiKeyHash(userId: number, keyHash: string, now: number): Promise<void> {
    this.#db.run(
      `INSERT INTO api_keys (user_id, key_hash, created_at) VALUES (?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET key_hash = excluded.key_hash, created_at = excluded.created_at`,
      userId,
      keyHash,
      now,
    );
  }

  async getUserByApiKeyHash(keyHash: string): Promise<UserRecord | undefined> {
    const row = this.#db.get<UserRow>(
      'SELECT u.* FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?',
      keyHash,
    );
    return row && toUser(row);
  }

  async getApiKeyCreatedAt(userId: number): Promise<number | undefined> {
    return this.#db.get<{ created_at: number }>('SELECT created_at FROM api_keys WHERE user_id = ?', userId)
      ?.created_at;
  }

  // --- web sessions and rate limits ---
  // Written by web requests, so group-committed like deliveries: a burst of logins or guest
  // mailboxes shares one fsync instead of paying one each.

  createSession(session: {
    idHash: string;
    userId: number;
    createdAt: number;
    expiresAt: number;
  }): Promise<void> {
    return this.#db.groupCommit(() => {
      this.#db.run(
        'INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
        session.idHash,
        session.userId,
        session.createdAt,
        session.expiresAt,
      );
    });
  }

  async getSession(idHash: string, now: number): Promise<SessionRecord | undefined> {
    const row = this.#db.get<SessionRow>(
      'SELECT user_id, created_at, expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?',
      idHash,
      now,
    );
    return row && toSession(row);
  }

  deleteSession(idHash: string): Promise<void> {
    return this.#db.groupCommit(() => {
      this.#db.run('DELETE FROM sessions WHERE id_hash = ?', idHash);
    });
  }

  deleteSessionsOfUser(userId: number, exceptIdHash?: string): Promise<void> {
    return this.#db.groupCommit(() => {
      this.#db.run(
        'DELETE FROM sessions WHERE user_id = ? AND id_hash IS NOT ?',
        userId,
        exceptIdHash ?? null,
      );
    });
  }

  hitRateLimit(
    key: string,
    windowStart: number,
    limit: number,
  ): Promise<{ allowed: boolean; count: number }> {
    return this.#db.groupCommit(() => {
      const current = () =>
        this.#db.get<{ count: number }>(
          'SELECT count FROM rate_limits WHERE key = ? AND window_start = ?',
          key,
          windowStart,
        )?.count ?? 0;
      if (limit <= 0) return { allowed: false, count: current() };
      const row = this.#db.get<{ count: number }>(
        `INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1)
         ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1 WHERE count < ?
         RETURNING count`,
        key,
        windowStart,
        limit,
      );
      return row ? { allowed: true, count: row.count } : { allowed: false, count: current() };
    });
  }

  async deleteExpired(now: number, rateWindowsBefore: number): Promise<void> {
    this.#db
      .transaction(() => {
        this.#db.run('DELETE FROM sessions WHERE expires_at <= ?', now);
        this.#db.run('DELETE FROM rate_limits WHERE window_start < ?', rateWindowsBefore);
        this.#db.run('DELETE FROM released_addresses WHERE until <= ?', now);
      })
      .immediate();
  }
}
