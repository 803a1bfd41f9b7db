// Hosted domains and which of them a plan may use.
import { type DomainType, type DomainTypeFilter, type Plan, usableDomainTypes } from '../config/plans.ts';
import type { DomainRecord } from '../store/types.ts';
import { normaliseDomain } from './addresses.ts';
import type { ServiceContext } from './context.ts';
import { forbidden, invalid, notFound } from './errors.ts';

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

  add(name: string, type: DomainType = 'free'): Promise<DomainRecord> {
    if (type !== 'free' && type !== 'premium') throw invalid('The domain type must be "free" or "premium".');
    return this.#ctx.store.upsertDomain(normaliseDomain(name), type, this.#ctx.now());
  }

  async remove(name: string): Promise<void> {
    if (!(await this.#ctx.store.removeDomain(normaliseDomain(name))))
      throw notFound(`The domain ${name} is not hosted here.`);
  }

  list(): Promise<DomainRecord[]> {
    return this.#ctx.store.listDomains();
  }

  /** Domains the plan may use, narrowed to `filter`; `forbidden` when the plan may not ask for it. */
  async listForPlan(plan: Plan, filter: DomainTypeFilter): Promise<DomainRecord[]> {
    if (!plan.domainTypes.includes(filter)) {
      throw forbidden(`Your plan does not include ${filter} domains.`);
    }
    if (filter === 'all') return this.usableBy(plan);
    return (await this.list()).filter((d) => d.type === filter);
  }

  /** Every hosted domain the plan may create mailboxes on. */
  async usableBy(plan: Plan): Promise<DomainRecord[]> {
    const types = usableDomainTypes(plan);
    return (await this.list()).filter((d) => types.includes(d.type));
  }

  /** The hosted domain, checked against the plan. */
  async requireUsable(plan: Plan, name: string): Promise<DomainRecord> {
    const domain = await this.#ctx.store.getDomain(normaliseDomain(name));
    if (!domain) throw notFound(`The domain ${name} is not hosted here.`, 'domain');
    if (!usableDomainTypes(plan).includes(domain.type)) {
      throw forbidden(`Your plan does not allow ${domain.type} domains such as ${domain.name}.`);
    }
    return domain;
  }
}
