// Many SMTP sessions at once: every message is answered 250 and every one is listed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDomain, startTestServer, type TestServer } from '../support/harness.ts';
import { listMessages, simpleMessage, userWithMailbox } from './helpers.ts';
import { RawSmtpClient } from './raw-client.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await addDomain(server, 'burnbox.test');
});
after(() => server.close());

test('20 connections × 10 messages in parallel: 200 × 250, 200 listed', async () => {
  const connections = 20;
  const perConnection = 10;
  const { user, address } = await userWithMailbox(server);
  const codes = await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      const { client } = await RawSmtpClient.open(server.smtpPort);
      try {
        const got: number[] = [];
        for (let m = 0; m < perConnection; m++) {
          const subject = `c${c} m${m}`;
          const sent = await client.send('sender@example.org', [address], simpleMessage(address, subject));
          got.push(sent.final?.code ?? sent.mail.code);
        }
        return got;
      } finally {
        await client.quit();
      }
    }),
  );
  assert.deepEqual(codes.flat(), new Array(connections * perConnection).fill(250));
  const subjects = (await listMessages(server, user, address)).map((m) => m.subject);
  const expected = Array.from({ length: connections }, (_, c) =>
    Array.from({ length: perConnection }, (_, m) => `c${c} m${m}`),
  ).flat();
  assert.deepEqual(subjects.sort(), expected.sort());
});
