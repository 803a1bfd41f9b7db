// The codes and links of received messages, for the wait answers, streams, extract endpoints,
// the web inbox, the CLI and the MCP server alike. They are read out of a mail once, as it is
// received, and stored with it (shared by its copies); asking for them later is one indexed
// read. Mail stored before this existed has them read on its first request, and saved.
//
// Where the reading runs depends on its cost (measured with bench/ingest-extraction.ts on 2
// busy cores): a mail of up to 64 K characters is read on the event loop, given at most 2 ms
// (ordinary mail takes tens of microseconds to a few tenths of a millisecond; handing it to a
// worker cost more than the reading: copying the HTML to the thread, waking it, its own garbage);
// a reading that runs out of that time (hostile shapes cost fifty times more per character) is
// given up and done again in the HTML worker pool, which bounds it, as is bigger mail. Either way
// the result is the same, committed with the mail's own row, before the 250: no second write, and
// nothing to wait for once it is stored.
import { extractWithin } from '../mail/extract/index.ts';
import type { Extraction, ExtractionInput } from '../mail/extract/types.ts';
import type { HtmlWorkPool } from '../mail/html-work.ts';
import type { MessageRecord } from '../store/types.ts';
import type { ServiceContext } from './context.ts';

/** Mail with at most this many characters of text and HTML is first tried on the event loop, at ingest. */
export const eventLoopExtractionChars = 64 * 1024;

/** The time a reading may take on the event loop before it is given up and left to the pool. */
export const eventLoopExtractionMs = 2;

/** What a mail that could not be read (past the pool's budget) has: a new object each time. */
const nothing = (): Extraction => ({ codes: [], links: [] });

export class ExtractionService {
  readonly #ctx: ServiceContext;
  readonly #pool: HtmlWorkPool;
  /** Milliseconds a reading may take on the event loop (tests set 0 to see the pool take over). */
  eventLoopMs = eventLoopExtractionMs;

  constructor(ctx: ServiceContext, pool: HtmlWorkPool) {
    this.#ctx = ctx;
    this.#pool = pool;
  }

  /**
   * The codes and links of content being received, to store with it: read at once when that is
   * quick, otherwise in the pool. Undefined when the pool could not read it within its budget:
   * nothing is stored, and a later request tries again.
   */
  atIngest(content: ExtractionInput): Extraction | Promise<Extraction | undefined> {
    if (content.text.length + content.html.length <= eventLoopExtractionChars) {
      const read = extractWithin(content, this.eventLoopMs);
      if (read) return read;
    }
    return this.#pool.extract(content);
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
    const stored = await this.#ctx.store.getExtraction(id);
    if (stored) return stored;
    const made = (await this.#pool.extract(await readContent())) ?? nothing();
    await this.#ctx.store.saveExtraction(id, made);
    return made;
  }
}
