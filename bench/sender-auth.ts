// Ingest rate with sender authentication on and off (part of `npm run bench`, BENCH_SENDER_AUTH=0
// skips it; alone: `npx node bench/sender-auth.ts`). The 20 KB sample, DKIM-signed by its From
// domain, whose SPF, DKIM key and DMARC policy a tiny DNS server on 127.0.0.1 answers
// (bench/local-dns.ts, given to the server as BURNBOX_DNS_SERVERS), sent over 16 SMTP connections;
// the server with the checks on and one with them off, rounds alternating. The checks run after
// the 250, so the target is no loss of ingest rate. Also: how long after the last 250 every
// message's verdicts were saved (the checks yield to ingest while it is busy, then catch up).
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { dkimSign } from 'mailauth';
import { startLocalDns } from './local-dns.ts';
import { startBenchServer } from './server-process.ts';
import { buildSampleMessage, runSmtpLoad } from './smtp-load.ts';
import { median } from './stats.ts';

const connections = 16;
const domain = 'bench.burnbox.test';

async function signedSample(to: string, privateKey: string): Promise<Buffer> {
  const message = buildSampleMessage({ to, subject: 'Your verification code' });
  const options = {
    signatureData: [{ signingDomain: domain, selector: 'bench', privateKey }],
  } as unknown as Parameters<typeof dkimSign>[1];
  const { signatures } = await dkimSign(message, options);
  return Buffer.concat([Buffer.from(signatures), message]);
}

/** The parts of the user API's answers read here. */
interface ApiAnswer {
  data: { email: string };
}

interface Round {
  rate: number;
  /** ms from the last 250 until the last message's verdicts were saved (on only). */
  caughtUpMs?: number;
}

async function oneRound(
  on: boolean,
  messages: number,
  dnsServer: string,
  privateKey: string,
): Promise<Round> {
  const server = await startBenchServer({
    BURNBOX_PLANS: JSON.stringify({ free: { monthlyRequests: 100_000_000, mailboxLifetimeSeconds: 86400 } }),
    BURNBOX_SENDER_AUTH: String(on),
    BURNBOX_DNS_SERVERS: dnsServer,
  });
  try {
    server.cli('domain', 'add', 'bench.test');
    server.cli('user', 'create', 'bench@bench.test');
    const key = server.cli('key', 'create', 'bench@bench.test').trim();
    const get = async (path: string, method = 'GET') => {
      const res = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' },
      });
      return (await res.json()) as ApiAnswer;
    };
    const to = (await get('/api/emails', 'POST')).data.email;
    const message = await signedSample(to, privateKey);
    const base = { host: '127.0.0.1', port: server.smtpPort, from: `bounce@${domain}`, recipients: [to] };
    // Warm-up: JIT, page cache, statement cache (and the DNS answers, kept for minutes).
    await runSmtpLoad({ ...base, connections, messages: 300, raw: () => message });
    const result = await runSmtpLoad({ ...base, connections, messages, raw: () => message });
    if (result.accepted !== messages) {
      throw new Error(`${result.accepted}/${messages} accepted: ${result.errors.join('; ')}`);
    }
    const endedAt = performance.now();
    if (!on) return { rate: result.messagesPerSecond };
    // Read from the database itself: asking the API about a message would put its check first.
    const db = new Database(path.join(server.dataDir, 'burnbox.db'), { readonly: true });
    try {
      const pending = db.prepare('SELECT count(*) AS n FROM mail_auth WHERE spf IS NULL');
      while ((pending.get() as { n: number }).n > 0) await sleep(20);
      const caughtUpMs = performance.now() - endedAt;
      const verdicts = db
        .prepare('SELECT spf, dkim, dmarc, count(*) AS n FROM mail_auth GROUP BY spf, dkim, dmarc')
        .all() as { spf: string; dkim: string; dmarc: string; n: number }[];
      if (verdicts.length !== 1 || verdicts[0]?.dmarc !== 'pass' || verdicts[0]?.dkim !== 'pass') {
        throw new Error(`the bench mail should pass every check: ${JSON.stringify(verdicts)}`);
      }
      return { rate: result.messagesPerSecond, caughtUpMs };
    } finally {
      db.close();
    }
  } finally {
    await server.stop();
  }
}

export async function runSenderAuthBench(options: {
  rounds: number;
  messages: number;
}): Promise<[string, string][]> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dns = await startLocalDns({
    [domain]: ['v=spf1 ip4:127.0.0.1 -all'],
    [`_dmarc.${domain}`]: ['v=DMARC1; p=reject'],
    [`bench._domainkey.${domain}`]: [
      `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
    ],
  });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const runs = { on: [] as number[], off: [] as number[], caughtUp: [] as number[] };
  try {
    for (let round = 1; round <= options.rounds; round++) {
      // Which goes first alternates too, so neither always meets the machine fresher.
      const order = round % 2 === 1 ? [true, false] : [false, true];
      for (const on of order) {
        const r = await oneRound(on, options.messages, dns.address, pem);
        (on ? runs.on : runs.off).push(r.rate);
        if (r.caughtUpMs !== undefined) runs.caughtUp.push(r.caughtUpMs);
        const extra =
          r.caughtUpMs === undefined ? '' : `, verdicts caught up ${r.caughtUpMs.toFixed(0)} ms after`;
        console.log(`sender auth ${on ? 'on' : 'off'}, round ${round}: ${r.rate.toFixed(0)} msg/s${extra}`);
      }
    }
  } finally {
    await dns.close();
  }
  const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  // On and off of one round met about the same machine: their ratio drifts less than either.
  const ratios = runs.on.map((on, i) => on / (runs.off[i] ?? on));
  const label = `SMTP ingest, 20 KB DKIM-signed sample, 16 conns`;
  return [
    [
      `${label}, sender auth off`,
      `${median(runs.off).toFixed(0)} msg/s (median of ${runs.off.length} × ${options.messages}; rounds: ${list(runs.off)})`,
    ],
    [
      `${label}, sender auth on (local DNS)`,
      `${median(runs.on).toFixed(0)} msg/s (median of ${runs.on.length} × ${options.messages}; rounds: ${list(runs.on)})`,
    ],
    [
      `sender auth: ingest rate on ÷ off, same round`,
      `${median(ratios).toFixed(2)} (median; rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
    ],
    [
      `sender auth: every verdict saved, after the last 250`,
      `${median(runs.caughtUp).toFixed(0)} ms (median; rounds: ${list(runs.caughtUp)})`,
    ],
  ];
}

if (import.meta.main) {
  const rows = await runSenderAuthBench({
    rounds: Number(process.env.BENCH_ROUNDS ?? 5),
    messages: Number(process.env.BENCH_MESSAGES ?? 3000),
  });
  for (const [k, v] of rows) console.log(`${k} | ${v}`);
}
