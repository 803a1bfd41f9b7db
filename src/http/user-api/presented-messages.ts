// The user dialect's JSON of stored messages, kept by message id so that listing a mailbox again
// (clients poll their list) reads only the ids and seen flags from the store and neither the
// bodies nor their escaping. Only `is_seen` of a stored message ever changes: it is kept apart.
// Message ids are never reused, and a message's content is the same on every process, so the
// copy kept here is never stale; a deleted message is simply no longer listed.
import type { MessageRecord } from '../../store/types.ts';
import { type PresentContext, presentMessage } from './presenters.ts';

/** Characters of JSON kept at most; the oldest kept are dropped first. */
const keptChars = 16 * 1024 * 1024;
/** A message with more JSON than this is not kept (it would push out hundreds of others). */
const largestKept = 256 * 1024;

export class PresentedMessages {
  readonly #present: PresentContext;
  /** id → the message's JSON after its `is_seen` member: `,"subject":…}`. */
  readonly #rest = new Map<string, string>();
  #chars = 0;

  constructor(present: PresentContext) {
    this.#present = present;
  }

  /** What is kept of message `id`, if anything. */
  kept(id: string): string | undefined {
    return this.#rest.get(id);
  }

  /** The JSON of a message kept earlier, with its current seen flag. */
  static withSeen(rest: string, seen: boolean): string {
    return `{"is_seen":${seen}${rest}`;
  }

  /** The JSON of `message` (as presentMessage makes it), kept for later lists. */
  json(message: MessageRecord): string {
    const { is_seen, ...others } = presentMessage(this.#present, message);
    const rest = `,${JSON.stringify(others).slice(1)}`;
    if (rest.length <= largestKept && !this.#rest.has(message.id)) {
      this.#rest.set(message.id, rest);
      this.#chars += rest.length;
      for (const [id, dropped] of this.#rest) {
        if (this.#chars <= keptChars) break;
        this.#rest.delete(id);
        this.#chars -= dropped.length;
      }
    }
    return PresentedMessages.withSeen(rest, is_seen);
  }
}
