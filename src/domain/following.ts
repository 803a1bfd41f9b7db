// Following a mailbox: what was stored after a given message, then every new message as it is
// stored, each once, for the API streams. The mailbox is listened to before the store is read,
// and messages heard during the catch-up are held back until it is done, so nothing falls in a
// gap between the two, none comes twice, and the replay keeps the mailbox's order.
import type { MailboxRecord, MessageRecord, PageCursor } from '../store/types.ts';
import type { ServiceContext } from './context.ts';
import type { MailboxFeed } from './mailbox-feed.ts';
import { positionOf } from './message-match.ts';

export interface Follower {
  /** Called for each message, in order, one at a time (the next waits for the promise). */
  message(message: MessageRecord): Promise<void> | void;
  /** The mailbox went away; nothing more comes. */
  gone(): void;
}

/** Heads read per store query while catching up. */
const headsPerQuery = 100;

export class FollowService {
  readonly #ctx: ServiceContext;
  readonly #feed: MailboxFeed;

  constructor(ctx: ServiceContext, feed: MailboxFeed) {
    this.#ctx = ctx;
    this.#feed = feed;
  }

  /**
   * Replays the messages of `mailbox` stored after `after` (when given), then follows it until
   * the returned function is called (or `signal` aborts: the follower left during the replay);
   * resolves once the replay is handed to the follower. The replay holds one message at a time.
   * The caller has checked access.
   */
  async follow(
    mailbox: MailboxRecord,
    after: PageCursor | undefined,
    follower: Follower,
    signal?: AbortSignal,
  ): Promise<() => void> {
    const sent = new Set<string>();
    let queue = Promise.resolve();
    let stopped = false;
    const send = (message: MessageRecord) => {
      if (sent.has(message.uuid)) return;
      if (held) sent.add(message.uuid); // replayed or heard during the catch-up
      // One at a time and in order, even when presenting a message takes a query.
      queue = queue.then(async () => {
        if (!stopped) await follower.message(message);
      });
      queue = queue.catch((err) => this.#ctx.log.warn({ err }, 'a followed message could not be sent'));
    };
    let held: MessageRecord[] | undefined = [];
    const stopListening = this.#feed.listen(mailbox.id, {
      message: (message) => (held ? held.push(message) : send(message)),
      gone: () => {
        if (!stopped) follower.gone();
      },
    });
    const stop = () => {
      stopped = true;
      stopListening();
    };
    const left = () => stopped || signal?.aborted === true;
    try {
      for (let position = after; position && !left(); ) {
        const heads = await this.#ctx.store.listMessageHeadsAfter(mailbox.id, {
          after: position,
          unseenOnly: false,
          limit: headsPerQuery,
        });
        for (const head of heads) {
          if (left()) break;
          const message = await this.#ctx.store.getMessage(head.id);
          if (message) send(message);
          // Sent before the next is read: a long replay never piles up in memory.
          await queue;
        }
        const last = heads.at(-1);
        position = last && heads.length === headsPerQuery ? positionOf(last) : undefined;
      }
    } catch (err) {
      stop();
      throw err;
    }
    if (left()) {
      stop();
      return stop;
    }
    for (const message of held) send(message);
    held = undefined;
    // Only messages replayed from the store can come again (heard late): later ones come once.
    await queue; // the catch-up is sent: what follows is live
    return stop;
  }
}
