/**
 * Raw SMTP load client for `npm run bench`.
 *
 * One persistent connection per worker; transactions are MAIL/RCPT/DATA (pipelined in a single
 * write when the server advertises PIPELINING), then the pre-dot-stuffed body plus terminator in a
 * single write. Replies are parsed straight off the socket (multi-line, split across chunks).
 * Only 127.0.0.1 is accepted as a target.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { assertLoopback, percentiles, round3 } from './stats.ts';

export interface SmtpLoadOptions {
  host: string;
  port: number;
  connections: number;
  messages: number;
  from: string;
  /** round-robin per message: message i goes to recipients[i % recipients.length] */
  recipients: string[];
  /** full RFC 5322 message with CRLF line endings, NOT dot-stuffed (stuffing is done here) */
  raw: (i: number, to: string) => Buffer;
  /** called right after the 250 for DATA; endOfDataAt = performance.now() when the final "." was written */
  onAccepted?: (i: number, to: string, endOfDataAt: number) => void;
  /** socket idle timeout per reply wait (default 30 000 ms) */
  timeoutMs?: number;
  /** hard cap on the run: no new transaction starts after this many seconds (default 600) */
  maxSeconds?: number;
  /** EHLO name (default "bench.burnbox.test") */
  ehloName?: string;
}

export interface SmtpLoadResult {
  /** transactions started (MAIL FROM written) */
  sent: number;
  /** 250 after the final "." */
  accepted: number;
  /** a 4xx/5xx reply at any stage of the transaction */
  rejected: number;
  /** transactions lost to a connection error/timeout (sent - accepted - rejected) */
  failed: number;
  /** first 20 reply texts / error messages */
  errors: string[];
  seconds: number;
  /** accepted / seconds */
  messagesPerSecond: number;
  /** time from writing the final ".\r\n" to receiving its reply */
  ackLatencyMs: { p50: number; p90: number; p99: number; max: number };
}

const MAX_ERRORS = 20;
const MAX_RECONNECTS_PER_WORKER = 3;
const MAX_REPLY_BUFFER = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Dot-stuffing

const LF_DOT = Buffer.from('\n.', 'latin1');
const TERM_AFTER_CRLF = Buffer.from('.\r\n', 'latin1');
const TERM_WITH_CRLF = Buffer.from('\r\n.\r\n', 'latin1');
const stuffCache = new WeakMap<Buffer, Buffer>();

/**
 * Dot-stuff `raw` (RFC 5321 §4.5.2) and append the end-of-data terminator. If `raw` does not end
 * with CRLF one is added before the terminator (so the server will store raw + CRLF).
 * Result is cached by Buffer identity: return the same Buffer from `raw()` to pay this once.
 */
export function dotStuffWithTerminator(raw: Buffer): Buffer {
  const cached = stuffCache.get(raw);
  if (cached !== undefined) return cached;
  const len = raw.length;
  // Offsets of dots that begin a line.
  const dots: number[] = [];
  if (len > 0 && raw[0] === 0x2e) dots.push(0);
  for (let p = raw.indexOf(LF_DOT); p !== -1; p = raw.indexOf(LF_DOT, p + 2)) dots.push(p + 1);
  const endsCrlf = len >= 2 && raw[len - 2] === 0x0d && raw[len - 1] === 0x0a;
  const tail = endsCrlf ? TERM_AFTER_CRLF : TERM_WITH_CRLF;
  const out = Buffer.allocUnsafe(len + dots.length + tail.length);
  let src = 0;
  let dst = 0;
  for (const d of dots) {
    dst += raw.copy(out, dst, src, d);
    out[dst++] = 0x2e; // extra dot; the original is copied with the next segment
    src = d;
  }
  dst += raw.copy(out, dst, src, len);
  tail.copy(out, dst);
  stuffCache.set(raw, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reply reader

interface Reply {
  code: number;
  text: string;
  /** performance.now() when the last line of the reply was parsed */
  at: number;
}

interface Waiter {
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
}

class SmtpConn {
  readonly socket: net.Socket;
  private rest: Buffer | null = null;
  private lines: string[] = [];
  private readonly queue: Reply[] = [];
  private readonly waiters: Waiter[] = [];
  private dead: Error | null = null;
  readonly connected: Promise<void>;

  constructor(host: string, port: number, timeoutMs: number) {
    const socket = net.connect({ host, port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(timeoutMs, () => {
      this.fail(new Error(`timeout: no data for ${timeoutMs} ms`));
      socket.destroy();
    });
    this.connected = new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    this.connected.catch(() => {}); // observed via await in open(); avoid unhandled rejection noise
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed by server')));
  }

  read(): Promise<Reply> {
    const r = this.queue.shift();
    if (r !== undefined) return Promise.resolve(r);
    if (this.dead) return Promise.reject(this.dead);
    return new Promise<Reply>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  write(b: Buffer | string): void {
    this.socket.write(b);
  }

  destroy(): void {
    this.dead ??= new Error('connection destroyed');
    this.socket.destroy();
  }

  private fail(e: Error): void {
    if (this.dead) return;
    this.dead = e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  private onData(chunk: Buffer): void {
    const data = this.rest === null ? chunk : Buffer.concat([this.rest, chunk]);
    let start = 0;
    for (let nl = data.indexOf(0x0a, start); nl !== -1; nl = data.indexOf(0x0a, start)) {
      const end = nl > start && data[nl - 1] === 0x0d ? nl - 1 : nl;
      const line = data.toString('utf8', start, end);
      start = nl + 1;
      this.lines.push(line);
      if (line.length < 4 || line.charCodeAt(3) !== 0x2d /* '-' */) {
        const code = Number.parseInt(line.slice(0, 3), 10);
        const reply: Reply = {
          code: Number.isFinite(code) ? code : 0,
          text: this.lines.join('\n'),
          at: performance.now(),
        };
        this.lines = [];
        const w = this.waiters.shift();
        if (w !== undefined) w.resolve(reply);
        else this.queue.push(reply);
      }
    }
    if (start >= data.length) {
      this.rest = null;
    } else {
      this.rest = Buffer.from(data.subarray(start)); // copy so big chunks are not retained
      if (this.rest.length > MAX_REPLY_BUFFER) {
        this.fail(new Error('reply line too long'));
        this.socket.destroy();
      }
    }
  }
}

const ok = (r: Reply): boolean => r.code >= 200 && r.code < 300;

// ---------------------------------------------------------------------------------------------
// Load run

export async function runSmtpLoad(o: SmtpLoadOptions): Promise<SmtpLoadResult> {
  assertLoopback(o.host);
  if (o.recipients.length === 0) throw new Error('recipients must not be empty');
  const total = Math.max(0, Math.floor(o.messages));
  const timeoutMs = o.timeoutMs ?? 30_000;
  const ehloName = o.ehloName ?? 'bench.burnbox.test';
  const mailCmd = `MAIL FROM:<${o.from}>\r\n`;
  const rcptCmds = o.recipients.map((r) => `RCPT TO:<${r}>\r\n`);
  const pipelinedCmds = o.recipients.map((r) => Buffer.from(`${mailCmd}RCPT TO:<${r}>\r\nDATA\r\n`, 'utf8'));

  let next = 0;
  let sent = 0;
  let accepted = 0;
  let rejected = 0;
  let failed = 0;
  const errors: string[] = [];
  const latencies: number[] = [];
  const pushErr = (s: string): void => {
    if (errors.length < MAX_ERRORS) errors.push(s);
  };

  const t0 = performance.now();
  const deadline = t0 + (o.maxSeconds ?? 600) * 1000;

  const open = async (): Promise<{ conn: SmtpConn; pipelining: boolean }> => {
    const conn = new SmtpConn(o.host, o.port, timeoutMs);
    try {
      await conn.connected;
      const greeting = await conn.read();
      if (greeting.code !== 220) throw new Error(`greeting: ${greeting.text}`);
      conn.write(`EHLO ${ehloName}\r\n`);
      let ehlo = await conn.read();
      let pipelining = false;
      if (ok(ehlo)) {
        pipelining = /^250[- ]PIPELINING\b/im.test(ehlo.text);
      } else {
        conn.write(`HELO ${ehloName}\r\n`);
        ehlo = await conn.read();
        if (!ok(ehlo)) throw new Error(`HELO: ${ehlo.text}`);
      }
      return { conn, pipelining };
    } catch (e) {
      conn.destroy();
      throw e;
    }
  };

  /** Returns normally for accepted/rejected; throws on connection-level failure. */
  const transaction = async (conn: SmtpConn, pipelining: boolean, i: number): Promise<void> => {
    const ri = i % o.recipients.length;
    const to = o.recipients[ri] as string;
    sent++;
    const body = dotStuffWithTerminator(o.raw(i, to));
    let mail: Reply;
    let rcpt: Reply | null = null;
    let data: Reply | null = null;
    if (pipelining) {
      conn.write(pipelinedCmds[ri] as Buffer);
      mail = await conn.read();
      rcpt = await conn.read();
      data = await conn.read();
    } else {
      conn.write(mailCmd);
      mail = await conn.read();
      if (ok(mail)) {
        conn.write(rcptCmds[ri] as string);
        rcpt = await conn.read();
        if (ok(rcpt)) {
          conn.write('DATA\r\n');
          data = await conn.read();
        }
      }
    }
    if (data !== null && data.code === 354) {
      if (ok(mail) && rcpt !== null && ok(rcpt)) {
        const endOfDataAt = performance.now();
        conn.write(body);
        const fin = await conn.read();
        if (ok(fin)) {
          accepted++;
          latencies.push(fin.at - endOfDataAt);
          o.onAccepted?.(i, to, endOfDataAt);
        } else {
          rejected++;
          pushErr(`msg ${i} <${to}> end-of-data: ${fin.text}`);
        }
        return; // transaction is over either way; no RSET needed
      }
      // Server accepted DATA although MAIL/RCPT failed: send an empty body to get back in sync.
      conn.write(TERM_AFTER_CRLF);
      await conn.read();
    }
    rejected++;
    const bad = !ok(mail) ? mail : rcpt !== null && !ok(rcpt) ? rcpt : data;
    pushErr(
      `msg ${i} <${to}> ${bad === mail ? 'MAIL' : bad === rcpt ? 'RCPT' : 'DATA'}: ${bad?.text ?? '?'}`,
    );
    conn.write('RSET\r\n');
    const rset = await conn.read();
    if (!ok(rset)) throw new Error(`RSET: ${rset.text}`);
  };

  const worker = async (): Promise<void> => {
    let reconnects = 0;
    while (next < total && performance.now() < deadline) {
      let session: { conn: SmtpConn; pipelining: boolean };
      try {
        session = await open();
      } catch (e) {
        pushErr(`connect: ${(e as Error).message}`);
        if (++reconnects > MAX_RECONNECTS_PER_WORKER) return;
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const { conn, pipelining } = session;
      let inFlight = false;
      try {
        while (next < total && performance.now() < deadline) {
          const i = next++;
          inFlight = true;
          await transaction(conn, pipelining, i);
          inFlight = false;
        }
        conn.write('QUIT\r\n');
        await conn.read().catch(() => undefined);
        conn.socket.end();
        return;
      } catch (e) {
        if (inFlight) failed++;
        pushErr(`connection: ${(e as Error).message}`);
        conn.destroy();
        if (++reconnects > MAX_RECONNECTS_PER_WORKER) return;
      }
    }
  };

  const n = Math.max(1, Math.min(Math.floor(o.connections), total));
  await Promise.all(Array.from({ length: total === 0 ? 0 : n }, () => worker()));

  const seconds = (performance.now() - t0) / 1000;
  return {
    sent,
    accepted,
    rejected,
    failed,
    errors,
    seconds: round3(seconds),
    messagesPerSecond: seconds > 0 ? Math.round(accepted / seconds) : 0,
    ackLatencyMs: percentiles(latencies),
  };
}

// ---------------------------------------------------------------------------------------------
// Sample message

const attachmentCache = new Map<number, string>();

/** Deterministic pseudo-random bytes (xorshift32), base64 with 76-char CRLF lines. */
function attachmentBase64(bytes: number): string {
  let s = attachmentCache.get(bytes);
  if (s !== undefined) return s;
  const buf = Buffer.allocUnsafe(bytes);
  let x = 0x9e3779b9 ^ bytes;
  if (x === 0) x = 1;
  for (let k = 0; k < bytes; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[k] = x & 0xff;
  }
  const b64 = buf.toString('base64');
  const lines: string[] = [];
  for (let k = 0; k < b64.length; k += 76) lines.push(b64.slice(k, k + 76));
  s = `${lines.join('\r\n')}\r\n`;
  attachmentCache.set(bytes, s);
  return s;
}

/**
 * A deterministic multipart/mixed message: text/plain + text/html alternative and one base64
 * binary attachment (default 14 336 bytes → ~20 KB total). The text part contains lines starting
 * with ".", "..", and a lone "." so dot-stuffing is exercised. CRLF line endings, not dot-stuffed.
 */
export function buildSampleMessage(opts: { to: string; subject: string; attachmentBytes?: number }): Buffer {
  const attachmentBytes = opts.attachmentBytes ?? 14 * 1024;
  const id = createHash('sha256').update(`${opts.to}\n${opts.subject}`).digest('hex').slice(0, 24);
  const mixed = `bb-mixed-${id.slice(0, 12)}`;
  const alt = `bb-alt-${id.slice(0, 12)}`;
  const text = [
    `Hello ${opts.to},`,
    '',
    'This is a Burnbox benchmark message. Your verification code is 482913.',
    '.This line starts with a dot and must survive dot-stuffing.',
    '..And this one starts with two dots.',
    '.',
    'The line above is a lone dot; a client that forgets to stuff it ends DATA early.',
    '',
    'Regards,',
    'The bench',
  ].join('\r\n');
  const html = [
    '<!doctype html>',
    `<html><head><title>${opts.subject}</title></head><body>`,
    `<p>Hello ${opts.to},</p>`,
    '<p>This is a Burnbox benchmark message. Your verification code is <b>482913</b>.</p>',
    '.<p>This HTML line also starts with a dot.</p>',
    '<p><a href="https://example.com/verify?code=482913">Verify</a></p>',
    '</body></html>',
  ].join('\r\n');
  const head = [
    'From: Bench Sender <sender@bench.burnbox.test>',
    `To: <${opts.to}>`,
    `Subject: ${opts.subject}`,
    'Date: Thu, 01 Jan 2026 00:00:00 +0000',
    `Message-ID: <${id}@bench.burnbox.test>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${mixed}"`,
    '',
    'This is a multi-part message in MIME format.',
    `--${mixed}`,
    `Content-Type: multipart/alternative; boundary="${alt}"`,
    '',
    `--${alt}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
    '',
    text,
    `--${alt}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
    '',
    html,
    `--${alt}--`,
    '',
    `--${mixed}`,
    'Content-Type: application/octet-stream; name="payload.bin"',
    'Content-Disposition: attachment; filename="payload.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    '',
  ].join('\r\n');
  return Buffer.from(`${head}${attachmentBase64(attachmentBytes)}--${mixed}--\r\n`, 'utf8');
}
