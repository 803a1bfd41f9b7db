// In-process events. Producers publish after their data is committed; live updates and
// webhook delivery subscribe. A listener's failure never reaches the producer.
import type { MailboxRecord, MessageRecord } from '../store/types.ts';

export interface BurnboxEvents {
  /** `webhookQueued`: a webhook event for this copy was committed to the outbox with it. */
  'message.received': { mailbox: MailboxRecord; message: MessageRecord; webhookQueued: boolean };
  /** The mailbox stopped being there: deleted, switched away from, or expired and swept. */
  'mailbox.deleted': { mailbox: MailboxRecord };
}

type Listener<K extends keyof BurnboxEvents> = (payload: BurnboxEvents[K]) => void;

export class EventBus {
  readonly #listeners = new Map<keyof BurnboxEvents, Set<Listener<never>>>();
  readonly #onError: (err: unknown) => void;

  constructor(onError: (err: unknown) => void = () => {}) {
    this.#onError = onError;
  }

  subscribe<K extends keyof BurnboxEvents>(type: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  publish<K extends keyof BurnboxEvents>(type: K, payload: BurnboxEvents[K]): void {
    for (const listener of this.#listeners.get(type) ?? []) {
      try {
        (listener as Listener<K>)(payload);
      } catch (err) {
        this.#onError(err);
      }
    }
  }
}
