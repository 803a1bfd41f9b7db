// One client cannot hold the SMTP service: connections per client address, the length of a
// session and the transactions in one session are limited, each ended with a 421 and a closed
// connection. Other clients (here: another source address on loopback) are not affected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientOf } from '../../src/smtp/session-limits.ts';
import { addDomain, startTestServer, type TestServer } from '../support/harness.ts';
import { until } from '../support/until.ts';
import { holdBlobWrites, listMessages, simpleMessage, userWithMailbox } from './helpers.ts';
import { RawSmtpClient } from './raw-client.ts';

const from = 'sender@example.org';

async function withServer(settings: Record<string, string>, run: (server: TestServer) => Promise<void>) {
  const server = await startTestServer(settings);
  try {
    await addDomain(server, 'burnbox.test');
    await run(server);
  } finally {
    await server.close();
  }
}

/** Whether a new connection from `localAddress` is greeted with 220 (it is closed again). */
async function greeted(port: number, localAddress = '127.0.0.1'): Promise<boolean> {
  const client = await RawSmtpClient.connect(port, { localAddress });
  const greeting = await client.reply();
  if (greeting.code === 220) await client.quit();
  else await client.closed;
  return greeting.code === 220;
}

test('past its connection limit an address gets 421 4.7.0 and is closed; another address still connects', async () => {
  await withServer({ BURNBOX_SMTP_MAX_CLIENTS_PER_ADDRESS: '2' }, async (server) => {
    const port = server.smtpPort;
    const held = [(await RawSmtpClient.open(port)).client, (await RawSmtpClient.open(port)).client];
    try {
      const extra = await RawSmtpClient.connect(port);
      const refused = await extra.reply();
      assert.equal(refused.code, 421);
      assert.match(refused.text, /^4\.7\.0 /);
      await extra.closed;

      const other = await RawSmtpClient.open(port, { localAddress: '127.0.0.2' });
      assert.equal(other.greeting.code, 220);
      assert.equal(other.ehlo.code, 250);
      await other.client.quit();

      // A connection that ends gives its place back (counted when the server sees it close).
      await (held.shift() as RawSmtpClient).quit();
      await until(() => greeted(port), 'the address connects again once one of its connections closed');
    } finally {
      for (const client of held) await client.quit();
    }
  });
});

test('a session idling past the session time limit gets 421 4.4.2 and is closed', async () => {
  await withServer({ BURNBOX_SMTP_MAX_SESSION_SECONDS: '1' }, async (server) => {
    const { client } = await RawSmtpClient.open(server.smtpPort, { timeoutMs: 10_000 });
    // The attack: NOOPs keep the idle timeout from ever closing the connection.
    assert.equal((await client.command('NOOP')).code, 250);
    const ended = await client.reply();
    assert.equal(ended.code, 421);
    assert.match(ended.text, /^4\.4\.2 /);
    await client.closed;
  });
});

test('a session running out of time while its message is stored gets the 250 first, then 421', async () => {
  await withServer(
    { BURNBOX_SMTP_MAX_SESSION_SECONDS: '2', BURNBOX_INLINE_MESSAGE_BYTES: '0' },
    async (server) => {
      const { user, address } = await userWithMailbox(server);
      const writes = holdBlobWrites(server);
      const { client } = await RawSmtpClient.open(server.smtpPort, { timeoutMs: 10_000 });
      // Opened after `client`, so its session ends after the other's: its 421 says that time is up.
      const { client: later } = await RawSmtpClient.open(server.smtpPort, { timeoutMs: 10_000 });
      try {
        const sending = client.send(from, [address], simpleMessage(address, 'stored late'));
        await writes.heldDuring(sending);
        assert.equal((await later.reply()).code, 421);
        assert.equal(client.unread, 0, 'nothing said while the message is being stored');

        writes.release();
        assert.equal((await sending).final?.code, 250);
        const ended = await client.reply();
        assert.equal(ended.code, 421);
        assert.match(ended.text, /^4\.4\.2 /);
        await client.closed;
        assert.deepEqual(
          (await listMessages(server, user, address)).map((m) => m.subject),
          ['stored late'],
        );
      } finally {
        writes.restore();
        client.destroy();
        later.destroy();
      }
    },
  );
});

test('the transaction after the per-session cap gets 421 4.7.0; a new session may send again', async () => {
  await withServer({ BURNBOX_SMTP_MAX_MESSAGES_PER_SESSION: '2' }, async (server) => {
    const { user, address } = await userWithMailbox(server);
    const { client } = await RawSmtpClient.open(server.smtpPort);
    for (const subject of ['one', 'two']) {
      assert.equal((await client.send(from, [address], simpleMessage(address, subject))).final?.code, 250);
    }
    const third = await client.command(`MAIL FROM:<${from}>`);
    assert.equal(third.code, 421);
    assert.match(third.text, /^4\.7\.0 /);
    await client.closed;

    const again = await RawSmtpClient.open(server.smtpPort);
    assert.equal(
      (await again.client.send(from, [address], simpleMessage(address, 'three'))).final?.code,
      250,
    );
    await again.client.quit();
    assert.deepEqual((await listMessages(server, user, address)).map((m) => m.subject).sort(), [
      'one',
      'three',
      'two',
    ]);
  });
});

test('connections count per IPv4 address and per IPv6 /64 (an IPv4-mapped address is its IPv4 one)', () => {
  assert.equal(clientOf('::ffff:192.0.2.7'), clientOf('192.0.2.7'));
  assert.notEqual(clientOf('192.0.2.7'), clientOf('192.0.2.8'));
  assert.equal(clientOf('2001:db8:1:2::1'), clientOf('2001:db8:1:2:ffff::9'));
  assert.notEqual(clientOf('2001:db8:1:2::1'), clientOf('2001:db8:1:3::1'));
});
