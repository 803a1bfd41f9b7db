// The live channel of one mailbox (Server-Sent Events). A stream is opened with the mailbox's
// token and only ever carries that mailbox's events — there is no broadcast. Every stream
// starts from a position (`since`: the page's render time, or Last-Event-ID when the browser
// reconnects) and first sends what arrived from then on, so nothing falls in a gap; the
// browser drops duplicates by message id. A stream ends with `gone` when its mailbox stops
// being there (deleted, switched away from, expired and swept; `mailbox.deleted` from any
// process). Each client address may hold a bounded number of streams open in this process.
import type { ServerResponse } from 'node:http';
import type { EventBus } from '../../domain/events.ts';
import type { MailboxRecord, MessageRecord } from '../../store/types.ts';
import { summaryView } from './present.ts';

const heartbeatMs = 20_000;
const retryMs = 2_000;

export interface LiveStreamOptions {
  mailbox: MailboxRecord;
  /** Who holds the stream (the client address): counted against the per-client limit. */
  client: string;
  /** Where the reader's view ends (ms); undefined sends only what arrives from now on. */
  since: number | undefined;
  /** Messages received at or after `since`, oldest first: the catch-up. */
  missedSince(since: number): Promise<MessageRecord[]>;
}

/** Open streams, so that stopping the server ends them instead of waiting for them. */
export class LiveStreams {
  readonly #events: EventBus;
  readonly #perClient: number;
  readonly #open = new Set<ServerResponse>();
  readonly #openByClient = new Map<string, number>();

  constructor(events: EventBus, perClient: number) {
    this.#events = events;
    this.#perClient = perClient;
  }

  /** Whether `client` may open another stream (checked just before `open`, with no await between). */
  hasRoomFor(client: string): boolean {
    return (this.#openByClient.get(client) ?? 0) < this.#perClient;
  }

  get perClient(): number {
    return this.#perClient;
  }

  async open(res: ServerResponse, options: LiveStreamOptions): Promise<void> {
    const { mailbox, client } = options;
    this.#openByClient.set(client, (this.#openByClient.get(client) ?? 0) + 1);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Accel-Buffering': 'no',
      // Never reused: when the stream ends (its mailbox gone, the server stopping) its socket
      // closes too, so a stopping server does not wait out an idle keep-alive connection.
      Connection: 'close',
    });
    res.write(`retry: ${retryMs}\n\n`);
    this.#open.add(res);
    // Subscribe before catching up, and drop duplicates, so nothing falls between the two.
    const sent = new Set<string>();
    let lastAt = options.since ?? 0;
    const sendMessage = (message: MessageRecord) => {
      if (sent.has(message.uuid)) return;
      sent.add(message.uuid);
      lastAt = Math.max(lastAt, message.receivedAt);
      res.write(`id: ${lastAt}\nevent: message\ndata: ${JSON.stringify(summaryView(message))}\n\n`);
    };
    const unsubscribeReceived = this.#events.subscribe('message.received', (event) => {
      if (event.mailbox.id === mailbox.id) sendMessage(event.message);
    });
    const unsubscribeDeleted = this.#events.subscribe('mailbox.deleted', (event) => {
      if (event.mailbox.id !== mailbox.id) return;
      res.write('event: gone\ndata: {}\n\n');
      res.end();
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    heartbeat.unref();
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribeReceived();
      unsubscribeDeleted();
      this.#open.delete(res);
      const left = (this.#openByClient.get(client) ?? 1) - 1;
      if (left > 0) this.#openByClient.set(client, left);
      else this.#openByClient.delete(client);
    };
    res.on('close', close);
    // A client that went away while the mailbox was being looked up has closed already: its
    // 'close' came before anyone listened, and its place must not stay counted.
    if (!res.socket || res.socket.destroyed) close();
    if (options.since !== undefined) {
      for (const message of await options.missedSince(options.since)) sendMessage(message);
    }
    // The id makes a reconnecting browser send Last-Event-ID even if no message came yet.
    res.write(`id: ${lastAt}\nevent: ready\ndata: {}\n\n`);
  }

  closeAll(): void {
    for (const res of this.#open) res.end();
    this.#open.clear();
  }
}
