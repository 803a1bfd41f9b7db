// The operator's endpoints: /healthz (the process is up), /readyz (the database answers and its
// migrations are applied), and /metrics in the Prometheus text format, served only with
// BURNBOX_METRICS_TOKEN and only to requests bearing it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RawSmtpClient } from '../smtp/raw-client.ts';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendMail,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';
import { until } from '../support/until.ts';

const token = 'metrics-token-0123456789abcdef';
let server: TestServer;
let plain: TestServer;

before(async () => {
  server = await startTestServer({
    BURNBOX_METRICS_TOKEN: token,
    BURNBOX_PLANS: '{"free":{"monthlyRequests":4}}',
  });
  await addDomain(server, 'metrics.test');
  plain = await startTestServer();
});
after(async () => {
  await server?.close();
  await plain?.close();
});

async function scrape(s: TestServer = server): Promise<string> {
  const res = await fetch(`${s.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The value of one sample (`name{labels}`), or undefined when it is not there. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('/healthz answers 200 {"status":"ok"} while the process runs', async () => {
  for (const s of [server, plain]) {
    const res = await api(s, 'GET', '/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok' });
  }
});

test('/readyz is 200 when the database answers with every migration applied, 503 otherwise', async () => {
  const ok = await api(server, 'GET', '/readyz');
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, { status: 'ok' });

  const { store } = server.burnbox.services;
  const real = store.pendingMigrations.bind(store);
  try {
    store.pendingMigrations = async () => ['009_mail_tls'];
    const behind = await api(server, 'GET', '/readyz');
    assert.equal(behind.status, 503);
    assert.deepEqual(behind.body, { status: 'unavailable', reason: 'migrations not applied: 009_mail_tls' });

    store.pendingMigrations = async () => {
      throw new Error('connection refused');
    };
    const down = await api(server, 'GET', '/readyz');
    assert.equal(down.status, 503);
    assert.deepEqual(down.body, {
      status: 'unavailable',
      reason: 'the database does not answer: connection refused',
    });
  } finally {
    store.pendingMigrations = real;
  }
  assert.equal((await api(server, 'GET', '/readyz')).status, 200);
});

test('/metrics is a 404 without BURNBOX_METRICS_TOKEN, and 401 without the right bearer token', async () => {
  const none = await fetch(`${plain.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(none.status, 404);

  for (const headers of [
    {},
    { Authorization: 'Bearer wrong-token-0123456789abcdef' },
    { Authorization: `Bearer ${token}x` },
    { Authorization: token },
    { Authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` },
  ] as Record<string, string>[]) {
    const res = await fetch(`${server.baseUrl}/metrics`, { headers });
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="metrics"');
    assert.doesNotMatch(await res.text(), /burnbox_/);
  }
});

test('/metrics counts mail, refusals, store time, sessions, waits, quota refusals and HTTP routes', async () => {
  const user = await createUser(server, 'ops@users.example');
  const mailbox = await createMailbox(server, user);

  // One message stored, one recipient refused.
  const sent = await sendMail(server, {
    to: [mailbox.email, 'nobody@metrics.test'],
    subject: 'counted',
    text: 'hello',
  });
  assert.deepEqual(sent.rejected, ['nobody@metrics.test']);

  // An SMTP session held open, and a wait held.
  const { client } = await RawSmtpClient.open(server.smtpPort);
  const leave = new AbortController();
  const wait = fetch(`${server.baseUrl}/api/messages/wait?email=${mailbox.email}&timeout=60&subject=never`, {
    headers: { Authorization: `Bearer ${user.key}` },
    signal: leave.signal,
  }).catch(() => undefined);
  await until(() => server.burnbox.services.waiting.held === 1, 'the wait is held');

  // Requests until one is past the plan's monthly quota (4).
  let status = 200;
  for (let i = 0; i < 5 && status === 200; i++) {
    status = (await api(server, 'GET', '/api/domains', { key: user.key })).status;
  }
  assert.equal(status, 429);
  assert.equal((await api(server, 'GET', '/nothing/here/42')).status, 404);

  const text = await scrape();
  assert.equal(sample(text, 'burnbox_messages_received_total'), 1);
  assert.equal(sample(text, 'burnbox_smtp_refusals_total{reason="no_such_mailbox"}'), 1);
  assert.equal(sample(text, 'burnbox_store_duration_seconds_count'), 1);
  assert.equal(sample(text, 'burnbox_smtp_sessions_open'), 1);
  assert.equal(sample(text, 'burnbox_held_requests{kind="wait"}'), 1);
  assert.equal(sample(text, 'burnbox_held_requests{kind="stream"}'), 0);
  assert.equal(sample(text, 'burnbox_quota_refusals_total{plan="free"}'), 1);
  assert.equal(sample(text, 'burnbox_webhook_outbox_backlog'), 0);
  // Routes by their pattern, never the raw URL; unknown paths are one label value.
  assert.equal(
    sample(text, 'burnbox_http_requests_total{method="GET",route="/api/domains",status="429"}'),
    1,
  );
  assert.equal(sample(text, 'burnbox_http_requests_total{method="GET",route="unmatched",status="404"}'), 1);
  assert.doesNotMatch(text, /nothing\/here|route="\/api\/messages\/wait\?/);
  // Declared for sender authentication, and the process metrics.
  assert.match(text, /^# TYPE burnbox_sender_auth_results_total counter$/m);
  assert.match(text, /^# TYPE burnbox_webhook_deliveries_total counter$/m);
  assert.ok(sample(text, 'process_resident_memory_bytes'));
  assert.match(text, /^nodejs_eventloop_lag_seconds /m);

  client.destroy();
  await until(async () => sample(await scrape(), 'burnbox_smtp_sessions_open') === 0, 'the session is gone');
  leave.abort();
  await wait;
  await until(
    async () => sample(await scrape(), 'burnbox_held_requests{kind="wait"}') === 0,
    'the wait is freed',
  );
  // The scrapes themselves are counted, by their route.
  const routes = await scrape();
  assert.ok(
    (sample(routes, 'burnbox_http_requests_total{method="GET",route="/metrics",status="200"}') ?? 0) >= 3,
  );
});
