// Connections to endpoints are kept alive; one the endpoint dropped while idle is replaced
// without costing the event an attempt.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { addDomain, sendMail, startTestServer } from '../support/harness.ts';
import { allowPrivate, hookedUser } from './helpers.ts';

/** A raw HTTP endpoint that answers the first request of each connection and resets on the second. */
async function resettingEndpoint() {
  let connections = 0;
  let answered = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    let requests = 0;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(
          /content-length:\s*(\d+)/i.exec(buffered.subarray(0, end).toString())?.[1] ?? 0,
        );
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.subarray(end + 4 + length);
        if (++requests === 1) {
          answered++;
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n');
        } else {
          socket.resetAndDestroy();
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    stats: () => ({ connections, answered }),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('a kept-alive connection reset by the endpoint is replaced within the same attempt', async (t) => {
  const server = await startTestServer(allowPrivate);
  t.after(() => server.close());
  await addDomain(server, 'alive.test');
  const endpoint = await resettingEndpoint();
  t.after(() => endpoint.close());
  const { record, address } = await hookedUser(server, 'owner@alive.test', endpoint.url);
  const { webhookDelivery, services } = server.burnbox;
  for (let i = 0; i < 3; i++) {
    await sendMail(server, { to: address, subject: `m${i}`, text: 'x' });
    await webhookDelivery.runDue();
  }
  const log = await services.webhooks.log(record);
  assert.deepEqual(
    log.map((a) => [a.attempt, a.statusCode, a.outcome]),
    [
      [1, 200, 'delivered'],
      [1, 200, 'delivered'],
      [1, 200, 'delivered'],
    ],
  );
  // Each event after the first went out on the idle connection, was reset, and was re-sent.
  assert.deepEqual(endpoint.stats(), { connections: 3, answered: 3 });
});
