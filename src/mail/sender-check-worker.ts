// The body of the sender-check worker thread (see sender-check-work.ts): runs mailauth's SPF, DKIM,
// DMARC and ARC checks of a message, the costly part (parsing the message, hashing its body,
// verifying RSA signatures), off the server's event loop. Its DNS lookups go to the network from
// here, through the same cached, time-limited resolver as the main thread would use (workerData
// says its time limit and servers); when the main thread was given a resolver of its own (tests'
// fixed answers, which cannot cross threads), each lookup is asked of it instead.
import { parentPort, workerData } from 'node:worker_threads';
import { boundedResolver, networkResolver } from '../net/dns-lookups.ts';
import type { ArrivalRecord, SenderAuthVerdict } from '../store/types.ts';
import { checkSender } from './sender-checks.ts';

/** How the worker looks up DNS: itself (time limit, servers), or by asking the main thread. */
export type SenderCheckDns = { kind: 'network'; timeoutMs: number; servers: string[] } | { kind: 'ask' };

export type SenderCheckTask = {
  kind: 'check';
  id: number;
  /** The raw message, moved to this thread. */
  raw: Uint8Array;
  arrival: ArrivalRecord;
  mta: string;
};

/** The main thread's answer to a lookup: the records, or the DNS error (its code kept). */
export type DnsAnswer =
  | { kind: 'dns'; lookup: number; records: unknown }
  | { kind: 'dns'; lookup: number; error: { message: string; code?: string } };

export type SenderCheckMessage =
  | { kind: 'verdict'; id: number; verdict: SenderAuthVerdict }
  | { kind: 'error'; id: number; message: string }
  | { kind: 'lookup'; lookup: number; name: string; type: string };

const dns = workerData as SenderCheckDns;
const resolver =
  dns?.kind === 'network'
    ? boundedResolver(dns.timeoutMs, networkResolver(dns.timeoutMs, dns.servers))
    : lookUp;

const lookups = new Map<number, { resolve: (records: unknown) => void; reject: (err: Error) => void }>();
let nextLookup = 1;

function lookUp(name: string, type: string): Promise<unknown> {
  const lookup = nextLookup++;
  return new Promise((resolve, reject) => {
    lookups.set(lookup, { resolve, reject });
    parentPort?.postMessage({ kind: 'lookup', lookup, name, type } satisfies SenderCheckMessage);
  });
}

async function check(task: SenderCheckTask): Promise<void> {
  try {
    const raw = Buffer.from(task.raw.buffer, task.raw.byteOffset, task.raw.byteLength);
    const verdict = await checkSender(raw, task.arrival, {
      mta: task.mta,
      resolver: resolver as Parameters<typeof checkSender>[2]['resolver'],
    });
    parentPort?.postMessage({ kind: 'verdict', id: task.id, verdict } satisfies SenderCheckMessage);
  } catch (err) {
    const message = String((err as Error)?.message ?? err);
    parentPort?.postMessage({ kind: 'error', id: task.id, message } satisfies SenderCheckMessage);
  }
}

parentPort?.on('message', (message: SenderCheckTask | DnsAnswer) => {
  if (message.kind === 'check') {
    void check(message);
    return;
  }
  const waiting = lookups.get(message.lookup);
  if (!waiting) return;
  lookups.delete(message.lookup);
  if ('error' in message) {
    waiting.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
  } else {
    waiting.resolve(message.records);
  }
});
