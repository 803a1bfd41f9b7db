// Runs the sender checks (src/mail/sender-checks.ts) in one worker thread, so that parsing a
// message and verifying its DKIM signatures (a millisecond or two of CPU each) never take the
// event loop from SMTP sessions and API requests. The raw message is moved to the worker, not
// copied there. The worker looks DNS up itself (cached and time-limited as here), or, given a
// resolver function (tests' fixed answers, which cannot cross threads), asks this thread for each
// lookup; either way a lookup that fails or times out gives `temperror`. Several checks run in the worker at once (each mostly
// waits for DNS); if the worker dies, the checks it had fail and the next one starts a new one.
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { ArrivalRecord, SenderAuthVerdict } from '../store/types.ts';
import type {
  DnsAnswer,
  SenderCheckDns,
  SenderCheckMessage,
  SenderCheckTask,
} from './sender-check-worker.ts';
import type { DNSResolver } from './sender-checks.ts';

const workerUrl = new URL('./sender-check-worker.ts', import.meta.url);

/**
 * The checks' DNS: a resolver function, asked on this thread, or the network (its time limit and
 * servers, none: the system's), asked from the worker.
 */
export type SenderCheckResolver = DNSResolver | { timeoutMs: number; servers: string[] };

interface Pending {
  resolve: (verdict: SenderAuthVerdict) => void;
  reject: (err: Error) => void;
}

export class SenderCheckWorker {
  readonly #resolver: SenderCheckResolver;
  readonly #mta: string;
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  constructor(options: { resolver: SenderCheckResolver; mta: string }) {
    this.#resolver = options.resolver;
    this.#mta = options.mta;
  }

  /** Starts the worker ahead of the first check (loading it takes a moment), if not started. */
  warmUp(): void {
    if (!this.#closed && !this.#worker) this.#spawn().unref();
  }

  /**
   * The verdicts on the message `raw` (a Buffer, or a stream of its `size` bytes read back from
   * the store). Its bytes are copied once, into memory of their own that is then moved to the
   * worker, not copied again: the caller's Buffer may be shared (Node's pool, the SMTP session).
   */
  async check(raw: Buffer | Readable, size: number, arrival: ArrivalRecord): Promise<SenderAuthVerdict> {
    const bytes = Buffer.isBuffer(raw) ? new Uint8Array(raw) : await readAll(raw, size);
    if (this.#closed) throw new Error('the sender checks are stopped');
    const worker = this.#worker ?? this.#spawn();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      const task: SenderCheckTask = { kind: 'check', id, raw: bytes, arrival, mta: this.#mta };
      worker.postMessage(task, [bytes.buffer as ArrayBuffer]);
    });
  }

  /** Stops the worker; checks under way fail (their mail stays pending in the store). */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll(new Error('the sender checks are stopped'));
    await worker?.terminate();
  }

  #spawn(): Worker {
    const resolver = this.#resolver;
    const dns: SenderCheckDns =
      typeof resolver === 'function'
        ? { kind: 'ask' }
        : { kind: 'network', timeoutMs: resolver.timeoutMs, servers: resolver.servers };
    const worker = new Worker(workerUrl, { workerData: dns });
    this.#worker = worker;
    worker.on('message', (message: SenderCheckMessage) => {
      if (message.kind === 'lookup') {
        void this.#answer(worker, message);
        return;
      }
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.kind === 'verdict') pending.resolve(message.verdict);
      else pending.reject(new Error(message.message));
      // An idle worker does not keep the process alive.
      if (this.#pending.size === 0) worker.unref();
    });
    const died = (err?: unknown) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#failAll(err instanceof Error ? err : new Error('the sender check worker stopped'));
    };
    worker.on('error', died);
    worker.on('exit', () => died());
    return worker;
  }

  async #answer(worker: Worker, lookup: Extract<SenderCheckMessage, { kind: 'lookup' }>): Promise<void> {
    const resolver = this.#resolver;
    if (typeof resolver !== 'function') return;
    let answer: DnsAnswer;
    try {
      const records = await resolver(lookup.name, lookup.type);
      answer = { kind: 'dns', lookup: lookup.lookup, records };
    } catch (err) {
      const { message, code } = err as { message?: string; code?: string };
      answer = { kind: 'dns', lookup: lookup.lookup, error: { message: String(message ?? err), code } };
    }
    if (this.#worker === worker) worker.postMessage(answer);
  }

  #failAll(err: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(err);
  }
}

/** The `size` bytes of `stream`, in memory of their own (what they are, if it ends short). */
async function readAll(stream: Readable, size: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  let at = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const room = Math.min(chunk.length, size - at);
    bytes.set(chunk.subarray(0, room), at);
    at += room;
    if (at >= size) break;
  }
  return at === size ? bytes : bytes.slice(0, at);
}
