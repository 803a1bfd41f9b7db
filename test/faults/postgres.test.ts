// PostgreSQL faults, on a PostgreSQL server of this test's own (it is stopped and started; the
// shared one never is):
// - Burnbox killed with SIGKILL during concurrent ingest loses no acknowledged message (message
//   bytes in rows and in blob rows);
// - PostgreSQL stopped under load: SMTP answers 451 meanwhile (never 250, and Burnbox keeps
//   running), and once it is back, without any restart: mail is accepted again, the LISTEN
//   connections are back (a live stream on process B shows mail ingested on process A), the
//   webhook of every acknowledged message is delivered, and nothing acknowledged is lost;
// - PostgreSQL hung (new connections accepted, never answered) while the listening sessions
//   end: once it answers again, both processes listen again by themselves.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import postgres from 'postgres';
import { RawSmtpClient, sendOnce } from '../smtp/raw-client.ts';
import { openEventStream } from '../support/event-stream-client.ts';
import { runCli, type ServeProcess, startServe } from '../support/process.ts';
import { until } from '../support/until.ts';
import {
  createMailbox,
  type Mailbox,
  missingFrom,
  randomMessage,
  type SentMessage,
  setUpInstallation,
} from './support/mail-check.ts';
import { skipUnless } from './support/prerequisites.ts';
import {
  type PrivatePostgres,
  privatePostgresPrerequisites,
  startPrivatePostgres,
} from './support/private-postgres.ts';

const skip = skipUnless(privatePostgresPrerequisites);
/** How long PostgreSQL stays down under load. */
const outageMs = 10_000;
/** How long PostgreSQL hangs: past postgres.js's connect timeout of 30 s. */
const hangMs = 35_000;

let pg: PrivatePostgres | undefined;
const servers = new Set<ServeProcess>();
before(async () => {
  if (!skip) pg = await startPrivatePostgres();
});
after(() => {
  for (const server of servers) server.child.kill('SIGKILL');
  pg?.destroy();
});

function envFor(schema: string): Record<string, string> {
  return {
    BURNBOX_DATABASE_URL: (pg as PrivatePostgres).url,
    BURNBOX_DATABASE_SCHEMA: schema,
    BURNBOX_INLINE_MESSAGE_BYTES: String(8 * 1024),
    BURNBOX_PUBLIC_URL: 'https://mail.test',
    BURNBOX_WEBHOOK_ALLOW_PRIVATE: 'true',
  };
}

async function serve(env: Record<string, string>): Promise<ServeProcess> {
  const server = await startServe(env);
  servers.add(server);
  return server;
}

/**
 * Senders on `connections` SMTP connections, each sending small and big messages in turn until
 * told to stop (or the server dies). Every reply after DATA is recorded.
 */
function load(server: ServeProcess, mailbox: Mailbox, connections: number, tag: string) {
  const acknowledged: SentMessage[] = [];
  const refused: { code: number; text: string }[] = [];
  /** Acknowledged while the test said the database was down. */
  const acknowledgedWhileDown: string[] = [];
  let databaseDown = false;
  let stopping = false;
  let serverGone = false;
  const sender = async (connection: number) => {
    for (let i = 0; !stopping; ) {
      let client: RawSmtpClient;
      try {
        ({ client } = await RawSmtpClient.open(server.smtpPort));
      } catch (err) {
        if (serverGone || stopping) return;
        throw err;
      }
      try {
        while (!stopping) {
          const subject = `${tag}-${connection}-${i}`;
          const raw = randomMessage(mailbox.email, subject, i % 2 === 0 ? 1024 : 16 * 1024);
          i++;
          const sent = await client.send('sender@example.org', [mailbox.email], raw);
          // The final reply, or the refusal that came before DATA (of MAIL, RCPT or DATA itself).
          const reply =
            sent.final ?? [sent.mail, ...sent.rcpt, sent.start].find((r) => r && r.code >= 400) ?? sent.mail;
          if (reply.code !== 250) refused.push({ code: reply.code, text: reply.text });
          else acknowledged.push({ subject, mailbox, raw });
          // (A message sent during the outage may wait for PostgreSQL and be stored once it is
          // back: its 250 then comes after the outage, and is a true one.)
          if (reply.code === 250 && databaseDown) acknowledgedWhileDown.push(subject);
          // A 421 ends the session: open another.
          if (reply.code === 421) break;
        }
      } catch (err) {
        if (serverGone) return;
        const state = `exit code ${server.child.exitCode}, signal ${server.child.signalCode}`;
        throw new Error(`sender ${connection}: ${err} (server: ${state})\n${server.stderr()}`);
      } finally {
        client.destroy();
      }
    }
  };
  const running = Promise.all(Array.from({ length: connections }, (_, c) => sender(c)));
  return {
    acknowledged,
    refused,
    acknowledgedWhileDown,
    /** From now on (until `databaseBack`) a 250 is a lie: nothing can be committed. */
    databaseIsDown() {
      databaseDown = true;
    },
    databaseBack() {
      databaseDown = false;
    },
    /** Stops the senders; `gone`: the server was killed, so broken connections are expected. */
    async stop(gone = false) {
      serverGone = gone;
      stopping = true;
      await running;
    },
    markGone() {
      serverGone = true;
    },
  };
}

/** The listening connections of the installation in `schema` (one per process). */
async function listeners(schema: string): Promise<number[]> {
  const sql = postgres((pg as PrivatePostgres).url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ pid: number }[]>`
      SELECT pid FROM pg_stat_activity WHERE query ILIKE ${`listen %${schema}%`}`;
    return rows.map((r) => r.pid);
  } finally {
    await sql.end();
  }
}

/**
 * Checks that events cross between the processes again: both listen, and a live stream on `b`
 * shows a message received by `a`. Returns that message (acknowledged).
 */
async function liveAcross(a: ServeProcess, b: ServeProcess, mailbox: Mailbox, key: string, schema: string) {
  await until(async () => (await listeners(schema)).length === 2, 'both processes listen again', 60_000);
  // Once the stream says `: live`, a new message can only reach it through LISTEN/NOTIFY.
  const stream = await openEventStream(
    `${b.baseUrl}/api/messages/stream?email=${encodeURIComponent(mailbox.email)}`,
    { Authorization: `Bearer ${key}` },
  );
  try {
    assert.equal(stream.status, 200);
    await stream.until(/^: live/m, 'the stream on B is live');
    const subject = `live-after-${schema}`;
    const raw = randomMessage(mailbox.email, subject, 1024);
    const sent = await sendOnce(a.smtpPort, 'sender@example.org', [mailbox.email], raw);
    assert.equal(sent.final?.code, 250);
    // Generous: after an outage the relay of A may first work through what queued meanwhile.
    await until(
      () => stream.text().includes(subject),
      'the stream on B shows mail that arrived through A',
      60_000,
    );
    return { subject, mailbox, raw };
  } finally {
    stream.close();
  }
}

describe('PostgreSQL faults', { skip }, () => {
  test('Burnbox killed with SIGKILL during ingest loses no acknowledged message', async () => {
    const env = envFor('kill_during_ingest');
    const key = setUpInstallation(env);
    const first = await serve(env);
    const mailbox = await createMailbox(first.baseUrl, key);
    const sending = load(first, mailbox, 4, 'kill');
    await until(() => sending.acknowledged.length >= 40, '40 messages are acknowledged', 60_000);
    sending.markGone();
    first.child.kill('SIGKILL');
    await sending.stop(true);
    await first.exited;

    const second = await serve(env);
    const missing = await missingFrom(second.baseUrl, key, sending.acknowledged);
    assert.deepEqual(
      missing.map((m) => m.subject),
      [],
      `${sending.acknowledged.length} acknowledged`,
    );
    await second.stop();
  });

  test('PostgreSQL stopped under load: 451 meanwhile, then mail, LISTEN and webhooks resume by themselves', async () => {
    const server = pg as PrivatePostgres;
    const env = envFor('outage');
    const key = setUpInstallation(env, 'outage@users.example');
    // The webhook receiver: every subject it was told of.
    const hooked = new Set<string>();
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        hooked.add((JSON.parse(body) as { subject: string }).subject);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    assert.equal(runCli(['webhook', 'set', 'outage@users.example', hookUrl], env).status, 0);

    const a = await serve(env);
    const b = await serve(env);
    let sending: ReturnType<typeof load> | undefined;
    try {
      const mailbox = await createMailbox(a.baseUrl, key);
      const traffic = load(a, mailbox, 3, 'outage');
      sending = traffic;
      await until(() => traffic.acknowledged.length >= 10, '10 messages are acknowledged', 60_000);

      server.stop();
      // Refusals show that the server noticed; from then on no message can be committed.
      await until(() => traffic.refused.length >= 5, 'messages are refused while PostgreSQL is down', 60_000);
      traffic.databaseIsDown();
      const acknowledgedBefore = traffic.acknowledged.length;
      // Long enough for postgres.js's reconnections to back off (this is the fault's length,
      // not a wait for something to happen).
      await delay(outageMs);
      traffic.databaseBack();
      server.start();
      const refusedWhileDown = traffic.refused.length;
      await until(
        () => traffic.acknowledged.length >= acknowledgedBefore + 10,
        '10 more messages are acknowledged once PostgreSQL is back',
        60_000,
      );
      await traffic.stop();

      assert.ok(refusedWhileDown >= 5);
      assert.deepEqual(traffic.acknowledgedWhileDown, [], 'no 250 while PostgreSQL was down');
      for (const reply of traffic.refused) {
        assert.ok([451, 421].includes(reply.code), JSON.stringify(reply));
      }
      assert.equal(a.child.exitCode, null, a.stderr());
      assert.equal(b.child.exitCode, null, b.stderr());

      traffic.acknowledged.push(await liveAcross(a, b, mailbox, key, 'outage'));

      // Every acknowledged message is there and was pushed to the webhook.
      assert.deepEqual(
        (await missingFrom(a.baseUrl, key, traffic.acknowledged)).map((m) => m.subject),
        [],
      );
      await until(
        () => traffic.acknowledged.every((m) => hooked.has(m.subject)),
        'every acknowledged message reached the webhook',
        120_000,
      );
    } finally {
      server.ensureRunning();
      await sending?.stop(true).catch(() => {});
      receiver.close();
      await a.stop();
      await b.stop();
    }
  });

  test('a hung PostgreSQL ending the listening connections: both processes listen again once it answers', async () => {
    const server = pg as PrivatePostgres;
    const env = envFor('hang');
    const key = setUpInstallation(env, 'hang@users.example');
    const a = await serve(env);
    const b = await serve(env);
    try {
      const mailbox = await createMailbox(a.baseUrl, key);
      const listening = await listeners('hang');
      assert.equal(listening.length, 2);
      // New connections now hang; the listening sessions end, and their reconnections hang
      // past postgres.js's connect timeout (30 s) before the server answers again.
      server.pause();
      for (const pid of listening) process.kill(pid, 'SIGTERM');
      await delay(hangMs);
      server.resume();
      await liveAcross(a, b, mailbox, key, 'hang');
      assert.equal(a.child.exitCode, null, a.stderr());
      assert.equal(b.child.exitCode, null, b.stderr());
    } finally {
      server.resume();
      await a.stop();
      await b.stop();
    }
  });
});
