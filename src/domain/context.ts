// What every service is built from. Built once in the composition root; tests build their own.
import type { BlobStore } from '../blobs/types.ts';
import type { Plan, Plans } from '../config/plans.ts';
import type { BurnboxMetrics } from '../metrics/metrics.ts';
import type { Store, UserRecord } from '../store/types.ts';
import { forbidden } from './errors.ts';
import type { EventBus } from './events.ts';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ServiceContext {
  store: Store;
  blobs: BlobStore;
  events: EventBus;
  plans: Plans;
  timeZone: string;
  quarantineMs: number;
  /** Messages (raw + attachments) up to this size are stored inline with their rows. */
  inlineMessageBytes: number;
  now: () => number;
  log: Logger;
  /** Counters for the operator's /metrics (cheap to bump; nothing is sent anywhere). */
  metrics: BurnboxMetrics;
}

export function planOf(ctx: ServiceContext, user: UserRecord): Plan {
  const plan = ctx.plans[user.plan];
  if (!plan) throw forbidden(`Your account's plan "${user.plan}" is not offered on this server.`);
  return plan;
}

/** The plan of self-registered accounts and of guests (mailboxes made without an account). */
export const openPlanName = 'free';

export function openPlanOf(ctx: ServiceContext): Plan {
  const plan = ctx.plans[openPlanName];
  if (!plan) throw forbidden(`The "${openPlanName}" plan is not offered on this server.`);
  return plan;
}

/** Deletes blobs no message refers to any more; a failure only leaves an orphaned file. */
export async function deleteBlobs(ctx: ServiceContext, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  try {
    await ctx.blobs.delete(keys);
  } catch (err) {
    ctx.log.warn({ err, keys }, 'could not delete stored message files');
  }
}
