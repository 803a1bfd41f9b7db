// What a running server logs at `info` (its stdout, JSON lines): one line per SMTP transaction
// with the client, HELO, sender, each recipient's verdict, size, TLS and time to store; and HTTP
// requests, except the successful ones for static files and probes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, type ServeProcess, startServe } from '../support/process.ts';
import { until } from '../support/until.ts';
import { RawSmtpClient } from './raw-client.ts';

const domain = 'log.test';
const small = Buffer.from(
  'From: a@example.org\r\nTo: postmaster@log.test\r\nSubject: logged\r\n\r\nHello\r\n',
);
const big = Buffer.from(`From: a@example.org\r\nSubject: big\r\n\r\n${'x'.repeat(3000)}\r\n`);

let dataDir: string;
let serve: ServeProcess;

before(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-log-'));
  const env = { BURNBOX_DATA_DIR: dataDir, BURNBOX_MAX_MESSAGE_BYTES: '2000' };
  assert.equal(runCli(['domain', 'add', domain], env).status, 0);
  serve = await startServe({ ...env, BURNBOX_LOG_LEVEL: 'info' });
});
after(async () => {
  await serve?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

type LogLine = Record<string, any> & { msg: string; level: number };

function logLines(): LogLine[] {
  return serve
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogLine);
}

const transactions = () => logLines().filter((l) => l.msg === 'smtp transaction');

test('one info line per SMTP transaction: client, HELO, sender, each recipient verdict, size, TLS, store time', async () => {
  const client = await RawSmtpClient.connect(serve.smtpPort);
  await client.reply();
  assert.equal((await client.command('EHLO sender.example')).code, 250);
  // Stored for one recipient; two refused.
  const stored = await client.send(
    'a@example.org',
    [`postmaster@${domain}`, `nobody@${domain}`, 'someone@foreign.example'],
    small,
  );
  assert.equal(stored.final?.code, 250);
  // Too big.
  const tooBig = await client.send('b@example.org', [`abuse@${domain}`], big);
  assert.equal(tooBig.final?.code, 552);
  // Only refused recipients, no DATA: ended by the next MAIL FROM... and by QUIT.
  await client.send('c@example.org', [`ghost@${domain}`], small);
  await client.command('MAIL FROM:<d@example.org>');
  await client.quit();

  await until(() => transactions().length === 4, 'four transactions are logged');
  const [first, second, third, fourth] = transactions() as [LogLine, LogLine, LogLine, LogLine];
  for (const line of [first, second, third, fourth]) {
    assert.equal(line.level, 30, 'info');
    assert.equal(line.client, '127.0.0.1');
    assert.equal(line.helo, 'sender.example');
    assert.equal(line.tls, null);
  }
  assert.equal(first.from, 'a@example.org');
  assert.deepEqual(first.recipients, [
    { to: `postmaster@${domain}`, verdict: '250 stored' },
    { to: `nobody@${domain}`, verdict: '550 no_such_mailbox' },
    { to: 'someone@foreign.example', verdict: '550 foreign_domain' },
  ]);
  assert.equal(first.result, '250 stored');
  assert.equal(first.size, small.length);
  assert.equal(typeof first.storeMs, 'number');

  assert.equal(second.from, 'b@example.org');
  assert.deepEqual(second.recipients, [{ to: `abuse@${domain}`, verdict: '552 too_big' }]);
  assert.equal(second.result, '552 too_big');
  assert.ok(second.size > 2000);
  assert.equal(second.storeMs, null);

  assert.deepEqual(third.recipients, [{ to: `ghost@${domain}`, verdict: '550 no_such_mailbox' }]);
  assert.equal(third.result, 'ended');
  assert.equal(third.size, null);
  assert.deepEqual(fourth.recipients, []);
  assert.equal(fourth.from, 'd@example.org');
});

test('successful requests for static files and probes are not logged at info; others are', async () => {
  const page = await (await fetch(`${serve.baseUrl}/`)).text();
  const asset = /\/assets\/[\w.-]+\.css/.exec(page)?.[0];
  assert.ok(asset, 'the page links its stylesheet');
  for (const quiet of [asset, '/favicon.ico', '/healthz', '/readyz']) {
    assert.equal((await fetch(serve.baseUrl + quiet)).status, 200, quiet);
  }
  assert.equal((await fetch(`${serve.baseUrl}/assets/missing.0123456789ab.css`)).status, 404);
  assert.equal((await fetch(`${serve.baseUrl}/api/domains`)).status, 401);

  const completed = () =>
    logLines()
      .filter((l) => l.msg === 'request completed')
      .map((l) => `${l.res?.statusCode}`);
  await until(() => completed().length >= 3, 'the page, the missing file and the API request are logged');
  const urls = logLines()
    .filter((l) => l.msg === 'incoming request' || l.level >= 30)
    .map((l) => l.req?.url)
    .filter(Boolean);
  for (const quiet of [asset, '/favicon.ico', '/healthz', '/readyz']) assert.ok(!urls.includes(quiet), quiet);
  assert.ok(urls.includes('/'));
  assert.ok(urls.includes('/api/domains'));
  assert.deepEqual(completed().sort(), ['200', '401', '404']);
});
