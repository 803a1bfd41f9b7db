// The client commands against a throwaway server, as a shell script in CI uses them: create an
// inbox, wait for the mail and print just its code or link, time out with its own exit code,
// delete the inbox.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { unknownSettingWarnings } from '../../src/config/unknown-settings.ts';
import { cliPath, type DevProcess, startDev } from '../support/dev-process.ts';
import { childEnv, runCli } from '../support/process.ts';

let dev: DevProcess;

before(async () => {
  dev = await startDev();
});
after(async () => {
  await dev.stop();
  dev.cleanup();
});

const inbox = (args: string[], env: Record<string, string> = dev.clientEnv) =>
  runCli(['inbox', ...args], env);

/** Runs a client command in the background (a wait), resolving with its outcome when it ends. */
function inboxInBackground(args: string[]) {
  const child = spawn(process.execPath, [cliPath, 'inbox', ...args], {
    env: childEnv(dev.clientEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (status) => resolve({ status, stdout, stderr })),
  );
}

async function sendVerification(to: string, subject = 'Confirm your email', code = '482913') {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: dev.line.smtp, ignoreTLS: true });
  try {
    await transport.sendMail({
      from: 'Acme <noreply@acme.example>',
      to,
      subject,
      text: `Your verification code is ${code}.\n\nOr confirm here: https://app.acme.example/verify?token=abc123\n`,
    });
  } finally {
    transport.close();
  }
}

test('inbox create prints the address; with --name and --json the chosen address and its expiry', () => {
  const random = inbox(['create']);
  assert.equal(random.status, 0, random.stderr);
  assert.match(random.stdout, /^[a-z0-9._-]+@burnbox\.test\n$/);
  assert.equal(random.stderr, '');

  const named = inbox(['create', '--name', 'signup-1', '--lifetime', '1d', '--json']);
  assert.equal(named.status, 0, named.stderr);
  const created = JSON.parse(named.stdout);
  assert.equal(created.address, 'signup-1@burnbox.test');
  assert.ok(Date.parse(created.expiresAt) > Date.now());

  // A domain alone: a random name on it, the key API's shortest lifetime.
  const onDomain = JSON.parse(inbox(['create', '--domain', 'burnbox.test', '--json']).stdout);
  assert.match(onDomain.address, /^[a-z][a-z0-9]{11}@burnbox\.test$/);
  assert.ok(Date.parse(onDomain.expiresAt) <= Date.now() + 3_600_000);

  const badLifetime = inbox(['create', '--lifetime', 'forever']);
  assert.equal(badLifetime.status, 1);
  assert.equal(
    badLifetime.stderr,
    'burnbox: --lifetime must be one of 1h, 1d, 3d, permanent (not "forever")\n',
  );

  const listed = inbox(['list']);
  assert.match(listed.stdout, /^signup-1@burnbox\.test\t/m);
  assert.ok(listed.stdout.includes(random.stdout.trim()));
});

test('inbox wait --code prints just the code of a mail sent after the wait started', async () => {
  const address = inbox(['create']).stdout.trim();
  const waiting = inboxInBackground(['wait', address, '--code', '--timeout', '20']);
  await sendVerification(address);
  const result = await waiting;
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, '482913\n');
});

test('inbox wait --link prints just the link; --from and --subject pick the mail', async () => {
  const address = inbox(['create']).stdout.trim();
  await sendVerification(address, 'Newsletter');
  await sendVerification(address, 'Confirm your email');
  const result = inbox([
    'wait',
    address,
    '--link',
    '--subject',
    'confirm',
    '--from',
    'acme',
    '--timeout',
    '5',
  ]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'https://app.acme.example/verify?token=abc123\n');
  // Without flags: a short summary, the code and link among it.
  const summary = inbox(['wait', address, '--timeout', '5']);
  assert.equal(summary.status, 0, summary.stderr);
  assert.match(summary.stdout, /^subject\tNewsletter$/m);
  assert.match(summary.stdout, /^code\t482913$/m);
});

test('inbox wait --to: parallel runs share one inbox by plus addressing, each gets its own code', async () => {
  const created = inbox(['create', '--name', 'ci-shared']);
  assert.equal(created.status, 0, created.stderr);
  await sendVerification('ci-shared+run7@burnbox.test', 'Confirm your email', '700007');
  await sendVerification('ci-shared+run42@burnbox.test', 'Confirm your email', '424242');
  const run42 = inbox(['wait', 'ci-shared@burnbox.test', '--to', '+run42@', '--code', '--timeout', '5']);
  assert.equal(run42.status, 0, run42.stderr);
  assert.equal(run42.stdout, '424242\n');
  const run7 = inbox(['wait', 'ci-shared@burnbox.test', '--to', '+run7@', '--code', '--timeout', '5']);
  assert.equal(run7.stdout, '700007\n');
});

test('inbox wait exits 2 with one line when nothing arrives in time', () => {
  const address = inbox(['create']).stdout.trim();
  const result = inbox(['wait', address, '--code', '--timeout', '1']);
  assert.equal(result.status, 2);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr, `burnbox: no message arrived at ${address} within 1 s\n`);
});

test('inbox delete removes the inbox; errors are one line with exit code 1', () => {
  const address = inbox(['create']).stdout.trim();
  const deleted = inbox(['delete', address]);
  assert.equal(deleted.status, 0, deleted.stderr);
  assert.equal(deleted.stdout, `deleted ${address}\n`);
  assert.doesNotMatch(inbox(['list']).stdout, new RegExp(`^${address.replace('.', '\\.')}\\t`, 'm'));

  const again = inbox(['delete', address]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /^burnbox: .*not found.*\n$/);

  const badKey = inbox(['create'], { ...dev.clientEnv, BURNBOX_API_KEY: 'bb_wrong' });
  assert.equal(badKey.status, 1);
  assert.equal(badKey.stderr.split('\n').length, 2, badKey.stderr);
  assert.match(badKey.stderr, /^burnbox: /);

  const nowhere = inbox(['create'], { BURNBOX_API_KEY: 'bb_x' });
  assert.equal(nowhere.status, 1);
  assert.match(nowhere.stderr, /^burnbox: no server to talk to: set BURNBOX_URL or --url/);
});

test('--url and --api-key flags stand in for the variables', () => {
  const result = runCli(['inbox', 'create', '--url', dev.line.http, '--api-key', dev.line.apiKey], {});
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /@burnbox\.test\n$/);
});

test('BURNBOX_URL and BURNBOX_API_KEY are known settings: no warning of them', () => {
  assert.deepEqual(unknownSettingWarnings({ BURNBOX_URL: 'http://x', BURNBOX_API_KEY: 'k' }), []);
  assert.match(unknownSettingWarnings({ BURNBOX_API_KYE: 'k' })[0] ?? '', /did you mean BURNBOX_API_KEY\?/);
});
