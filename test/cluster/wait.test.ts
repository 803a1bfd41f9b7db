// Waits and streams across processes on one PostgreSQL: a wait held by one process is answered
// by mail received through another (heard over LISTEN/NOTIFY, not found by polling), and a stream
// open on one process carries mail received by the other. Process A is a real `serve`; process B
// runs in this test, so that the test can see when B holds the wait.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import postgres from 'postgres';
import { type RunningBurnbox, startBurnbox } from '../../src/app.ts';
import { loadConfig } from '../../src/config/settings.ts';
import { openEventStream } from '../support/event-stream-client.ts';
import { postgresUnavailable, postgresUrl } from '../support/postgres.ts';
import { type ServeProcess, startServe } from '../support/process.ts';
import { until } from '../support/until.ts';

const skip = await postgresUnavailable();

async function send(smtpPort: number, to: string, subject: string, text = `Body of ${subject}`) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    ignoreTLS: true,
  });
  try {
    await transport.sendMail({ from: 'Sender <sender@example.org>', to, subject, text });
  } finally {
    transport.close();
  }
}

describe('waiting across processes on one PostgreSQL', { skip }, () => {
  const schema = `bb_cluster_wait_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-cluster-wait-'));
  const env: Record<string, string> = {
    BURNBOX_DATABASE_URL: postgresUrl(),
    BURNBOX_DATABASE_SCHEMA: schema,
    BURNBOX_DATA_DIR: dataDir,
  };
  let a: ServeProcess;
  let b: RunningBurnbox;
  let bUrl: string;
  let key: string;

  before(async () => {
    a = await startServe(env);
    b = await startBurnbox(
      loadConfig(
        {},
        {
          ...env,
          BURNBOX_SMTP_HOST: '127.0.0.1',
          BURNBOX_SMTP_PORT: '0',
          BURNBOX_HTTP_HOST: '127.0.0.1',
          BURNBOX_HTTP_PORT: '0',
          BURNBOX_LOG_LEVEL: 'silent',
        },
      ),
    );
    bUrl = `http://127.0.0.1:${b.httpPort}`;
    await b.services.domains.add('cluster.test');
    const user = await b.services.accounts.createUser({ email: 'waiter@people.test' });
    key = await b.services.accounts.issueApiKey(user.id);
  });

  after(async () => {
    await a?.stop();
    await b?.close();
    const sql = postgres(postgresUrl(), { max: 1, onnotice: () => {} });
    await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await sql.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const auth = () => ({ Authorization: `Bearer ${key}` });

  test('a wait held on one process is answered by mail received through the other', async () => {
    const created = await fetch(`${a.baseUrl}/api/emails`, { method: 'POST', headers: auth() });
    const address = ((await created.json()) as { data: { email: string } }).data.email;
    const before = b.services.waiting.held;
    const answer = fetch(`${bUrl}/api/messages/wait?email=${address}&timeout=30&subject=code`, {
      headers: auth(),
    });
    await until(() => b.services.waiting.held === before + 1, 'B holds the wait');
    await send(a.smtpPort, address, 'Not this one');
    await send(a.smtpPort, address, 'Your login code', 'Your code is 908172');
    const res = await answer;
    assert.equal(res.status, 200);
    const body = (await res.json()) as { data: { subject: string; codes: { value: string }[] } };
    assert.equal(body.data.subject, 'Your login code');
    assert.equal(body.data.codes[0]?.value, '908172');
  });

  test('a key-dialect stream open on one process carries mail received through the other', async () => {
    const generated = await fetch(`${a.baseUrl}/api/emails/generate`, {
      method: 'POST',
      headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'streamed', expiryTime: 3_600_000, domain: 'cluster.test' }),
    });
    const box = (await generated.json()) as { id: string; email: string };
    const stream = await openEventStream(`${bUrl}/api/emails/${box.id}/stream`, { 'X-API-Key': key });
    try {
      await stream.until(/: live/, 'the stream is live');
      await send(a.smtpPort, box.email, 'Across processes');
      await stream.until(/Across processes/, 'the message reached the stream on B');
      assert.equal(stream.events()[0]?.event, 'message');
    } finally {
      stream.close();
    }
  });
});
