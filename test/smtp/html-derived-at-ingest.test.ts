// The costly work on received HTML (sanitising it for the web UI, making text of HTML-only mail)
// is done once, in the worker pool, when the message arrives, and stored with it: reading the
// message (key API detail, web frame) only reads what was stored. The work is bounded: HTML past
// the size cap is left out, and work past the time budget gives empty text, never a failure.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventLoopExtractionMs } from '../../src/domain/extraction.ts';
import { newMessageId, newUuid } from '../../src/domain/ids.ts';
import type { ChunkedPart, MailboxRecord, MessageRecord } from '../../src/store/types.ts';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendMail,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../support/harness.ts';

/** HTML-only mail of about `bytes` bytes, its first and last paragraphs marked. */
function bigHtml(bytes: number): string {
  const row =
    '<tr><td style="padding:4px">Row of a long report <b>bold</b> <a href="https://x.example/a">link</a> <img src="https://pixel.example/p.gif"></td></tr>\n';
  return `<html><body><p>FIRST-PARAGRAPH</p><table>${row.repeat(Math.ceil(bytes / row.length))}</table><p>LAST-PARAGRAPH</p></body></html>`;
}

interface Delivered {
  user: TestUser;
  mailbox: MailboxRecord;
  message: MessageRecord;
}

async function deliver(server: TestServer, html: string): Promise<Delivered> {
  const { services } = server.burnbox;
  const user = await createUser(server, `${newUuid()}@reader.test`);
  const { email: address } = await createMailbox(server, user);
  const sent = await sendMail(server, { to: address, subject: 'Big report', html });
  assert.match(sent.response, /^250 /);
  const mailbox = (await services.store.getMailboxByAddress(address)) as MailboxRecord;
  const [message] = await services.store.listMessages(mailbox.id);
  assert.ok(message);
  return { user, mailbox, message };
}

async function storedChunks(server: TestServer, uuid: string, part: ChunkedPart): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for (let seq = 0; ; seq++) {
    const chunk = await server.burnbox.services.store.readChunk(uuid, part, seq);
    if (!chunk) return chunks;
    chunks.push(chunk);
  }
}

function readDetail(server: TestServer, { user, mailbox, message }: Delivered) {
  return api(server, 'GET', `/api/emails/${mailbox.uuid}/${message.uuid}`, { key: user.key });
}

function readFrame(server: TestServer, { mailbox, message }: Delivered) {
  const token = server.burnbox.services.mailboxes.token(mailbox);
  return api(server, 'GET', `/inbox/${token}/messages/${message.uuid}/body.html`);
}

describe('with the default limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await addDomain(server, 'derive.test');
  });
  after(() => server.close());

  test('a big HTML-only message gets its text and document at ingest, in the worker pool', async () => {
    const { services } = server.burnbox;
    const before = { ...services.htmlWork.counts };
    const delivered = await deliver(server, bigHtml(3 * 1024 * 1024));

    // All were made by a worker before the 250, and stored with the message: the text, the
    // document, and (big mail) the APIs' content and html as JSON; and its codes and links.
    assert.equal(services.htmlWork.counts.done, before.done + 4);
    const text = await services.store.getHtmlText(delivered.message.uuid);
    assert.ok(text !== undefined, 'the text is stored');
    assert.match(text, /^FIRST-PARAGRAPH/);
    assert.match(text, /LAST-PARAGRAPH$/);
    const info = await services.store.getDocumentInfo(delivered.message.uuid);
    assert.ok(info && info.remoteImages > 0, 'the document is stored, its remote images counted');
    const document = Buffer.concat(await storedChunks(server, delivered.message.uuid, 'document'));
    const json = await storedChunks(server, delivered.message.uuid, 'content');
    assert.ok(json.length > 1, 'the JSON of a big text is stored in several chunks');
    assert.equal(JSON.parse(Buffer.concat(json).toString()), text);

    // Reading it, again and again, only reads what was stored: no work is done.
    for (let i = 0; i < 2; i++) {
      const detail = await readDetail(server, delivered);
      assert.equal(detail.status, 200);
      assert.equal(detail.body.message.content, text);
      assert.match(detail.body.message.html, /^<html><body><p>FIRST-PARAGRAPH/);
      const frame = await readFrame(server, delivered);
      assert.equal(frame.status, 200);
      assert.ok(frame.raw.equals(document), 'the frame serves the stored document');
      assert.match(frame.headers.get('content-security-policy') ?? '', /img-src data: 'self';/);
    }
    assert.equal(services.htmlWork.counts.done, before.done + 4);
  });

  test('small mail with a text part gets its document on its first view, in the pool, once', async () => {
    const { services } = server.burnbox;
    const user = await createUser(server, 'small@reader.test');
    const { email: address } = await createMailbox(server, user);
    const before = services.htmlWork.counts.done;
    // Its codes and links are read on the event loop; a reading that ran out of its time there
    // (code not yet compiled, a loaded machine) would go to the pool: given time enough here.
    services.extraction.eventLoopMs = 60_000;
    let sent: Awaited<ReturnType<typeof sendMail>>;
    try {
      sent = await sendMail(server, {
        to: address,
        subject: 'Small',
        text: 'Small text part',
        html: '<p>Small <b>HTML</b> part</p><img src="https://pixel.example/s.gif">',
      });
    } finally {
      services.extraction.eventLoopMs = eventLoopExtractionMs;
    }
    assert.match(sent.response, /^250 /);
    const mailbox = (await services.store.getMailboxByAddress(address)) as MailboxRecord;
    const [message] = await services.store.listMessages(mailbox.id);
    assert.ok(message);
    // Nothing was made at ingest: its content is its text part (and a small mail's codes and
    // links are read on the event loop).
    assert.equal(services.htmlWork.counts.done, before);
    assert.equal(await services.store.getDocumentInfo(message.uuid), undefined);
    const delivered = { user, mailbox, message };
    const detail = await readDetail(server, delivered);
    assert.equal(detail.body.message.content, 'Small text part');
    assert.equal(services.htmlWork.counts.done, before);

    // The first view makes the document in the pool and stores it; later views read it.
    for (let i = 0; i < 2; i++) {
      const frame = await readFrame(server, delivered);
      assert.equal(frame.status, 200);
      assert.match(frame.raw.toString(), /<p>Small <b>HTML<\/b> part<\/p>/);
    }
    assert.equal(services.htmlWork.counts.done, before + 1);
    assert.equal((await services.store.getDocumentInfo(message.uuid))?.remoteImages, 1);
  });

  test('a message stored without them gets them on its first read, once', async () => {
    const { services } = server.burnbox;
    const user = await createUser(server, 'older@reader.test');
    const { email: address } = await createMailbox(server, user);
    const mailbox = (await services.store.getMailboxByAddress(address)) as MailboxRecord;
    const html = '<p>Stored <b>before</b> derivation existed</p><img src="https://pixel.example/o.gif">';
    // As an earlier version stored it: content only.
    const [message] = await services.store.insertDelivery({
      content: {
        subject: 'Older',
        fromName: '',
        fromEmail: 'old@example.org',
        text: '',
        html,
        size: 5,
        blobKey: newUuid(),
        attachments: [],
      },
      inlineBlob: Buffer.from('old\r\n'),
      receivedAt: server.clock.now,
      recipients: [{ mailboxId: mailbox.id, recipient: address, id: newMessageId(), uuid: newUuid() }],
    });
    assert.ok(message);
    assert.equal(await services.store.getHtmlText(message.uuid), undefined);
    const before = services.htmlWork.counts.done;

    const delivered = { user, mailbox, message };
    const detail = await readDetail(server, delivered);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.message.content, 'Stored before derivation existed');
    assert.equal(await services.store.getHtmlText(message.uuid), 'Stored before derivation existed');
    assert.equal((await services.store.getDocumentInfo(message.uuid))?.remoteImages, 1);
    assert.equal(services.htmlWork.counts.done, before + 2);

    const frame = await readFrame(server, delivered);
    assert.match(frame.raw.toString(), /Stored <b>before<\/b> derivation existed/);
    assert.equal(services.htmlWork.counts.done, before + 2, 'made once, then read');

    // Opened first in the web UI's frame, such a message gets them there.
    const [other] = await services.store.insertDelivery({
      content: {
        subject: 'Older too',
        fromName: '',
        fromEmail: 'old@example.org',
        text: '',
        html: '<p>Framed first</p>',
        size: 5,
        blobKey: newUuid(),
        attachments: [],
      },
      inlineBlob: Buffer.from('old\r\n'),
      receivedAt: server.clock.now,
      recipients: [{ mailboxId: mailbox.id, recipient: address, id: newMessageId(), uuid: newUuid() }],
    });
    assert.ok(other);
    const framed = await readFrame(server, { user, mailbox, message: other });
    assert.equal(framed.status, 200);
    assert.match(framed.raw.toString(), /<p>Framed first<\/p>/);
    assert.equal(await services.store.getHtmlText(other.uuid), 'Framed first');

    // A stored document is served only through its own mailbox.
    const stranger = await deliver(server, '<p>Elsewhere</p>');
    const token = services.mailboxes.token(stranger.mailbox);
    const wrong = await api(server, 'GET', `/inbox/${token}/messages/${other.uuid}/body.html`);
    assert.equal(wrong.status, 404);
  });
});

describe('with a size cap', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ BURNBOX_HTML_MAX_BYTES: '4096' });
    await addDomain(server, 'capped.test');
  });
  after(() => server.close());

  test('HTML past the cap is left out: the text and document are of its beginning', async () => {
    const { services } = server.burnbox;
    const before = services.htmlWork.counts.truncated;
    const delivered = await deliver(server, bigHtml(64 * 1024));
    // The text, the document, and the codes and links.
    assert.equal(services.htmlWork.counts.truncated, before + 3);
    const detail = await readDetail(server, delivered);
    assert.equal(detail.status, 200);
    assert.match(detail.body.message.content, /^FIRST-PARAGRAPH/);
    assert.doesNotMatch(detail.body.message.content, /LAST-PARAGRAPH/);
    // The raw HTML is still there, whole.
    assert.match(detail.body.message.html, /LAST-PARAGRAPH/);
    const frame = await readFrame(server, delivered);
    assert.match(frame.raw.toString(), /FIRST-PARAGRAPH/);
    assert.doesNotMatch(frame.raw.toString(), /LAST-PARAGRAPH/);
  });
});

describe('with a time budget too short for the work', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ BURNBOX_HTML_TIME_BUDGET_SECONDS: '0.001' });
    await addDomain(server, 'budget.test');
  });
  after(() => server.close());

  test('work past the budget is stopped: empty text and document, the message delivered', async () => {
    const { services } = server.burnbox;
    const before = services.htmlWork.counts.overBudget;
    const delivered = await deliver(server, bigHtml(1024 * 1024));
    // The text, the document, the JSON of the big fields, and the codes and links: each stopped.
    assert.equal(services.htmlWork.counts.overBudget, before + 4);
    assert.equal(await services.store.getHtmlText(delivered.message.uuid), '');
    const detail = await readDetail(server, delivered);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.message.content, '');
    assert.match(detail.body.message.html, /LAST-PARAGRAPH/);
    const frame = await readFrame(server, delivered);
    assert.equal(frame.status, 200);
    assert.doesNotMatch(frame.raw.toString(), /PARAGRAPH/);

    // The pool replaced its stopped workers: later mail is worked on again (and stopped again).
    await deliver(server, bigHtml(1024 * 1024));
    assert.equal(services.htmlWork.counts.overBudget, before + 8);
  });
});
