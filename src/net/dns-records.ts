// The DNS records that prove a user controls a domain: a TXT record with their token and an MX
// record pointing at this server. Lookups go through a resolver the caller gives (the system's
// in production, a stub in tests: no network), each bounded by a timeout.
import { Resolver } from 'node:dns/promises';
import { noSuchHost, withTimeout } from './target-check.ts';

/** The two lookups a check needs; node's `dns.promises.Resolver` is one. */
export interface DnsResolver {
  resolveMx(name: string): Promise<{ exchange: string; priority: number }[]>;
  resolveTxt(name: string): Promise<string[][]>;
}

/**
 * node's resolver asking `servers` (IP[:port], BURNBOX_DNS_SERVERS) or, when none are given, the
 * system's (/etc/resolv.conf); one try per lookup.
 */
export function systemDnsResolver(timeoutMs: number, servers: string[] = []): DnsResolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (servers.length > 0) resolver.setServers(servers);
  return resolver;
}

/** The TXT record value that proves control of a domain. */
export const verificationRecord = (token: string) => `burnbox-verify=${token}`;

/** A host name as DNS compares it: lower case, without the root's trailing dot. */
const canonicalHost = (name: string) => name.trim().toLowerCase().replace(/\.$/, '');

/** Either the records are right, or a sentence saying what is missing or wrong. */
export type DnsVerdict = { ok: true } | { ok: false; problem: string };

/**
 * Whether `domain` has a TXT record `burnbox-verify=<token>` and an MX record pointing at
 * `mailHost`. Both lookups must succeed; a lookup that fails or times out is a problem (the
 * caller tries again later), and so is an answer without the record.
 */
export async function checkDomainRecords(
  resolver: DnsResolver,
  domain: string,
  token: string,
  mailHost: string,
  timeoutMs: number,
): Promise<DnsVerdict> {
  const [txt, mx] = await Promise.all([
    lookup(() => resolver.resolveTxt(domain), timeoutMs),
    lookup(() => resolver.resolveMx(domain), timeoutMs),
  ]);
  const wanted = verificationRecord(token);
  if ('error' in txt) return { ok: false, problem: `The TXT lookup of ${domain} ${txt.error}.` };
  if (!txt.records.some((chunks) => chunks.join('').trim() === wanted)) {
    return { ok: false, problem: `${domain} has no TXT record "${wanted}".` };
  }
  if ('error' in mx) return { ok: false, problem: `The MX lookup of ${domain} ${mx.error}.` };
  const host = canonicalHost(mailHost);
  const exchanges = mx.records.map((r) => canonicalHost(r.exchange));
  if (exchanges.length === 0)
    return { ok: false, problem: `${domain} has no MX record (it must point at ${host}).` };
  if (!exchanges.includes(host)) {
    return {
      ok: false,
      problem: `The MX records of ${domain} point at ${exchanges.join(', ')}, not at ${host}.`,
    };
  }
  return { ok: true };
}

/** The records, none when the name has none of that type, or why the lookup gave no answer. */
async function lookup<T>(
  run: () => Promise<T[]>,
  timeoutMs: number,
): Promise<{ records: T[] } | { error: string }> {
  try {
    return { records: await withTimeout(run(), timeoutMs) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (noSuchHost.has(code) || code === 'ENOTFOUND') return { records: [] };
    if (code === 'ETIMEOUT') return { error: 'timed out' };
    return { error: `failed (${code || (err as Error).message})` };
  }
}
