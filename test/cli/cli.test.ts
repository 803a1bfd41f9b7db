import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { runCli, type ServeProcess, startServe } from '../support/process.ts';

let dataDir: string;
let env: Record<string, string>;
let serve: ServeProcess;

before(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-cli-'));
  env = { BURNBOX_DATA_DIR: dataDir };
  serve = await startServe(env);
});
after(async () => {
  await serve.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function rcpt(address: string): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: serve.smtpPort, ignoreTLS: true });
  try {
    await transport.sendMail({ from: 'a@sender.test', to: address, subject: 'x', text: 'x' });
    return '250';
  } catch (err) {
    return (err as { response?: string }).response ?? String(err);
  } finally {
    transport.close();
  }
}

test('admin commands work while serve runs on the same data, without a restart', async () => {
  assert.match(await rcpt('nobody@live.test'), /^550 5\.7\.1/);
  const added = runCli(['domain', 'add', 'live.test', '--type', 'premium'], env);
  assert.equal(added.status, 0, added.stderr);
  assert.match(added.stdout, /live\.test \(premium\)/);
  // The running server now knows the domain: unknown mailbox, not relay.
  assert.match(await rcpt('nobody@live.test'), /^550 5\.1\.1/);

  const list = runCli(['domain', 'list'], env);
  assert.match(list.stdout, /^live\.test\tpremium$/m);
  assert.equal(runCli(['domain', 'remove', 'live.test'], env).status, 0);
  assert.doesNotMatch(runCli(['domain', 'list'], env).stdout, /live\.test/);
  assert.match(await rcpt('nobody@live.test'), /^550 5\.7\.1/);
});

test('user create and key create: the key works, a new key replaces the old one', async () => {
  const created = runCli(
    ['user', 'create', 'Carol@Example.org', '--password', 'long-enough', '--plan', 'premium'],
    env,
  );
  assert.equal(created.status, 0, created.stderr);
  assert.match(created.stdout, /created carol@example\.org \(plan premium/);
  const first = runCli(['key', 'create', 'carol@example.org'], env).stdout.trim();
  assert.match(first, /^bb_[A-Za-z0-9]{40}$/);
  const url = `http://127.0.0.1:${serve.httpPort}/api/domains`;
  const ok = await fetch(url, { headers: { Authorization: `Bearer ${first}` } });
  assert.equal(ok.status, 200);
  assert.deepEqual((await ok.json()).data.allowed_types, ['free', 'premium', 'all']);

  const second = runCli(['key', 'create', 'carol@example.org'], env).stdout.trim();
  assert.notEqual(second, first);
  assert.equal((await fetch(url, { headers: { Authorization: `Bearer ${first}` } })).status, 401);
  assert.equal((await fetch(url, { headers: { Authorization: `Bearer ${second}` } })).status, 200);
});

test('the key is stored only as a hash', async () => {
  const key = runCli(['key', 'create', 'carol@example.org'], env).stdout.trim();
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path.join(dataDir, 'burnbox.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT key_hash FROM api_keys').all() as { key_hash: string }[];
    assert.ok(rows.length > 0);
    for (const row of rows)
      assert.ok(!row.key_hash.includes(key.slice(3)), 'plain key found in the database');
    const users = db.prepare('SELECT password_hash FROM users').all() as { password_hash: string }[];
    assert.ok(users.every((u) => u.password_hash === null || u.password_hash.startsWith('scrypt$')));
  } finally {
    db.close();
  }
});

test('user create --admin and user admin [--off] set who may use the admin pages', async () => {
  const created = runCli(['user', 'create', 'Root@Example.org', '--admin'], env);
  assert.equal(created.status, 0, created.stderr);
  assert.match(created.stdout, /created root@example\.org \(plan free, id [0-9a-f-]{36}, admin\)/);
  const plain = runCli(['user', 'create', 'dave@example.org'], env);
  assert.doesNotMatch(plain.stdout, /admin/);

  const { default: Database } = await import('better-sqlite3');
  const isAdmin = (email: string) => {
    const db = new Database(path.join(dataDir, 'burnbox.db'), { readonly: true });
    try {
      return (db.prepare('SELECT is_admin FROM users WHERE email = ?').get(email) as { is_admin: number })
        .is_admin;
    } finally {
      db.close();
    }
  };
  assert.equal(isAdmin('root@example.org'), 1);
  assert.equal(isAdmin('dave@example.org'), 0);

  const on = runCli(['user', 'admin', 'Dave@example.org'], env);
  assert.equal(on.status, 0, on.stderr);
  assert.equal(on.stdout.trim(), 'dave@example.org is an admin');
  assert.equal(isAdmin('dave@example.org'), 1);
  const off = runCli(['user', 'admin', 'root@example.org', '--off'], env);
  assert.equal(off.stdout.trim(), 'root@example.org is not an admin');
  assert.equal(isAdmin('root@example.org'), 0);

  const missing = runCli(['user', 'admin', 'nobody@example.org'], env);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^burnbox: No user has the email nobody@example\.org\./);
  assert.match(runCli(['help'], env).stdout, /user admin <email> \[--off\]/);
});

test('errors are one clear line on stderr with exit code 1', () => {
  const bad = runCli(['domain', 'list'], { ...env, BURNBOX_TIMEZONE: 'Nowhere/Land' });
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /^burnbox: Invalid setting BURNBOX_TIMEZONE="Nowhere\/Land"/);

  const flag = runCli(['domain', 'list', '--http-port', '99999'], env);
  assert.equal(flag.status, 1);
  assert.match(flag.stderr, /^burnbox: Invalid setting --http-port="99999"/);

  const missing = runCli(['key', 'create', 'nobody@example.org'], env);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^burnbox: No user has the email nobody@example\.org\./);

  const duplicate = runCli(['user', 'create', 'carol@example.org'], env);
  assert.equal(duplicate.status, 1);
  assert.match(duplicate.stderr, /already exists/);

  const unknown = runCli(['frobnicate'], env);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});

test('serve refuses to start on a bad setting, naming it', () => {
  const result = runCli(['serve'], { ...env, BURNBOX_SMTP_PORT: '-1' });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^burnbox: Invalid setting BURNBOX_SMTP_PORT="-1"/);
});

test('migrate brings the database up to date, and an unreachable database is one clear line', () => {
  const migrated = runCli(['migrate'], env);
  assert.equal(migrated.status, 0, migrated.stderr);
  assert.match(migrated.stdout, /SQLite database in .* is up to date\./);

  const unreachable = runCli(['migrate'], {
    ...env,
    BURNBOX_DATABASE_URL: 'postgres://burnbox:pw@127.0.0.1:1/mail',
  });
  assert.equal(unreachable.status, 1);
  assert.match(
    unreachable.stderr,
    /^burnbox: cannot open the PostgreSQL database at postgres:\/\/burnbox:\*\*\*@127\.0\.0\.1:1\/mail: .*ECONNREFUSED.*\n$/,
  );
  assert.doesNotMatch(unreachable.stderr, /:pw@/);
});
