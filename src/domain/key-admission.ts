// Admitting an API request: the user of its key, and the request counted against that user's
// monthly quota. The key's user is remembered after its first lookup; the store checks, in the
// same atomic step that counts the request, that the remembered user is still the key's and
// unchanged (plan, admin flag, not disabled). So a request costs one store write and no lookup,
// and a replaced key, a plan change or a disabled account takes effect at once on every process:
// there is nothing to invalidate and no delay to wait out.
import { isOutOfSpace } from '../store/out-of-space.ts';
import type { UserRecord } from '../store/types.ts';
import type { AccountService } from './accounts.ts';
import { unauthenticated } from './errors.ts';
import { hashApiKey } from './ids.ts';
import type { QuotaReservation, QuotaService } from './quota.ts';

/** Users remembered at most; the least recently looked up is forgotten first. */
const rememberedKeys = 10_000;
/** A lookup followed by a check that finds the user changed again is retried this often. */
const attempts = 3;

export interface Admission {
  user: UserRecord;
  reservation: QuotaReservation;
}

export class KeyAdmission {
  readonly #accounts: AccountService;
  readonly #quota: QuotaService;
  /** sha256 of a key → its user as last looked up. */
  readonly #users = new Map<string, UserRecord>();

  constructor(accounts: AccountService, quota: QuotaService) {
    this.#accounts = accounts;
    this.#quota = quota;
  }

  /**
   * The key's user and the request's reservation (`allowed` false when the quota is spent;
   * nothing is counted then). `unauthenticated` for an unknown key or a disabled account.
   */
  async admit(key: string): Promise<Admission> {
    const keyHash = hashApiKey(key);
    for (let attempt = 1; ; attempt++) {
      const user = this.#users.get(keyHash) ?? (await this.#lookUp(keyHash));
      let reservation: QuotaReservation | undefined;
      try {
        reservation = await this.#quota.reserveWithKey(keyHash, user);
      } catch (err) {
        if (!isOutOfSpace(err)) throw err;
        // The disk is full: the count cannot be stored, but reads must keep working. The key is
        // looked up afresh (a read), so a replaced key or disabled account is still refused.
        const current = await this.#lookUp(keyHash);
        return { user: current, reservation: await this.#quota.uncounted(current) };
      }
      if (reservation) return { user, reservation };
      // The key was replaced, or the user changed, since it was looked up: look it up again.
      this.#users.delete(keyHash);
      if (attempt === attempts) throw unauthenticated('The API key is not valid.');
    }
  }

  async #lookUp(keyHash: string): Promise<UserRecord> {
    const user = await this.#accounts.authenticateHash(keyHash);
    if (this.#users.size >= rememberedKeys) {
      const oldest = this.#users.keys().next().value;
      if (oldest !== undefined) this.#users.delete(oldest);
    }
    this.#users.set(keyHash, user);
    return user;
  }
}
