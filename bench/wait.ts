// Waiting for a message (part of `npm run bench`; alone: `npx node bench/wait.ts`; BENCH_WAIT=0
// skips it in run.ts): 1,000 waits held at once (GET /api/messages/wait, one per mailbox, each
// opened again as soon as it is answered), and probe messages sent one at a time to waited
// mailboxes, timing end-of-DATA (the final "." written) → the wait's answer arriving, p50/p99:
// at rest, and while 16 other SMTP connections load the server with mail to another mailbox.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBenchServer } from './server-process.ts';
import { buildSampleMessage, runSmtpLoad } from './smtp-load.ts';
import { median, percentiles } from './stats.ts';

const held = Number(process.env.BENCH_WAITS ?? 1000);
const probesPerPhase = Number(process.env.BENCH_WAIT_PROBES ?? 100);
const loadConnections = 16;
const loadSeconds = 12;

interface Answer {
  subject: string;
  at: number;
}

/** A wait on `mailbox`, opened again after each answer or timeout until `stop()`. */
function holdWaits(baseUrl: string, key: string, mailbox: string, onAnswer: (a: Answer) => void) {
  let stopped = false;
  let current: http.ClientRequest | undefined;
  let opened: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const open = () => {
    if (stopped) return;
    const url = `${baseUrl}/api/messages/wait?email=${encodeURIComponent(mailbox)}&timeout=60`;
    current = http.get(url, { agent: false, headers: { Authorization: `Bearer ${key}` } }, (res) => {
      const at = performance.now();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        if (res.statusCode === 200) onAnswer({ subject: JSON.parse(body).data.subject, at });
        open();
      });
    });
    current.on('error', () => {});
    // The wait is held once its socket is connected and the request written.
    current.on('finish', () => opened());
  };
  open();
  return {
    ready,
    stop() {
      stopped = true;
      current?.destroy();
    },
  };
}

export async function runWaitBench(options: { rounds: number }): Promise<[string, string][]> {
  const server = await startBenchServer({
    BURNBOX_PLANS: JSON.stringify({
      free: { monthlyRequests: 100_000_000, mailboxLifetimeSeconds: 86400, maxMailboxes: null },
    }),
  });
  const waits: ReturnType<typeof holdWaits>[] = [];
  try {
    server.cli('domain', 'add', 'bench.test');
    server.cli('user', 'create', 'bench@bench.test');
    const key = server.cli('key', 'create', 'bench@bench.test').trim();
    const create = async () => {
      const res = await fetch(`${server.baseUrl}/api/emails`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}` },
      });
      return ((await res.json()) as { data: { email: string } }).data.email;
    };
    const mailboxes: string[] = [];
    for (let i = 0; i < held; i += 50)
      mailboxes.push(...(await Promise.all(Array.from({ length: 50 }, create))));
    const bulk = await create();
    const arrived = new Map<string, number>();
    for (const mailbox of mailboxes) {
      waits.push(holdWaits(server.baseUrl, key, mailbox, (a) => arrived.set(a.subject, a.at)));
    }
    await Promise.all(waits.map((w) => w.ready));
    const base = { host: '127.0.0.1', port: server.smtpPort, from: 'probe@sender.test' };

    /** Probes, one after another on one connection, each to the next waited mailbox: ms from end of DATA to the answer. */
    let next = 0;
    const probe = async (phase: string, count: number) => {
      const sentAt = new Map<string, number>();
      const ackedAt = new Map<string, number>();
      const targets = Array.from({ length: count }, () => mailboxes[next++ % mailboxes.length] as string);
      await runSmtpLoad({
        ...base,
        connections: 1,
        messages: count,
        recipients: targets,
        raw: (i, to) => buildSampleMessage({ to, subject: `${phase} probe ${i}` }),
        onAccepted: (i, _to, endOfDataAt) => {
          sentAt.set(`${phase} probe ${i}`, endOfDataAt);
          ackedAt.set(`${phase} probe ${i}`, performance.now());
        },
      });
      const deadline = performance.now() + 30_000;
      while ([...sentAt.keys()].some((s) => !arrived.has(s)) && performance.now() < deadline) {
        await sleep(20);
      }
      const latencies = [...sentAt].flatMap(([s, t]) =>
        arrived.has(s) ? [(arrived.get(s) as number) - t] : [],
      );
      const afterAck = [...ackedAt].flatMap(([s, t]) =>
        arrived.has(s) ? [(arrived.get(s) as number) - t] : [],
      );
      return {
        ...percentiles(latencies),
        afterAckP50: percentiles(afterAck).p50,
        missing: count - latencies.length,
      };
    };

    await probe('warm-up', 20);
    type Phase = Awaited<ReturnType<typeof probe>>;
    const rest: Phase[] = [];
    const loaded: Phase[] = [];
    const rates: number[] = [];
    let missing = 0;
    for (let round = 1; round <= options.rounds; round++) {
      const quiet = await probe(`rest ${round}`, probesPerPhase);
      const message = buildSampleMessage({ to: bulk, subject: 'load' });
      // Bounded in time: no new transaction after loadSeconds; the probes run inside that window.
      const load = runSmtpLoad({
        ...base,
        connections: loadConnections,
        messages: 1_000_000,
        maxSeconds: loadSeconds,
        recipients: [bulk],
        raw: () => message,
      });
      await sleep(1000); // the load ramps up
      const busy = await probe(`load ${round}`, probesPerPhase);
      rates.push((await load).messagesPerSecond);
      rest.push(quiet);
      loaded.push(busy);
      missing += quiet.missing + busy.missing;
      console.log(
        `wait round ${round}: at rest p50 ${quiet.p50} ms p99 ${quiet.p99} ms; under load (${rates.at(-1)?.toFixed(0)} msg/s) p50 ${busy.p50} ms p99 ${busy.p99} ms`,
      );
    }
    const m = (xs: Phase[], k: 'p50' | 'p99' | 'afterAckP50') => median(xs.map((x) => x[k])).toFixed(1);
    return [
      [
        `end-of-DATA → wait answer, ${held} waits held, at rest`,
        `p50 ${m(rest, 'p50')} ms, p99 ${m(rest, 'p99')} ms; after the 250: p50 ${m(rest, 'afterAckP50')} ms (median of ${options.rounds} × ${probesPerPhase} probes)`,
      ],
      [
        `end-of-DATA → wait answer, ${held} waits held, under SMTP load (${loadConnections} conns)`,
        `p50 ${m(loaded, 'p50')} ms, p99 ${m(loaded, 'p99')} ms; after the 250: p50 ${m(loaded, 'afterAckP50')} ms; ingest ${median(rates).toFixed(0)} msg/s meanwhile${missing ? ` (${missing} probes unanswered)` : ''}`,
      ],
      ['server peak RSS with the waits held', `${server.peakRssMiB()} MiB`],
    ];
  } finally {
    for (const w of waits) w.stop();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runWaitBench({ rounds: Number(process.env.BENCH_ROUNDS ?? 3) });
  for (const [k, v] of rows) console.log(`${k} | ${v}`);
}
