// Ingest rate with codes and links read at ingest (part of `npm run bench`; alone:
// `npx node bench/ingest-extraction.ts`): two mails with a code and a verify link, the 20 KB
// sample (small text and HTML parts, an attachment) and a verification mail as services send
// them (a text part and ~20 KB of HTML, the part that costs the extractor most), each over 16
// SMTP connections into this checkout's server, and with
// BENCH_INGEST_BASELINE=/path/to/other/checkout (several: comma-separated) into those checkouts'
// servers too, rounds alternating so that all meet the same state of the machine. Medians.
// BENCH_INGEST_BACKEND=postgres: every server on a fresh schema of the test PostgreSQL
// (BURNBOX_TEST_DATABASE_URL), one process each.
import { dropSchema, freshSchemaName, postgresUrl } from '../test/support/postgres.ts';
import { startBenchServer } from './server-process.ts';
import { buildSampleMessage, runSmtpLoad } from './smtp-load.ts';
import { median } from './stats.ts';

const connections = 16;

/** A sign-up mail of a service: a text part and ~`htmlBytes` of table-laid HTML around the code. */
export function buildHtmlVerificationMail(to: string, htmlBytes = 20 * 1024): Buffer {
  const row =
    '<tr><td style="padding:8px 24px;font-family:Helvetica,Arial,sans-serif;font-size:14px;color:#333">' +
    'We will never ask for your password. Questions? <a href="https://help.example.net/faq?utm_source=mail&amp;utm_medium=verify">Visit our help centre</a>.</td></tr>\r\n';
  const filler = row.repeat(Math.ceil(htmlBytes / row.length));
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"><title>Verify</title></head><body>',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0">',
    '<tr><td style="font-size:16px">Hi there, thanks for signing up. Your verification code is:</td></tr>',
    '<tr><td style="font-size:32px;font-weight:bold;letter-spacing:6px">482913</td></tr>',
    '<tr><td><a href="https://accounts.example.net/verify?token=7f3a9c1e&amp;u=42" style="background:#0b5cad;color:#fff">Confirm email address</a></td></tr>',
    filler,
    '<tr><td><a href="https://example.net/unsubscribe?u=42">Unsubscribe</a> · 1 Example Way, Springfield 12345 · © 2026</td></tr>',
    '</table></body></html>',
  ].join('\r\n');
  const text = [
    'Hi there, thanks for signing up. Your verification code is: 482913',
    '',
    'Confirm email address: https://accounts.example.net/verify?token=7f3a9c1e&u=42',
    '',
    'Unsubscribe: https://example.net/unsubscribe?u=42',
  ].join('\r\n');
  return Buffer.from(
    [
      'From: Example <no-reply@example.net>',
      `To: <${to}>`,
      'Subject: Verify your email address',
      'Date: Thu, 01 Jan 2026 00:00:00 +0000',
      'Message-ID: <bench-verify@example.net>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="bb-verify"',
      '',
      '--bb-verify',
      'Content-Type: text/plain; charset=utf-8',
      '',
      text,
      '--bb-verify',
      'Content-Type: text/html; charset=utf-8',
      '',
      html,
      '--bb-verify--',
      '',
    ].join('\r\n'),
    'utf8',
  );
}

const mails = {
  '20 KB sample (small parts + attachment)': (to: string) =>
    buildSampleMessage({ to, subject: 'Your verification code' }),
  'verification mail with 20 KB of HTML': (to: string) => buildHtmlVerificationMail(to),
};
type MailName = keyof typeof mails;

interface RoundResult {
  rate: number;
  /** Server CPU time per message, in microseconds. */
  cpuMicros: number;
}

async function oneRound(messages: number, cliPath: string | undefined, mail: MailName): Promise<RoundResult> {
  const schema = process.env.BENCH_INGEST_BACKEND === 'postgres' ? freshSchemaName('bb_bench') : undefined;
  const database: Record<string, string> = schema
    ? { BURNBOX_DATABASE_URL: postgresUrl(), BURNBOX_DATABASE_SCHEMA: schema }
    : {};
  const server = await startBenchServer(
    {
      BURNBOX_PLANS: JSON.stringify({
        free: { monthlyRequests: 100_000_000, mailboxLifetimeSeconds: 86400 },
      }),
      ...database,
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
    const message = mails[mail](to);
    const base = { host: '127.0.0.1', port: server.smtpPort, from: 'load@sender.test', recipients: [to] };
    // Warm-up: JIT, page cache, statement cache.
    await runSmtpLoad({ ...base, connections, messages: 300, raw: () => message });
    const cpuBefore = server.cpuSeconds();
    const result = await runSmtpLoad({ ...base, connections, messages, raw: () => message });
    const cpuMicros = ((server.cpuSeconds() - cpuBefore) * 1e6) / messages;
    if (result.accepted !== messages) {
      throw new Error(`${result.accepted}/${messages} accepted: ${result.errors.join('; ')}`);
    }
    return { rate: result.messagesPerSecond, cpuMicros };
  } finally {
    await server.stop();
    if (schema) await dropSchema(schema);
  }
}

export async function runIngestExtractionBench(options: {
  rounds: number;
  messages: number;
  /** Other checkouts, comma-separated. */
  baseline?: string;
}): Promise<[string, string][]> {
  const checkouts = [
    ...(options.baseline ?? '')
      .split(',')
      .filter(Boolean)
      .map((dir) => ({ name: dir, cli: `${dir.replace(/\/$/, '')}/bin/burnbox.mjs` as string | undefined })),
    { name: 'this checkout', cli: undefined },
  ];
  const rows: [string, string][] = [];
  // BENCH_INGEST_MAIL=<part of a mail's name> measures only the mails it names.
  const only = process.env.BENCH_INGEST_MAIL;
  for (const mail of (Object.keys(mails) as MailName[]).filter((m) => !only || m.includes(only))) {
    const results = new Map<string, RoundResult[]>(checkouts.map((c) => [c.name, []]));
    for (let round = 1; round <= options.rounds; round++) {
      for (const checkout of checkouts) {
        const result = await oneRound(options.messages, checkout.cli, mail);
        results.get(checkout.name)?.push(result);
        console.log(
          `ingest, ${mail}, round ${round}, ${checkout.name}: ${result.rate.toFixed(0)} msg/s, ${result.cpuMicros.toFixed(0)} µs CPU/msg`,
        );
      }
    }
    for (const { name } of checkouts) {
      const runs = results.get(name) ?? [];
      const rates = runs.map((r) => r.rate);
      const cpu = runs.map((r) => r.cpuMicros);
      rows.push([
        `SMTP ingest, ${mail}, 16 conns, ${name}`,
        `${median(rates).toFixed(0)} msg/s, server CPU ${median(cpu).toFixed(0)} µs/msg (medians of ${runs.length} × ${options.messages}; rounds: ${rates.map((r) => r.toFixed(0)).join(', ')})`,
      ]);
    }
  }
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
