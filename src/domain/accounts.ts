// Users, their plans and their API keys; web accounts: registration, login, passwords, admins.
import type { Page, UserRecord } from '../store/types.ts';
import { openPlanName, type ServiceContext } from './context.ts';
import { conflict, invalid, notFound, unauthenticated } from './errors.ts';
import { hashApiKey, newApiKey, newUuid } from './ids.ts';
import { hashPassword, verifyNoPassword, verifyPassword } from './passwords.ts';

const emailPattern = /^[^\s@]{1,64}@[^\s@]{1,253}$/;
const minPasswordLength = 8;

function checkNewPassword(password: string): void {
  if (password.length < minPasswordLength) {
    throw invalid(`The password must be at least ${minPasswordLength} characters long.`);
  }
}

export class AccountService {
  readonly #ctx: ServiceContext;
  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
  }

  async createUser(input: { email: string; password?: string; plan?: string }): Promise<UserRecord> {
    const email = input.email.trim().toLowerCase();
    if (!emailPattern.test(email)) throw invalid(`"${input.email}" is not a valid email address.`);
    const plan = input.plan ?? 'free';
    if (!this.#ctx.plans[plan])
      throw invalid(`Unknown plan "${plan}"; known plans: ${Object.keys(this.#ctx.plans).join(', ')}.`);
    if (input.password !== undefined) checkNewPassword(input.password);
    const user = await this.#ctx.store.createUser({
      uuid: newUuid(),
      email,
      passwordHash: input.password === undefined ? null : await hashPassword(input.password),
      plan,
      createdAt: this.#ctx.now(),
    });
    if (!user) throw conflict(`A user with the email ${email} already exists.`);
    return user;
  }

  /** Self-registration in the web UI: an account on the free plan, with a password. */
  register(email: string, password: string): Promise<UserRecord> {
    return this.createUser({ email, password, plan: openPlanName });
  }

  /**
   * The user with this email and password. A wrong password, an unknown email and an account
   * without a password get the same answer after the same work; a disabled account is told so,
   * but only when the password was right.
   */
  async login(email: string, password: string): Promise<UserRecord> {
    const user = await this.#ctx.store.getUserByEmail(email.trim().toLowerCase());
    const ok = user?.passwordHash
      ? await verifyPassword(password, user.passwordHash)
      : await verifyNoPassword(password);
    if (!user || !ok) throw unauthenticated('The email or password is wrong.');
    if (user.disabled) throw unauthenticated('This account is disabled; ask the administrator to enable it.');
    return user;
  }

  /**
   * Replaces the user's password after checking the current one (`invalid` when it is wrong).
   * Sessions are not touched: the caller ends the others with SessionService.endOthers.
   */
  async changePassword(user: UserRecord, currentPassword: string, newPassword: string): Promise<void> {
    const stored = (await this.#ctx.store.getUserById(user.id))?.passwordHash;
    const ok = stored
      ? await verifyPassword(currentPassword, stored)
      : await verifyNoPassword(currentPassword);
    if (!ok) throw invalid('The current password is wrong.');
    checkNewPassword(newPassword);
    await this.#ctx.store.updateUser(user.id, { passwordHash: await hashPassword(newPassword) });
  }

  /** Users newest first, for the admin pages; `limit` is kept within 1–200. */
  listUsers(limit: number, offset: number): Promise<Page<UserRecord>> {
    return this.#ctx.store.listUsers(
      Math.min(Math.max(Math.trunc(limit) || 1, 1), 200),
      Math.max(Math.trunc(offset) || 0, 0),
    );
  }

  async setAdmin(email: string, isAdmin: boolean): Promise<UserRecord> {
    const user = await this.requireUserByEmail(email);
    await this.#ctx.store.updateUser(user.id, { isAdmin });
    return { ...user, isAdmin };
  }

  async requireUserByEmail(email: string): Promise<UserRecord> {
    const user = await this.#ctx.store.getUserByEmail(email.trim().toLowerCase());
    if (!user) throw notFound(`No user has the email ${email}.`);
    return user;
  }

  async setPlan(email: string, plan: string): Promise<UserRecord> {
    if (!this.#ctx.plans[plan]) throw invalid(`Unknown plan "${plan}".`);
    const user = await this.requireUserByEmail(email);
    await this.#ctx.store.updateUser(user.id, { plan });
    return { ...user, plan };
  }

  async setDisabled(email: string, disabled: boolean): Promise<UserRecord> {
    const user = await this.requireUserByEmail(email);
    await this.#ctx.store.updateUser(user.id, { disabled });
    return { ...user, disabled };
  }

  /** Issues a new API key for the user, replacing any previous one. The key is returned once. */
  async issueApiKey(userId: number): Promise<string> {
    const key = newApiKey();
    await this.#ctx.store.setApiKeyHash(userId, hashApiKey(key), this.#ctx.now());
    return key;
  }

  /** When the user's API key was made, or undefined when the user has none yet. */
  apiKeyCreatedAt(userId: number): Promise<number | undefined> {
    return this.#ctx.store.getApiKeyCreatedAt(userId);
  }

  /** The user a presented API key belongs to. */
  async authenticate(key: string | undefined): Promise<UserRecord> {
    if (!key) throw unauthenticated('An API key is required.');
    return this.authenticateHash(hashApiKey(key));
  }

  /** The user of the API key whose sha256 is `keyHash`. */
  async authenticateHash(keyHash: string): Promise<UserRecord> {
    const user = await this.#ctx.store.getUserByApiKeyHash(keyHash);
    if (!user) throw unauthenticated('The API key is not valid.');
    if (user.disabled) throw unauthenticated('This account is disabled.');
    return user;
  }
}
