// New mail is announced on the event bus once per stored copy, after it is committed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MessageRecord } from '../../src/store/types.ts';
import { addDomain, createMailbox, startTestServer, type TestServer } from '../support/harness.ts';
import { listMessages, simpleMessage, userWithMailbox } from './helpers.ts';
import { sendOnce } from './raw-client.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

test('message.received is published for each recipient, when the message is already readable', async () => {
  const { user, address } = await userWithMailbox(server);
  const other = await createMailbox(server, user);
  const { events, store } = server.burnbox.services;
  const seen: { address: string; id: string; stored: Promise<MessageRecord | undefined> }[] = [];
  const unsubscribe = events.subscribe('message.received', ({ mailbox, message }) => {
    // Read back at the moment of the event: it must already be committed.
    seen.push({ address: mailbox.address, id: message.id, stored: store.getMessage(message.id) });
  });
  try {
    const sent = await sendOnce(
      server.smtpPort,
      'a@sender.test',
      [address, other.email],
      simpleMessage(address, 'Event'),
    );
    assert.equal(sent.final?.code, 250);
  } finally {
    unsubscribe();
  }
  assert.deepEqual(seen.map((s) => s.address).sort(), [address, other.email].sort());
  for (const s of seen) assert.equal((await s.stored)?.content.subject, 'Event');
  const listed = await listMessages(server, user, address);
  assert.ok(seen.some((s) => s.id === listed[0]?.id));
});

test('a failing listener does not affect delivery', async () => {
  const { user, address } = await userWithMailbox(server);
  const unsubscribe = server.burnbox.services.events.subscribe('message.received', () => {
    throw new Error('listener bug');
  });
  try {
    const sent = await sendOnce(
      server.smtpPort,
      'a@sender.test',
      [address],
      simpleMessage(address, 'Still stored'),
    );
    assert.equal(sent.final?.code, 250);
  } finally {
    unsubscribe();
  }
  assert.equal((await listMessages(server, user, address))[0]?.subject, 'Still stored');
});
