// GET /api/emails/{emailId}/stream in the key dialect: events with the message's uuid as id and
// the wait answer's message as data, resumed from Last-Event-ID; `gone` when the mailbox is deleted.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openEventStream } from '../support/event-stream-client.ts';
import { addDomain, createUser, startTestServer, type TestServer } from '../support/harness.ts';
import { assertKeyError, assertKeys, generate, keyApi, SmtpSender, uuidPattern } from './helpers.ts';

let server: TestServer;
let smtp: SmtpSender;
let users = 0;
const newUser = () => createUser(server, `kstream${++users}@example.org`);

before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
  smtp = new SmtpSender(server);
});
after(async () => {
  smtp.close();
  await server.close();
});

async function send(to: string, subject: string) {
  server.clock.advance(1000);
  await smtp.send(to, subject);
}

test('events carry the uuid and the wait answer’s message; Last-Event-ID resumes; gone ends the stream', async () => {
  const user = await newUser();
  const box = await generate(server, user, 'ks1');
  await send(box.email, 'k1');
  await send(box.email, 'k2');
  const page = await keyApi(server, 'GET', `/api/emails/${box.id}`, { key: user.key });
  const k1 = (page.body.messages as { id: string; subject: string }[]).find((m) => m.subject === 'k1');
  assert.ok(k1);
  const s = await openEventStream(`${server.baseUrl}/api/emails/${box.id}/stream`, {
    'X-API-Key': user.key,
    'Last-Event-ID': k1.id,
  });
  try {
    assert.equal(s.status, 200);
    await s.until(/: live/, 'the replay is done');
    await send(box.email, 'k3');
    await s.until(/k3/, 'the live message');
    const events = s.events();
    const data = events.map((e) => JSON.parse(e.data ?? ''));
    assert.deepEqual(
      data.map((d) => d.subject),
      ['k2', 'k3'],
    );
    for (const [i, event] of events.entries()) {
      assert.equal(event.event, 'message');
      assert.match(event.id ?? '', uuidPattern);
      assert.equal(event.id, data[i].id);
      assertKeys(
        data[i],
        ['id', 'from_address', 'subject', 'content', 'html', 'received_at', 'codes', 'links', 'auth'],
        'data',
      );
    }
    const del = await keyApi(server, 'DELETE', `/api/emails/${box.id}`, { key: user.key });
    assert.equal(del.status, 200);
    await s.until(/event: gone/, 'the stream says the mailbox is gone');
  } finally {
    s.close();
  }
});

test("another user's mailbox is not found; a bad lastEventId is a 400", async () => {
  const owner = await newUser();
  const other = await newUser();
  const box = await generate(server, owner, 'ks2');
  assertKeyError(
    await keyApi(server, 'GET', `/api/emails/${box.id}/stream`, { key: other.key }),
    404,
    'isolation',
  );
  assertKeyError(
    await keyApi(server, 'GET', `/api/emails/${box.id}/stream?lastEventId=nope`, { key: owner.key }),
    400,
    'bad lastEventId',
  );
});
