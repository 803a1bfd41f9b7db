// The SMTP server's own settings: BURNBOX_HOSTNAME is the name it greets and answers EHLO with
// (and the domain a bare `postmaster` means when it is hosted), and BURNBOX_SMTP_MAX_CLIENTS
// caps the connections open at once over all client addresses: one more gets 421 and is closed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addDomain, startTestServer, type TestServer } from '../support/harness.ts';
import { until } from '../support/until.ts';
import { simpleMessage } from './helpers.ts';
import { RawSmtpClient } from './raw-client.ts';

async function withServer(settings: Record<string, string>, run: (server: TestServer) => Promise<void>) {
  const server = await startTestServer(settings);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

test('BURNBOX_HOSTNAME is the name in the greeting and the EHLO reply', async () => {
  await withServer({ BURNBOX_HOSTNAME: 'mx.hostname.test' }, async (server) => {
    const { client, greeting, ehlo } = await RawSmtpClient.open(server.smtpPort);
    try {
      assert.equal(greeting.code, 220);
      assert.match(greeting.text, /^mx\.hostname\.test ESMTP Burnbox/);
      assert.equal(ehlo.code, 250);
      assert.match(ehlo.lines[0] ?? '', /^mx\.hostname\.test\b/);
    } finally {
      await client.quit();
    }
  });
});

test('a bare postmaster is delivered to the BURNBOX_HOSTNAME domain when it is hosted', async () => {
  // Another hosted domain sorts first: without the host name, the first would be used.
  await withServer({ BURNBOX_HOSTNAME: 'mx.hostname.test' }, async (server) => {
    await addDomain(server, 'aaa.test');
    await addDomain(server, 'mx.hostname.test');
    const { client } = await RawSmtpClient.open(server.smtpPort);
    try {
      assert.equal((await client.command('MAIL FROM:<reporter@example.org>')).code, 250);
      assert.equal((await client.command('RCPT TO:<postmaster>')).code, 250);
      const { final } = await client.data(simpleMessage('postmaster', 'bare'));
      assert.equal(final?.code, 250);
    } finally {
      await client.quit();
    }
    const { store } = server.burnbox.services;
    assert.ok(await store.getMailboxByAddress('postmaster@mx.hostname.test'), 'delivered to the host name');
    assert.equal(await store.getMailboxByAddress('postmaster@aaa.test'), undefined);
  });
});

test('past BURNBOX_SMTP_MAX_CLIENTS connections the next one gets 421 and is closed', async () => {
  // Each connection from its own address: the per-address limit plays no part.
  await withServer(
    { BURNBOX_SMTP_MAX_CLIENTS: '2', BURNBOX_HOSTNAME: 'mx.hostname.test' },
    async (server) => {
      const port = server.smtpPort;
      const held = [
        (await RawSmtpClient.open(port, { localAddress: '127.0.0.1' })).client,
        (await RawSmtpClient.open(port, { localAddress: '127.0.0.2' })).client,
      ];
      try {
        const extra = await RawSmtpClient.connect(port, { localAddress: '127.0.0.3' });
        const refused = await extra.reply();
        assert.equal(refused.code, 421);
        assert.match(refused.text, /Too many connected clients/);
        await extra.closed;

        // A connection that ends gives its place back (counted once the server sees it close).
        await (held.shift() as RawSmtpClient).quit();
        let admitted: RawSmtpClient | undefined;
        await until(async () => {
          const client = await RawSmtpClient.connect(port, { localAddress: '127.0.0.4' });
          const greeting = await client.reply();
          if (greeting.code === 220) admitted = client;
          else await client.closed;
          return admitted !== undefined;
        }, 'a connection is admitted again');
        held.push(admitted as RawSmtpClient);
      } finally {
        for (const client of held) await client.quit();
      }
    },
  );
});
