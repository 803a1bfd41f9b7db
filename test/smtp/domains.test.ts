// Mail is accepted only on hosted domains: removing a domain closes its mailboxes to mail.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDomain, startTestServer, type TestServer } from '../support/harness.ts';
import { simpleMessage, userWithMailbox } from './helpers.ts';
import { sendOnce } from './raw-client.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

test('a removed domain refuses mail as relay, even for a mailbox still on it', async () => {
  const { address } = await userWithMailbox(server);
  const before = await sendOnce(server.smtpPort, 'a@sender.test', [address], simpleMessage(address, 'One'));
  assert.equal(before.final?.code, 250);
  await server.burnbox.services.domains.remove('burnbox.test');
  const after = await sendOnce(server.smtpPort, 'a@sender.test', [address], simpleMessage(address, 'Two'));
  assert.equal(after.rcpt[0]?.code, 550);
  assert.match(after.rcpt[0]?.text ?? '', /^5\.7\.1/);
});
