// Codes and links are read out of a mail once, as it is received, and stored with the mail
// shared by all its copies, committed with its rows before the 250: read on the event loop when
// that is quick, otherwise (a big mail, or a reading that runs out of its time) in the worker pool. Asking later reads them back. Mail stored before this existed has them read on its
// first request, and saved.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventLoopExtractionChars, eventLoopExtractionMs } from '../../src/domain/extraction.ts';
import { newMessageId, newUuid } from '../../src/domain/ids.ts';
import type { MailboxRecord } from '../../src/store/types.ts';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendRaw,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';
import { verification, verificationMail } from '../support/verification-mail.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await addDomain(server, 'extract.test');
});
after(() => server.close());

/** An extract answer's codes and links as stored: without the sender checks the answer adds. */
function asStored(answer: { codes: { trusted?: boolean }[]; links: { trusted?: boolean }[] }) {
  return {
    codes: answer.codes.map(({ trusted: _, ...code }) => code),
    links: answer.links.map(({ trusted: _, ...link }) => link),
  };
}

let users = 0;
async function mailboxOfNewUser() {
  const user = await createUser(server, `reader${++users}@extract.test`);
  const { email } = await createMailbox(server, user);
  const mailbox = (await server.burnbox.services.store.getMailboxByAddress(email)) as MailboxRecord;
  return { user, email, mailbox };
}

test('a small mail has its codes and links stored with its rows, before the 250, for all its copies', async () => {
  const { store, htmlWork, extraction } = server.burnbox.services;
  const a = await mailboxOfNewUser();
  const b = await mailboxOfNewUser();
  const before = htmlWork.counts.done;
  // Time enough on the event loop even for code not yet compiled on a loaded machine.
  extraction.eventLoopMs = 60_000;
  let sent: Awaited<ReturnType<typeof sendRaw>>;
  try {
    sent = await sendRaw(server, verificationMail(a.email), {
      from: 'no-reply@example.net',
      to: [a.email, b.email],
    });
  } finally {
    extraction.eventLoopMs = eventLoopExtractionMs;
  }
  assert.match(sent.response, /^250 /);

  // Stored with the mail before the sender was told it was received: nothing has asked yet.
  const [copyA] = await store.listMessages(a.mailbox.id);
  const [copyB] = await store.listMessages(b.mailbox.id);
  assert.ok(copyA && copyB);
  const stored = await store.getExtraction(copyA.id);
  assert.ok(stored, 'stored at ingest');
  assert.equal(stored.codes[0]?.value, verification.code);
  assert.ok(stored.links.some((l) => l.url === verification.link));
  assert.deepEqual(await store.getExtraction(copyB.id), stored, 'the copies share it');
  assert.equal(htmlWork.counts.done, before, 'a small mail is read on the event loop');

  // Both dialects serve what was stored.
  const user = await api(server, 'GET', `/api/messages/${copyA.id}/extract`, { key: a.user.key });
  assert.equal(user.status, 200);
  assert.equal(user.body.status, true);
  assert.deepEqual(asStored(user.body.data), stored);
  const key = await api(server, 'GET', `/api/emails/${b.mailbox.uuid}/${copyB.uuid}/extract`, {
    key: b.user.key,
  });
  assert.equal(key.status, 200);
  assert.deepEqual(asStored(key.body), stored);
});

test('a big mail has them read once in the pool and stored with its rows, before the 250', async () => {
  const { store, htmlWork } = server.burnbox.services;
  const a = await mailboxOfNewUser();
  const b = await mailboxOfNewUser();
  const before = htmlWork.counts.done;
  // A text part past the event loop's share, as a long terms-of-service mail has.
  const sentence = 'Please read our terms of service carefully before you continue. ';
  const filler = sentence.repeat(Math.ceil(eventLoopExtractionChars / sentence.length) + 10);
  const raw = verificationMail(a.email).replace('Welcome to Example!\r\n\r\nYour', `${filler}\r\n\r\nYour`);
  assert.ok(raw.length > eventLoopExtractionChars, 'past the event loop share');
  const sent = await sendRaw(server, raw, { from: 'no-reply@example.net', to: [a.email, b.email] });
  assert.match(sent.response, /^250 /);
  // Read in the pool (where such big mail also has its document made).
  const ingested = htmlWork.counts.done;
  assert.ok(ingested > before, 'read in the pool');
  const [copyA] = await store.listMessages(a.mailbox.id);
  const [copyB] = await store.listMessages(b.mailbox.id);
  assert.ok(copyA && copyB);

  // Stored with the mail before the sender was told it was received: nothing has asked yet.
  const stored = await store.getExtraction(copyA.id);
  assert.ok(stored, 'stored at ingest');
  assert.equal(stored.codes[0]?.value, verification.code);
  assert.ok(stored.links.some((l) => l.url === verification.link));
  const first = await api(server, 'GET', `/api/messages/${copyA.id}/extract`, { key: a.user.key });
  assert.equal(first.status, 200);
  assert.deepEqual(asStored(first.body.data), stored);

  // Once for both copies, by one piece of work in the pool.
  assert.deepEqual(await store.getExtraction(copyA.id), asStored(first.body.data));
  assert.deepEqual(await store.getExtraction(copyB.id), asStored(first.body.data), 'the copies share it');
  assert.equal(htmlWork.counts.done, ingested, 'not read again on request');
  const key = await api(server, 'GET', `/api/emails/${b.mailbox.uuid}/${copyB.uuid}/extract`, {
    key: b.user.key,
  });
  assert.deepEqual(asStored(key.body), asStored(first.body.data));
  assert.equal(htmlWork.counts.done, ingested, 'not read again');
});

test('a reading that runs out of its time on the event loop is done in the pool, with the same result', async () => {
  const { store, htmlWork, extraction } = server.burnbox.services;
  const onLoop = await mailboxOfNewUser();
  const inPool = await mailboxOfNewUser();
  await sendRaw(server, verificationMail(onLoop.email), { from: 'no-reply@example.net', to: [onLoop.email] });
  const before = htmlWork.counts.done;
  // No time at all on the event loop: every reading runs out of it.
  extraction.eventLoopMs = 0;
  try {
    const sent = await sendRaw(server, verificationMail(inPool.email), {
      from: 'no-reply@example.net',
      to: [inPool.email],
    });
    assert.match(sent.response, /^250 /);
  } finally {
    extraction.eventLoopMs = eventLoopExtractionMs;
  }
  assert.equal(htmlWork.counts.done, before + 1, 'read again in the pool');
  const [read] = await store.listMessages(onLoop.mailbox.id);
  const [pooled] = await store.listMessages(inPool.mailbox.id);
  assert.ok(read && pooled);
  const stored = await store.getExtraction(pooled.id);
  assert.ok(stored, 'stored at ingest, before the 250');
  assert.equal(stored.codes[0]?.value, verification.code);
  assert.deepEqual(stored, await store.getExtraction(read.id), 'as read on the event loop');
});

test('an HTML-only mail is read from its HTML', async () => {
  const { store } = server.burnbox.services;
  const a = await mailboxOfNewUser();
  await sendRaw(server, verificationMail(a.email, verification, { htmlOnly: true }), {
    from: 'no-reply@example.net',
    to: [a.email],
  });
  const [message] = await store.listMessages(a.mailbox.id);
  assert.ok(message);
  assert.equal(message.content.text, '', 'the mail has no text part');
  const stored = await store.getExtraction(message.id);
  assert.ok(
    stored?.links.some((l) => l.url === verification.link),
    'the link of the HTML',
  );
});

test('a mail stored before codes and links were kept gets them on its first request, saved', async () => {
  const { store } = server.burnbox.services;
  const a = await mailboxOfNewUser();
  const other = await mailboxOfNewUser();
  // As an earlier version stored it: content only, one mail for two copies.
  const copies = [a, other].map((r) => ({
    mailboxId: r.mailbox.id,
    recipient: r.email,
    id: newMessageId(),
    uuid: newUuid(),
  }));
  const [message, otherCopy] = await store.insertDelivery({
    content: {
      subject: 'Your code',
      fromName: 'Example',
      fromEmail: 'no-reply@example.net',
      text: `Your verification code is ${verification.code}.\nVerify: ${verification.link}`,
      html: '',
      size: 5,
      blobKey: newUuid(),
      attachments: [],
    },
    inlineBlob: Buffer.from('old\r\n'),
    receivedAt: server.clock.now,
    recipients: copies,
  });
  assert.ok(message && otherCopy);
  assert.equal(await store.getExtraction(message.id), undefined, 'none stored yet');

  const first = await api(server, 'GET', `/api/messages/${message.id}/extract`, { key: a.user.key });
  assert.equal(first.status, 200);
  assert.equal(first.body.data.codes[0]?.value, verification.code);
  assert.ok(first.body.data.links.some((l: { url: string }) => l.url === verification.link));
  // Saved with the mail: the other copy reads the same, through the other dialect.
  assert.deepEqual(await store.getExtraction(message.id), asStored(first.body.data));
  const second = await api(server, 'GET', `/api/emails/${other.mailbox.uuid}/${otherCopy.uuid}/extract`, {
    key: other.user.key,
  });
  assert.deepEqual(second.body, first.body.data);
});
