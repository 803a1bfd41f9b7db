// A 250 means stored, even through a power cut. The data directory is on powercut_fs.py, a FUSE
// file system that keeps only what was fsynced (file data after fsync, names after an fsync of
// their directory). Several SMTP connections send small messages (stored in the database) and
// big ones (blob files) as fast as they can; the server is killed with SIGKILL while they are
// sending, and the unsynced state is dropped. A new server on what is left must show every
// message that got its 250, byte-exact, and the database must pass integrity_check.
// The same run with BURNBOX_SYNC_WRITES=false must lose acknowledged mail of both kinds: proof
// that the file system does drop what a power cut drops, so the first test means something.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { RawSmtpClient } from '../smtp/raw-client.ts';
import { type ServeProcess, startServe } from '../support/process.ts';
import {
  createMailbox,
  type Mailbox,
  missingFrom,
  randomMessage,
  type SentMessage,
  setUpInstallation,
} from './support/mail-check.ts';
import { forceUnmount, mountPowerCut, powerCutPrerequisites } from './support/powercut.ts';
import { skipUnless } from './support/prerequisites.ts';

const skip = skipUnless(powerCutPrerequisites);

/** Messages up to this size go into the database, bigger ones into blob files. */
const inlineBytes = 8 * 1024;
const connections = 4;
/** The server is killed the moment this many messages have been acknowledged. */
const acknowledgedAtCut = 48;

interface Sent extends SentMessage {
  inline: boolean;
}

const workDirs: string[] = [];
const servers = new Set<ServeProcess>();
after(() => {
  for (const server of servers) server.child.kill('SIGKILL');
  for (const dir of workDirs) {
    forceUnmount(path.join(dir, 'data'));
    rmSync(dir, { recursive: true, force: true });
  }
});

async function serve(dataDir: string, sync: boolean): Promise<ServeProcess> {
  const server = await startServe({
    BURNBOX_DATA_DIR: dataDir,
    BURNBOX_SYNC_WRITES: String(sync),
    BURNBOX_INLINE_MESSAGE_BYTES: String(inlineBytes),
    BURNBOX_PUBLIC_URL: 'https://mail.test',
  });
  servers.add(server);
  return server;
}

/**
 * Sends from several connections until `acknowledgedAtCut` messages got their 250, then kills
 * the server at once (the other connections are in the middle of a message). Resolves with
 * every acknowledged message.
 */
async function ingestUntilKilled(server: ServeProcess, mailboxes: Mailbox[]): Promise<Sent[]> {
  const acknowledged: Sent[] = [];
  let killed = false;
  const sender = async (connection: number) => {
    const { client } = await RawSmtpClient.open(server.smtpPort);
    try {
      for (let i = 0; ; i++) {
        const mailbox = mailboxes[(connection + i) % mailboxes.length] as Mailbox;
        const inline = i % 2 === 0;
        const subject = `cut-${connection}-${i}`;
        const raw = randomMessage(mailbox.email, subject, inline ? 2 * 1024 : 24 * 1024);
        const sent = await client.send('sender@example.org', [mailbox.email], raw);
        if (sent.final?.code !== 250)
          throw new Error(`not stored: ${JSON.stringify(sent.final ?? sent.rcpt)}`);
        acknowledged.push({ subject, mailbox, raw, inline });
        if (acknowledged.length === acknowledgedAtCut) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      }
    } catch (err) {
      // Only the kill may end a sender.
      if (!killed) throw new Error(`sender ${connection} failed before the cut: ${err}\n${server.stderr()}`);
    } finally {
      client.destroy();
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, c) => sender(c)));
  await server.exited;
  assert.equal(server.child.signalCode, 'SIGKILL', server.stderr());
  return acknowledged;
}

async function powerCutRun(sync: boolean) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'burnbox-powercut-'));
  workDirs.push(work);
  const dataDir = path.join(work, 'data');
  const stateFile = path.join(work, 'durable-state');
  mkdirSync(dataDir);
  const before = await mountPowerCut(dataDir, stateFile);
  const key = setUpInstallation({ BURNBOX_DATA_DIR: dataDir, BURNBOX_SYNC_WRITES: String(sync) });
  // The mailboxes are made durable first (a clean stop checkpoints the database, synced even
  // without BURNBOX_SYNC_WRITES): what the cut may take is then the mail alone.
  const setup = await serve(dataDir, sync);
  const mailboxes: Mailbox[] = [];
  for (let i = 0; i < connections; i++) mailboxes.push(await createMailbox(setup.baseUrl, key));
  await setup.stop();
  const first = await serve(dataDir, sync);
  const acknowledged = await ingestUntilKilled(first, mailboxes);
  const cut = await before.cut();

  const afterCut = await mountPowerCut(dataDir, stateFile);
  const second = await serve(dataDir, sync);
  const missing = await missingFrom(second.baseUrl, key, acknowledged);
  await second.stop();
  const db = new Database(path.join(dataDir, 'burnbox.db'));
  const integrity = db.pragma('integrity_check', { simple: true });
  db.close();
  await afterCut.cut();
  return { acknowledged, missing, cut, integrity };
}

describe('power cut', { skip }, () => {
  test('every message answered 250 is there after a power cut, in the database and as files', async () => {
    const { acknowledged, missing, cut, integrity } = await powerCutRun(true);
    assert.ok(acknowledged.length >= acknowledgedAtCut);
    assert.ok(acknowledged.some((m) => m.inline) && acknowledged.some((m) => !m.inline));
    assert.ok(cut.fsyncs > 0 && cut.dir_fsyncs > 0, JSON.stringify(cut));
    assert.deepEqual(
      missing.map((m) => m.subject),
      [],
      `acknowledged: ${acknowledged.length}, file system at the cut: ${JSON.stringify(cut)}`,
    );
    assert.equal(integrity, 'ok');
  });

  test('without fsync (BURNBOX_SYNC_WRITES=false) the same cut loses acknowledged mail of both kinds', async () => {
    const { acknowledged, missing, cut, integrity } = await powerCutRun(false);
    const lostInline = missing.filter((m) => m.inline).length;
    const lostFiles = missing.filter((m) => !m.inline).length;
    const report = `acknowledged ${acknowledged.length}, lost ${lostInline} in the database and ${lostFiles} as files; at the cut: ${JSON.stringify(cut)}`;
    console.log(`# power cut without fsync: ${report}`);
    assert.ok(lostInline > 0, report);
    assert.ok(lostFiles > 0, report);
    assert.equal(integrity, 'ok');
  });
});
