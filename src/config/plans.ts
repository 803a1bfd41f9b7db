// Plans: what a user's account allows. They come from configuration (BURNBOX_PLANS) over
// these defaults, so an operator can change limits without touching code.
import { z } from 'zod';
import { expectedValue, oneOf } from './expectations.ts';

export const domainTypes = ['free', 'premium'] as const;
export type DomainType = (typeof domainTypes)[number];
/** What a plan may ask for in `GET /api/domains?type=`: a domain type or `all`. */
export type DomainTypeFilter = DomainType | 'all';

export interface Plan {
  name: string;
  /** Successful (2xx) API requests allowed per calendar month. */
  monthlyRequests: number;
  /** Lifetime of a mailbox created through the API, in seconds. */
  mailboxLifetimeSeconds: number;
  /** Domain types (and `all`) the plan may use. */
  domainTypes: DomainTypeFilter[];
  /** Most live mailboxes a user may hold at once; null = no cap. */
  maxMailboxes: number | null;
  /** Whether the key dialect may create mailboxes that never expire (expiryTime 0). */
  permanentMailboxes: boolean;
  /** How many domains of their own a user may link (pending, verified or failed); 0 = none. */
  customDomains: number;
}

export type Plans = Record<string, Plan>;

const planSchema = z
  .object({
    monthlyRequests: z.number().int().min(0),
    mailboxLifetimeSeconds: z.number().int().positive(),
    domainTypes: z.array(z.enum(['free', 'premium', 'all'])).min(1),
    maxMailboxes: z.number().int().positive().nullable(),
    permanentMailboxes: z.boolean(),
    customDomains: z.number().int().min(0),
  })
  .strict();

export const defaultPlans: Plans = {
  free: {
    name: 'free',
    monthlyRequests: 50000,
    mailboxLifetimeSeconds: 600,
    domainTypes: ['free'],
    maxMailboxes: 100,
    permanentMailboxes: false,
    customDomains: 0,
  },
  premium: {
    name: 'premium',
    monthlyRequests: 500000,
    mailboxLifetimeSeconds: 3600,
    domainTypes: ['free', 'premium', 'all'],
    maxMailboxes: null,
    permanentMailboxes: true,
    customDomains: 3,
  },
};

/** Merges a JSON override (may be empty) over the default plans and validates the result. */
export function parsePlans(json: string): Plans {
  if (!json.trim()) return structuredClone(defaultPlans);
  let overrides: unknown;
  try {
    overrides = JSON.parse(json);
  } catch {
    throw new Error('not valid JSON');
  }
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw new Error('must be a JSON object of plan name to plan');
  }
  const plans: Plans = structuredClone(defaultPlans);
  for (const [name, value] of Object.entries(overrides)) {
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(name))
      throw new Error(`plan name "${name}" must be lower-case letters/digits`);
    // A new plan must give quota, lifetime and domain types; the cap, permanence and custom
    // domains have defaults.
    const base = plans[name] ?? { maxMailboxes: null, permanentMailboxes: false, customDomains: 0 };
    const merged = { ...base, ...(value as object) };
    delete (merged as Partial<Plan>).name;
    const parsed = planSchema.safeParse(merged);
    if (!parsed.success) throw new Error(`plan "${name}": ${planProblem(parsed.error.issues[0], merged)}`);
    plans[name] = { name, ...parsed.data };
  }
  return plans;
}

/** A plan's first problem as a sentence: the field and what it must be. */
function planProblem(issue: z.core.$ZodIssue | undefined, plan: object): string {
  if (issue?.code === 'unrecognized_keys') {
    return `unknown field ${oneOf(issue.keys.map((k) => `"${k}"`))} (known: ${Object.keys(planSchema.shape).join(', ')})`;
  }
  const field = issue?.path[0];
  const schema = planSchema.shape[field as keyof typeof planSchema.shape];
  if (!schema) return 'is not valid';
  const given = (plan as Record<string, unknown>)[field as string];
  const got = given === undefined ? 'missing' : `got ${JSON.stringify(given)}`;
  return `${String(field)} must be ${expectedValue(schema)} (${got})`;
}

/** The domain types a plan may list or use, expanding `all`. */
export function usableDomainTypes(plan: Plan): DomainType[] {
  if (plan.domainTypes.includes('all')) return [...domainTypes];
  return domainTypes.filter((t) => plan.domainTypes.includes(t));
}
