// New messages and gone mailboxes, per mailbox, for the waits and streams held open. One
// subscription to the event bus serves all of them, and listeners are indexed by mailbox, so a
// message costs a map lookup however many waits are held, and holding a wait costs no query.
// With a shared database the bus carries other processes' events too (see event-relay.ts).
import type { MessageRecord } from '../store/types.ts';
import type { EventBus } from './events.ts';

export interface MailboxListener {
  message(message: MessageRecord): void;
  /** The mailbox was deleted, switched away from, or expired and swept. */
  gone(): void;
}

export class MailboxFeed {
  readonly #byMailbox = new Map<number, Set<MailboxListener>>();
  #count = 0;

  constructor(events: EventBus) {
    events.subscribe('message.received', ({ mailbox, message }) => {
      for (const listener of [...(this.#byMailbox.get(mailbox.id) ?? [])]) listener.message(message);
    });
    events.subscribe('mailbox.deleted', ({ mailbox }) => {
      for (const listener of [...(this.#byMailbox.get(mailbox.id) ?? [])]) listener.gone();
    });
  }

  /** Listens to one mailbox until the returned function is called (once is enough; twice is harmless). */
  listen(mailboxId: number, listener: MailboxListener): () => void {
    let set = this.#byMailbox.get(mailboxId);
    if (!set) {
      set = new Set();
      this.#byMailbox.set(mailboxId, set);
    }
    set.add(listener);
    this.#count++;
    return () => {
      const current = this.#byMailbox.get(mailboxId);
      if (!current?.delete(listener)) return;
      this.#count--;
      if (current.size === 0) this.#byMailbox.delete(mailboxId);
    };
  }

  /** Listeners held now (waits and streams), across all mailboxes. */
  get size(): number {
    return this.#count;
  }
}
