// Hosted domains and which of them a plan may use. The operator's domains are typed free or
// premium; a user's verified custom domains (src/domain/custom-domains.ts) are usable by that
// user alone, whatever their plan's types.
import { type DomainType, type DomainTypeFilter, type Plan, usableDomainTypes } from '../config/plans.ts';
import type { DomainRecord, UserRecord } from '../store/types.ts';
import { normaliseDomain } from './addresses.ts';
import type { ServiceContext } from './context.ts';
import { conflict, forbidden, invalid, notFound } from './errors.ts';

/** A domain a user may see or use: one of the operator's, or (type `custom`) one of their own. */
export interface UsableDomain {
  name: string;
  type: DomainType | 'custom';
}

/**
 * What a plan lists (and draws random addresses from) when no type is named: all it may use,
 * else its free domains, else its first type, so a plan without free domains still works.
 */
export function defaultTypeFilter(plan: Plan): DomainTypeFilter {
  if (plan.domainTypes.includes('all')) return 'all';
  if (plan.domainTypes.includes('free')) return 'free';
  return plan.domainTypes[0] ?? 'free';
}

export class DomainService {
  readonly #ctx: ServiceContext;
  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
  }

  async add(name: string, type: DomainType = 'free'): Promise<DomainRecord> {
    if (type !== 'free' && type !== 'premium') throw invalid('The domain type must be "free" or "premium".');
    const domain = normaliseDomain(name);
    if (await this.#ctx.store.getVerifiedCustomDomain(domain)) {
      throw conflict(
        `The domain ${domain} is linked to an account as a custom domain; remove it there first.`,
      );
    }
    return this.#ctx.store.upsertDomain(domain, type, this.#ctx.now());
  }

  async remove(name: string): Promise<void> {
    if (!(await this.#ctx.store.removeDomain(normaliseDomain(name))))
      throw notFound(`The domain ${name} is not hosted here.`);
  }

  list(): Promise<DomainRecord[]> {
    return this.#ctx.store.listDomains();
  }

  /**
   * Domains the plan may use, narrowed to `filter`; `forbidden` when the plan may not ask for
   * it. With `owner`, that user's verified custom domains follow the operator's.
   */
  async listForPlan(plan: Plan, filter: DomainTypeFilter, owner?: UserRecord): Promise<UsableDomain[]> {
    if (!plan.domainTypes.includes(filter)) {
      throw forbidden(`Your plan does not include ${filter} domains.`);
    }
    const operators =
      filter === 'all'
        ? await this.#operatorDomainsFor(plan)
        : (await this.list()).filter((d) => d.type === filter);
    return [...operators.map(usable), ...(await this.#customOf(owner))];
  }

  /** Every domain the plan may create mailboxes on, and the owner's custom domains. */
  async usableBy(plan: Plan, owner?: UserRecord): Promise<UsableDomain[]> {
    return [...(await this.#operatorDomainsFor(plan)).map(usable), ...(await this.#customOf(owner))];
  }

  async #operatorDomainsFor(plan: Plan): Promise<DomainRecord[]> {
    const types = usableDomainTypes(plan);
    return (await this.list()).filter((d) => types.includes(d.type));
  }

  async #customOf(owner: UserRecord | undefined): Promise<UsableDomain[]> {
    if (!owner) return [];
    const claims = await this.#ctx.store.listCustomDomainsOfUser(owner.id);
    return claims.filter((c) => c.status === 'verified').map((c) => ({ name: c.name, type: 'custom' }));
  }

  /**
   * The hosted domain, checked against the plan; a custom domain only for its owner (`owner`
   * undefined: a guest, who may use none).
   */
  async requireUsable(plan: Plan, name: string, owner: UserRecord | undefined): Promise<UsableDomain> {
    const normalised = normaliseDomain(name);
    const domain = await this.#ctx.store.getDomain(normalised);
    if (!domain) {
      const custom = await this.#ctx.store.getVerifiedCustomDomain(normalised);
      if (!custom) throw notFound(`The domain ${name} is not hosted here.`, 'domain');
      if (custom.userId !== owner?.id) {
        throw forbidden(`The domain ${custom.name} is another account's custom domain.`);
      }
      return { name: custom.name, type: 'custom' };
    }
    if (!usableDomainTypes(plan).includes(domain.type)) {
      throw forbidden(`Your plan does not allow ${domain.type} domains such as ${domain.name}.`);
    }
    return usable(domain);
  }
}

const usable = (d: DomainRecord): UsableDomain => ({ name: d.name, type: d.type });
