/**
 * Keep-alive HTTP GET load loop for `npm run bench` (node:http, no dependencies).
 * `connections` concurrent loops share one keep-alive Agent (maxSockets = connections); each loop
 * issues its next request only after the previous response body has been fully consumed.
 * Only http://127.0.0.1:PORT/... is accepted as a target.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { assertLoopback, percentiles, round3 } from './stats.ts';

export interface HttpLoadOptions {
  /** http://127.0.0.1:PORT/path */
  url: string;
  headers?: Record<string, string>;
  connections: number;
  /** run for this long (default 10 s when neither limit is given) */
  durationSeconds?: number;
  /** stop after this many requests (whichever limit comes first) */
  requests?: number;
  /** if set, any other status counts in `non2xx` (otherwise: status outside 200–299) */
  expectStatus?: number;
  /** per-request timeout (default 30 000 ms) */
  timeoutMs?: number;
}

export interface HttpLoadResult {
  /** completed responses (any status) */
  requests: number;
  /** responses with an unexpected status (see expectStatus) */
  non2xx: number;
  /** transport errors / timeouts */
  errors: number;
  seconds: number;
  /** requests / seconds */
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** mean response body size */
  bytesPerResponse: number;
  /** first few error messages / unexpected statuses */
  errorSamples: string[];
}

const HARD_CAP_SECONDS = 600;
const MAX_SAMPLES = 10;

export async function runHttpLoad(o: HttpLoadOptions): Promise<HttpLoadResult> {
  const url = new URL(o.url);
  if (url.protocol !== 'http:') throw new Error(`only http: URLs are supported, got ${url.protocol}`);
  assertLoopback(url.hostname);
  const connections = Math.max(1, Math.floor(o.connections));
  const maxRequests =
    o.requests !== undefined ? Math.max(0, Math.floor(o.requests)) : Number.POSITIVE_INFINITY;
  const durationSeconds = Math.min(
    HARD_CAP_SECONDS,
    o.durationSeconds ?? (o.requests !== undefined ? HARD_CAP_SECONDS : 10),
  );
  const timeoutMs = o.timeoutMs ?? 30_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const reqOpts: http.RequestOptions = {
    agent,
    host: url.hostname,
    port: url.port === '' ? 80 : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    headers: o.headers ?? {},
  };

  let started = 0;
  let done = 0;
  let non2xx = 0;
  let errors = 0;
  let bytes = 0;
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  const sample = (s: string): void => {
    if (errorSamples.length < MAX_SAMPLES) errorSamples.push(s);
  };
  const unexpected = (status: number): boolean =>
    o.expectStatus !== undefined ? status !== o.expectStatus : status < 200 || status > 299;

  const one = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const t = performance.now();
      let settled = false;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        if (err) {
          errors++;
          sample(err.message);
        }
        resolve();
      };
      const req = http.request(reqOpts, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
        });
        res.on('end', () => {
          if (settled) return;
          latencies.push(performance.now() - t);
          done++;
          bytes += n;
          const status = res.statusCode ?? 0;
          if (unexpected(status)) {
            non2xx++;
            sample(`status ${status}`);
          }
          finish();
        });
        res.on('error', finish);
        res.on('aborted', () => finish(new Error('response aborted')));
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.on('error', finish);
      req.end();
    });

  const t0 = performance.now();
  const deadline = t0 + durationSeconds * 1000;
  const loop = async (): Promise<void> => {
    while (started < maxRequests && performance.now() < deadline) {
      started++;
      const before = errors;
      await one();
      if (errors !== before) await new Promise((r) => setTimeout(r, 10)); // don't spin on refused connections
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, () => loop()));
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    requests: done,
    non2xx,
    errors,
    seconds: round3(seconds),
    requestsPerSecond: seconds > 0 ? Math.round(done / seconds) : 0,
    latencyMs: percentiles(latencies),
    bytesPerResponse: done > 0 ? Math.round(bytes / done) : 0,
    errorSamples,
  };
}
