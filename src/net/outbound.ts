// Outbound HTTP requests to URLs users chose (webhooks), with the address policy enforced at
// send time: IP-literal hosts are checked before connecting, and host names are resolved by a
// lookup function handed to the socket, which checks every address DNS returns and then lets
// the socket connect only to those checked addresses (so a second, rebound answer is never
// used). The resolver is injected (tests answer names without a network). Redirects are never followed: node:http does not follow them.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { blockedReason } from './address-policy.ts';
import { type ResolveHost, systemResolveHost } from './target-check.ts';

/** The target is on an address outbound requests may not reach. */
export class TargetRefusedError extends Error {
  readonly code = 'ERR_TARGET_REFUSED';
}

export class RequestTimeoutError extends Error {
  readonly code = 'ERR_REQUEST_TIMEOUT';
}

function refusal(host: string, address: string, reason: string): TargetRefusedError {
  const target = host === address ? address : `${host} resolves to ${address}`;
  return new TargetRefusedError(
    `refused: ${target}, a ${reason}; private and local targets are not allowed (BURNBOX_WEBHOOK_ALLOW_PRIVATE)`,
  );
}

/** Throws TargetRefusedError if the URL's host is an IP literal the policy refuses. */
export function checkLiteralHost(url: URL): void {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(host) === 0) return;
  const reason = blockedReason(host);
  if (reason) throw refusal(host, host, reason);
}

/** Why an address may not be reached, or undefined when it may (the policy, or none). */
export type AddressPolicy = (address: string) => string | undefined;

const anyAddress: AddressPolicy = () => undefined;

/**
 * A `lookup` for sockets: resolves the host once with `resolve`, refuses the connection if any
 * of the addresses is refused by `policy` (the socket could pick any of them), and otherwise
 * hands the socket exactly these addresses. The socket connects to what was checked; nothing
 * resolves the name a second time between the check and the connection (DNS rebinding).
 */
export function guardedLookup(
  resolve: ResolveHost,
  policy: AddressPolicy = blockedReason,
): net.LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (answer) => {
        for (const address of answer) {
          const reason = policy(address);
          if (reason) return callback(refusal(hostname, address, reason), '');
        }
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
        const addresses = answer
          .map((address) => ({ address, family: net.isIP(address) }))
          .filter((a) => a.family !== 0 && (wanted === 0 || a.family === wanted));
        const first = addresses[0];
        if (!first) {
          return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
        }
        if (options.all) return callback(null, addresses);
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}

export interface OutboundAgents {
  http: http.Agent;
  https: https.Agent;
  destroy(): void;
}

/** Keep-alive connection pools for one sender; destroy them when it stops. */
export function createAgents(maxSockets: number): OutboundAgents {
  const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' as const };
  const agents = { http: new http.Agent(options), https: new https.Agent(options) };
  return {
    ...agents,
    destroy() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  /** Until the response's status line and headers have arrived. */
  timeoutMs: number;
  /** Lets private and local targets through (tests, trusted set-ups). */
  allowPrivate: boolean;
  agents?: OutboundAgents;
  signal?: AbortSignal;
  /** Resolves host names (default: the system's); each connection resolves once. */
  resolveHost?: ResolveHost;
}

/** Response bodies are read and dropped; a bigger one closes the connection. */
const maxResponseBytes = 64 * 1024;

/**
 * POSTs `body` to `url` once and resolves with the response status (any status, 3xx
 * included: redirects are not followed). Rejects with TargetRefusedError, RequestTimeoutError,
 * the signal's abort reason, or the socket's error.
 */
export function postOnce(url: string, options: PostOptions): Promise<{ statusCode: number }> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') {
        throw new TypeError(`unsupported protocol ${target.protocol}`);
      }
      if (!options.allowPrivate) checkLiteralHost(target);
    } catch (err) {
      reject(err);
      return;
    }
    const secure = target.protocol === 'https:';
    // With private targets allowed the same resolver is used, only without the policy.
    const lookup = guardedLookup(
      options.resolveHost ?? systemResolveHost,
      options.allowPrivate ? anyAddress : blockedReason,
    );
    const send = (retried: boolean) => {
      const request = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          headers: { ...options.headers, 'Content-Length': String(Buffer.byteLength(options.body)) },
          agent: options.agents ? (secure ? options.agents.https : options.agents.http) : undefined,
          lookup,
          signal: options.signal,
        },
        (response) => {
          clearTimeout(timer);
          // Drain (bounded in size and time) so a kept-alive connection can be reused.
          let bytes = 0;
          const drainTimer = setTimeout(() => response.destroy(), options.timeoutMs);
          drainTimer.unref();
          response.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (bytes > maxResponseBytes) response.destroy();
          });
          response.on('close', () => clearTimeout(drainTimer));
          response.on('error', () => {});
          resolve({ statusCode: response.statusCode ?? 0 });
        },
      );
      const timer = setTimeout(() => {
        request.destroy(new RequestTimeoutError(`timed out after ${options.timeoutMs / 1000} s`));
      }, options.timeoutMs);
      request.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // The endpoint closed an idle kept-alive connection just as it was reused: nothing was
        // received, so send once more on a new connection.
        const stale = request.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
        if (stale && !retried && !options.signal?.aborted) send(true);
        else reject(err);
      });
      request.end(options.body);
    };
    send(false);
  });
}
