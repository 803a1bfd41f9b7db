// The codes and links of received messages, for the wait answers, streams, extract endpoints,
// the web inbox, the CLI and the MCP server alike. They are read out of a mail once, as it is
// received, and stored with it (shared by its copies); asking for them later is one indexed
// read. Mail stored before this existed has them read on its first request, and saved.
//
// The reading runs in the HTML worker pool, never on the event loop: it scans the whole text and
// HTML of every mail (about half a millisecond for 20 KB of HTML), which on the event loop would
// be taken from every SMTP session and request, and the pool bounds it for hostile mail. Nor does
// the sender wait for it: the message is committed and answered 250 while its codes are read,
// and they are saved right after. Measured with the benchmark (bench/ingest-extraction.ts),
// waiting for the pool before the commit cost a quarter of the ingest rate of 20 KB HTML mail
// even with a reader that does no work; reading on the event loop cost half. Until they are
// saved, asking for them here waits for that reading (a wait answered at the commit gets them).
import type { Extraction, ExtractionInput } from '../mail/extract/types.ts';
import type { HtmlWorkPool } from '../mail/html-work.ts';
import type { MessageRecord } from '../store/types.ts';
import type { ServiceContext } from './context.ts';

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
   * Starts reading the codes and links of content being received, whose copies will be stored
   * under `ids`; `saved` names the copies that were stored (none: nothing is saved) once their
   * commit is done. Until the result is saved, `of` any of those ids waits for it.
   */
  atIngest(content: ExtractionInput, ids: string[]): { stored(saved: string[]): void } {
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
