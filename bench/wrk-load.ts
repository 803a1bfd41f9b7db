// Keep-alive GET load with wrk (Debian package `wrk`), for rates a Node load client on the same
// two cores would cap itself: wrk spends a fraction of the CPU per request that node:http does.
// Falls back to bench/http-load.ts when wrk is not installed. Loopback targets only.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { runHttpLoad } from './http-load.ts';
import { assertLoopback } from './stats.ts';

export interface LoadFigure {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** responses outside 2xx plus socket errors */
  failures: number;
  tool: 'wrk' | 'node';
}

const run = promisify(execFile);
let wrkPresent: boolean | undefined;

function hasWrk(): boolean {
  wrkPresent ??= spawnSync('wrk', ['--version']).error === undefined;
  return wrkPresent;
}

/** "1.23ms", "850.00us", "1.01s" → milliseconds. */
function milliseconds(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) throw new Error(`wrk latency not understood: ${text}`);
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(match[1]) * scale;
}

export async function loadGet(options: {
  url: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
}): Promise<LoadFigure> {
  assertLoopback(new URL(options.url).hostname);
  if (!hasWrk()) {
    const r = await runHttpLoad({
      url: options.url,
      headers: options.headers,
      connections: options.connections,
      durationSeconds: options.seconds,
    });
    return {
      requestsPerSecond: r.requestsPerSecond,
      p50Ms: r.latencyMs.p50,
      p99Ms: r.latencyMs.p99,
      failures: r.non2xx + r.errors,
      tool: 'node',
    };
  }
  const args = ['-t', '1', '-c', String(options.connections), '-d', `${options.seconds}s`, '--latency'];
  for (const [name, value] of Object.entries(options.headers)) args.push('-H', `${name}: ${value}`);
  const { stdout } = await run('wrk', [...args, options.url], { timeout: (options.seconds + 30) * 1000 });
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const p50 = /^\s+50%\s+(\S+)/m.exec(stdout);
  const p99 = /^\s+99%\s+(\S+)/m.exec(stdout);
  if (!rate || !p50 || !p99) throw new Error(`wrk output not understood:\n${stdout}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerSecond: Math.round(Number(rate[1])),
    p50Ms: milliseconds(p50[1] as string),
    p99Ms: milliseconds(p99[1] as string),
    failures: non2xx + errors,
    tool: 'wrk',
  };
}
