// `npm run bench`: SMTP ingest throughput and visibility latency, user-API list latency, and
// webhook push latency and cost, against real Burnbox server processes on loopback. Prints a
// table of medians over rounds. BENCH_WEBHOOKS=0 skips the webhook part, BENCH_POSTGRES=0 the
// backend comparison (bench/backends.ts: PostgreSQL with one and two processes, 1,000,000 stored),
// BENCH_BIG_HTML=0 the big HTML reads (bench/big-html.ts: other requests' latency meanwhile),
// BENCH_BIG=0 the memory of concurrent big messages (bench/big-messages.ts), BENCH_HOG=0 one
// address holding SMTP connections while others send (bench/slot-hogging.ts), BENCH_EXTRACT=0 the
// cost of reading codes and links out of a mail (bench/extraction.ts), BENCH_WAIT=0 the wait
// answers with 1,000 waits held (bench/wait.ts), BENCH_INGEST_EXTRACTION=0 the ingest rate of
// mail with a code next to other checkouts (bench/ingest-extraction.ts,
// BENCH_INGEST_BASELINE=/path/to/checkout[,…]), BENCH_API=0 the API read rates beside a bare
// fastify ceiling (bench/api-reads.ts, BENCH_API_BASELINE=/path/to/checkout[,…]),
// BENCH_SENDER_AUTH=0 the ingest rate with sender authentication on and off
// (bench/sender-auth.ts, DNS from a server on 127.0.0.1).
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { runApiReadBench } from './api-reads.ts';
import { runBackendBench } from './backends.ts';
import { runBigHtmlBench } from './big-html.ts';
import { runBigMessageBench } from './big-messages.ts';
import { runExtractionBench } from './extraction.ts';
import { runHttpLoad } from './http-load.ts';
import { runIngestExtractionBench } from './ingest-extraction.ts';
import { runSenderAuthBench } from './sender-auth.ts';
import { startBenchServer } from './server-process.ts';
import { runSlotHoggingBench } from './slot-hogging.ts';
import { buildSampleMessage, runSmtpLoad } from './smtp-load.ts';
import { median, percentiles, round3 } from './stats.ts';
import { runWaitBench } from './wait.ts';
import { runWebhookBench } from './webhook-bench.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const messagesPerRound = Number(process.env.BENCH_MESSAGES ?? 3000);
const connections = 16;
const listSize = 10000;

interface ApiBody {
  data: { email: string };
  messages: { subject: string }[];
}

async function json(url: string, key: string, method = 'GET'): Promise<ApiBody> {
  const res = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as ApiBody;
}

async function main(): Promise<[string, string][]> {
  const server = await startBenchServer({
    BURNBOX_PLANS: JSON.stringify({ free: { monthlyRequests: 100_000_000, mailboxLifetimeSeconds: 86400 } }),
  });
  try {
    server.cli('domain', 'add', 'bench.test');
    server.cli('user', 'create', 'bench@bench.test');
    const key = server.cli('key', 'create', 'bench@bench.test').trim();
    const newMailbox = async () => (await json(`${server.baseUrl}/api/emails`, key, 'POST')).data.email;

    const bulk = await newMailbox();
    const probes = await Promise.all(Array.from({ length: 64 }, newMailbox));
    const message = buildSampleMessage({ to: bulk, subject: 'Benchmark message' });
    const base = { host: '127.0.0.1', port: server.smtpPort, from: 'load@sender.test' };

    // Warm-up: JIT, page cache, SQLite statement cache.
    await runSmtpLoad({ ...base, connections, messages: 300, recipients: [bulk], raw: () => message });

    const ingestRates: number[] = [];
    const ackP50: number[] = [];
    const ackP99: number[] = [];
    const visible: number[] = [];
    let invisible = 0;
    for (let round = 1; round <= rounds; round++) {
      // Probe: while the bulk load runs, one extra connection sends to small probe mailboxes
      // and reads the list right after each 250: end-of-DATA → visible-in-API latency.
      const checks: Promise<void>[] = [];
      const probeSubjects = new Map<number, string>();
      const probeLoad = runSmtpLoad({
        ...base,
        connections: 1,
        messages: 60,
        recipients: probes,
        raw: (i, to) => {
          const subject = `probe ${round}-${i}`;
          probeSubjects.set(i, subject);
          return buildSampleMessage({ to, subject });
        },
        onAccepted: (i, to, endOfDataAt) => {
          checks.push(
            json(`${server.baseUrl}/api/messages?email=${to}`, key).then((body) => {
              const found = body.messages.some(
                (m: { subject: string }) => m.subject === probeSubjects.get(i),
              );
              if (found) visible.push(performance.now() - endOfDataAt);
              else invisible++;
            }),
          );
        },
      });
      const result = await runSmtpLoad({
        ...base,
        connections,
        messages: messagesPerRound,
        recipients: [bulk],
        raw: () => message,
      });
      await probeLoad;
      await Promise.all(checks);
      if (result.accepted !== messagesPerRound) {
        throw new Error(
          `round ${round}: ${result.accepted}/${messagesPerRound} accepted: ${result.errors.join('; ')}`,
        );
      }
      ingestRates.push(result.messagesPerSecond);
      ackP50.push(result.ackLatencyMs.p50);
      ackP99.push(result.ackLatencyMs.p99);
      console.log(
        `ingest round ${round}: ${result.messagesPerSecond.toFixed(0)} msg/s, 250 latency p50 ${result.ackLatencyMs.p50} ms p99 ${result.ackLatencyMs.p99} ms`,
      );
    }

    const ingestRss = server.peakRssMiB();

    // Top the bulk mailbox up to exactly `listSize` messages for the list benchmark.
    const have = (await json(`${server.baseUrl}/api/messages?email=${bulk}`, key)).messages.length;
    if (have < listSize) {
      await runSmtpLoad({
        ...base,
        connections,
        messages: listSize - have,
        recipients: [bulk],
        raw: () => message,
      });
    }
    const listUrl = `${server.baseUrl}/api/messages?email=${bulk}`;
    const headers = { Authorization: `Bearer ${key}`, Accept: 'application/json' };
    const listRuns = [];
    for (let round = 1; round <= rounds; round++) {
      listRuns.push(
        await runHttpLoad({ url: listUrl, headers, connections: 4, durationSeconds: 5, expectStatus: 200 }),
      );
    }
    const visibleP = percentiles(visible);
    const rows: [string, string][] = [
      ['machine', `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, Node ${process.version}`],
      [
        'SMTP ingest, 20 KB msg + attachment, 16 conns',
        `${median(ingestRates).toFixed(0)} msg/s (median of ${rounds} × ${messagesPerRound}; rounds: ${ingestRates.map((r) => r.toFixed(0)).join(', ')})`,
      ],
      ['end-of-DATA → 250 latency', `p50 ${round3(median(ackP50))} ms, p99 ${round3(median(ackP99))} ms`],
      [
        'end-of-DATA → visible in API, under load',
        `p50 ${visibleP.p50} ms, p99 ${visibleP.p99} ms, max ${visibleP.max} ms (${visible.length} samples, ${invisible} not visible)`,
      ],
      [
        'server peak RSS',
        `${ingestRss} MiB after ingest, ${server.peakRssMiB()} MiB after the list benchmark`,
      ],
      [
        `GET /api/messages, ${listSize} messages, 4 conns`,
        `${median(listRuns.map((r) => r.requestsPerSecond)).toFixed(1)} req/s, p50 ${median(listRuns.map((r) => r.latencyMs.p50)).toFixed(0)} ms, p99 ${median(listRuns.map((r) => r.latencyMs.p99)).toFixed(0)} ms, ${(median(listRuns.map((r) => r.bytesPerResponse)) / 1e6).toFixed(1)} MB/response`,
      ],
    ];
    return rows;
  } finally {
    await server.stop();
  }
}

const rows = await main();
if (process.env.BENCH_API !== '0') {
  rows.push(...(await runApiReadBench({ rounds, baseline: process.env.BENCH_API_BASELINE })));
}
if (process.env.BENCH_WEBHOOKS !== '0') {
  rows.push(...(await runWebhookBench({ rounds, messages: messagesPerRound, connections })));
}
if (process.env.BENCH_BIG_HTML !== '0') {
  rows.push(...(await runBigHtmlBench({ rounds, baseline: process.env.BENCH_BIG_HTML_BASELINE })));
}
if (process.env.BENCH_BIG !== '0') {
  rows.push(...(await runBigMessageBench({ rounds })));
  rows.push(...(await runBigMessageBench({ rounds, senders: 16 })));
}
if (process.env.BENCH_HOG !== '0') {
  rows.push(...(await runSlotHoggingBench({ rounds, baseline: process.env.BENCH_HOG_BASELINE })));
}
if (process.env.BENCH_WAIT !== '0') rows.push(...(await runWaitBench({ rounds })));
if (process.env.BENCH_INGEST_EXTRACTION !== '0') {
  rows.push(
    ...(await runIngestExtractionBench({
      rounds,
      messages: messagesPerRound,
      baseline: process.env.BENCH_INGEST_BASELINE,
    })),
  );
}
if (process.env.BENCH_SENDER_AUTH !== '0') {
  rows.push(...(await runSenderAuthBench({ rounds, messages: messagesPerRound })));
}
if (process.env.BENCH_POSTGRES !== '0') rows.push(...(await runBackendBench()));
if (process.env.BENCH_EXTRACT !== '0') rows.push(...(await runExtractionBench()));
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`\n${'measure'.padEnd(width)} | result\n${'-'.repeat(width)}-|-------`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)} | ${v}`);
