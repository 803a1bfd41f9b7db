// Outgrowing one machine: an embedded (SQLite) installation is copied into PostgreSQL with
// `burnbox import-sqlite`, and a server on PostgreSQL then serves the same users, keys,
// mailboxes and messages, byte-exact, small (inline) and large (file) alike.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import postgres from 'postgres';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendMail,
  sendRaw,
  startTestServer,
} from '../support/harness.ts';
import { dropSchema, freshSchemaName, postgresUnavailable, postgresUrl } from '../support/postgres.ts';
import { runCli, startServe } from '../support/process.ts';
import { verification, verificationMail } from '../support/verification-mail.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('burnbox import-sqlite', { skip: await postgresUnavailable() }, () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-import-'));
  const schema = freshSchemaName('bb_import');
  const pgEnv = {
    BURNBOX_DATABASE_URL: postgresUrl(),
    BURNBOX_DATABASE_SCHEMA: schema,
    BURNBOX_LOG_LEVEL: 'silent',
  };
  after(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await dropSchema(schema);
  });

  test('copies everything, with progress, and a PostgreSQL server serves it', async () => {
    // An embedded installation with users, a key, mailboxes, small and large messages.
    const embedded = await startTestServer({ BURNBOX_DATA_DIR: dataDir, BURNBOX_DATABASE_URL: '' });
    const large = randomBytes(1024 * 1024);
    let key: string;
    let address: string;
    let guestToken: string;
    try {
      await addDomain(embedded, 'moving.test');
      const user = await createUser(embedded, 'mover@people.test');
      key = user.key;
      address = (await createMailbox(embedded, user)).email;
      await sendMail(embedded, {
        from: 'a@sender.test',
        to: address,
        subject: 'Small one',
        text: 'small\u0000body',
      });
      await sendMail(embedded, {
        from: 'a@sender.test',
        to: address,
        subject: 'Large one',
        text: 'see attachment',
        attachments: [{ filename: 'big.bin', content: large }],
      });
      await sendRaw(embedded, verificationMail(address), { from: 'no-reply@example.net', to: [address] });
      const guest = await embedded.burnbox.services.mailboxes.createGuest();
      guestToken = embedded.burnbox.services.mailboxes.token(guest);
    } finally {
      await embedded.burnbox.close();
    }

    const copied = runCli(['import-sqlite', dataDir], pgEnv);
    assert.equal(copied.status, 0, copied.stderr);
    assert.match(copied.stderr, /copying \[#+\] 100% (\d+)\/\1/);
    assert.match(copied.stdout, /Copied \d+ rows and 1 message files from .* into PostgreSQL\./);

    const again = runCli(['import-sqlite', dataDir], pgEnv);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already holds data/);

    const migrated = runCli(['migrate'], pgEnv);
    assert.equal(migrated.status, 0, migrated.stderr);
    assert.match(migrated.stdout, new RegExp(`PostgreSQL schema "${schema}" is up to date\\.`));

    // The codes and links read at ingest came along with their mails (not read again).
    const sql = postgres(postgresUrl(), { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ codes: string }[]>`SELECT codes FROM ${sql(schema)}.mails`;
      assert.equal(rows.length, 3, 'every mail copied');
      assert.ok(rows.some((r) => JSON.parse(r.codes)[0]?.value === verification.code));
      // So did each mail's sender checks (and the connection they were made for).
      const checked = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ${sql(schema)}.mail_auth`;
      assert.equal(checked[0]?.n, 3, 'the sender checks of every mail');
    } finally {
      await sql.end({ timeout: 5 });
    }

    const serve = await startServe({
      ...pgEnv,
      BURNBOX_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'burnbox-empty-')),
    });
    try {
      const server = { baseUrl: serve.baseUrl } as Parameters<typeof api>[0];
      const list = await api(server, 'GET', `/api/messages?email=${encodeURIComponent(address)}`, { key });
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.messages.map((m: any) => m.subject).sort(), [
        'Large one',
        'Small one',
        'Verify your email address',
      ]);
      const small = list.body.messages.find((m: any) => m.subject === 'Small one');
      const read = await api(server, 'GET', `/api/messages/${small.id}`, { key });
      assert.equal(read.body.data.content.trim(), 'small\u0000body');
      const big = list.body.messages.find((m: any) => m.subject === 'Large one');
      const file = await fetch(`${serve.baseUrl}/api/messages/${big.id}/attachments/big.bin`, {
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(file.status, 200);
      assert.equal(sha256(Buffer.from(await file.arrayBuffer())), sha256(large));
      // The token secret came along: the guest's inbox link still opens.
      assert.equal((await fetch(`${serve.baseUrl}/inbox/${guestToken}`)).status, 200);
    } finally {
      await serve.stop();
    }
  });
});
