// Backend benchmark (part of `npm run bench` when PostgreSQL is reachable; BENCH_POSTGRES=0
// skips it): SMTP ingest with one and two processes on PostgreSQL next to SQLite, and
// per-mailbox list latency with few and with 1,000,000 stored messages on both backends
// (the cost of a per-mailbox query must not grow with the total).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import postgres from 'postgres';
import { dropSchema, freshSchemaName, postgresUnavailable, postgresUrl } from '../test/support/postgres.ts';
import { runCli, type ServeProcess, startServe } from '../test/support/process.ts';
import { runHttpLoad } from './http-load.ts';
import { buildSampleMessage, runSmtpLoad } from './smtp-load.ts';
import { median } from './stats.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const messagesPerRound = Number(process.env.BENCH_MESSAGES ?? 3000);
const totalStored = Number(process.env.BENCH_STORED ?? 1_000_000);
const fillMailboxes = 10_000;
const probeMessages = 50;
const plans = JSON.stringify({ free: { monthlyRequests: 100_000_000, mailboxLifetimeSeconds: 86400 * 30 } });

type Backend = 'sqlite' | 'postgres';

interface Installation {
  backend: Backend;
  env: Record<string, string>;
  dataDir: string;
  schema: string;
  remove(): Promise<void>;
}

function installation(backend: Backend): Installation {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `burnbox-bench-${backend}-`));
  const schema = freshSchemaName('bb_bench');
  const env: Record<string, string> = {
    BURNBOX_DATA_DIR: dataDir,
    BURNBOX_LOG_LEVEL: 'warn',
    BURNBOX_PLANS: plans,
  };
  if (backend === 'postgres')
    Object.assign(env, { BURNBOX_DATABASE_URL: postgresUrl(), BURNBOX_DATABASE_SCHEMA: schema });
  return {
    backend,
    env,
    dataDir,
    schema,
    async remove() {
      rmSync(dataDir, { recursive: true, force: true });
      if (backend === 'postgres') await dropSchema(schema);
    },
  };
}

function cli(env: Record<string, string>, ...args: string[]): string {
  const result = runCli(args, env);
  if (result.status !== 0) throw new Error(`burnbox ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

async function post(url: string, key: string): Promise<{ data: { email: string } }> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status}`);
  return (await res.json()) as { data: { email: string } };
}

/** Ingest rate (msg/s) with the load split evenly over the given processes; median of rounds. */
async function ingest(servers: ServeProcess[], key: string): Promise<number[]> {
  const bulk = (await post(`${servers[0]?.baseUrl}/api/emails`, key)).data.email;
  const message = buildSampleMessage({ to: bulk, subject: 'Benchmark message' });
  const load = (messages: number) =>
    Promise.all(
      servers.map((s) =>
        runSmtpLoad({
          host: '127.0.0.1',
          port: s.smtpPort,
          from: 'load@sender.test',
          connections: 16 / servers.length,
          messages: messages / servers.length,
          recipients: [bulk],
          raw: () => message,
        }),
      ),
    );
  await load(300 * servers.length);
  const rates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    const results = await Promise.all([load(messagesPerRound)]).then(([r]) => r);
    const seconds = (performance.now() - started) / 1000;
    const accepted = results.reduce((sum, r) => sum + r.accepted, 0);
    if (accepted !== messagesPerRound) throw new Error(`${accepted}/${messagesPerRound} accepted`);
    rates.push(accepted / seconds);
  }
  return rates;
}

/** Adds filler mailboxes and messages (sharing one stored mail) until `total` messages are stored. */
async function fill(inst: Installation, total: number): Promise<void> {
  const now = Date.now();
  const perMailbox = Math.ceil(total / fillMailboxes);
  if (inst.backend === 'postgres') {
    const sql = postgres(postgresUrl(), {
      max: 1,
      onnotice: () => {},
      connection: { search_path: inst.schema },
    });
    try {
      const [{ n: have } = { n: 0 }] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM messages`;
      const [mail] = await sql<{ mail_id: number }[]>`SELECT mail_id FROM messages LIMIT 1`;
      await sql`INSERT INTO mailboxes (uuid, address, local_part, domain, user_id, created_at, expires_at)
        SELECT gen_random_uuid()::text, 'fill' || g || '@bench.test', 'fill' || g, 'bench.test', NULL, ${now}::bigint, ${now + 86400e3 * 30}::bigint
        FROM generate_series(1, ${fillMailboxes}) g`;
      await sql`INSERT INTO messages (public_id, uuid, mailbox_id, mail_id, recipient, received_at, seen)
        SELECT substr(md5(random()::text) || md5(random()::text), 1, 46), gen_random_uuid()::text, m.id, ${mail?.mail_id ?? 0}::bigint,
               m.address, ${now}::bigint - g * 1000, false
        FROM mailboxes m, generate_series(1, ${perMailbox}) g
        WHERE m.local_part LIKE 'fill%'
        LIMIT ${total - have}`;
      // What autovacuum would do after such a load: statistics, and the visibility map that
      // lets counts use the index alone.
      await sql`VACUUM ANALYZE`;
    } finally {
      await sql.end();
    }
    return;
  }
  const db = new Database(path.join(inst.dataDir, 'burnbox.db'));
  try {
    const have = (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
    const mailId = (db.prepare('SELECT mail_id FROM messages LIMIT 1').get() as { mail_id: number }).mail_id;
    db.exec('BEGIN');
    db.prepare(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?)
      INSERT INTO mailboxes (uuid, address, local_part, domain, user_id, created_at, expires_at)
      SELECT lower(hex(randomblob(16))), 'fill' || x || '@bench.test', 'fill' || x, 'bench.test', NULL, ?, ?
      FROM g`).run(fillMailboxes, now, now + 86400e3 * 30);
    db.prepare(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?)
      INSERT INTO messages (public_id, uuid, mailbox_id, mail_id, recipient, received_at, seen)
      SELECT lower(hex(randomblob(23))), lower(hex(randomblob(16))), m.id, ?, m.address, ? - x * 1000, 0
      FROM mailboxes m, g WHERE m.local_part LIKE 'fill%' LIMIT ?`).run(
      perMailbox,
      mailId,
      now,
      total - have,
    );
    db.exec('COMMIT');
    // Fold the fill's write-ahead log into the database, as the running server's automatic
    // checkpoints would have: a large WAL slows every read until then.
    db.pragma('wal_checkpoint(TRUNCATE)');
    // No ANALYZE: a running installation never makes one, and statistics of this filler (a
    // million messages sharing one stored mail) would mislead the planner into scanning mails.
  } finally {
    db.close();
  }
}

interface ListFigures {
  userApi: { rps: number; p50: number; p99: number };
  keyApi: { rps: number; p50: number; p99: number };
}

async function measureLists(
  server: ServeProcess,
  key: string,
  address: string,
  mailboxUuid: string,
): Promise<ListFigures> {
  const run = async (url: string, headers: Record<string, string>) => {
    const runs = [];
    for (let round = 0; round < rounds; round++) {
      runs.push(await runHttpLoad({ url, headers, connections: 4, durationSeconds: 4, expectStatus: 200 }));
    }
    return {
      rps: median(runs.map((r) => r.requestsPerSecond)),
      p50: median(runs.map((r) => r.latencyMs.p50)),
      p99: median(runs.map((r) => r.latencyMs.p99)),
    };
  };
  return {
    userApi: await run(`${server.baseUrl}/api/messages?email=${address}`, { authorization: `Bearer ${key}` }),
    keyApi: await run(`${server.baseUrl}/api/emails/${mailboxUuid}`, { 'x-api-key': key }),
  };
}

/** Per-mailbox list latency with a few stored messages, then with `totalStored`. */
export async function scale(
  backend: Backend,
): Promise<{ small: ListFigures; large: ListFigures; stored: number }> {
  const inst = installation(backend);
  let server = await startServe(inst.env);
  try {
    cli(inst.env, 'domain', 'add', 'bench.test');
    cli(inst.env, 'user', 'create', 'bench@bench.test');
    const key = cli(inst.env, 'key', 'create', 'bench@bench.test');
    const address = (await post(`${server.baseUrl}/api/emails`, key)).data.email;
    const message = buildSampleMessage({ to: address, subject: 'Probe message', attachmentBytes: 2000 });
    await runSmtpLoad({
      host: '127.0.0.1',
      port: server.smtpPort,
      from: 'load@sender.test',
      connections: 4,
      messages: probeMessages,
      recipients: [address],
      raw: () => message,
    });
    const mailboxes = (await (
      await fetch(`${server.baseUrl}/api/emails`, { headers: { 'x-api-key': key } })
    ).json()) as {
      emails: { id: string; address: string }[];
    };
    const mailboxUuid = mailboxes.emails.find((m) => m.address === address)?.id as string;
    const small = await measureLists(server, key, address, mailboxUuid);
    // SQLite is filled with the server stopped (one writer); PostgreSQL while it runs.
    if (backend === 'sqlite') await server.stop();
    const fillStarted = performance.now();
    await fill(inst, totalStored);
    console.log(
      `${backend}: filled to ${totalStored} messages in ${((performance.now() - fillStarted) / 1000).toFixed(0)} s`,
    );
    if (backend === 'sqlite') server = await startServe(inst.env);
    const large = await measureLists(server, key, address, mailboxUuid);
    return { small, large, stored: totalStored };
  } finally {
    await server.stop();
    await inst.remove();
  }
}

function describe(f: { rps: number; p50: number; p99: number }): string {
  return `${f.rps.toFixed(0)} req/s, p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms`;
}

export async function runBackendBench(): Promise<[string, string][]> {
  const unavailable = await postgresUnavailable();
  if (unavailable) return [['PostgreSQL benchmarks', `skipped: ${unavailable}`]];
  const rows: [string, string][] = [];
  const rate = (rates: number[]) =>
    `${median(rates).toFixed(0)} msg/s (median of ${rounds} × ${messagesPerRound}; rounds: ${rates.map((r) => r.toFixed(0)).join(', ')})`;

  for (const [label, backend, processes] of [
    ['SMTP ingest, SQLite, 1 process', 'sqlite', 1],
    ['SMTP ingest, PostgreSQL, 1 process', 'postgres', 1],
    ['SMTP ingest, PostgreSQL, 2 processes', 'postgres', 2],
  ] as const) {
    const inst = installation(backend);
    const servers: ServeProcess[] = [];
    try {
      for (let i = 0; i < processes; i++) servers.push(await startServe(inst.env));
      cli(inst.env, 'domain', 'add', 'bench.test');
      cli(inst.env, 'user', 'create', 'bench@bench.test');
      const key = cli(inst.env, 'key', 'create', 'bench@bench.test');
      const rates = await ingest(servers, key);
      console.log(`${label}: ${rate(rates)}`);
      rows.push([label, rate(rates)]);
    } finally {
      for (const s of servers) await s.stop();
      await inst.remove();
    }
  }

  for (const backend of ['sqlite', 'postgres'] as const) {
    const { small, large, stored } = await scale(backend);
    rows.push([
      `${backend}: list ${probeMessages} msgs (user API), ${probeMessages} stored`,
      describe(small.userApi),
    ]);
    rows.push([
      `${backend}: list ${probeMessages} msgs (user API), ${stored} stored`,
      describe(large.userApi),
    ]);
    rows.push([`${backend}: first key-API page, ${probeMessages} stored`, describe(small.keyApi)]);
    rows.push([`${backend}: first key-API page, ${stored} stored`, describe(large.keyApi)]);
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runBackendBench();
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${'measure'.padEnd(width)} | result\n${'-'.repeat(width)}-|-------`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)} | ${v}`);
}
