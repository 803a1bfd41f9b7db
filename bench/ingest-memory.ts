// Server memory over a long SMTP ingest (`npx node bench/ingest-memory.ts`): the 20 KB sample
// over 16 connections, BENCH_MEMORY_MESSAGES in all (default 100,000), and after each tenth the
// server's resident set now and at its peak, so that growth over the run shows. With
// BENCH_MEMORY_CLI=/path/to/other/checkout/bin/burnbox.mjs, that checkout's server instead.
import { readFileSync } from 'node:fs';
import { startBenchServer } from './server-process.ts';
import { buildSampleMessage, runSmtpLoad } from './smtp-load.ts';

const total = Number(process.env.BENCH_MEMORY_MESSAGES ?? 100_000);
const steps = 10;

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

const server = await startBenchServer(
  {
    BURNBOX_PLANS: JSON.stringify({ free: { monthlyRequests: 100_000_000, mailboxLifetimeSeconds: 86400 } }),
  },
  process.env.BENCH_MEMORY_CLI,
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
  const message = buildSampleMessage({ to, subject: 'Memory benchmark' });
  const base = { host: '127.0.0.1', port: server.smtpPort, from: 'load@sender.test', recipients: [to] };
  let sent = 0;
  for (let step = 1; step <= steps; step++) {
    const messages = Math.round((total * step) / steps) - sent;
    const result = await runSmtpLoad({ ...base, connections: 16, messages, raw: () => message });
    if (result.accepted !== messages) throw new Error(`${result.accepted}/${messages} accepted`);
    sent += messages;
    console.log(
      `${sent} messages: RSS ${rssMiB(server.pid)} MiB, peak ${server.peakRssMiB()} MiB, ${result.messagesPerSecond.toFixed(0)} msg/s`,
    );
  }
} finally {
  await server.stop();
}
