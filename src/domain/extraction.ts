// The codes and links of received messages, for the wait answers, streams, extract endpoints,
// the web inbox, the CLI and the MCP server alike. They are read out of a mail once, when it is
// received (`atIngest`), and stored with it; asking for them later is one indexed read. Mail
// stored before this existed has them read on its first request, and saved.
import { extractVerification } from '../mail/extract/index.ts';
import type { Extraction, ExtractionInput } from '../mail/extract/types.ts';
import type { MessageRecord } from '../store/types.ts';
import type { ServiceContext } from './context.ts';

export class ExtractionService {
  readonly #ctx: ServiceContext;
  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
  }

  /** The codes and links of received content, to be stored with it. */
  atIngest(content: ExtractionInput): Extraction {
    return extractVerification(content);
  }

  /** The message's codes and links: the stored ones, or (mail stored before them) read now and saved. */
  async of(message: Pick<MessageRecord, 'id' | 'content'>): Promise<Extraction> {
    return this.ofStored(message.id, async () => message.content);
  }

  /**
   * The codes and links of message `id` (public id); `readContent` is called only for mail stored
   * before they were kept, so a reader that holds less than the whole message (the web inbox
   * reads it without its HTML) loads the rest only then.
   */
  async ofStored(id: string, readContent: () => Promise<ExtractionInput>): Promise<Extraction> {
    const stored = await this.#ctx.store.getExtraction(id);
    if (stored) return stored;
    const made = extractVerification(await readContent());
    await this.#ctx.store.saveExtraction(id, made);
    return made;
  }
}
