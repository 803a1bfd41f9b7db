// Reading a big message (the web UI's frame, the key API's detail) sends its stored chunks a
// slice per turn of the event loop: however fast the reader takes them, the server reads a chunk
// and sends it, letting other requests and SMTP sessions have their turns before the next.
// Without that, a reader on the same host took up to 60 chunks (15 MB) in one turn.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { newUuid } from '../../src/domain/ids.ts';
import type { ChunkedPart, MailboxRecord } from '../../src/store/types.ts';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendMail,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await addDomain(server, 'turns.test');
});
after(() => server.close());

/** Counts turns of the event loop (its check phase comes once a turn). */
function turnCounter() {
  let turns = 0;
  let running = true;
  const tick = () => {
    turns++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    now: () => turns,
    stop: () => {
      running = false;
    },
  };
}

test('a big message is read and sent a slice per turn, by the frame and by the key API', async () => {
  const { services } = server.burnbox;
  const user = await createUser(server, `${newUuid()}@reader.test`);
  const { email: address } = await createMailbox(server, user);
  const row = '<tr><td>Row of a long report <b>bold</b> <a href="https://x.example/a">link</a></td></tr>\n';
  const html = `<html><body><table>${row.repeat(Math.ceil((4 * 1024 * 1024) / row.length))}</table></body></html>`;
  assert.match((await sendMail(server, { to: address, subject: 'Big', html })).response, /^250 /);
  const mailbox = (await services.store.getMailboxByAddress(address)) as MailboxRecord;
  const [message] = await services.store.listMessages(mailbox.id);
  assert.ok(message);

  // The turn in which each chunk of each stored part was read.
  const readIn = new Map<ChunkedPart, number[]>();
  const clock = turnCounter();
  const store = services.store;
  const readChunk = store.readChunk.bind(store);
  store.readChunk = async (uuid, part, seq) => {
    const chunk = await readChunk(uuid, part, seq);
    if (chunk && uuid === message.uuid) readIn.set(part, [...(readIn.get(part) ?? []), clock.now()]);
    return chunk;
  };
  try {
    const token = services.mailboxes.token(mailbox);
    const frame = await api(server, 'GET', `/inbox/${token}/messages/${message.uuid}/body.html`);
    assert.equal(frame.status, 200);
    assert.ok(frame.raw.includes('</table>'), 'the whole document is sent');
    const detail = await api(server, 'GET', `/api/emails/${mailbox.uuid}/${message.uuid}`, { key: user.key });
    assert.equal(detail.status, 200);
    assert.ok(detail.body.message.html.includes('</table></body></html>'), 'the whole HTML is sent');
  } finally {
    store.readChunk = readChunk;
    clock.stop();
  }

  for (const part of ['document', 'content', 'html'] as const) {
    const turns = readIn.get(part) ?? [];
    assert.ok(turns.length > 3, `${part} is stored in several chunks`);
    // The first chunk is read before the response starts, the second as the first is sent; from
    // then on, a turn passes between one chunk and the next.
    for (let seq = 2; seq < turns.length; seq++) {
      assert.ok(
        (turns[seq] as number) > (turns[seq - 1] as number),
        `${part} chunk ${seq} was read in the same turn as chunk ${seq - 1} (turns: ${turns.join(', ')})`,
      );
    }
  }
});
