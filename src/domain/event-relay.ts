// Events across processes. Several Burnbox processes share one database; a live inbox open on
// one must hear of mail that arrived through another. The relay sends a compact form of each
// local event over a transport (PostgreSQL LISTEN/NOTIFY) and, for events of other processes,
// loads the records from the shared store and publishes them on the local bus only.
import { randomUUID } from 'node:crypto';
import type { MailboxRecord, Store } from '../store/types.ts';
import type { BurnboxEvents, EventBus } from './events.ts';

/** What crosses between processes: ids, not records (a notification is small). */
export type RelayedEvent =
  | { type: 'message.received'; mailboxId: number; messageUuid: string; webhookQueued: boolean }
  | { type: 'mailbox.deleted'; mailbox: MailboxRecord };

export interface RelayBatch {
  /** The sending process, so that it can ignore its own notifications. */
  origin: string;
  events: RelayedEvent[];
}

/** Carries batches between processes; every process receives every batch (its own too). */
export interface EventTransport {
  send(batch: RelayBatch): Promise<void>;
  listen(onBatch: (batch: RelayBatch) => void): Promise<void>;
  close(): Promise<void>;
}

/** A notification's payload has a size limit (8000 bytes in PostgreSQL): keep batches small. */
const maxEventsPerBatch = 40;
/** Bytes of events per batch, leaving room for the envelope below PostgreSQL's 8000. */
const maxBatchBytes = 7000;

export class EventRelay {
  readonly #origin = randomUUID();
  readonly #bus: EventBus;
  readonly #store: Store;
  readonly #transport: EventTransport;
  readonly #onError: (err: unknown) => void;
  #pending: RelayedEvent[] = [];
  #flushing = false;
  #unsubscribe: (() => void)[] = [];
  #remote = false;

  constructor(bus: EventBus, store: Store, transport: EventTransport, onError: (err: unknown) => void) {
    this.#bus = bus;
    this.#store = store;
    this.#transport = transport;
    this.#onError = onError;
  }

  async start(): Promise<void> {
    await this.#transport.listen((batch) => {
      if (batch.origin === this.#origin) return;
      this.#receive(batch.events).catch(this.#onError);
    });
    this.#unsubscribe = [
      this.#bus.subscribe('message.received', ({ mailbox, message, webhookQueued }) =>
        this.#queue({
          type: 'message.received',
          mailboxId: mailbox.id,
          messageUuid: message.uuid,
          webhookQueued,
        }),
      ),
      this.#bus.subscribe('mailbox.deleted', ({ mailbox }) =>
        this.#queue({ type: 'mailbox.deleted', mailbox }),
      ),
    ];
  }

  #queue(event: RelayedEvent): void {
    if (this.#remote) return; // an event this process heard from another: not sent back
    this.#pending.push(event);
    if (!this.#flushing) {
      this.#flushing = true;
      // Events of one event-loop turn (a delivery to many recipients) go out together.
      setImmediate(() => void this.#flush());
    }
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const events = this.#nextBatch();
        await this.#transport.send({ origin: this.#origin, events }).catch(this.#onError);
      }
    } finally {
      this.#flushing = false;
    }
  }

  /**
   * The next events that fit one notification. A sweep may release many mailboxes at once, and
   * each `mailbox.deleted` carries its record: a count alone would not keep a batch in bounds.
   */
  #nextBatch(): RelayedEvent[] {
    const batch: RelayedEvent[] = [];
    let bytes = 0;
    while (this.#pending.length > 0 && batch.length < maxEventsPerBatch) {
      const size = Buffer.byteLength(JSON.stringify(this.#pending[0])) + 1;
      if (batch.length > 0 && bytes + size > maxBatchBytes) break;
      batch.push(this.#pending.shift() as RelayedEvent);
      bytes += size;
    }
    return batch;
  }

  async #receive(events: RelayedEvent[]): Promise<void> {
    for (const event of events) {
      const local = await this.#resolve(event);
      if (!local) continue;
      this.#remote = true;
      try {
        this.#bus.publish(local.type, local.payload as never);
      } finally {
        this.#remote = false;
      }
    }
  }

  async #resolve(event: RelayedEvent) {
    if (event.type === 'mailbox.deleted') {
      return {
        type: event.type,
        payload: { mailbox: event.mailbox } satisfies BurnboxEvents['mailbox.deleted'],
      };
    }
    const [mailbox, message] = await Promise.all([
      this.#store.getMailbox(event.mailboxId),
      this.#store.getMessageByUuid(event.messageUuid),
    ]);
    if (!mailbox || !message) return undefined; // deleted meanwhile
    const payload: BurnboxEvents['message.received'] = {
      mailbox,
      message,
      webhookQueued: event.webhookQueued,
    };
    return { type: event.type, payload };
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    await this.#flush();
    await this.#transport.close();
  }
}
