// What readers are shown of a message's HTML: the plain text of HTML-only mail (the dialects'
// `content`, webhook payloads) and the sanitised document of the web UI. Both are made once, in
// the HTML worker pool, when the message arrives, and stored with it; reading a message only
// reads them. Mail stored before this existed gets them made on its first read, then stored.
import type { HtmlDocument, HtmlWorkPool } from '../mail/html-work.ts';
import { emptyDocument } from '../mail/html-work.ts';
import type {
  AttachmentRecord,
  DerivedBodies,
  MailboxRecord,
  MailContent,
  MessageRecord,
} from '../store/types.ts';
import type { ServiceContext } from './context.ts';

/** Where the document links an inline part: relative to the document's own URL (…/body.html). */
export function inlinePartPath(attachment: Pick<AttachmentRecord, 'name'>): string {
  return `attachments/${encodeURIComponent(attachment.name)}`;
}

/** Whether the message's `content` is made from its HTML (it has HTML and no text part). */
function isHtmlOnly(content: Pick<MailContent, 'text' | 'html'>): boolean {
  return !content.text && content.html !== '';
}

export class MessageBodies {
  readonly #ctx: ServiceContext;
  readonly #pool: HtmlWorkPool;
  /** Made on first read, per mail: concurrent first reads share one piece of work. */
  readonly #making = new Map<string, Promise<DerivedBodies>>();

  constructor(ctx: ServiceContext, pool: HtmlWorkPool) {
    this.#ctx = ctx;
    this.#pool = pool;
  }

  /** Makes the text and document of received content (in the worker pool; never fails). */
  async derive(
    content: Pick<MailContent, 'text' | 'html'> & {
      attachments: Pick<AttachmentRecord, 'name' | 'contentId'>[];
    },
  ): Promise<DerivedBodies> {
    if (content.html === '') return { htmlText: '', htmlDocument: Buffer.alloc(0), remoteImages: 0 };
    const inlineParts: Record<string, string> = {};
    for (const a of content.attachments) {
      if (a.contentId && !(a.contentId in inlineParts)) inlineParts[a.contentId] = inlinePartPath(a);
    }
    const [htmlText, document] = await Promise.all([
      isHtmlOnly(content) ? this.#pool.plainText(content.html) : '',
      this.#pool.document(content.html, inlineParts),
    ]);
    return { htmlText, htmlDocument: document.document, remoteImages: document.remoteImages };
  }

  /** The message's plain text: its text part, or the text made from its HTML. */
  async textOf(message: MessageRecord): Promise<string> {
    if (!isHtmlOnly(message.content)) return message.content.text;
    return (await this.#ctx.store.getHtmlText(message.uuid)) ?? (await this.#madeFor(message)).htmlText;
  }

  /**
   * The stored document of message `messageUuid` if it is in `mailbox`, read without the
   * message's raw HTML; undefined when there is none (not made yet, or no such message there):
   * then documentOf the whole message makes it, or the message is not found.
   */
  async storedDocumentIn(mailbox: MailboxRecord, messageUuid: string): Promise<HtmlDocument | undefined> {
    const stored = await this.#ctx.store.getHtmlDocument(messageUuid.toLowerCase());
    if (!stored || stored.mailboxId !== mailbox.id) return undefined;
    return { document: stored.document, remoteImages: stored.remoteImages };
  }

  /** The sanitised HTML document of the message (the empty document when it has no HTML). */
  async documentOf(message: MessageRecord): Promise<HtmlDocument> {
    if (message.content.html === '') return emptyDocument;
    const stored = await this.#ctx.store.getHtmlDocument(message.uuid);
    if (stored) return { document: stored.document, remoteImages: stored.remoteImages };
    const made = await this.#madeFor(message);
    return { document: made.htmlDocument, remoteImages: made.remoteImages };
  }

  /** How many remote images the message's document has (shown only when the reader asks). */
  async remoteImagesOf(message: MessageRecord): Promise<number> {
    if (message.content.html === '') return 0;
    return (
      (await this.#ctx.store.getRemoteImages(message.uuid)) ?? (await this.#madeFor(message)).remoteImages
    );
  }

  /** Makes and stores what a message stored without it lacks. */
  #madeFor(message: MessageRecord): Promise<DerivedBodies> {
    const key = message.content.blobKey;
    let making = this.#making.get(key);
    if (!making) {
      making = (async () => {
        const derived = await this.derive(message.content);
        await this.#ctx.store.saveDerivedBodies(message.uuid, derived);
        return derived;
      })().finally(() => this.#making.delete(key));
      this.#making.set(key, making);
    }
    return making;
  }
}
