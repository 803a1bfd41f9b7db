// Attachments whose headers a hostile sender crafted, delivered over SMTP and downloaded with
// the user API: a media type holding control or non-Latin-1 characters is served as
// application/octet-stream (it used to make Node throw ERR_INVALID_CHAR: a 500), also for
// messages stored before ingest checked types; names with bidirectional or other invisible
// characters lose them, so `inv\u202Efdp.exe` cannot pass for "invexe.pdf".
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendRaw,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../support/harness.ts';

let server: TestServer;
let user: TestUser;
let mailbox: string;
let token: string;
let sent = 0;

before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
  user = await createUser(server, 'hostile-attachments@example.org');
  const created = await createMailbox(server, user);
  mailbox = created.email;
  token = created.email_token;
});
after(() => server.close());

const content = Buffer.from('attachment bytes\n');

/** A message with one base64 attachment whose headers are given verbatim (UTF-8 bytes). */
function mailWithAttachment(contentType: string, disposition: string): Buffer {
  return Buffer.from(
    [
      'From: Sender <sender@example.org>',
      `To: ${mailbox}`,
      `Subject: hostile attachment ${++sent}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'see attached',
      '--b1',
      `Content-Type: ${contentType}`,
      `Content-Disposition: ${disposition}`,
      'Content-Transfer-Encoding: base64',
      '',
      content.toString('base64'),
      '--b1--',
      '',
    ].join('\r\n'),
    'utf8',
  );
}

/** Delivers the mail over SMTP and returns the message as the user API presents it. */
async function deliver(raw: Buffer) {
  const result = await sendRaw(server, raw, { from: 'sender@example.org', to: [mailbox] });
  assert.match(result.response, /^250 /);
  const list = await api(server, 'GET', `/api/messages?email=${mailbox}`, { key: user.key });
  const subject = `hostile attachment ${sent}`;
  const message = list.body.messages.find((m: { subject: string }) => m.subject === subject);
  assert.ok(message, `${subject} is listed`);
  return message as { id: string; attachments: { name: string; url: string }[] };
}

async function download(messageId: string, name: string) {
  return api(server, 'GET', `/api/messages/${messageId}/attachments/${encodeURIComponent(name)}`, {
    key: user.key,
  });
}

/** The same attachment through the web inbox's download link (which names messages by UUID). */
async function webDownload(name: string) {
  const inbox = `/inbox/${encodeURIComponent(token)}`;
  const list = await api(server, 'GET', `${inbox}/messages`);
  const subject = `hostile attachment ${sent}`;
  const uuid = list.body.messages.find((m: { subject: string }) => m.subject === subject)?.id;
  assert.ok(uuid, `${subject} is in the web inbox`);
  return api(server, 'GET', `${inbox}/messages/${uuid}/attachments/${encodeURIComponent(name)}`);
}

const hostileTypes = [
  ['non-Latin-1 characters', 'application/пдф'],
  ['a vertical tab', 'appli\u000bcation/pdf'],
  ['a control character after the subtype', 'text/plain\u0001x'],
  ['a space', 'text/plain junk'],
  ['no subtype', 'application'],
] as const;

for (const [what, type] of hostileTypes) {
  test(`an attachment whose Content-Type holds ${what} downloads as application/octet-stream`, async () => {
    const message = await deliver(
      mailWithAttachment(`${type}; name="file.bin"`, 'attachment; filename="file.bin"'),
    );
    assert.equal(message.attachments.length, 1);
    const res = await download(message.id, 'file.bin');
    assert.equal(res.status, 200, `status (body ${res.raw.toString()})`);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual(res.raw, content, 'the bytes are served unchanged');
    const web = await webDownload('file.bin');
    assert.equal(web.status, 200, 'the web inbox serves it too');
    assert.equal(web.headers.get('content-type'), 'application/octet-stream');
  });
}

test('a well-formed Content-Type is kept (lower-cased)', async () => {
  const message = await deliver(
    mailWithAttachment('Application/PDF; name="doc.pdf"', 'attachment; filename="doc.pdf"'),
  );
  const res = await download(message.id, 'doc.pdf');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/pdf');
});

/** Replaces the media type of every stored attachment, as a store written by older code holds. */
async function storeContentType(type: string): Promise<void> {
  const { store } = server.burnbox.services;
  if (store instanceof PostgresStore) {
    const rows = await store.sql<{ id: number; attachments: string }[]>`SELECT id, attachments FROM mails`;
    for (const row of rows) {
      const list = JSON.parse(row.attachments).map((a: object) => ({ ...a, contentType: type }));
      await store.sql`UPDATE mails SET attachments = ${JSON.stringify(list)} WHERE id = ${row.id}`;
    }
    return;
  }
  const db = new Database(path.join(server.dataDir, 'burnbox.db'));
  try {
    const rows = db.prepare('SELECT rowid AS id, attachments FROM mails').all() as {
      id: number;
      attachments: string;
    }[];
    for (const row of rows) {
      const list = JSON.parse(row.attachments).map((a: object) => ({ ...a, contentType: type }));
      db.prepare('UPDATE mails SET attachments = ? WHERE rowid = ?').run(JSON.stringify(list), row.id);
    }
  } finally {
    db.close();
  }
}

test('a hostile media type stored by older versions is still served as application/octet-stream', async () => {
  const message = await deliver(
    mailWithAttachment('text/plain; name="old.txt"', 'attachment; filename="old.txt"'),
  );
  await storeContentType('text/\u0420\u0001plain');
  const res = await download(message.id, 'old.txt');
  assert.equal(res.status, 200, `status (body ${res.raw.toString()})`);
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  assert.deepEqual(res.raw, content);
});

test('bidirectional, zero-width and other invisible characters are removed from attachment names', async () => {
  // RFC 2231 names, as mail clients send non-ASCII names.
  const names = [
    ['inv\u202Efdp.exe', 'invfdp.exe'],
    ['re\u2066port\u2069\u200B.pdf', 'report.pdf'],
    ['a\u061Cb\u200Fc\u200E\u202Ad\u202C\uFEFF.txt', 'abcd.txt'],
  ] as const;
  for (const [raw, shown] of names) {
    const encoded = `UTF-8''${encodeURIComponent(raw)}`;
    const message = await deliver(
      mailWithAttachment(`application/octet-stream; name*=${encoded}`, `attachment; filename*=${encoded}`),
    );
    assert.deepEqual(
      message.attachments.map((a) => a.name),
      [shown],
      `${JSON.stringify(raw)} is listed as ${shown}`,
    );
    const res = await download(message.id, shown);
    assert.equal(res.status, 200);
    const disposition = res.headers.get('content-disposition') ?? '';
    assert.doesNotMatch(decodeURIComponent(disposition), /[\p{Cc}\p{Cf}]/u, disposition);
    assert.match(disposition, new RegExp(`filename="?${shown.replace('.', '\\.')}"?$`));
    const web = await webDownload(shown);
    assert.equal(web.status, 200);
    assert.equal(web.headers.get('content-disposition'), disposition, 'the web inbox names it the same');
  }
});
