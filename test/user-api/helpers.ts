// Shared assertions and tools for the user API suite: the dialect's error and quota shapes,
// expected date strings computed independently of the server's code, a raw SMTP client for
// exact reply assertions, and file counting for the blob store.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import net from 'node:net';
import type { ApiResponse, TestServer } from '../support/harness.ts';

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The instant every shape test starts at: the seed's `created_at`. */
export const seedInstant = Date.UTC(2026, 5, 28, 9, 37, 48);

/** Exact, sorted key set of a JSON object. */
export function assertKeys(value: unknown, keys: string[], what: string): void {
  assert.equal(typeof value, 'object', `${what} is an object`);
  assert.ok(value !== null && !Array.isArray(value), `${what} is a plain object`);
  assert.deepEqual(Object.keys(value as object).sort(), [...keys].sort(), `${what} has exactly ${keys}`);
}

/** `{"status": false, "message": <sentence>}` and nothing else, with the given HTTP status. */
export function assertError(res: ApiResponse, status: number, what = ''): void {
  assert.equal(res.status, status, `${what}: status (body ${JSON.stringify(res.body)})`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `${what}: JSON body`);
  assertKeys(res.body, ['status', 'message'], `${what}: error body`);
  assert.equal(res.body.status, false, `${what}: status is false`);
  assert.equal(typeof res.body.message, 'string', `${what}: message is a string`);
  assert.match(res.body.message, /^\S.{4,}[.!]$/s, `${what}: message is a sentence`);
}

export interface QuotaHeaders {
  limit: number;
  used: number;
  remaining: number;
  reset: string;
}

/** Reads and checks the four quota headers; Remaining must be Limit - Used. */
export function quotaOf(res: ApiResponse): QuotaHeaders {
  const int = (name: string) => {
    const value = res.headers.get(name);
    assert.ok(value !== null, `${name} is present (status ${res.status})`);
    assert.match(value, /^\d+$/, `${name} is a non-negative integer`);
    return Number(value);
  };
  const limit = int('x-ratelimit-limit');
  const used = int('x-ratelimit-used');
  const remaining = int('x-ratelimit-remaining');
  const reset = res.headers.get('x-ratelimit-reset');
  assert.ok(reset !== null, `X-RateLimit-Reset is present (status ${res.status})`);
  assert.match(reset, /^\d{4}-\d{2}-\d{2}T00:00:00[+-]\d{2}:\d{2}$/, 'Reset is a midnight with an offset');
  assert.equal(remaining, limit - used, 'Remaining = Limit - Used');
  return { limit, used, remaining, reset };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Wall-clock fields of `ms` in a zone with a fixed offset (minutes east of UTC). */
function wall(ms: number, offsetMinutes: number) {
  const d = new Date(ms + offsetMinutes * 60_000);
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
  };
}

/** `2026-06-28T09:47:48+00:00` for a fixed-offset zone. */
export function isoAt(ms: number, offsetMinutes = 0): string {
  const { date, time } = wall(ms, offsetMinutes);
  const abs = Math.abs(offsetMinutes);
  return `${date}T${time}${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `2026-06-28 09:37:48` for a fixed-offset zone. */
export function localAt(ms: number, offsetMinutes = 0): string {
  const { date, time } = wall(ms, offsetMinutes);
  return `${date} ${time}`;
}

/** Milliseconds of an ISO 8601 string with offset (the server's own format). */
export const instantOf = (iso: string) => {
  assert.match(iso, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/, `${iso} is ISO 8601 with offset`);
  return Date.parse(iso);
};

/** Number of regular files under `dir` (recursively); 0 when it does not exist. */

/** A minimal SMTP client over a raw socket, for asserting exact replies. */
export class RawSmtp {
  readonly #socket: net.Socket;
  #buffer = '';
  #lines: string[] = [];
  readonly #ready: string[] = [];
  readonly #waiting: { resolve: (reply: string) => void; reject: (err: Error) => void }[] = [];
  #failure: Error | undefined;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    const fail = (err: Error) => {
      this.#failure = err;
      for (const w of this.#waiting.splice(0)) w.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('SMTP connection closed')));
  }

  static async open(server: TestServer): Promise<RawSmtp> {
    const socket = net.connect(server.smtpPort, '127.0.0.1');
    const client = new RawSmtp(socket);
    const greeting = await client.#next();
    assert.match(greeting, /^220 /, 'SMTP greeting');
    assert.match(await client.send('EHLO client.example.org'), /^250[ -]/m, 'EHLO accepted');
    return client;
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    for (let i = this.#buffer.indexOf('\r\n'); i !== -1; i = this.#buffer.indexOf('\r\n')) {
      const line = this.#buffer.slice(0, i);
      this.#buffer = this.#buffer.slice(i + 2);
      this.#lines.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        const reply = this.#lines.join('\n');
        this.#lines = [];
        const waiter = this.#waiting.shift();
        if (waiter) waiter.resolve(reply);
        else this.#ready.push(reply);
      }
    }
  }

  #next(): Promise<string> {
    const reply = this.#ready.shift();
    if (reply !== undefined) return Promise.resolve(reply);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /** Sends one command line and resolves with the complete (possibly multi-line) reply. */
  send(line: string): Promise<string> {
    this.#socket.write(`${line}\r\n`);
    return this.#next();
  }

  async quit(): Promise<void> {
    await this.send('QUIT').catch(() => {});
    this.#socket.destroy();
  }
}

/** The server's reply to `RCPT TO:<address>` in a fresh transaction. */
export async function rcptReply(server: TestServer, address: string): Promise<string> {
  const smtp = await RawSmtp.open(server);
  try {
    assert.match(await smtp.send('MAIL FROM:<sender@example.org>'), /^250 /, 'MAIL FROM accepted');
    return await smtp.send(`RCPT TO:<${address}>`);
  } finally {
    await smtp.quit();
  }
}

/** Asserts RCPT is refused as "no such mailbox here" (550 5.1.1). */
export async function assertNoSuchMailbox(server: TestServer, address: string): Promise<void> {
  assert.match(await rcptReply(server, address), /^550 5\.1\.1 /, `RCPT ${address} gets 550 5.1.1`);
}

/** Asserts RCPT is accepted (the mailbox is live). */
export async function assertAccepts(server: TestServer, address: string): Promise<void> {
  assert.match(await rcptReply(server, address), /^250 /, `RCPT ${address} gets 250`);
}
