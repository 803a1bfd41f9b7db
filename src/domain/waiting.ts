// Waiting for a message: one call that answers as soon as a matching message is stored, without
// polling. A wait listens to its mailbox first and only then looks in the store, so a message
// committed between the two is heard as it arrives (and one both found and heard is answered
// once). Held waits cost no queries: they sit in the mailbox feed until a message of their
// mailbox arrives, from this process or, with a shared database, from another.
import type { MailboxRecord, MessageHead, MessageRecord, PageCursor } from '../store/types.ts';
import type { ServiceContext } from './context.ts';
import { notFound } from './errors.ts';
import type { MailboxFeed } from './mailbox-feed.ts';
import { isAfter, type MessageFilter, matchesFilter, positionOf } from './message-match.ts';

export interface WaitOptions {
  filter: MessageFilter;
  /** Only messages after this position, seen or not; without it, only unseen messages. */
  after?: PageCursor;
  /** How long to hold when nothing matches yet (0: only look). */
  timeoutMs: number;
  /** Ends the wait early (the client went away): it then resolves undefined. */
  signal?: AbortSignal;
}

/** Heads read per store query while looking for a match among stored messages. */
const headsPerQuery = 100;

export class WaitService {
  readonly #ctx: ServiceContext;
  readonly #feed: MailboxFeed;
  #held = 0;

  constructor(ctx: ServiceContext, feed: MailboxFeed) {
    this.#ctx = ctx;
    this.#feed = feed;
  }

  /** Waits held now, in this process. */
  get held(): number {
    return this.#held;
  }

  /**
   * The oldest matching message of `mailbox` (unseen, or after `options.after`), marked seen;
   * undefined when none came within the timeout or the wait was aborted. A message is handed to
   * one unseen-wait only: two waits for the same thing get two different messages. Throws
   * not_found when the mailbox goes away meanwhile. The caller has checked access.
   */
  async wait(mailbox: MailboxRecord, options: WaitOptions): Promise<MessageRecord | undefined> {
    const { signal } = options;
    if (signal?.aborted) return undefined;
    const arrived: MessageRecord[] = [];
    let gone = false;
    let wake = () => {};
    const stopListening = this.#feed.listen(mailbox.id, {
      message: (message) => {
        if (!this.#fits(options, message)) return;
        arrived.push(message);
        wake();
      },
      gone: () => {
        gone = true;
        wake();
      },
    });
    this.#held++;
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const end = () => {
      ended = true;
      wake();
    };
    signal?.addEventListener('abort', end);
    try {
      const stored = await this.#findStored(mailbox, options);
      if (stored) return stored;
      timer = setTimeout(end, options.timeoutMs);
      for (;;) {
        for (let next = arrived.shift(); next; next = arrived.shift()) {
          if (await this.#claim(next.id, options)) return { ...next, seen: true };
        }
        if (gone) throw notFound('The mailbox was deleted while waiting for a message.');
        if (ended || signal?.aborted) return undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', end);
      stopListening();
      this.#held--;
    }
  }

  #fits(
    options: WaitOptions,
    m: Pick<MessageHead, 'uuid' | 'receivedAt' | 'seen' | 'recipient' | 'content'>,
  ) {
    return (options.after ? isAfter(options.after, m) : !m.seen) && matchesFilter(options.filter, m);
  }

  /** The oldest stored match that this wait could take, read a page of heads at a time. */
  async #findStored(mailbox: MailboxRecord, options: WaitOptions): Promise<MessageRecord | undefined> {
    const unseenOnly = !options.after;
    let after = options.after;
    for (;;) {
      const heads = await this.#ctx.store.listMessageHeadsAfter(mailbox.id, {
        after,
        unseenOnly,
        limit: headsPerQuery,
      });
      for (const head of heads) {
        if (!this.#fits(options, head)) continue;
        if (!(await this.#claim(head.id, options))) continue;
        const whole = await this.#ctx.store.getMessage(head.id);
        if (whole) return { ...whole, seen: true }; // else deleted meanwhile
      }
      const last = heads.at(-1);
      if (!last || heads.length < headsPerQuery) return undefined;
      after = positionOf(last);
    }
  }

  /**
   * Marks the message seen for this wait: false when another unseen-wait (or a reader) marked it
   * first, so that it is handed out once.
   */
  async #claim(id: string, options: WaitOptions): Promise<boolean> {
    const marked = await this.#ctx.store.markSeen(id);
    return marked || options.after !== undefined;
  }
}
