// The codes and links of received messages, for the wait answers, streams, extract endpoints,
// the web inbox, the CLI and the MCP server alike. They are read out of a mail once, as it is
// received, and stored with it (shared by its copies); asking for them later is one indexed
// read. Mail stored before this existed has them read on its first request, and saved.
//
// Where the reading runs depends on its cost (measured with bench/ingest-extraction.ts on 2
// busy cores): a small mail is read on the event loop and its result committed with its rows
// (tens of microseconds; handing it to a worker cost a fifth to a quarter of the ingest rate,
// the hop and a second commit, even with a reader that did no work). A bigger one is read in the HTML
// worker pool, which bounds hostile mail, and the sender does not wait for it: the message is
// committed and answered 250, and the result saved right after (about half a millisecond for
// 20 KB of HTML: on the event loop it cost half the ingest rate of such mail, in the pool a
// quarter to a third). Until it is saved, asking for it waits for that reading, so a wait answered at the
// commit gets it too.
import { extractVerification } from '../mail/extract/index.ts';
import type { Extraction, ExtractionInput } from '../mail/extract/types.ts';
import type { HtmlWorkPool } from '../mail/html-work.ts';
import type { MessageRecord } from '../store/types.ts';
import type { ServiceContext } from './context.ts';

/** Mail with at most this many characters of text and HTML is read on the event loop, at ingest. */
export const eventLoopExtractionChars = 16 * 1024;

/** The reading of a mail being received: done already (stored with its rows), or under way. */
export interface IngestExtraction {
  /** The result, when it was read at once: the delivery stores it with its rows. */
  now?: Extraction;
  /** Says which copies were stored (none: nothing is saved), once their commit is done. */
  stored(saved: string[]): void;
}

/** What a mail that could not be read (past the pool's budget) has: a new object each time. */
const nothing = (): Extraction => ({ codes: [], links: [] });

export class ExtractionService {
  readonly #ctx: ServiceContext;
  readonly #pool: HtmlWorkPool;
  /** Readings under way or being saved, by the public id of each copy of their mail. */
  readonly #pending = new Map<string, Promise<Extraction>>();

  constructor(ctx: ServiceContext, pool: HtmlWorkPool) {
    this.#ctx = ctx;
    this.#pool = pool;
  }

  /**
   * Reads the codes and links of content being received, whose copies will be stored under
   * `ids`: small content at once, bigger content in the pool, saved once `stored` names the
   * copies that were committed. Until then, `of` any of those ids waits for it.
   */
  atIngest(content: ExtractionInput, ids: string[]): IngestExtraction {
    if (content.text.length + content.html.length <= eventLoopExtractionChars) {
      return { now: extractVerification(content), stored() {} };
    }
    const reading = this.#pool.extract(content);
    let release: (saved: string[]) => void = () => {};
    const committed = new Promise<string[]>((resolve) => {
      release = resolve;
    });
    const done = (async () => {
      const [extraction, saved] = await Promise.all([reading, committed]);
      const made = extraction ?? nothing();
      const id = saved[0];
      // Not read in time (the pool's budget): nothing is saved, so a later request tries again.
      if (id !== undefined && extraction) {
        try {
          await this.#ctx.store.saveExtraction(id, made);
        } catch (err) {
          this.#ctx.log.warn({ err, id }, 'could not save the codes and links of a message');
        }
      }
      return made;
    })().finally(() => {
      for (const id of ids) this.#pending.delete(id);
    });
    for (const id of ids) this.#pending.set(id, done);
    return { stored: (saved) => release(saved) };
  }

  /** Resolves once every reading started so far is saved (tests, and stopping cleanly). */
  async settled(): Promise<void> {
    await Promise.all([...this.#pending.values()]);
  }

  /** The message's codes and links: the stored ones, or (mail stored before them) read now and saved. */
  async of(message: Pick<MessageRecord, 'id' | 'content'>): Promise<Extraction> {
    return this.ofStored(message.id, async () => message.content);
  }

  /**
   * The codes and links of message `id` (public id); `readContent` is called only for mail stored
   * without them, so a reader that holds less than the whole message (the web inbox reads it
   * without its HTML) loads the rest only then. A mail whose reading fails again has none: that
   * is saved too, so it is not tried on every request.
   */
  async ofStored(id: string, readContent: () => Promise<ExtractionInput>): Promise<Extraction> {
    const pending = this.#pending.get(id);
    if (pending) return pending;
    const stored = await this.#ctx.store.getExtraction(id);
    if (stored) return stored;
    const made = (await this.#pool.extract(await readContent())) ?? nothing();
    await this.#ctx.store.saveExtraction(id, made);
    return made;
  }
}
