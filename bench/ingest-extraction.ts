// Ingest rate with codes and links read at ingest (part of `npm run bench`; alone:
// `npx node bench/ingest-extraction.ts`): the 20 KB sample mail (it carries a code and a verify
// link) over 16 SMTP connections into this checkout's server, and with
// BENCH_INGEST_BASELINE=/path/to/other/checkout into that checkout's server too, rounds
// alternating so that both meet the same state of the machine. Medians of the rounds.
import { startBenchServer } from './server-process.ts';
import { buildSampleMessage, runSmtpLoad } from './smtp-load.ts';
import { median } from './stats.ts';

const connections = 16;

async function oneRound(messages: number, cliPath: string | undefined): Promise<number> {
  const server = await startBenchServer(
    {
      BURNBOX_PLANS: JSON.stringify({
        free: { monthlyRequests: 100_000_000, mailboxLifetimeSeconds: 86400 },
      }),
    },
    cliPath,
  );
  try {
    server.cli('domain', 'add', 'bench.test');
    server.cli('user', 'create', 'bench@bench.test');
    const key = server.cli('key', 'create', 'bench@bench.test').trim();
    const res = await fetch(`${server.baseUrl}/api/emails`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' },
    });
    const to = ((await res.json()) as { data: { email: string } }).data.email;
    const message = buildSampleMessage({ to, subject: 'Your verification code' });
    const base = { host: '127.0.0.1', port: server.smtpPort, from: 'load@sender.test', recipients: [to] };
    // Warm-up: JIT, page cache, statement cache.
    await runSmtpLoad({ ...base, connections, messages: 300, raw: () => message });
    const result = await runSmtpLoad({ ...base, connections, messages, raw: () => message });
    if (result.accepted !== messages) {
      throw new Error(`${result.accepted}/${messages} accepted: ${result.errors.join('; ')}`);
    }
    return result.messagesPerSecond;
  } finally {
    await server.stop();
  }
}

export async function runIngestExtractionBench(options: {
  rounds: number;
  messages: number;
  baseline?: string;
}): Promise<[string, string][]> {
  const current: number[] = [];
  const baseline: number[] = [];
  const baselineCli = options.baseline && `${options.baseline.replace(/\/$/, '')}/bin/burnbox.mjs`;
  for (let round = 1; round <= options.rounds; round++) {
    if (baselineCli) {
      baseline.push(await oneRound(options.messages, baselineCli));
      console.log(`ingest with extraction, round ${round} (baseline): ${baseline.at(-1)?.toFixed(0)} msg/s`);
    }
    current.push(await oneRound(options.messages, undefined));
    console.log(`ingest with extraction, round ${round}: ${current.at(-1)?.toFixed(0)} msg/s`);
  }
  const line = (rates: number[]) =>
    `${median(rates).toFixed(0)} msg/s (median of ${rates.length} × ${options.messages}; rounds: ${rates.map((r) => r.toFixed(0)).join(', ')})`;
  const rows: [string, string][] = [
    ['SMTP ingest, 20 KB mail with a code, codes and links read at ingest', line(current)],
  ];
  if (baseline.length > 0)
    rows.push([`SMTP ingest, same mail, baseline ${options.baseline}`, line(baseline)]);
  return rows;
}

if (import.meta.main) {
  const rows = await runIngestExtractionBench({
    rounds: Number(process.env.BENCH_ROUNDS ?? 5),
    messages: Number(process.env.BENCH_MESSAGES ?? 3000),
    baseline: process.env.BENCH_INGEST_BASELINE,
  });
  for (const [k, v] of rows) console.log(`${k} | ${v}`);
}
