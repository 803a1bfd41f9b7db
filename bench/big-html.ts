// Big HTML benchmark (part of `npm run bench`; alone: `node bench/big-html.ts`): how long a
// cheap request (GET /api/domains) waits while big HTML-only messages (~15 MB of HTML) are read
// again and again through the web UI's frame (body.html) and the key API's message detail.
// Reading such a message must not hold up anyone else: the sanitising and the text are made once,
// at ingest, in worker threads. BENCH_BIG_HTML_BASELINE=/path/to/other/checkout runs that
// checkout's server too, rounds alternating between the two, for a before/after comparison.
import { performance } from 'node:perf_hooks';
import { runHttpLoad } from './http-load.ts';
import { type BenchServer, startBenchServer } from './server-process.ts';
import { runSmtpLoad } from './smtp-load.ts';
import { median } from './stats.ts';

const htmlBytes = Number(process.env.BENCH_BIG_HTML_BYTES ?? 15 * 1024 * 1024);
const bigMessages = 2;
const readSeconds = Number(process.env.BENCH_BIG_HTML_SECONDS ?? 10);

/** An HTML-only message with about `bytes` of HTML: a long table of formatted rows. */
function bigHtmlMessage(to: string, subject: string, bytes: number): Buffer {
  const row =
    '<tr><td style="padding:4px;color:#333">Row of a long report with <b>bold</b> and <i>italic</i> text</td>' +
    '<td><a href="https://example.com/item?id=1">details</a> <img src="https://example.com/p.gif" alt="p"></td></tr>\r\n';
  const body = `<html><body><h1>${subject}</h1><table>\r\n${row.repeat(Math.ceil(bytes / row.length))}</table></body></html>\r\n`;
  const head = [
    'From: Reports <reports@sender.test>',
    `To: <${to}>`,
    `Subject: ${subject}`,
    'Date: Thu, 01 Jan 2026 00:00:00 +0000',
    `Message-ID: <${subject.replace(/\W/g, '')}@sender.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ].join('\r\n');
  return Buffer.from(`${head}\r\n\r\n${body}`);
}

async function call<T>(url: string, key: string, method = 'GET', body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: {
      Authorization: `Bearer ${key}`,
      Accept: 'application/json',
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface RoundResult {
  ingestSeconds: number;
  idleP99: number;
  p50: number;
  p99: number;
  max: number;
  frameReads: number;
  detailReads: number;
  peakRssMiB: number;
}

async function oneRound(cliPath: string | undefined): Promise<RoundResult> {
  const server: BenchServer = await startBenchServer(
    {
      BURNBOX_PLANS: JSON.stringify({
        free: { monthlyRequests: 100_000_000, mailboxLifetimeSeconds: 86400 },
      }),
      BURNBOX_MAX_MESSAGE_BYTES: String(32 * 1024 * 1024),
    },
    cliPath,
  );
  try {
    server.cli('domain', 'add', 'bench.test');
    server.cli('user', 'create', 'bench@bench.test');
    const key = server.cli('key', 'create', 'bench@bench.test').trim();
    const mailbox = (
      await call<{ data: { email: string; email_token: string } }>(
        `${server.baseUrl}/api/emails`,
        key,
        'POST',
      )
    ).data;
    const started = performance.now();
    const sent = await runSmtpLoad({
      host: '127.0.0.1',
      port: server.smtpPort,
      from: 'reports@sender.test',
      connections: 1,
      messages: bigMessages,
      recipients: [mailbox.email],
      raw: (i, to) => bigHtmlMessage(to, `Big report ${i}`, htmlBytes),
      timeoutMs: 120_000,
    });
    if (sent.accepted !== bigMessages) throw new Error(`big HTML not accepted: ${sent.errors.join('; ')}`);
    const ingestSeconds = (performance.now() - started) / 1000;

    const { emails } = await call<{ emails: { id: string; address: string }[] }>(
      `${server.baseUrl}/api/emails`,
      key,
    );
    const emailId = emails.find((e) => e.address === mailbox.email)?.id;
    const { messages } = await call<{ messages: { id: string }[] }>(
      `${server.baseUrl}/api/emails/${emailId}`,
      key,
    );
    const headers = { Authorization: `Bearer ${key}` };
    const cheap = `${server.baseUrl}/api/domains`;

    const idle = await runHttpLoad({
      url: cheap,
      headers,
      connections: 2,
      durationSeconds: 2,
      expectStatus: 200,
    });
    // Readers: two loops on the frame and two on the detail, one message each.
    const readers = messages.slice(0, 2).flatMap((m) => [
      runHttpLoad({
        url: `${server.baseUrl}/inbox/${mailbox.email_token}/messages/${m.id}/body.html`,
        connections: 1,
        durationSeconds: readSeconds,
        expectStatus: 200,
        timeoutMs: 120_000,
      }),
      runHttpLoad({
        url: `${server.baseUrl}/api/emails/${emailId}/${m.id}`,
        headers,
        connections: 1,
        durationSeconds: readSeconds,
        expectStatus: 200,
        timeoutMs: 120_000,
      }),
    ]);
    const probe = await runHttpLoad({
      url: cheap,
      headers,
      connections: 2,
      durationSeconds: readSeconds,
      expectStatus: 200,
    });
    const reads = await Promise.all(readers);
    for (const r of [probe, ...reads]) {
      if (r.non2xx || r.errors) throw new Error(`unexpected responses: ${r.errorSamples.join('; ')}`);
    }
    return {
      ingestSeconds,
      idleP99: idle.latencyMs.p99,
      p50: probe.latencyMs.p50,
      p99: probe.latencyMs.p99,
      max: probe.latencyMs.max,
      frameReads: (reads[0]?.requests ?? 0) + (reads[2]?.requests ?? 0),
      detailReads: (reads[1]?.requests ?? 0) + (reads[3]?.requests ?? 0),
      peakRssMiB: server.peakRssMiB(),
    };
  } finally {
    await server.stop();
  }
}

function summary(runs: RoundResult[]): string {
  const m = (f: (r: RoundResult) => number) => median(runs.map(f));
  return (
    `GET /api/domains p50 ${m((r) => r.p50).toFixed(1)} ms, p99 ${m((r) => r.p99).toFixed(1)} ms, max ${m((r) => r.max).toFixed(0)} ms ` +
    `(idle p99 ${m((r) => r.idleP99).toFixed(1)} ms); big reads in ${readSeconds} s: ${m((r) => r.frameReads)} frame, ` +
    `${m((r) => r.detailReads)} detail; ${bigMessages} big mails stored in ${m((r) => r.ingestSeconds).toFixed(1)} s; ` +
    `peak RSS ${m((r) => r.peakRssMiB)} MiB (medians of ${runs.length}; p99 per round: ${runs.map((r) => r.p99.toFixed(0)).join(', ')})`
  );
}

export async function runBigHtmlBench(options: {
  rounds: number;
  baseline?: string;
}): Promise<[string, string][]> {
  const current: RoundResult[] = [];
  const baseline: RoundResult[] = [];
  const baselineCli = options.baseline && `${options.baseline.replace(/\/$/, '')}/bin/burnbox.mjs`;
  for (let round = 1; round <= options.rounds; round++) {
    // Alternating, so that both meet the same state of the machine.
    if (baselineCli) {
      baseline.push(await oneRound(baselineCli));
      console.log(`big HTML round ${round} (baseline): p99 ${baseline.at(-1)?.p99} ms`);
    }
    current.push(await oneRound(undefined));
    console.log(`big HTML round ${round}: p99 ${current.at(-1)?.p99} ms`);
  }
  const label = `${(htmlBytes / 1024 / 1024).toFixed(0)} MB HTML-only mail read repeatedly (2 frame + 2 detail loops)`;
  const rows: [string, string][] = [[label, summary(current)]];
  if (baselineCli) rows.push([`${label}, baseline ${options.baseline}`, summary(baseline)]);
  return rows;
}

if (import.meta.main) {
  const rows = await runBigHtmlBench({
    rounds: Number(process.env.BENCH_ROUNDS ?? 3),
    baseline: process.env.BENCH_BIG_HTML_BASELINE,
  });
  for (const [k, v] of rows) console.log(`${k} | ${v}`);
}
