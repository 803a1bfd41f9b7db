// Slot hogging (part of `npm run bench`; alone: `npx node bench/slot-hogging.ts`): one client
// address (127.0.0.1) opens as many SMTP connections as it can (BENCH_HOG_CONNECTIONS, default
// 250, against BURNBOX_SMTP_MAX_CLIENTS=200) and keeps those it gets idle with NOOPs, while
// ordinary senders from another address (127.0.0.2) deliver messages at a steady pace, one
// connection each (connect → 250 timed). We count the hog's connections greeted vs refused
// (421) and the ordinary deliveries that got through, before and while the hog holds its
// connections. Per-address limits are left at their defaults. BENCH_HOG_BASELINE=/path/to/other/
// checkout runs that checkout's server too, rounds alternating, for a before/after comparison.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { RawSmtpClient } from '../test/smtp/raw-client.ts';
import { startBenchServer } from './server-process.ts';
import { buildSampleMessage } from './smtp-load.ts';
import { median, percentiles } from './stats.ts';

const maxClients = 200;
const hogConnections = Number(process.env.BENCH_HOG_CONNECTIONS ?? 250);
const hogAddress = '127.0.0.1';
const senderAddress = '127.0.0.2';
/** Ordinary deliveries a second, each on its own connection. */
const sendsPerSecond = 10;
const quietSeconds = 4;
const hogSeconds = 10;
const noopEveryMs = 3000;

interface SendPhase {
  delivered: number;
  attempted: number;
  /** connect → 250 of the delivered ones. */
  p50: number;
  p99: number;
  /** First reply texts of those that failed. */
  failures: string[];
}

interface RoundResult {
  quiet: SendPhase;
  hogged: SendPhase;
  hogGreeted: number;
  hogRefused: number;
  /** Of the greeted hog connections, those still open (answering NOOP) at the end. */
  hogHeldAtEnd: number;
}

/** One ordinary delivery from `senderAddress` on a new connection: ms from connect to 250, or why not. */
async function deliver(port: number, to: string, raw: Buffer): Promise<number | string> {
  const started = performance.now();
  let client: RawSmtpClient;
  try {
    client = await RawSmtpClient.connect(port, { localAddress: senderAddress, timeoutMs: 15_000 });
  } catch (err) {
    return `connect: ${(err as Error).message}`;
  }
  try {
    const greeting = await client.reply();
    if (greeting.code !== 220) return `${greeting.code} ${greeting.text}`;
    const ehlo = await client.command('EHLO sender.test');
    if (ehlo.code !== 250) return `EHLO ${ehlo.code} ${ehlo.text}`;
    const { final } = await client.send('sender@sender.test', [to], raw);
    if (final?.code !== 250) return `DATA ${final?.code} ${final?.text}`;
    const ms = performance.now() - started;
    await client.quit();
    return ms;
  } catch (err) {
    return (err as Error).message;
  } finally {
    client.destroy();
  }
}

/** Sends `sendsPerSecond` deliveries a second for `seconds` (not waiting for one to start the next). */
async function sendPhase(port: number, to: string, raw: Buffer, seconds: number): Promise<SendPhase> {
  const outcomes: Promise<number | string>[] = [];
  const start = performance.now();
  for (let i = 0; i < seconds * sendsPerSecond; i++) {
    const wait = start + (i * 1000) / sendsPerSecond - performance.now();
    if (wait > 0) await sleep(wait);
    outcomes.push(deliver(port, to, raw));
  }
  const results = await Promise.all(outcomes);
  const times = results.filter((r): r is number => typeof r === 'number');
  const latency = percentiles(times);
  return {
    delivered: times.length,
    attempted: results.length,
    p50: latency.p50,
    p99: latency.p99,
    failures: [...new Set(results.filter((r): r is string => typeof r === 'string'))].slice(0, 3),
  };
}

/** The hog: opens `hogConnections` at once from `hogAddress`; those greeted are kept. */
async function openHog(port: number): Promise<{ held: RawSmtpClient[]; refused: number }> {
  const attempts = await Promise.all(
    Array.from({ length: hogConnections }, async () => {
      try {
        const client = await RawSmtpClient.connect(port, { localAddress: hogAddress, timeoutMs: 15_000 });
        const greeting = await client.reply().catch(() => undefined);
        if (greeting?.code === 220 && (await client.command('EHLO hog.test')).code === 250) return client;
        client.destroy();
      } catch {
        // Refused before a greeting: counted as refused too.
      }
      return undefined;
    }),
  );
  const held = attempts.filter((c): c is RawSmtpClient => c !== undefined);
  return { held, refused: hogConnections - held.length };
}

/** NOOP on every held connection; returns those that still answer. */
async function noopAll(held: RawSmtpClient[]): Promise<RawSmtpClient[]> {
  const alive = await Promise.all(
    held.map((c) =>
      c.command('NOOP').then(
        (r) => r.code === 250,
        () => false,
      ),
    ),
  );
  return held.filter((_, i) => alive[i]);
}

async function oneRound(cliPath: string | undefined): Promise<RoundResult> {
  const server = await startBenchServer(
    {
      BURNBOX_PLANS: JSON.stringify({
        free: { monthlyRequests: 100_000_000, mailboxLifetimeSeconds: 86400 },
      }),
      BURNBOX_SMTP_MAX_CLIENTS: String(maxClients),
    },
    cliPath,
  );
  /** Every hog connection greeted (all are closed at the end, answering or not). */
  let opened: RawSmtpClient[] = [];
  try {
    server.cli('domain', 'add', 'bench.test');
    server.cli('user', 'create', 'hog@bench.test');
    const key = server.cli('key', 'create', 'hog@bench.test').trim();
    const created = await fetch(`${server.baseUrl}/api/emails`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' },
    });
    const to = ((await created.json()) as { data: { email: string } }).data.email;
    const raw = buildSampleMessage({ to, subject: 'Ordinary message' });

    const quiet = await sendPhase(server.smtpPort, to, raw, quietSeconds);
    const hog = await openHog(server.smtpPort);
    opened = hog.held;
    let held = hog.held;
    const keepIdle = (async () => {
      const end = performance.now() + hogSeconds * 1000;
      while (performance.now() < end) {
        await sleep(Math.min(noopEveryMs, end - performance.now()));
        held = await noopAll(held);
      }
    })();
    const hogged = await sendPhase(server.smtpPort, to, raw, hogSeconds);
    await keepIdle;
    return { quiet, hogged, hogGreeted: opened.length, hogRefused: hog.refused, hogHeldAtEnd: held.length };
  } finally {
    for (const c of opened) c.destroy();
    await server.stop();
  }
}

function summary(runs: RoundResult[]): [string, string] {
  const m = (f: (r: RoundResult) => number) => median(runs.map(f));
  const attempted = runs[0]?.hogged.attempted ?? 0;
  const failures = [...new Set(runs.flatMap((r) => r.hogged.failures))].slice(0, 2);
  return [
    `hog: greeted / 421 / still held after ${hogSeconds} s of NOOPs`,
    `${m((r) => r.hogGreeted)} / ${m((r) => r.hogRefused)} / ${m((r) => r.hogHeldAtEnd)}; ` +
      `ordinary senders meanwhile: ${m((r) => r.hogged.delivered)} of ${attempted} delivered ` +
      `(rounds: ${runs.map((r) => r.hogged.delivered).join(', ')}), connect → 250 ` +
      `p50 ${m((r) => r.hogged.p50).toFixed(1)} ms, p99 ${m((r) => r.hogged.p99).toFixed(1)} ms; ` +
      `before the hog: ${m((r) => r.quiet.delivered)} of ${runs[0]?.quiet.attempted ?? 0}, ` +
      `p50 ${m((r) => r.quiet.p50).toFixed(1)} ms, p99 ${m((r) => r.quiet.p99).toFixed(1)} ms` +
      (failures.length ? `; refused with: ${failures.join(' | ')}` : ''),
  ];
}

export async function runSlotHoggingBench(options: {
  rounds: number;
  baseline?: string;
}): Promise<[string, string][]> {
  const current: RoundResult[] = [];
  const baseline: RoundResult[] = [];
  const baselineCli = options.baseline && `${options.baseline.replace(/\/$/, '')}/bin/burnbox.mjs`;
  const log = (name: string, r: RoundResult | undefined) =>
    r &&
    console.log(
      `slot hogging ${name}: hog ${r.hogGreeted} greeted, ${r.hogRefused} refused, ${r.hogHeldAtEnd} held; ` +
        `others ${r.hogged.delivered}/${r.hogged.attempted} delivered, p99 ${r.hogged.p99} ms`,
    );
  for (let round = 1; round <= options.rounds; round++) {
    // Alternating, so that both meet the same state of the machine.
    if (baselineCli) {
      baseline.push(await oneRound(baselineCli));
      log(`round ${round} (baseline)`, baseline.at(-1));
    }
    current.push(await oneRound(undefined));
    log(`round ${round}`, current.at(-1));
  }
  const label = `one address opening ${hogConnections} SMTP connections, max ${maxClients}`;
  const rows: [string, string][] = [];
  for (const [name, runs] of [
    ['', current],
    [`, baseline ${options.baseline}`, baseline],
  ] as const) {
    if (runs.length === 0) continue;
    const [measure, result] = summary(runs);
    rows.push([`${label}${name}: ${measure}`, `${result} (medians of ${runs.length})`]);
  }
  return rows;
}

if (import.meta.main) {
  const rows = await runSlotHoggingBench({
    rounds: Number(process.env.BENCH_ROUNDS ?? 3),
    baseline: process.env.BENCH_HOG_BASELINE,
  });
  for (const [k, v] of rows) console.log(`${k} | ${v}`);
}
