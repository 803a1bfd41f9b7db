// Every received message has its sender checked (SPF, DKIM, DMARC, ARC) right after it is
// stored and answered 250, never before: DNS comes from a zone held by the test (mailauth's
// resolver option, no network), DKIM signatures are made here with generated keys. The verdicts
// show in the extensions of both dialects (wait answers, extract endpoints), and each code and
// link is trusted only when DMARC passed.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import type { MailboxRecord } from '../../src/store/types.ts';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  removeInstallation,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';
import { DkimKey, FakeDns, rawMessage } from '../support/sender-dns.ts';
import { until } from '../support/until.ts';
import { pageData, WebClient } from '../support/web-client.ts';

const dns = new FakeDns();
const bank = new DkimKey('bank.test').publishIn(dns);
const evil = new DkimKey('evil.test').publishIn(dns);
dns
  .txt('bank.test', 'v=spf1 ip4:127.0.0.1 -all')
  .txt('_dmarc.bank.test', 'v=DMARC1; p=reject')
  .txt('evil.test', 'v=spf1 ip4:127.0.0.1 -all')
  .txt('soft.test', 'v=spf1 ip4:192.0.2.1 ~all')
  .txt('hard.test', 'v=spf1 ip4:192.0.2.1 -all')
  .txt('_dmarc.hard.test', 'v=DMARC1; p=quarantine')
  .fail('broken.test', 'ESERVFAIL')
  .fail('_dmarc.broken.test', 'ESERVFAIL')
  .hang('slow.test')
  .hang('_dmarc.slow.test');

let server: TestServer;
before(async () => {
  // A short DNS time limit, for the lookups that never get an answer.
  server = await startTestServer({ BURNBOX_DNS_TIMEOUT_SECONDS: '0.3' }, { senderDns: dns.resolver });
  await addDomain(server, 'inbox.test');
});
after(async () => {
  await server.close();
  dns.release();
});

let users = 0;
async function newMailbox(target: TestServer = server) {
  const user = await createUser(target, `user${++users}@users.test`);
  const { email } = await createMailbox(target, user);
  const mailbox = (await target.burnbox.services.store.getMailboxByAddress(email)) as MailboxRecord;
  return { user, email, mailbox };
}

/** Sends over SMTP from 127.0.0.1, saying HELO `helo`; resolves with the final reply. */
async function send(
  target: TestServer,
  raw: string,
  envelope: { from: string; to: string },
  helo = 'mx.sender.test',
) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: target.smtpPort,
    secure: false,
    ignoreTLS: true,
    name: helo,
  });
  try {
    return (await transport.sendMail({ envelope: { from: envelope.from, to: [envelope.to] }, raw })).response;
  } finally {
    transport.close();
  }
}

const codeMail = (from: string, to: string) =>
  rawMessage({ from, to, subject: 'Your sign-in code' }, 'Your verification code is 482913.\r\n');

/** The extract answer of the user dialect once the checks are done. */
async function checked(box: Awaited<ReturnType<typeof newMailbox>>, target: TestServer = server) {
  const [message] = await target.burnbox.services.store.listMessages(box.mailbox.id);
  assert.ok(message, 'the message was stored');
  let body: any;
  await until(async () => {
    body = (await api(target, 'GET', `/api/messages/${message.id}/extract`, { key: box.user.key })).body;
    return body.data.auth.dmarc !== 'pending';
  }, 'the sender checks are done');
  return { id: message.id, data: body.data };
}

test('a DKIM-signed message from a domain with SPF and DMARC passes; its code and links are trusted', async () => {
  const box = await newMailbox();
  const raw = await bank.sign(codeMail('Bank <no-reply@bank.test>', box.email));
  assert.match(await send(server, raw, { from: 'bounce@bank.test', to: box.email }), /^250 /);
  const { id, data } = await checked(box);
  assert.deepEqual(data.auth, {
    spf: 'pass',
    dkim: 'pass',
    dmarc: 'pass',
    arc: 'none',
    from_domain: 'bank.test',
  });
  assert.deepEqual(data.codes[0], { value: '482913', kind: 'otp', trusted: true });

  // The key dialect says the same.
  const keyApi = await api(server, 'GET', `/api/emails/${box.mailbox.uuid}`, {
    key: box.user.key,
    scheme: 'x-api-key',
  });
  const uuid = keyApi.body.messages[0].id;
  const extract = await api(server, 'GET', `/api/emails/${box.mailbox.uuid}/${uuid}/extract`, {
    key: box.user.key,
    scheme: 'x-api-key',
  });
  assert.equal(extract.body.auth.dmarc, 'pass');
  assert.equal(extract.body.codes[0].trusted, true);
  // The seed's own message object is left as it was.
  const read = await api(server, 'GET', `/api/messages/${id}`, { key: box.user.key });
  assert.equal(read.body.data.auth, undefined);
  assert.equal(read.body.data.codes, undefined);
});

test('a forged From (SPF and DKIM of another domain) fails DMARC; nothing in it is trusted', async () => {
  const box = await newMailbox();
  const raw = await evil.sign(codeMail('Bank Security <security@bank.test>', box.email));
  assert.match(await send(server, raw, { from: 'attacker@evil.test', to: box.email }), /^250 /);
  const { data } = await checked(box);
  // SPF and DKIM pass, for evil.test: not aligned with the From domain.
  assert.deepEqual(data.auth, {
    spf: 'pass',
    dkim: 'pass',
    dmarc: 'fail',
    arc: 'none',
    from_domain: 'bank.test',
  });
  assert.equal(data.codes[0].value, '482913');
  assert.equal(data.codes[0].trusted, false);

  // The wait answer carries it beside codes and links.
  const wait = await api(
    server,
    'GET',
    `/api/messages/wait?email=${encodeURIComponent(box.email)}&timeout=5`,
    {
      key: box.user.key,
    },
  );
  assert.equal(wait.status, 200);
  assert.equal(wait.body.data.auth.dmarc, 'fail');
  assert.equal(wait.body.data.codes[0].trusted, false);
});

test('SPF: softfail, fail and none; DMARC fail or none with them', async () => {
  const cases = [
    { domain: 'soft.test', spf: 'softfail', dmarc: 'none' },
    { domain: 'hard.test', spf: 'fail', dmarc: 'fail' },
    { domain: 'nothing.test', spf: 'none', dmarc: 'none' },
  ];
  for (const c of cases) {
    const box = await newMailbox();
    const raw = codeMail(`Shop <shop@${c.domain}>`, box.email);
    assert.match(await send(server, raw, { from: `bounce@${c.domain}`, to: box.email }), /^250 /);
    const { data } = await checked(box);
    assert.deepEqual(
      data.auth,
      { spf: c.spf, dkim: 'none', dmarc: c.dmarc, arc: 'none', from_domain: c.domain },
      c.domain,
    );
    assert.equal(data.codes[0].trusted, false, c.domain);
  }
});

test('DKIM: a signed header changed on the way fails, a changed body is neutral; DMARC then fails', async () => {
  const box = await newMailbox();
  const signed = await bank.sign(codeMail('Bank <no-reply@bank.test>', box.email));
  // Sent from an address SPF does not allow, so only DKIM could have passed DMARC.
  const header = signed.replace('Subject: Your sign-in code', 'Subject: Your new sign-in code');
  assert.match(await send(server, header, { from: 'bounce@hard.test', to: box.email }), /^250 /);
  assert.deepEqual(
    { dkim: (await checked(box)).data.auth.dkim, dmarc: (await checked(box)).data.auth.dmarc },
    { dkim: 'fail', dmarc: 'fail' },
  );

  const other = await newMailbox();
  const signedToOther = await bank.sign(codeMail('Bank <no-reply@bank.test>', other.email));
  const body = signedToOther.replace('482913', '999999');
  assert.match(await send(server, body, { from: 'bounce@hard.test', to: other.email }), /^250 /);
  const { data } = await checked(other);
  assert.equal(data.auth.dkim, 'neutral');
  assert.equal(data.auth.dmarc, 'fail');
  assert.equal(data.codes[0].trusted, false);
});

test('DNS failing (a server failure, or no answer within the time limit) gives temperror; the message is kept', async () => {
  for (const domain of ['broken.test', 'slow.test']) {
    const box = await newMailbox();
    const raw = codeMail(`Shop <shop@${domain}>`, box.email);
    assert.match(await send(server, raw, { from: `bounce@${domain}`, to: box.email }), /^250 /);
    const { data } = await checked(box);
    assert.equal(data.auth.spf, 'temperror', domain);
    assert.equal(data.auth.dmarc, 'temperror', domain);
    assert.equal(data.codes[0].value, '482913', domain);
    assert.equal(data.codes[0].trusted, false, domain);
  }
});

test('the check never holds up the 250: it is pending until DNS answers, and a restart finishes it', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-sender-auth-'));
  t.after(() => removeInstallation(dataDir));
  // DNS that does not answer until released, with a time limit far away.
  const stuck = new FakeDns().hang('bank.test').hang('_dmarc.bank.test').hang('test._domainkey.bank.test');
  t.after(() => stuck.release());
  const settings = { BURNBOX_DATA_DIR: dataDir, BURNBOX_DNS_TIMEOUT_SECONDS: '600' };
  const first = await startTestServer(settings, { senderDns: stuck.resolver });
  await addDomain(first, 'inbox.test');
  const box = await newMailbox(first);
  const raw = await bank.sign(codeMail('Bank <no-reply@bank.test>', box.email));
  assert.match(await send(first, raw, { from: 'bounce@bank.test', to: box.email }), /^250 /);
  const [message] = await first.burnbox.services.store.listMessages(box.mailbox.id);
  assert.ok(message);
  assert.deepEqual(await first.burnbox.services.store.getSenderAuth(message.id), {
    pending: true,
    fromDomain: 'bank.test',
  });
  const extract = await api(first, 'GET', `/api/messages/${message.id}/extract`, { key: box.user.key });
  assert.deepEqual(extract.body.data.auth, {
    spf: 'pending',
    dkim: 'pending',
    dmarc: 'pending',
    arc: 'pending',
    from_domain: 'bank.test',
  });
  assert.equal(extract.body.data.codes[0].trusted, false);
  // Stopped while the check waits for DNS: the message stays pending.
  await first.close();

  const second = await startTestServer(settings, { senderDns: dns.resolver });
  t.after(() => second.close());
  await until(async () => {
    const auth = await second.burnbox.services.store.getSenderAuth(message.id);
    return auth !== undefined && !auth.pending;
  }, 'the restarted server finished the pending check');
  assert.deepEqual(await second.burnbox.services.store.getSenderAuth(message.id), {
    pending: false,
    spf: 'pass',
    dkim: 'pass',
    dmarc: 'pass',
    arc: 'none',
    fromDomain: 'bank.test',
  });
});

test('with BURNBOX_SENDER_AUTH=false nothing is checked or looked up: every result is none', async (t) => {
  const quiet = new FakeDns();
  const off = await startTestServer({ BURNBOX_SENDER_AUTH: 'false' }, { senderDns: quiet.resolver });
  t.after(() => off.close());
  await addDomain(off, 'inbox.test');
  const box = await newMailbox(off);
  const raw = await bank.sign(codeMail('Bank <no-reply@bank.test>', box.email));
  assert.match(await send(off, raw, { from: 'bounce@bank.test', to: box.email }), /^250 /);
  const { data } = await checked(box, off);
  assert.deepEqual(data.auth, {
    spf: 'none',
    dkim: 'none',
    dmarc: 'none',
    arc: 'none',
    from_domain: 'bank.test',
  });
  assert.equal(data.codes[0].trusted, false);
  assert.deepEqual(quiet.asked, []);
});

test('the web reader says whether the sender is verified, with the results when it is not', async () => {
  const guest = new WebClient(server);
  const { mailbox } = pageData((await guest.get('/')).text);
  const genuine = await bank.sign(codeMail('Bank <no-reply@bank.test>', mailbox.address));
  await send(server, genuine, { from: 'bounce@bank.test', to: mailbox.address });
  const forged = await evil.sign(
    rawMessage(
      { from: 'Bank <security@bank.test>', to: mailbox.address, subject: 'Urgent' },
      'Code 111222\r\n',
    ),
  );
  await send(server, forged, { from: 'attacker@evil.test', to: mailbox.address });
  await server.burnbox.services.senderAuth.settled();
  const { messages } = JSON.parse((await guest.get(`/inbox/${mailbox.token}/messages`)).text);
  const reader = async (subject: string) => {
    const id = messages.find((m: { subject: string }) => m.subject === subject).id;
    return JSON.parse((await guest.get(`/inbox/${mailbox.token}/messages/${id}`)).text).sender;
  };
  assert.deepEqual(await reader('Your sign-in code'), {
    state: 'verified',
    domain: 'bank.test',
    detail: 'DMARC pass, SPF pass, DKIM pass, ARC none',
  });
  assert.deepEqual(await reader('Urgent'), {
    state: 'unverified',
    domain: 'bank.test',
    detail: 'DMARC fail, SPF pass, DKIM pass, ARC none',
  });
});
