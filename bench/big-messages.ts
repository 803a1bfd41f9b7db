// Memory under concurrent big messages: a fresh server process per round receives 8 (then 16)
// messages of ~20 MB at once (one per connection, a binary attachment in base64), and we read
// its peak RSS (VmHWM), its RSS a moment after the load (is memory given back?), and how many
// of the messages the API lists (none may be lost). A message answered 4xx (past the cap on
// bytes in flight) is sent again once the wave is through, as an MTA would retry it.
// `node bench/big-messages.ts` runs only this part.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBenchServer } from './server-process.ts';
import { buildSampleMessage, runSmtpLoad } from './smtp-load.ts';
import { median } from './stats.ts';

export interface BigMessageOptions {
  rounds: number;
  /** Concurrent senders, one message each. */
  senders?: number;
  /** Decoded attachment size; base64 makes the message ~4/3 of it. */
  attachmentBytes?: number;
}

interface Round {
  peakMiB: number;
  settledMiB: number;
  stored: number;
  seconds: number;
  /** Messages answered 4xx and sent again. */
  retried: number;
}

const maxWaves = 5;

function rssMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
}

async function oneRound(senders: number, attachmentBytes: number): Promise<Round> {
  const server = await startBenchServer({});
  try {
    server.cli('domain', 'add', 'bench.test');
    server.cli('user', 'create', 'big@bench.test');
    const key = server.cli('key', 'create', 'big@bench.test').trim();
    const headers = { Authorization: `Bearer ${key}`, Accept: 'application/json' };
    const created = await fetch(`${server.baseUrl}/api/emails`, { method: 'POST', headers });
    const address = ((await created.json()) as { data: { email: string } }).data.email;
    const message = buildSampleMessage({ to: address, subject: 'Big message', attachmentBytes });
    let pending = senders;
    let retried = 0;
    let seconds = 0;
    for (let wave = 0; wave < maxWaves && pending > 0; wave++) {
      const result = await runSmtpLoad({
        host: '127.0.0.1',
        port: server.smtpPort,
        from: 'big@sender.test',
        connections: pending,
        messages: pending,
        recipients: [address],
        raw: () => message,
        timeoutMs: 120_000,
      });
      seconds += result.seconds;
      if (result.failed > 0 || result.errors.some((e) => !/: 4\d\d /.test(e)))
        console.log(`big messages: ${result.errors.join('; ')}`);
      pending -= result.accepted;
      if (wave > 0) retried += result.sent;
    }
    const peakMiB = server.peakRssMiB();
    // Give the process a moment to return what it no longer uses (bench only: timing is the point).
    await sleep(3000);
    const settledMiB = rssMiB(server.pid, 'VmRSS');
    const list = await fetch(`${server.baseUrl}/api/messages?email=${encodeURIComponent(address)}`, {
      headers,
    });
    const stored = ((await list.json()) as { messages: unknown[] }).messages.length;
    return { peakMiB, settledMiB, stored, seconds: Math.round(seconds * 10) / 10, retried };
  } finally {
    await server.stop();
  }
}

export async function runBigMessageBench(options: BigMessageOptions): Promise<[string, string][]> {
  const senders = options.senders ?? 8;
  const attachmentBytes = options.attachmentBytes ?? 14_600_000;
  const sizeMB = (
    buildSampleMessage({ to: 'x@bench.test', subject: 'Big message', attachmentBytes }).length / 1e6
  ).toFixed(1);
  const rounds: Round[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const r = await oneRound(senders, attachmentBytes);
    rounds.push(r);
    console.log(
      `big messages (${senders}) round ${round}: peak RSS ${r.peakMiB} MiB, ${r.settledMiB} MiB 3 s later, ${r.stored}/${senders} stored in ${r.seconds} s, ${r.retried} sent again after a 4xx`,
    );
  }
  const peaks = rounds.map((r) => r.peakMiB);
  return [
    [
      `${senders} concurrent ${sizeMB} MB messages: server peak RSS`,
      `${median(peaks)} MiB (median of ${options.rounds}; rounds: ${peaks.join(', ')})`,
    ],
    [
      `… RSS 3 s after; stored; sent again after a 4xx`,
      `${median(rounds.map((r) => r.settledMiB))} MiB; ${rounds.map((r) => r.stored).join(', ')} of ${senders}; ${rounds.map((r) => r.retried).join(', ')}`,
    ],
  ];
}

if (import.meta.main) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const rows = await runBigMessageBench({ rounds });
  rows.push(...(await runBigMessageBench({ rounds, senders: 16 })));
  for (const [k, v] of rows) console.log(`${k} | ${v}`);
}
