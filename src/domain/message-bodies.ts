// What readers are shown of a message's HTML: the plain text of HTML-only mail (the dialects'
// `content`, webhook payloads) and the sanitised document of the web UI, and for big mail the
// APIs' `content` and `html` as JSON. All are made once, in the HTML worker pool, when the
// message arrives, and stored with it (big values in chunks); reading a message only reads them,
// a chunk at a time. Mail stored before this existed gets them made on its first read.
import type { HtmlDocument, HtmlWorkPool } from '../mail/html-work.ts';
import { emptyDocument } from '../mail/html-work.ts';
import type {
  AttachmentRecord,
  ChunkedPart,
  DerivedBodies,
  JsonField,
  MailboxRecord,
  MailContent,
  MessageHead,
  MessageRecord,
} from '../store/types.ts';
import type { ServiceContext } from './context.ts';
import { notFound } from './errors.ts';

/** Where the document links an inline part: relative to the document's own URL (…/body.html). */
export function inlinePartPath(attachment: Pick<AttachmentRecord, 'name'>): string {
  return `attachments/${encodeURIComponent(attachment.name)}`;
}

/** Content longer than this (text and HTML together) gets its JSON literals made at ingest. */
const bigContentChars = 64 * 1024;

/** Whether the message's `content` is made from its HTML (it has HTML and no text part). */
function isHtmlOnly(content: Pick<MailContent, 'text' | 'html'>): boolean {
  return !content.text && content.html !== '';
}

/** A stored document, read chunk by chunk as it is sent. */
export interface DocumentChunks {
  remoteImages: number;
  chunks: AsyncIterable<Buffer>;
}

async function* oneChunk(bytes: Buffer): AsyncIterable<Buffer> {
  yield bytes;
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

  /**
   * What to store with received content, made now if it is needed now or costly: the text of
   * HTML-only mail (its webhook payload and `content` need it) and everything for big mail.
   * Undefined for small mail with a text part: its document is made on its first view (in the
   * pool too, then stored), which spares ingest the work for the many messages never viewed.
   */
  async deriveAtIngest(
    content: Pick<MailContent, 'text' | 'html'> & {
      attachments: Pick<AttachmentRecord, 'name' | 'contentId'>[];
    },
  ): Promise<DerivedBodies | undefined> {
    const big = content.text.length + content.html.length > bigContentChars;
    return big || isHtmlOnly(content) ? this.derive(content) : undefined;
  }

  /**
   * Makes the text and document of received content, and for big content the APIs' `content`
   * and `html` as JSON literals (in the worker pool; never fails: what could not be made in time
   * is empty, or for the literals absent).
   */
  async derive(
    content: Pick<MailContent, 'text' | 'html'> & {
      attachments: Pick<AttachmentRecord, 'name' | 'contentId'>[];
    },
  ): Promise<DerivedBodies> {
    let htmlText = '';
    let document: HtmlDocument = emptyDocument;
    if (content.html !== '') {
      const inlineParts: Record<string, string> = {};
      for (const a of content.attachments) {
        if (a.contentId && !(a.contentId in inlineParts)) inlineParts[a.contentId] = inlinePartPath(a);
      }
      [htmlText, document] = await Promise.all([
        isHtmlOnly(content) ? this.#pool.plainText(content.html) : '',
        this.#pool.document(content.html, inlineParts),
      ]);
    }
    const derived: DerivedBodies = {
      htmlText,
      htmlDocument: document.document,
      remoteImages: document.remoteImages,
    };
    const apiContent = content.text || htmlText;
    if (apiContent.length + content.html.length > bigContentChars) {
      const literals = await this.#pool.jsonLiterals([apiContent, content.html]);
      if (literals) derived.json = { content: literals[0] as Buffer, html: literals[1] as Buffer };
    }
    return derived;
  }

  /**
   * The APIs' `content` and `html` of a message: for big mail the stored JSON literals, chunk by
   * chunk (the message's bodies are never loaded whole); otherwise the strings, to be escaped.
   */
  async jsonFieldsOf(head: MessageHead): Promise<Record<JsonField, string | AsyncIterable<Buffer>>> {
    const store = this.#ctx.store;
    const [content, html] = await Promise.all([
      store.readChunk(head.uuid, 'content', 0),
      store.readChunk(head.uuid, 'html', 0),
    ]);
    if (content && html) {
      return {
        content: this.#chunks(head.uuid, 'content', content),
        html: this.#chunks(head.uuid, 'html', html),
      };
    }
    const message = await store.getMessageByUuid(head.uuid);
    if (!message) throw notFound('Message was not found.');
    return { content: await this.textOf(message), html: message.content.html };
  }

  /** The message's plain text: its text part, or the text made from its HTML. */
  async textOf(message: MessageRecord): Promise<string> {
    if (!isHtmlOnly(message.content)) return message.content.text;
    return (await this.#ctx.store.getHtmlText(message.uuid)) ?? (await this.#madeFor(message)).htmlText;
  }

  /**
   * The stored document of message `messageUuid` if it is in `mailbox`, read in chunks and
   * without the message's raw HTML; undefined when there is none (not made yet, or no such
   * message there): then documentOf the whole message makes it, or the message is not found.
   */
  async storedDocumentIn(mailbox: MailboxRecord, messageUuid: string): Promise<DocumentChunks | undefined> {
    return this.#storedDocument(messageUuid.toLowerCase(), mailbox.id);
  }

  async #storedDocument(uuid: string, mailboxId: number): Promise<DocumentChunks | undefined> {
    const info = await this.#ctx.store.getDocumentInfo(uuid);
    if (!info || info.mailboxId !== mailboxId) return undefined;
    const first = await this.#ctx.store.readChunk(uuid, 'document', 0);
    if (!first) return undefined;
    return { remoteImages: info.remoteImages, chunks: this.#chunks(uuid, 'document', first) };
  }

  /** The sanitised HTML document of the message (made now for a message stored before). */
  async documentOf(message: MessageRecord): Promise<DocumentChunks> {
    const stored = await this.#storedDocument(message.uuid, message.mailboxId);
    if (stored) return stored;
    const made = await this.#madeFor(message);
    return { remoteImages: made.remoteImages, chunks: oneChunk(made.htmlDocument) };
  }

  /** How many remote images the message's document has (shown only when the reader asks). */
  async remoteImagesOf(message: Pick<MessageRecord, 'uuid'>): Promise<number> {
    const info = await this.#ctx.store.getDocumentInfo(message.uuid);
    if (info) return info.remoteImages;
    const whole = await this.#ctx.store.getMessageByUuid(message.uuid);
    return whole ? (await this.#madeFor(whole)).remoteImages : 0;
  }

  async *#chunks(uuid: string, part: ChunkedPart, first: Buffer): AsyncIterable<Buffer> {
    yield first;
    for (let seq = 1; ; seq++) {
      const chunk = await this.#ctx.store.readChunk(uuid, part, seq);
      if (!chunk) return;
      yield chunk;
    }
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
