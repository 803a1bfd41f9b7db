// STARTTLS with BURNBOX_TLS_CERT / BURNBOX_TLS_KEY: offered only with them, TLS 1.2 and later,
// each message's TLS recorded, and a renewed certificate used by new sessions without a restart
// while a session already upgraded goes on.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { makeCertificate, type TestCertificate } from '../support/certificates.ts';
import { addDomain, sendMail, startTestServer, type TestServer } from '../support/harness.ts';
import { until } from '../support/until.ts';
import { pageData, WebClient } from '../support/web-client.ts';
import { RawSmtpClient } from './raw-client.ts';

const domain = 'tls.test';
const message = Buffer.from('From: a@example.org\r\nTo: postmaster@tls.test\r\nSubject: hi\r\n\r\nHello\r\n');

let dir: string;
let first: TestCertificate;
let second: TestCertificate;
/** The files the server reads: `first` at start, `second` copied over them later. */
let live: { certFile: string; keyFile: string };
let server: TestServer;
let plainServer: TestServer;
/** What the TLS server logged (its `info` lines: transactions, certificate loads). */
const logged: { obj: Record<string, unknown>; msg?: string }[] = [];
const log = {
  info: (obj: object, msg?: string) => logged.push({ obj: obj as Record<string, unknown>, msg }),
  warn: () => {},
  error: (obj: object, msg?: string) => logged.push({ obj: obj as Record<string, unknown>, msg }),
};

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-tls-'));
  first = makeCertificate(dir, 'first');
  second = makeCertificate(dir, 'second');
  live = { certFile: path.join(dir, 'fullchain.pem'), keyFile: path.join(dir, 'privkey.pem') };
  copyFileSync(first.certFile, live.certFile);
  copyFileSync(first.keyFile, live.keyFile);
  server = await startTestServer(
    { BURNBOX_TLS_CERT: live.certFile, BURNBOX_TLS_KEY: live.keyFile },
    { tlsWatch: { pollMs: 20, settleMs: 50 }, log },
  );
  await addDomain(server, domain);
  plainServer = await startTestServer();
  await addDomain(plainServer, domain);
});

after(async () => {
  await server?.close();
  await plainServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Trusts exactly the given certificates, by name (no "rejectUnauthorized: false"). */
const trusting = (...certs: TestCertificate[]) => ({
  ca: certs.map((c) => c.cert),
  servername: 'mx.burnbox.test',
});

/** The TLS recorded with the newest message of the postmaster mailbox. */
async function lastMessageTls(s: TestServer) {
  const mailbox = await s.burnbox.services.store.getMailboxByAddress(`postmaster@${domain}`);
  assert.ok(mailbox, 'the postmaster mailbox was made by the first message');
  const [newest] = await s.burnbox.services.store.listMessages(mailbox.id);
  return newest?.content.tls;
}

test('without certificate files STARTTLS is not offered', async () => {
  const { client, ehlo } = await RawSmtpClient.open(plainServer.smtpPort);
  assert.ok(!ehlo.lines.includes('STARTTLS'), ehlo.text);
  assert.ok((await client.command('STARTTLS')).code >= 500);
  await client.quit();
});

test('with them STARTTLS is offered, and a client requiring TLS delivers over TLS 1.3', async () => {
  const { client, ehlo } = await RawSmtpClient.open(server.smtpPort);
  assert.ok(ehlo.lines.includes('STARTTLS'), ehlo.text);
  await client.quit();

  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: server.smtpPort,
    secure: false,
    requireTLS: true,
    tls: trusting(first, second),
  });
  try {
    const info = await transport.sendMail({
      envelope: { from: 'a@example.org', to: [`postmaster@${domain}`] },
      raw: message,
    });
    assert.match(info.response, /^250 /);
  } finally {
    transport.close();
  }
  const tls = await lastMessageTls(server);
  assert.equal(tls?.protocol, 'TLSv1.3');
  assert.match(tls?.cipher ?? '', /^TLS_(AES|CHACHA20)/);
  // The transaction's log line says so too.
  const line = logged.filter((l) => l.msg === 'smtp transaction').at(-1)?.obj;
  assert.equal(line?.tls, 'TLSv1.3');
  assert.equal(line?.cipher, tls?.cipher);
  assert.equal(line?.result, '250 stored');
});

test('a message sent in plain text is recorded as such', async () => {
  const { client } = await RawSmtpClient.open(plainServer.smtpPort);
  const sent = await client.send('a@example.org', [`postmaster@${domain}`], message);
  assert.equal(sent.final?.code, 250);
  await client.quit();
  assert.equal(await lastMessageTls(plainServer), null);
});

test("the web reader's message detail says how the message was delivered", async () => {
  const guest = new WebClient(server);
  const { mailbox } = pageData((await guest.get('/')).text);
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: server.smtpPort,
    requireTLS: true,
    tls: trusting(first, second),
  });
  try {
    await transport.sendMail({ from: 'a@example.org', to: mailbox.address, subject: 'secure', text: 'x' });
  } finally {
    transport.close();
  }
  await sendMail(server, { to: mailbox.address, subject: 'plain', text: 'x' });
  const { messages } = JSON.parse((await guest.get(`/inbox/${mailbox.token}/messages`)).text);
  const detail = async (subject: string) => {
    const id = messages.find((m: { subject: string }) => m.subject === subject).id;
    return JSON.parse((await guest.get(`/inbox/${mailbox.token}/messages/${id}`)).text);
  };
  const secure = await detail('secure');
  assert.equal(secure.tls.protocol, 'TLSv1.3');
  assert.match(secure.tls.cipher, /^TLS_/);
  assert.equal((await detail('plain')).tls, null);
});

test('TLS 1.2 is accepted, TLS 1.1 and older are refused', async () => {
  const { client } = await RawSmtpClient.open(server.smtpPort);
  const secure = await client.startTls({ ...trusting(first, second), maxVersion: 'TLSv1.2' });
  assert.equal(secure.getProtocol(), 'TLSv1.2');
  assert.equal((await client.command('EHLO client.test')).code, 250);
  const sent = await client.send('a@example.org', [`postmaster@${domain}`], message);
  assert.equal(sent.final?.code, 250);
  assert.equal((await lastMessageTls(server))?.protocol, 'TLSv1.2');
  await client.quit();

  const old = await RawSmtpClient.open(server.smtpPort);
  await assert.rejects(
    // The client's own floor lowered, so that only the server can be the one refusing.
    old.client.startTls({
      ...trusting(first, second),
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    }),
  );
  old.client.destroy();
});

test('renewed files are used by new sessions, and a session upgraded before goes on', async () => {
  const { client: before } = await RawSmtpClient.open(server.smtpPort);
  const beforeTls = await before.startTls(trusting(first, second));
  assert.equal(beforeTls.getPeerCertificate().fingerprint256, first.fingerprint);
  assert.equal((await before.command('EHLO client.test')).code, 250);

  // As certbot renews: the key first, then the certificate (a moment in which they do not match).
  copyFileSync(second.keyFile, live.keyFile);
  copyFileSync(second.certFile, live.certFile);

  await until(async () => {
    const { client } = await RawSmtpClient.open(server.smtpPort);
    try {
      const secure = await client.startTls(trusting(first, second));
      return secure.getPeerCertificate().fingerprint256 === second.fingerprint;
    } finally {
      client.destroy();
    }
  }, 'a new session is given the renewed certificate');
  assert.ok(
    logged.some((l) => l.msg === 'TLS certificate loaded' && l.obj.fingerprint === second.fingerprint),
  );

  // The session from before still delivers, over its original TLS.
  const sent = await before.send('a@example.org', [`postmaster@${domain}`], message);
  assert.equal(sent.final?.code, 250);
  assert.equal(beforeTls.getPeerCertificate().fingerprint256, first.fingerprint);
  await before.quit();
});

test('a renewal that does not match its key is not used: the previous certificate stays', async () => {
  const third = makeCertificate(dir, 'third');
  // A certificate without its key: refused, logged, and `second` stays in use.
  copyFileSync(third.certFile, live.certFile);
  assert.equal(server.burnbox.reloadTls(), false);
  const { client } = await RawSmtpClient.open(server.smtpPort);
  const secure = await client.startTls(trusting(first, second, third));
  assert.equal(secure.getPeerCertificate().fingerprint256, second.fingerprint);
  client.destroy();
  // Its key arrives: now it is used (here at once, as on SIGHUP).
  copyFileSync(third.keyFile, live.keyFile);
  assert.equal(server.burnbox.reloadTls(), true);
  const again = await RawSmtpClient.open(server.smtpPort);
  const renewed = await again.client.startTls(trusting(first, second, third));
  assert.equal(renewed.getPeerCertificate().fingerprint256, third.fingerprint);
  again.client.destroy();
});
