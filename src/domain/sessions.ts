// Login sessions of the web UI. The token (32 random bytes, base64url) goes to the browser;
// only its sha256 is stored, so a copy of the database opens no session.
import { createHash, randomBytes } from 'node:crypto';
import type { UserRecord } from '../store/types.ts';
import type { ServiceContext } from './context.ts';

const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export class SessionService {
  readonly #ctx: ServiceContext;
  readonly #ttlMs: number;

  constructor(ctx: ServiceContext, ttlMs: number) {
    this.#ctx = ctx;
    this.#ttlMs = ttlMs;
  }

  /** Opens a session for the user; the token is returned once and never stored. */
  async start(userId: number): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.#ctx.now();
    const expiresAt = now + this.#ttlMs;
    await this.#ctx.store.createSession({ idHash: hashToken(token), userId, createdAt: now, expiresAt });
    return { token, expiresAt };
  }

  /** The user of a live session; undefined for no token, an unknown or expired one, or a disabled user. */
  async resolve(token: string | undefined): Promise<UserRecord | undefined> {
    if (!token || !tokenPattern.test(token)) return undefined;
    const session = await this.#ctx.store.getSession(hashToken(token), this.#ctx.now());
    const user = session && (await this.#ctx.store.getUserById(session.userId));
    return user && !user.disabled ? user : undefined;
  }

  /** Ends the session (logout); an unknown token is ignored. */
  async end(token: string | undefined): Promise<void> {
    if (token && tokenPattern.test(token)) await this.#ctx.store.deleteSession(hashToken(token));
  }

  /**
   * Ends every session of the user except the one of `keepToken` (e.g. after a password
   * change); without a token (or with one that is not the user's) all of them end.
   */
  async endOthers(userId: number, keepToken: string | undefined): Promise<void> {
    await this.#ctx.store.deleteSessionsOfUser(userId, keepToken ? hashToken(keepToken) : undefined);
  }
}
