// Plus addressing: mail to name+anything@domain lands in the mailbox name@domain, keeping the
// tagged address as the message's recipient, so the wait endpoints' `to` filter can tell runs
// sharing one mailbox apart.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDomain, api, startTestServer, type TestServer } from '../support/harness.ts';
import { listMessages, simpleMessage, userWithMailbox } from './helpers.ts';
import { sendOnce } from './raw-client.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

const tagged = (address: string, tag: string) => address.replace('@', `+${tag}@`);

test('mail to name+tag@domain is delivered to name@domain with the tagged recipient', async () => {
  const { user, address } = await userWithMailbox(server);
  const to = tagged(address, 'run42');
  const reply = await sendOnce(server.smtpPort, 'a@sender.test', [to], simpleMessage(to, 'Tagged'));
  assert.equal(reply.rcpt[0]?.code, 250);
  assert.equal(reply.final?.code, 250);
  const messages = await listMessages(server, user, address);
  assert.deepEqual(
    messages.map((m) => [m.subject, m.to]),
    [['Tagged', to]],
  );
  const upper = tagged(address, 'Run-43.x').toUpperCase();
  const second = await sendOnce(server.smtpPort, 'a@sender.test', [upper], simpleMessage(upper, 'Upper'));
  assert.equal(second.final?.code, 250);
  assert.equal((await listMessages(server, user, address))[0]?.to, tagged(address, 'run-43.x'));
});

test('a tag on an address with no mailbox is refused as that address is', async () => {
  const to = 'nobody-here+x@burnbox.test';
  const reply = await sendOnce(server.smtpPort, 'a@sender.test', [to], simpleMessage(to, 'Lost'));
  assert.equal(reply.rcpt[0]?.code, 550);
  const foreign = 'someone+x@elsewhere.test';
  const relay = await sendOnce(server.smtpPort, 'a@sender.test', [foreign], simpleMessage(foreign, 'Relay'));
  assert.equal(relay.rcpt[0]?.code, 550);
  assert.match(relay.rcpt[0]?.text ?? '', /^5\.7\.1/, 'relay denied, as without a tag');
});

test('one transaction to two tags of one mailbox gives each tag its copy, and the wait filters by it', async () => {
  const { user, address } = await userWithMailbox(server);
  const run41 = tagged(address, 'run41');
  const run42 = tagged(address, 'run42');
  const reply = await sendOnce(
    server.smtpPort,
    'a@sender.test',
    [run41, run42],
    simpleMessage(address, 'Both'),
  );
  assert.equal(reply.final?.code, 250);
  const messages = await listMessages(server, user, address);
  assert.deepEqual(messages.map((m) => m.to).sort(), [run41, run42]);
  const mine = await api(
    server,
    'GET',
    `/api/messages/wait?email=${address}&timeout=0&to=${encodeURIComponent('+run42@')}`,
    {
      key: user.key,
    },
  );
  assert.equal(mine.status, 200);
  assert.equal(mine.body.data.to, run42);
  const again = await api(
    server,
    'GET',
    `/api/messages/wait?email=${address}&timeout=0&to=${encodeURIComponent('+run42@')}`,
    {
      key: user.key,
    },
  );
  assert.equal(again.status, 408, 'run42 has had its message');
  const theirs = await api(server, 'GET', `/api/messages/wait?email=${address}&timeout=0&to=run41`, {
    key: user.key,
  });
  assert.equal(theirs.body.data.to, run41);
});
