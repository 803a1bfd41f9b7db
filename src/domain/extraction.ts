// The codes and links of received messages, for the wait answers, streams, extract endpoints,
// the web inbox, the CLI and the MCP server alike.
import { extractVerification } from '../mail/extract/index.ts';
import type { Extraction } from '../mail/extract/types.ts';
import type { MessageRecord } from '../store/types.ts';
import type { ServiceContext } from './context.ts';

export class ExtractionService {
  readonly #ctx: ServiceContext;
  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
  }

  /** The message's codes and links. */
  async of(message: Pick<MessageRecord, 'id' | 'content'>): Promise<Extraction> {
    void this.#ctx;
    return extractVerification(message.content);
  }
}
