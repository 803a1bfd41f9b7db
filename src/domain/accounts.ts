// Users, their plans and their API keys.
import type { UserRecord } from '../store/types.ts';
import type { ServiceContext } from './context.ts';
import { conflict, invalid, notFound, unauthenticated } from './errors.ts';
import { hashApiKey, newApiKey, newUuid } from './ids.ts';
import { hashPassword } from './passwords.ts';

const emailPattern = /^[^\s@]{1,64}@[^\s@]{1,253}$/;

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
    if (input.password !== undefined && input.password.length < 8) {
      throw invalid('The password must be at least 8 characters long.');
    }
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

  /** The user a presented API key belongs to. */
  async authenticate(key: string | undefined): Promise<UserRecord> {
    if (!key) throw unauthenticated('An API key is required: send it as "Authorization: Bearer <key>".');
    const user = await this.#ctx.store.getUserByApiKeyHash(hashApiKey(key));
    if (!user) throw unauthenticated('The API key is not valid.');
    if (user.disabled) throw unauthenticated('This account is disabled.');
    return user;
  }
}
