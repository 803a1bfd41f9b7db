// A small SMTP client over node:net that exposes every reply (code and all lines of a
// multi-line reply), so tests can assert exact codes. Nothing is retried or hidden.
import net from 'node:net';
import tls from 'node:tls';

export interface Reply {
  code: number;
  /** The text of each line, without the code and separator. */
  lines: string[];
  /** All lines joined with "\n". */
  text: string;
}

const replyLine = /^(\d{3})([ -])(.*)$/;

export interface ConnectOptions {
  host?: string;
  /** Source address of the connection. */
  localAddress?: string;
  timeoutMs?: number;
}

/** Dot-stuffs a message (every "." at the start of a line gets doubled) and appends the terminator. */
export function encodeData(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  if (raw[0] === 0x2e) parts.push(Buffer.from('.'));
  // smtp-server treats a dot after a bare LF as the start of a line too, so stuff those as well.
  for (let i = raw.indexOf('\n.'); i !== -1; i = raw.indexOf('\n.', i + 1)) {
    parts.push(raw.subarray(start, i + 1), Buffer.from('.'));
    start = i + 1;
  }
  parts.push(raw.subarray(start));
  const endsWithCrlf = raw.length >= 2 && raw[raw.length - 2] === 0x0d && raw[raw.length - 1] === 0x0a;
  parts.push(Buffer.from(endsWithCrlf ? '.\r\n' : '\r\n.\r\n'));
  return Buffer.concat(parts);
}

export class RawSmtpClient {
  #socket: net.Socket;
  readonly #timeoutMs: number;
  readonly #replies: Reply[] = [];
  readonly #waiters: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  #partial: string[] = [];
  #buffer = '';
  #closedError: Error | undefined;
  /** Resolves once the connection has closed (by either side). */
  readonly closed: Promise<void>;
  /** Called synchronously for each reply as it is parsed (before anyone awaits it). */
  onReply: ((reply: Reply) => void) | undefined;

  private constructor(socket: net.Socket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => this.#onData(data));
    const fail = (err: Error) => this.#fail(err);
    socket.on('error', fail);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('close', () => fail(new Error('connection closed by the server')));
  }

  /**
   * Connects; the greeting is the first reply (read it with `reply()`). `localAddress` picks the
   * source address (any of 127.0.0.0/8 works on Linux loopback).
   */
  static connect(port: number, options: ConnectOptions = {}): Promise<RawSmtpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({
        port,
        host: options.host ?? '127.0.0.1',
        localAddress: options.localAddress,
      });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawSmtpClient(socket, options.timeoutMs ?? 30_000));
      });
    });
  }

  /** Connects, reads the greeting and says EHLO; returns both replies. */
  static async open(port: number, options: ConnectOptions = {}) {
    const client = await RawSmtpClient.connect(port, options);
    const greeting = await client.reply();
    const ehlo = await client.command('EHLO client.test');
    return { client, greeting, ehlo };
  }

  #fail(err: Error): void {
    this.#closedError ??= err;
    for (const w of this.#waiters.splice(0)) w.reject(this.#closedError);
  }

  /**
   * STARTTLS, then the TLS handshake on this connection (rejects if either fails); the commands
   * after it go over TLS. Returns the TLS socket (its certificate, protocol and cipher).
   */
  async startTls(options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
    const reply = await this.command('STARTTLS');
    if (reply.code !== 220) throw new Error(`STARTTLS refused: ${reply.code} ${reply.text}`);
    const plain = this.#socket;
    plain.removeAllListeners('data');
    const secure = tls.connect({ ...options, socket: plain });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => {
        secure.off('error', reject);
        resolve();
      });
      secure.once('error', reject);
    });
    secure.setEncoding('latin1');
    secure.on('data', (data: string) => this.#onData(data));
    secure.on('error', (err) => this.#fail(err));
    this.#socket = secure;
    return secure;
  }

  #onData(data: string): void {
    this.#buffer += data;
    for (let end = this.#buffer.indexOf('\r\n'); end !== -1; end = this.#buffer.indexOf('\r\n')) {
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const match = replyLine.exec(line);
      if (!match) {
        this.#closedError = new Error(`malformed reply line ${JSON.stringify(line)}`);
        this.#socket.destroy();
        return;
      }
      this.#partial.push(match[3] as string);
      if (match[2] === ' ') {
        const reply = { code: Number(match[1]), lines: this.#partial, text: this.#partial.join('\n') };
        this.#partial = [];
        this.onReply?.(reply);
        const waiter = this.#waiters.shift();
        if (waiter) waiter.resolve(reply);
        else this.#replies.push(reply);
      }
    }
  }

  /** Replies received that nobody has read yet. */
  get unread(): number {
    return this.#replies.length;
  }

  /** The next reply, in order; rejects if none arrives within the timeout or the connection ends. */
  reply(): Promise<Reply> {
    const ready = this.#replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#closedError) return Promise.reject(this.#closedError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i !== -1) this.#waiters.splice(i, 1);
        reject(new Error(`no SMTP reply within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      const waiter = {
        resolve: (r: Reply) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Writes raw bytes (no CRLF added). */
  write(data: string | Buffer): void {
    this.#socket.write(data);
  }

  /** Sends one command line and reads its reply. */
  command(line: string): Promise<Reply> {
    this.#socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** DATA, then the dot-stuffed message; returns the 354 and the final reply. */
  async data(raw: Buffer): Promise<{ start: Reply; final: Reply | undefined }> {
    const start = await this.command('DATA');
    if (start.code !== 354) return { start, final: undefined };
    this.#socket.write(encodeData(raw));
    return { start, final: await this.reply() };
  }

  /** One whole transaction: MAIL, RCPT for each recipient, DATA if any RCPT was accepted. */
  async send(from: string, to: string[], raw: Buffer, mailParams = '') {
    const mail = await this.command(`MAIL FROM:<${from}>${mailParams ? ` ${mailParams}` : ''}`);
    const rcpt: Reply[] = [];
    for (const address of to) rcpt.push(await this.command(`RCPT TO:<${address}>`));
    if (mail.code !== 250 || !rcpt.some((r) => r.code === 250)) {
      await this.command('RSET');
      return { mail, rcpt, start: undefined, final: undefined };
    }
    return { mail, rcpt, ...(await this.data(raw)) };
  }

  /** QUIT and wait for the server to close the connection. */
  async quit(): Promise<void> {
    if (this.#closedError) return;
    const closed = new Promise<void>((resolve) => this.#socket.once('close', () => resolve()));
    this.#socket.write('QUIT\r\n');
    await closed;
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

/** Connect, EHLO, one transaction, QUIT. */
export async function sendOnce(port: number, from: string, to: string[], raw: Buffer, mailParams = '') {
  const { client } = await RawSmtpClient.open(port);
  try {
    return await client.send(from, to, raw, mailParams);
  } finally {
    await client.quit().catch(() => client.destroy());
  }
}
