// Big HTML benchmark (part of `npm run bench`; alone: `node bench/big-html.ts`): how long a
// cheap request (GET /api/domains) waits while big HTML-only messages (~15 MB of HTML) are read
// again and again through the web UI's frame (body.html) and the key API's message detail: by
// four loops reading back to back (the server answers as fast as it can), then paced
// (BENCH_BIG_HTML_PACE reads a second each). Reading such a message must not hold up anyone
// else: the sanitising and the text are made once, at ingest, in worker threads.
// BENCH_BIG_HTML_BASELINE=/path/to/other/checkout runs that checkout's server too, rounds
// alternating between the two, for a before/after comparison.
import { performance } from 'node:perf_hooks';
import { runHttpLoad } from './http-load.ts';
import { type BenchServer, startBenchServer } from './server-process.ts';
import { runSmtpLoad } from './smtp-load.ts';
import { median } from './stats.ts';

const htmlBytes = Number(process.env.BENCH_BIG_HTML_BYTES ?? 15 * 1024 * 1024);
const bigMessages = 2;
const readSeconds = Number(process.env.BENCH_BIG_HTML_SECONDS ?? 10);
/** Reads a second of each of the four loops in the paced phase. */
const pacedPerLoop = Number(process.env.BENCH_BIG_HTML_PACE ?? 2);

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

interface PhaseResult {
  p50: number;
  p99: number;
  max: number;
  frameReads: number;
  detailReads: number;
}

interface RoundResult {
  ingestSeconds: number;
  idleP99: number;
  /** Readers reading back to back, as fast as the server answers. */
  saturated: PhaseResult;
  /** Readers reading `pacedPerLoop` times a second each (when the server keeps up). */
  paced: PhaseResult;
  peakRssMiB: number;
}

/** GETs `url` `perSecond` times a second (or as often as it answers) for `seconds`; the count. */
async function pacedReads(url: string, headers: Record<string, string>, perSecond: number, seconds: number) {
  const end = performance.now() + seconds * 1000;
  let next = performance.now();
  let count = 0;
  while (performance.now() < end) {
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
    count++;
    next += 1000 / perSecond;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return count;
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
    const reads = messages.slice(0, 2).flatMap((m) => [
      { kind: 'frame', url: `${server.baseUrl}/inbox/${mailbox.email_token}/messages/${m.id}/body.html` },
      { kind: 'detail', url: `${server.baseUrl}/api/emails/${emailId}/${m.id}`, headers },
    ]);
    /** The cheap request's latency while the four loops read (paced: `perSecond` each, or flat out). */
    const phase = async (perSecond?: number) => {
      const readers = reads.map((r) =>
        perSecond
          ? pacedReads(r.url, r.headers ?? {}, perSecond, readSeconds)
          : runHttpLoad({
              url: r.url,
              headers: r.headers,
              connections: 1,
              durationSeconds: readSeconds,
              expectStatus: 200,
              timeoutMs: 120_000,
            }).then((result) => {
              if (result.non2xx || result.errors)
                throw new Error(`read failed: ${result.errorSamples.join('; ')}`);
              return result.requests;
            }),
      );
      const probe = await runHttpLoad({
        url: cheap,
        headers,
        connections: 2,
        durationSeconds: readSeconds,
        expectStatus: 200,
      });
      if (probe.non2xx || probe.errors) throw new Error(`probe failed: ${probe.errorSamples.join('; ')}`);
      const counts = await Promise.all(readers);
      return {
        p50: probe.latencyMs.p50,
        p99: probe.latencyMs.p99,
        max: probe.latencyMs.max,
        frameReads: (counts[0] ?? 0) + (counts[2] ?? 0),
        detailReads: (counts[1] ?? 0) + (counts[3] ?? 0),
      };
    };
    const saturated = await phase();
    const paced = await phase(pacedPerLoop);
    return { ingestSeconds, idleP99: idle.latencyMs.p99, saturated, paced, peakRssMiB: server.peakRssMiB() };
  } finally {
    await server.stop();
  }
}

function summary(runs: RoundResult[], pick: (r: RoundResult) => PhaseResult): string {
  const m = (f: (r: PhaseResult) => number) => median(runs.map((r) => f(pick(r))));
  return (
    `GET /api/domains p50 ${m((r) => r.p50).toFixed(1)} ms, p99 ${m((r) => r.p99).toFixed(1)} ms, max ${m((r) => r.max).toFixed(0)} ms; ` +
    `big reads in ${readSeconds} s: ${m((r) => r.frameReads)} frame, ${m((r) => r.detailReads)} detail ` +
    `(medians of ${runs.length}; p99 per round: ${runs.map((r) => pick(r).p99.toFixed(0)).join(', ')})`
  );
}

function setting(runs: RoundResult[]): string {
  const m = (f: (r: RoundResult) => number) => median(runs.map(f));
  return (
    `idle GET /api/domains p99 ${m((r) => r.idleP99).toFixed(1)} ms; ${bigMessages} big mails stored in ` +
    `${m((r) => r.ingestSeconds).toFixed(1)} s; peak RSS ${m((r) => r.peakRssMiB)} MiB`
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
      console.log(`big HTML round ${round} (baseline): p99 ${baseline.at(-1)?.saturated.p99} ms`);
    }
    current.push(await oneRound(undefined));
    console.log(`big HTML round ${round}: p99 ${current.at(-1)?.saturated.p99} ms`);
  }
  const size = `${(htmlBytes / 1024 / 1024).toFixed(0)} MB HTML-only mail`;
  const rows: [string, string][] = [];
  for (const [name, runs] of [
    ['', current],
    [`, baseline ${options.baseline}`, baseline],
  ] as const) {
    if (runs.length === 0) continue;
    rows.push(
      [`${size}, read back to back by 2 frame + 2 detail loops${name}`, summary(runs, (r) => r.saturated)],
      [`${size}, read ${pacedPerLoop}/s by each of those loops${name}`, summary(runs, (r) => r.paced)],
      [`${size}${name}`, setting(runs)],
    );
  }
  return rows;
}

if (import.meta.main) {
  const rows = await runBigHtmlBench({
    rounds: Number(process.env.BENCH_ROUNDS ?? 3),
    baseline: process.env.BENCH_BIG_HTML_BASELINE,
  });
  for (const [k, v] of rows) console.log(`${k} | ${v}`);
}
