// The data directory holds all mail and the server's secrets, so `burnbox serve` keeps it
// private to its user whatever the umask: directories 0700, files 0600 (the SQLite database and
// its -wal and -shm files, message files and their directories). A data directory an older
// version left readable by everyone (0755 directories, 0644 files) is tightened at start.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { runCli, startServe } from '../support/process.ts';

let parent: string;
let previousUmask: number;
before(() => {
  parent = mkdtempSync(path.join(os.tmpdir(), 'burnbox-modes-'));
  // The usual umask, which left everything readable by all; the servers inherit it.
  previousUmask = process.umask(0o022);
});
after(() => {
  process.umask(previousUmask);
  rmSync(parent, { recursive: true, force: true });
});

const modeOf = (p: string) => statSync(p).mode & 0o777;

/** Every directory and file under `dir` (itself included) with its permission bits. */
function modesUnder(dir: string): Map<string, number> {
  const modes = new Map<string, number>([['.', modeOf(dir)]]);
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    modes.set(path.relative(dir, full), modeOf(full));
  }
  return modes;
}

/** Asserts the data directory is private: 0700 directories, 0600 files, message files present. */
function assertPrivate(dataDir: string, what: string): void {
  const modes = modesUnder(dataDir);
  for (const name of ['burnbox.db', 'burnbox.db-wal', 'burnbox.db-shm', 'blobs']) {
    assert.ok(modes.has(name), `${what}: ${name} exists (${[...modes.keys()]})`);
  }
  const blobFiles = [...modes.keys()].filter((name) => /^blobs\/..\/./.test(name));
  assert.ok(blobFiles.length > 0, `${what}: a message file was written`);
  for (const [name, mode] of modes) {
    const isDir = statSync(path.join(dataDir, name)).isDirectory();
    const expected = isDir ? 0o700 : 0o600;
    assert.equal(mode.toString(8), expected.toString(8), `${what}: mode of ${name}`);
  }
}

/** Starts `burnbox serve` on `dataDir`, sets up a mailbox and delivers one message over SMTP. */
async function serveAndDeliver(dataDir: string, mailbox: string) {
  // Every message goes to a file, so the blob store's files and directories are made.
  const env = { BURNBOX_DATA_DIR: dataDir, BURNBOX_INLINE_MESSAGE_BYTES: '0' };
  const serve = await startServe(env);
  try {
    const cli = (...args: string[]) => {
      const result = runCli(args, serve.env);
      assert.equal(result.status, 0, result.stderr);
      return result.stdout.trim();
    };
    if (!cli('domain', 'list').includes('modes.test')) cli('domain', 'add', 'modes.test');
    cli('user', 'create', `${mailbox}-owner@example.org`);
    const key = cli('key', 'create', `${mailbox}-owner@example.org`);
    const created = await fetch(`${serve.baseUrl}/api/emails/generate`, {
      method: 'POST',
      headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: mailbox, expiryTime: 3_600_000, domain: 'modes.test' }),
    });
    assert.equal(created.status, 200, await created.clone().text());
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: serve.smtpPort,
      ignoreTLS: true,
    });
    try {
      const info = await transport.sendMail({
        from: 'a@sender.test',
        to: `${mailbox}@modes.test`,
        subject: 'secret',
        text: 'the sign-up code is 123456',
      });
      assert.match(info.response, /^250 /);
    } finally {
      transport.close();
    }
    return serve;
  } catch (err) {
    await serve.stop();
    throw err;
  }
}

test('a fresh data directory, its database and its message files are private to the server user', async () => {
  const dataDir = path.join(parent, 'fresh', 'data');
  const serve = await serveAndDeliver(dataDir, 'fresh');
  try {
    assertPrivate(dataDir, 'fresh');
  } finally {
    await serve.stop();
  }
});

test('a data directory left readable by everyone is made private at start', async () => {
  const dataDir = path.join(parent, 'loose');
  mkdirSync(dataDir, { mode: 0o755 });
  chmodSync(dataDir, 0o755);
  const first = await serveAndDeliver(dataDir, 'first');
  await first.stop('SIGKILL'); // keeps the -wal and -shm files
  // As an older version left it: every directory 0755, every file 0644.
  for (const [name] of modesUnder(dataDir)) {
    const full = path.join(dataDir, name);
    chmodSync(full, statSync(full).isDirectory() ? 0o755 : 0o644);
  }
  assert.ok(existsSync(path.join(dataDir, 'burnbox.db-wal')), 'the killed server left its -wal file');

  const serve = await serveAndDeliver(dataDir, 'second');
  try {
    assertPrivate(dataDir, 'after a restart');
  } finally {
    await serve.stop();
  }
});
