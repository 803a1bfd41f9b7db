// API read rates (part of `npm run bench`, BENCH_API=0 skips it; alone: `npx node bench/api-reads.ts`):
// `GET /api/domains`, the key API's `GET /api/emails/{id}` (a 20-item page) and the user API's
// `GET /api/messages` on a 50-message mailbox, at 50 connections, each beside a bare fastify
// server answering the same JSON (the ceiling: no key, no quota, no database); then the user
// API list of a BENCH_API_LIST_SIZE-message mailbox (default 10,000) at 4 connections, with the
// server's peak RSS before and after it. With BENCH_API_BASELINE=/path/to/other/checkout[,…]
// those checkouts' servers are measured too, in rounds alternating with this one's so that all
// meet the same state of the machine. Medians over BENCH_ROUNDS rounds.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BenchServer, startBenchServer } from './server-process.ts';
import { buildSampleMessage, runSmtpLoad } from './smtp-load.ts';
import { median } from './stats.ts';
import { type LoadFigure, loadGet } from './wrk-load.ts';

const connections = 50;
const seconds = Number(process.env.BENCH_API_SECONDS ?? 5);
const listSize = Number(process.env.BENCH_API_LIST_SIZE ?? 10_000);

interface Side {
  label: string;
  baseUrl: string;
  headers: Record<string, string>;
  /** path of each measured target on this side */
  paths: Record<TargetName, string>;
  server?: BenchServer;
  rssBeforeList?: number;
}

type TargetName = 'domains' | 'keyPage' | 'list50' | 'listBig';

const targets: { name: TargetName; title: string; connections: number }[] = [
  { name: 'domains', title: 'GET /api/domains', connections },
  { name: 'keyPage', title: 'GET /api/emails/{id} (key API, 20-item page)', connections },
  { name: 'list50', title: 'GET /api/messages, 50 messages', connections },
];

async function call(side: Side, method: string, url: string, body?: unknown): Promise<string> {
  const res = await fetch(`${side.baseUrl}${url}`, {
    method,
    headers: { ...side.headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${side.label}: ${method} ${url}: ${res.status} ${text}`);
  return text;
}

/** A server of the checkout (`cliPath`), with a key, and mailboxes of 50, 20 and `listSize` messages. */
async function prepareSide(label: string, cliPath?: string): Promise<Side> {
  const server = await startBenchServer(
    {
      BURNBOX_PLANS: JSON.stringify({
        free: { monthlyRequests: 1_000_000_000, mailboxLifetimeSeconds: 86400 },
      }),
    },
    cliPath,
  );
  server.cli('domain', 'add', 'bench.test');
  server.cli('user', 'create', 'api@bench.test');
  const key = server.cli('key', 'create', 'api@bench.test').trim();
  const side: Side = {
    label,
    baseUrl: server.baseUrl,
    headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' },
    paths: {} as Side['paths'],
    server,
  };
  const newAddress = async () => JSON.parse(await call(side, 'POST', '/api/emails')).data.email as string;
  const small = await newAddress();
  const big = await newAddress();
  const keyed = JSON.parse(
    await call(side, 'POST', '/api/emails/generate', {
      name: 'page',
      expiryTime: 3_600_000,
      domain: 'bench.test',
    }),
  ) as { id: string; email: string };
  const send = async (to: string, messages: number) => {
    const result = await runSmtpLoad({
      host: '127.0.0.1',
      port: server.smtpPort,
      connections: 16,
      messages,
      from: 'load@sender.test',
      recipients: [to],
      raw: (i) => buildSampleMessage({ to, subject: `API bench ${i}` }),
    });
    if (result.accepted !== messages) throw new Error(`${label}: ${result.accepted}/${messages} accepted`);
  };
  await send(small, 50);
  await send(keyed.email, 25);
  await send(big, listSize);
  side.paths = {
    domains: '/api/domains',
    keyPage: `/api/emails/${keyed.id}`,
    list50: `/api/messages?email=${encodeURIComponent(small)}`,
    listBig: `/api/messages?email=${encodeURIComponent(big)}`,
  };
  return side;
}

/** The ceiling: bare fastify answering each path with what `side` answered it with. */
async function startBare(side: Side, dir: string): Promise<{ side: Side; child: ChildProcess }> {
  const bodies: Record<string, string> = {};
  for (const { name } of targets) bodies[side.paths[name]] = await call(side, 'GET', side.paths[name]);
  const file = path.join(dir, 'bodies.json');
  writeFileSync(file, JSON.stringify(bodies));
  const script = new URL('./bare-fastify.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  const port = Number(chunk.toString().trim());
  return {
    side: {
      label: 'bare fastify, same JSON',
      baseUrl: `http://127.0.0.1:${port}`,
      headers: {},
      paths: side.paths,
    },
    child,
  };
}

const describe = (figures: LoadFigure[]) => {
  const failures = figures.reduce((sum, f) => sum + f.failures, 0);
  return `${median(figures.map((f) => f.requestsPerSecond)).toLocaleString('en-US')} req/s, p50 ${median(figures.map((f) => f.p50Ms)).toFixed(1)} ms, p99 ${median(figures.map((f) => f.p99Ms)).toFixed(1)} ms${failures ? ` (${failures} failed)` : ''}`;
};

export async function runApiReadBench(options: {
  rounds: number;
  baseline?: string;
}): Promise<[string, string][]> {
  const baselines = (options.baseline ?? '').split(',').filter(Boolean);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-api-bench-'));
  const sides: Side[] = [];
  let bare: ChildProcess | undefined;
  try {
    sides.push(await prepareSide('this checkout'));
    for (const checkout of baselines) {
      sides.push(await prepareSide(path.basename(checkout), path.join(checkout, 'bin/burnbox.mjs')));
    }
    const ceiling = await startBare(sides[0] as Side, dir);
    bare = ceiling.child;
    const all = [...sides, ceiling.side];
    const figures = new Map<string, LoadFigure[]>();
    const record = (target: string, side: Side, figure: LoadFigure) => {
      const key = `${target}\u0000${side.label}`;
      figures.set(key, [...(figures.get(key) ?? []), figure]);
    };
    for (const side of all) {
      for (const target of targets) {
        await loadGet({
          url: `${side.baseUrl}${side.paths[target.name]}`,
          headers: side.headers,
          connections,
          seconds: 1,
        });
      }
    }
    for (const side of sides) side.rssBeforeList = side.server?.peakRssMiB();
    for (let round = 0; round < options.rounds; round++) {
      // Each round starts with another side, so no side is always first after a pause.
      const order = all.map((_, i) => all[(i + round) % all.length] as Side);
      for (const target of targets) {
        for (const side of order) {
          const url = `${side.baseUrl}${side.paths[target.name]}`;
          record(target.name, side, await loadGet({ url, headers: side.headers, connections, seconds }));
        }
      }
      for (const side of order.filter((s) => s.server)) {
        const url = `${side.baseUrl}${side.paths.listBig}`;
        record('listBig', side, await loadGet({ url, headers: side.headers, connections: 4, seconds }));
      }
    }
    const rows: [string, string][] = [];
    for (const target of targets) {
      for (const side of all) {
        rows.push([
          `${target.title}, ${connections} conns: ${side.label}`,
          describe(figures.get(`${target.name}\u0000${side.label}`) ?? []),
        ]);
      }
    }
    for (const side of sides) {
      const list = figures.get(`listBig\u0000${side.label}`) ?? [];
      rows.push([
        `GET /api/messages, ${listSize.toLocaleString('en-US')} messages, 4 conns: ${side.label}`,
        `${describe(list)}; server peak RSS ${side.rssBeforeList} MiB before, ${side.server?.peakRssMiB()} MiB after`,
      ]);
    }
    rows.push([
      'API bench load tool',
      `${[...figures.values()][0]?.[0]?.tool ?? '?'}, ${options.rounds} rounds of ${seconds} s`,
    ]);
    return rows;
  } finally {
    bare?.kill();
    for (const side of sides) await side.server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runApiReadBench({
    rounds: Number(process.env.BENCH_ROUNDS ?? 3),
    baseline: process.env.BENCH_API_BASELINE,
  });
  for (const [k, v] of rows) console.log(`${k} | ${v}`);
}
