// The codes and links of received messages, for the wait answers, streams, extract endpoints,
// the web inbox, the CLI and the MCP server alike. They are read out of a mail once, as it is
// received, and stored with it (shared by its copies); asking for them later is one indexed
// read. Mail stored before this existed has them read on its first request, and saved.
//
// Where the reading runs depends on its cost (measured with bench/ingest-extraction.ts on 2
// busy cores): a small mail is read on the event loop (tens of microseconds; handing it to a
// worker cost more than the reading), a bigger one in the HTML worker pool, which bounds hostile
// mail, while the delivery gets its other work done. Either way the result is committed with the
// mail's own row, before the 250: no second write, and nothing to wait for once it is stored.
import { extractVerification } from '../mail/extract/index.ts';
import type { Extraction, ExtractionInput } from '../mail/extract/types.ts';
import type { HtmlWorkPool } from '../mail/html-work.ts';
import type { MessageRecord } from '../store/types.ts';
import type { ServiceContext } from './context.ts';

/** Mail with at most this many characters of text and HTML is read on the event loop, at ingest. */
export const eventLoopExtractionChars = 16 * 1024;

/** What a mail that could not be read (past the pool's budget) has: a new object each time. */
const nothing = (): Extraction => ({ codes: [], links: [] });

export class ExtractionService {
  readonly #ctx: ServiceContext;
  readonly #pool: HtmlWorkPool;

  constructor(ctx: ServiceContext, pool: HtmlWorkPool) {
    this.#ctx = ctx;
    this.#pool = pool;
  }

  /**
   * The codes and links of content being received, to store with it: small content read at once,
   * bigger content in the pool. Undefined when the pool could not read it within its budget:
   * nothing is stored, and a later request tries again.
   */
  atIngest(content: ExtractionInput): Extraction | Promise<Extraction | undefined> {
    if (content.text.length + content.html.length <= eventLoopExtractionChars) {
      return extractVerification(content);
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
