// Several Burnbox processes on one PostgreSQL behave as one service: mail received by one is
// readable and deletable through another, live inboxes hear mail from any process, webhooks
// go out once per event even when a process dies mid-delivery, quota counting is exact across
// processes, every process sweeps without double work, sessions and rate limits are shared.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import postgres from 'postgres';
import { loadConfig } from '../../src/config/settings.ts';
import { createServices, type Services } from '../../src/services.ts';
import { FakeDns } from '../support/fake-dns.ts';
import { readStream } from '../support/live-stream.ts';
import { postgresUnavailable, postgresUrl } from '../support/postgres.ts';
import { type ServeProcess, startServe } from '../support/process.ts';

const skip = await postgresUnavailable();

async function send(smtpPort: number, to: string, subject: string): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    ignoreTLS: true,
  });
  try {
    await transport.sendMail({ from: 'sender@example.org', to, subject, text: `Body of ${subject}` });
  } finally {
    transport.close();
  }
}

async function call(base: string, method: string, pathName: string, key: string, body?: unknown) {
  const response = await fetch(`${base}${pathName}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('several processes on one PostgreSQL', { skip }, () => {
  const schema = `bb_cluster_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-cluster-'));
  const plans = JSON.stringify({
    free: { monthlyRequests: 60, mailboxLifetimeSeconds: 600 },
    pro: { monthlyRequests: 1000, mailboxLifetimeSeconds: 600, domainTypes: ['free'] },
  });
  const env: Record<string, string> = {
    BURNBOX_DATABASE_URL: postgresUrl(),
    BURNBOX_DATABASE_SCHEMA: schema,
    BURNBOX_DATA_DIR: dataDir,
    BURNBOX_PLANS: plans,
    BURNBOX_WEBHOOK_ALLOW_PRIVATE: 'true',
    BURNBOX_WEBHOOK_TIMEOUT_SECONDS: '1',
    BURNBOX_GUEST_MAILBOX_LIMIT: '3',
    BURNBOX_SWEEP_INTERVAL_SECONDS: '1',
    BURNBOX_QUARANTINE_SECONDS: '0',
  };
  let a: ServeProcess;
  let b: ServeProcess;
  let admin: Services;

  before(async () => {
    // Both start on an empty schema at once: migrations must be safe when raced.
    [a, b] = await Promise.all([startServe(env), startServe(env)]);
    admin = await createServices(loadConfig(env));
    await admin.domains.add('cluster.test');
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
    await admin?.close();
    const sql = postgres(postgresUrl(), { max: 1, onnotice: () => {} });
    await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await sql.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function newUser(email: string): Promise<string> {
    const user = await admin.accounts.createUser({ email });
    return admin.accounts.issueApiKey(user.id);
  }

  test('mail received by one process is readable and deletable through the other at once', async () => {
    const key = await newUser('reader@people.test');
    const created = await call(b.baseUrl, 'POST', '/api/emails', key);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const address = created.body.data.email as string;
    await send(a.smtpPort, address, 'Through A');

    const list = await call(b.baseUrl, 'GET', `/api/messages?email=${encodeURIComponent(address)}`, key);
    assert.equal(list.status, 200);
    const [message] = list.body.messages;
    assert.equal(message.subject, 'Through A');
    const read = await call(b.baseUrl, 'GET', `/api/messages/${message.id}`, key);
    assert.equal(read.status, 200);
    assert.match(JSON.stringify(read.body), /Body of Through A/);

    assert.equal((await call(b.baseUrl, 'DELETE', `/api/messages/${message.id}`, key)).status, 200);
    const onA = await call(a.baseUrl, 'GET', `/api/messages?email=${encodeURIComponent(address)}`, key);
    assert.deepEqual(onA.body.messages, []);
  });

  test('a live inbox open on one process hears mail that arrived through the other', async () => {
    const page = await fetch(`${b.baseUrl}/`);
    const html = await page.text();
    const data = JSON.parse(
      /<script type="application\/json" id="page-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '{}',
    );
    const { token, address } = data.mailbox;
    const stream = await readStream(`${b.baseUrl}/inbox/${token}/events`, {
      until: /Across processes/,
      ms: 8000,
      onReady: () => void send(a.smtpPort, address, 'Across processes'),
    });
    assert.match(stream, /event: message[\s\S]*Across processes/);
  });

  test('quota counting is exact when requests are spread over both processes', async () => {
    const key = await newUser('quota@people.test');
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => call(i % 2 ? a.baseUrl : b.baseUrl, 'GET', '/api/domains', key)),
    );
    const ok = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 429).length;
    assert.deepEqual({ ok, refused }, { ok: 60, refused: 40 });
  });

  test('a replaced key, a plan change or a disabled account holds at once on every process', async () => {
    const email = 'keys@people.test';
    const oldKey = await newUser(email);
    const limitOn = async (base: string, key: string) => {
      const response = await fetch(`${base}/api/domains`, { headers: { authorization: `Bearer ${key}` } });
      await response.arrayBuffer();
      return { status: response.status, limit: response.headers.get('x-ratelimit-limit') };
    };
    // Both processes have served the key, so both know its user.
    for (const base of [a.baseUrl, b.baseUrl, a.baseUrl, b.baseUrl]) {
      assert.deepEqual(await limitOn(base, oldKey), { status: 200, limit: '60' });
    }

    // Changed by a third process: the next request on each process sees the change.
    await admin.accounts.setPlan(email, 'pro');
    for (const base of [a.baseUrl, b.baseUrl]) {
      assert.deepEqual(await limitOn(base, oldKey), { status: 200, limit: '1000' }, base);
    }

    const user = await admin.accounts.requireUserByEmail(email);
    const newKey = await admin.accounts.issueApiKey(user.id);
    for (const base of [a.baseUrl, b.baseUrl]) {
      assert.equal((await limitOn(base, oldKey)).status, 401, `the old key on ${base}`);
      assert.deepEqual(await limitOn(base, newKey), { status: 200, limit: '1000' }, `the new key on ${base}`);
    }

    await admin.accounts.setDisabled(email, true);
    for (const base of [a.baseUrl, b.baseUrl]) assert.equal((await limitOn(base, newKey)).status, 401, base);
    await admin.accounts.setDisabled(email, false);
    for (const base of [a.baseUrl, b.baseUrl]) assert.equal((await limitOn(base, newKey)).status, 200, base);
  });

  test('sessions and rate limits hold across processes', async () => {
    // A session made on A opens the account on B.
    const login = await fetch(`${a.baseUrl}/login`);
    const csrf = /bb_csrf=([^;]+)/.exec(login.headers.getSetCookie().join(';'))?.[1] as string;
    const registered = await fetch(`${a.baseUrl}/register`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `bb_csrf=${csrf}` },
      body: new URLSearchParams({ _csrf: csrf, email: 'web@people.test', password: 'a good password' }),
    });
    assert.equal(registered.status, 303);
    const session = /bb_session=([^;]+)/.exec(registered.headers.getSetCookie().join(';'))?.[1];
    const account = await fetch(`${b.baseUrl}/account`, {
      redirect: 'manual',
      headers: { cookie: `bb_session=${session}` },
    });
    assert.equal(account.status, 200);

    // Guest mailboxes: the limit of 3 an hour counts both processes' creations. (One was made
    // by the live-inbox test already.)
    const statuses = [];
    for (const base of [a.baseUrl, b.baseUrl, a.baseUrl]) statuses.push((await fetch(`${base}/`)).status);
    assert.deepEqual(statuses, [200, 200, 429]);
  });

  test('each webhook is delivered once however many processes run, even if one dies mid-delivery', async () => {
    const seen = new Map<string, number>();
    let hangFirst = true;
    let hungPort = 0;
    const receiver = http.createServer((request, response) => {
      const id = String(request.headers['x-webhook-id']);
      request.resume();
      if (hangFirst) {
        // The first delivery never gets an answer: its process is killed while it waits.
        hangFirst = false;
        hungPort = request.socket.remotePort ?? 0;
        return;
      }
      seen.set(id, (seen.get(id) ?? 0) + 1);
      response.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const key = await newUser('hooks@people.test');
      assert.equal((await call(a.baseUrl, 'POST', '/api/webhook', key, { url, enabled: true })).status, 200);
      // The key dialect's own clients set webhooks through /api/webhook with X-API-Key; Bearer works too.
      const mailbox = await call(a.baseUrl, 'POST', '/api/emails', key);
      const address = mailbox.body.data.email as string;

      await send(a.smtpPort, address, 'first');
      await waitFor('the first delivery to hang', async () => (hungPort ? true : undefined));
      // Find which process holds the hung request, and kill it hard.
      const owner = execFileSync('ss', ['-Htnp', `sport = :${hungPort}`], { encoding: 'utf8' });
      const pid = Number(/pid=(\d+)/.exec(owner)?.[1]);
      const victim = [a, b].find((p) => p.child.pid === pid);
      assert.ok(victim, `the holder is one of the processes (ss: ${owner.trim()})`);
      const survivor = victim === a ? b : a;
      victim.child.kill('SIGKILL');
      await victim.exited;

      for (let i = 0; i < 20; i++) await send(survivor.smtpPort, address, `message ${i}`);
      // The hung event comes back when its lease (timeout + 20 s) runs out.
      await waitFor('all 21 events delivered', async () => (seen.size >= 21 ? true : undefined), 40_000);
      // Once the survivor has stopped too, nothing can be sent any more: what was received is final.
      await survivor.stop();
      assert.equal(seen.size, 21);
      assert.deepEqual(
        [...seen.values()].filter((n) => n !== 1),
        [],
        'no event was delivered twice',
      );

      // Both processes back for the tests that follow.
      [a, b] = await Promise.all([startServe(env), startServe(env)]);
    } finally {
      receiver.closeAllConnections();
      receiver.close();
    }
  });

  test('every process sweeps expired mailboxes, without double work or deadlock', async () => {
    const owner = await admin.accounts.createUser({ email: 'sweep@people.test' });
    const created = [];
    for (let i = 0; i < 60; i++)
      created.push(await admin.mailboxes.createNamed(owner, `sweep${i}`, 'cluster.test', 4000));
    await Promise.all(created.slice(0, 5).map((mailbox) => send(a.smtpPort, mailbox.address, 'to be swept')));
    assert.equal((await admin.store.listMessages(created[0]?.id as number)).length, 1);
    // Rows still stored, expired or not (a "now" of 0 counts every row as live).
    const stored = () => admin.store.listMailboxesOfUser(owner.id, 0);
    assert.equal((await stored()).length, 60);
    await waitFor(
      'every expired mailbox swept',
      async () => ((await stored()).length === 0 ? true : undefined),
      20_000,
    );
    for (const mailbox of created.slice(0, 5))
      assert.deepEqual(await admin.store.listMessages(mailbox.id), []);
  });

  test('a custom domain verified or removed through one process takes or refuses mail at every process at once', async () => {
    const dns = new FakeDns();
    const checker = await createServices(loadConfig(env), { dnsResolver: dns });
    try {
      const user = await checker.accounts.createUser({ email: 'custom@people.test', plan: 'premium' });
      const domain = 'cluster-own.example';
      const claim = await checker.customDomains.link(user, domain);
      const rcpt = async (port: number, to: string) =>
        send(port, to, 'x').then(
          () => '250',
          (err: { response?: string }) => err.response ?? String(err),
        );
      for (const p of [a, b]) assert.match(await rcpt(p.smtpPort, `x@${domain}`), /^550 5\.7\.1/, 'pending');
      dns.publish(domain, claim.token, checker.config.smtp.hostname);
      assert.equal((await checker.customDomains.checkNow(user, domain)).status, 'verified');
      const key = await checker.accounts.issueApiKey(user.id);
      const generated = await call(a.baseUrl, 'POST', '/api/emails/generate', key, {
        name: 'box',
        expiryTime: 0,
        domain,
      });
      assert.equal(generated.status, 200, JSON.stringify(generated.body));
      for (const p of [a, b]) assert.equal(await rcpt(p.smtpPort, `box@${domain}`), '250');
      await checker.customDomains.remove(user, domain);
      for (const p of [a, b])
        assert.match(await rcpt(p.smtpPort, `box@${domain}`), /^550 5\.7\.1/, 'removed');
    } finally {
      await checker.close();
    }
  });
});
