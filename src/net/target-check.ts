// Where a webhook URL points, checked when it is saved: so a URL that would never be delivered
// (a loopback or private receiver, the usual first test, or a host that does not exist) is
// refused at once with a reason, instead of being stored and then failing silently. The same
// policy is applied again at every send (src/net/outbound.ts): DNS answers change.
import dns from 'node:dns';
import net from 'node:net';
import { blockedReason } from './address-policy.ts';

/** Every address a host name resolves to; rejects with the resolver's error (`code`). */
export type ResolveHost = (hostname: string) => Promise<string[]>;

/** The resolver outbound requests use (the system's, as `dns.lookup`). */
export const systemResolveHost: ResolveHost = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true })).map((a) => a.address);

/**
 * The promise, or a rejection with code ETIMEOUT after `ms` (the saver waits for the resolver no
 * longer than a send would wait for the endpoint; custom domain checks wait their DNS timeout).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolver answers meaning "this name has no address", as opposed to "try again later". */
export const noSuchHost = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME', 'EAI_NONAME', 'EAI_NODATA']);

const allowHint =
  'private and local targets are refused unless the server is started with BURNBOX_WEBHOOK_ALLOW_PRIVATE=true';

/**
 * Why webhooks to `url` could not be delivered under the address policy, as a sentence, or
 * undefined when the host is an allowed address or resolves only to allowed ones.
 */
export async function webhookTargetRefusal(
  url: string,
  resolve: ResolveHost,
  timeoutMs: number,
): Promise<string | undefined> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(host) !== 0) {
    const reason = blockedReason(host);
    return reason && `The webhook URL points at ${host}, a ${reason}: ${allowHint}.`;
  }
  let addresses: string[];
  try {
    addresses = await withTimeout(resolve(host), timeoutMs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'an error';
    if (noSuchHost.has(code)) return `The webhook host ${host} does not resolve to any address.`;
    return `The webhook host ${host} could not be resolved just now (${code}); try again later.`;
  }
  if (addresses.length === 0) return `The webhook host ${host} does not resolve to any address.`;
  for (const address of addresses) {
    const reason = blockedReason(address);
    if (reason) return `The webhook host ${host} resolves to ${address}, a ${reason}: ${allowHint}.`;
  }
  return undefined;
}
