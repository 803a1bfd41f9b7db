// Webhook benchmark (part of `npm run bench`): a receiver in this process on 127.0.0.1, a real
// server process with BURNBOX_WEBHOOK_ALLOW_PRIVATE=true, SMTP ingest at full speed.
//  - ingest rate with webhooks off vs on (rounds interleaved off/on, medians): with "on" every
//    bulk message queues an event in its commit and is pushed to the receiver;
//  - end-of-DATA → receiver latency during that load, for probe messages to another user
//    (isolation from the heavy user) and to a second mailbox of the heavy user (its queue);
//  - the heavy user's push rate, and how long after the load its last event arrives (its
//    backlog, if pushes fall behind ingest).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { startBenchServer } from './server-process.ts';
import { buildSampleMessage, runSmtpLoad } from './smtp-load.ts';
import { median, percentiles } from './stats.ts';

interface Receiver {
  url: string;
  /** subject → arrival time (performance.now) for probes */
  probes: Map<string, number>;
  bulk: { count: number; last: number };
  waitForBulk(count: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const probes = new Map<string, number>();
  const bulk = { count: 0, last: 0 };
  let waiter: { count: number; resolve: () => void } | undefined;
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const subject = (JSON.parse(Buffer.concat(chunks).toString()) as { subject: string }).subject;
      if (subject.startsWith('probe ')) {
        probes.set(subject, at);
      } else {
        bulk.count++;
        bulk.last = at;
        if (waiter && bulk.count >= waiter.count) waiter.resolve();
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    probes,
    bulk,
    waitForBulk(count, timeoutMs) {
      if (bulk.count >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`receiver got ${bulk.count} of ${count} bulk events in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            waiter = undefined;
            resolve();
          },
        };
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function createMailbox(baseUrl: string, key: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/emails`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`POST /api/emails: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: { email: string } }).data.email;
}

export async function runWebhookBench(options: {
  rounds: number;
  messages: number;
  connections: number;
}): Promise<[string, string][]> {
  const { rounds, messages, connections } = options;
  const receiver = await startReceiver();
  const server = await startBenchServer({
    ...(process.env.BENCH_SYNC ? { BURNBOX_SYNC_WRITES: process.env.BENCH_SYNC } : {}),
    ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
    BURNBOX_WEBHOOK_ALLOW_PRIVATE: 'true',
    BURNBOX_PLANS: JSON.stringify({ free: { monthlyRequests: 100_000_000, mailboxLifetimeSeconds: 86400 } }),
  });
  try {
    server.cli('domain', 'add', 'hooks.bench.test');
    const heavy = 'heavy@bench.test';
    const other = 'other@bench.test';
    server.cli('user', 'create', heavy);
    server.cli('user', 'create', other);
    const heavyKey = server.cli('key', 'create', heavy).trim();
    const otherKey = server.cli('key', 'create', other).trim();
    const bulkMailbox = await createMailbox(server.baseUrl, heavyKey);
    const heavyProbeMailbox = await createMailbox(server.baseUrl, heavyKey);
    const otherMailboxes = await Promise.all(
      Array.from({ length: 8 }, () => createMailbox(server.baseUrl, otherKey)),
    );
    server.cli('webhook', 'set', other, `${receiver.url}/probe`);
    const setHeavy = (on: boolean) =>
      server.cli('webhook', 'set', heavy, `${receiver.url}/bulk`, ...(on ? [] : ['--disabled']));

    const message = buildSampleMessage({ to: bulkMailbox, subject: 'Webhook benchmark message' });
    const base = { host: '127.0.0.1', port: server.smtpPort, from: 'load@sender.test' };
    let expectedBulk = 0;

    // Warm-up with webhooks on.
    setHeavy(true);
    await runSmtpLoad({ ...base, connections, messages: 300, recipients: [bulkMailbox], raw: () => message });
    expectedBulk += 300;
    await receiver.waitForBulk(expectedBulk, 120_000);

    const rates: Record<'on' | 'off', number[]> = { on: [], off: [] };
    const otherLatency: number[] = [];
    const heavyLatency: number[] = [];
    let missing = 0;
    const drains: number[] = [];
    const pushRates: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const mode of round % 2 === 1 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        setHeavy(mode === 'on');
        const sentAt = new Map<string, { at: number; heavy: boolean }>();
        // Probes on one extra connection while the bulk load runs: alternately to the other
        // user and to the heavy user's second mailbox.
        const probeTargets = [...otherMailboxes, heavyProbeMailbox];
        const probeLoad =
          mode === 'on'
            ? runSmtpLoad({
                ...base,
                connections: 1,
                messages: 90,
                recipients: probeTargets,
                raw: (i, to) => buildSampleMessage({ to, subject: `probe ${round}-${i}` }),
                onAccepted: (i, to, endOfDataAt) =>
                  sentAt.set(`probe ${round}-${i}`, { at: endOfDataAt, heavy: to === heavyProbeMailbox }),
              })
            : undefined;
        const bulkStarted = performance.now();
        const result = await runSmtpLoad({
          ...base,
          connections,
          messages,
          recipients: [bulkMailbox],
          raw: () => message,
        });
        const bulkEnded = performance.now();
        const probes = await probeLoad;
        if (result.accepted !== messages) {
          throw new Error(`webhook round ${round} (${mode}): ${result.accepted}/${messages} accepted`);
        }
        rates[mode].push(result.messagesPerSecond);
        let line = `webhooks ${mode.padEnd(3)} round ${round}: ${result.messagesPerSecond.toFixed(0)} msg/s`;
        if (mode === 'on') {
          expectedBulk += messages;
          await receiver.waitForBulk(expectedBulk, 240_000);
          const drain = Math.max(0, receiver.bulk.last - bulkEnded);
          drains.push(drain);
          pushRates.push(messages / ((receiver.bulk.last - bulkStarted) / 1000));
          const deadline = performance.now() + 10_000;
          while (receiver.probes.size < (probes?.accepted ?? 0) && performance.now() < deadline) {
            await new Promise((r) => setTimeout(r, 20));
          }
          for (const [subject, sent] of sentAt) {
            const got = receiver.probes.get(subject);
            if (got === undefined) missing++;
            else (sent.heavy ? heavyLatency : otherLatency).push(got - sent.at);
          }
          receiver.probes.clear();
          line += `, heavy user's backlog drained ${(drain / 1000).toFixed(1)} s after the load`;
        }
        console.log(line);
      }
    }
    const otherP = percentiles(otherLatency);
    const own = percentiles(heavyLatency);
    return [
      [
        `SMTP ingest, webhooks off / on (${connections} conns)`,
        `${median(rates.off).toFixed(0)} / ${median(rates.on).toFixed(0)} msg/s (medians of ${rounds} × ${messages}; off: ${rates.off.map((r) => r.toFixed(0)).join(', ')}; on: ${rates.on.map((r) => r.toFixed(0)).join(', ')})`,
      ],
      [
        'end-of-DATA → webhook received, another user, under load',
        `p50 ${otherP.p50.toFixed(0)} ms, p99 ${otherP.p99.toFixed(0)} ms, max ${otherP.max.toFixed(0)} ms (${otherLatency.length} samples, ${missing} missing)`,
      ],
      [
        'end-of-DATA → webhook received, the loading user',
        `p50 ${own.p50.toFixed(0)} ms, p99 ${own.p99.toFixed(0)} ms, max ${own.max.toFixed(0)} ms (${heavyLatency.length} samples)`,
      ],
      [
        'webhook pushes for the loading user (2 in flight)',
        `${median(pushRates).toFixed(0)} events/s from load start to last push; last push ${(median(drains) / 1000).toFixed(1)} s after the load ended (medians)`,
      ],
    ];
  } finally {
    await server.stop();
    await receiver.close();
  }
}
