// A real HTTP receiver on 127.0.0.1 for webhook tests, and set-up of a user with a mailbox and
// a webhook pointing at it.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UserRecord } from '../../src/store/types.ts';
import { createMailbox, createUser, type TestServer, type TestUser } from '../support/harness.ts';

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What the receiver does with a request: answer with a status, or never answer. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface Receiver {
  url: string;
  port: number;
  requests: Received[];
  /** Requests received and not answered yet. */
  open(): number;
  /** Resolves once `count` requests have arrived (bounded wait, generous by default). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(
  reply: (req: Received, index: number) => Reply = () => ({ status: 200 }),
): Promise<Receiver> {
  const requests: Received[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let open = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = requests.push(received) - 1;
      for (const w of waiters.splice(0)) {
        if (requests.length >= w.count) w.resolve();
        else waiters.push(w);
      }
      const answer = reply(received, index);
      if (answer === 'hang') {
        open++;
        res.on('close', () => open--);
        return;
      }
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
      res.end(answer.body ?? '{"received": true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    requests,
    open: () => open,
    async waitFor(count, timeoutMs = 20_000) {
      if (requests.length < count) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () =>
              reject(new Error(`receiver got ${requests.length} of ${count} requests in ${timeoutMs} ms`)),
            timeoutMs,
          );
          waiters.push({
            count,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        });
      }
      return requests;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A receiver that holds every request open until the test answers it, counting the most open. */
export async function startHoldingReceiver() {
  const held: http.ServerResponse[] = [];
  let received = 0;
  let mostOpen = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      held.push(res);
      mostOpen = Math.max(mostOpen, held.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    /** Requests received so far. */
    received: () => received,
    /** Requests received and not answered yet. */
    open: () => held.length,
    /** The most requests that were open at once. */
    mostOpen: () => mostOpen,
    /** Answers the oldest request held with a 200. */
    answerOne() {
      held.shift()?.writeHead(200).end('{}');
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface HookedUser {
  user: TestUser;
  record: UserRecord;
  /** The mailbox address. */
  address: string;
}

/** A user with one mailbox and an enabled webhook to `url`. */
export async function hookedUser(server: TestServer, email: string, url: string): Promise<HookedUser> {
  const { services } = server.burnbox;
  const user = await createUser(server, email);
  const record = (await services.store.getUserById(user.id)) as UserRecord;
  await services.webhooks.set(record, { url, enabled: true });
  const { email: address } = await createMailbox(server, user);
  return { user, record, address };
}

/** The signature header a receiver expects, computed independently of the server's code. */
export function expectedSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export const allowPrivate = { BURNBOX_WEBHOOK_ALLOW_PRIVATE: 'true' } as const;

/** Longest retry delay of the default schedule (1 h) plus a little. */
export const pastAnyBackoffMs = 3_600_000 + 1000;
