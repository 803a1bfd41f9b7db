// The DNS lookups of the sender checks: each one answered within a short time (a lookup not
// answered in time fails as a timeout, which the checks turn into `temperror`), and answers
// kept for a while, so a burst of mail from one sender costs one lookup per record. Only
// answers and "no such record" are kept; a timeout or a server failure is asked again.
import { promises as dns } from 'node:dns';
import type { DNSResolver } from 'mailauth';

/** mailauth's resolver: (name, record type) → the records, or a rejection with a DNS error code. */
export type DnsResolver = DNSResolver;

const keptMs = 5 * 60 * 1000;
const maxKept = 10_000;

/** A timeout, as node:dns reports it (mailauth maps ETIMEOUT to `temperror`). */
function timeoutError(name: string): Error {
  return Object.assign(new Error(`DNS lookup of ${name} timed out`), { code: 'ETIMEOUT' });
}

/** node:dns, asking `servers` (IP[:port]) or, when none are given, the system's resolvers. */
export function networkResolver(timeoutMs: number, servers: string[] = []): DnsResolver {
  const resolver = new dns.Resolver({ timeout: timeoutMs, tries: 1 });
  if (servers.length > 0) resolver.setServers(servers);
  return (name, type) => resolver.resolve(name, type as 'TXT') as ReturnType<DnsResolver>;
}

/**
 * Wraps `resolve` (the system's DNS by default) with the time limit and the cache. `now` is
 * the clock the kept answers age by.
 */
export function boundedResolver(
  timeoutMs: number,
  resolve: DnsResolver = networkResolver(timeoutMs),
  now: () => number = Date.now,
): DnsResolver {
  const kept = new Map<string, { until: number; answer: ReturnType<DnsResolver> }>();
  return (name, type) => {
    const key = `${type} ${name.toLowerCase()}`;
    const hit = kept.get(key);
    if (hit && hit.until > now()) return hit.answer;
    let timer: NodeJS.Timeout | undefined;
    const answer = Promise.race([
      Promise.resolve().then(() => resolve(name, type)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeoutError(name)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    // Oldest first out once full (a Map iterates in insertion order).
    if (kept.size >= maxKept) kept.delete(kept.keys().next().value as string);
    kept.set(key, { until: now() + keptMs, answer });
    answer.catch((err: { code?: string }) => {
      if (err?.code !== 'ENOTFOUND' && err?.code !== 'ENODATA') kept.delete(key);
    });
    return answer;
  };
}
