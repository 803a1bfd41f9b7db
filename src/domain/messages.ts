// Reading and deleting received messages and their attachments, for their mailbox's owner.
import type { Readable } from 'node:stream';
import type {
  AttachmentRecord,
  MailboxRecord,
  MessageHead,
  MessageListPosition,
  MessageRecord,
  MessageState,
  MessageWithoutHtml,
  PageCursor,
  UserRecord,
} from '../store/types.ts';
import { deleteBlobs, type ServiceContext } from './context.ts';
import { notFound } from './errors.ts';
import { type KeysetPage, keysetPage, type MailboxService } from './mailboxes.ts';
import { openBlobRange } from './message-bytes.ts';

const messageIdPattern = /^[A-Za-z0-9]{46}$/;

export interface OpenAttachment {
  attachment: AttachmentRecord;
  stream: Readable;
}

/** A chunk of a list: whole messages, or the ids and seen flags of messages with what the caller kept of each. */
export type ListChunk<T> = { messages: MessageRecord[] } | { known: { state: MessageState; value: T }[] };

export class MessageService {
  readonly #ctx: ServiceContext;
  readonly #mailboxes: MailboxService;

  constructor(ctx: ServiceContext, mailboxes: MailboxService) {
    this.#ctx = ctx;
    this.#mailboxes = mailboxes;
  }

  /**
   * The mailbox's messages as list() gives them, `chunkSize` at a time as they are read: a big
   * mailbox is listed without holding all its messages at once. Access is checked first. A
   * message's content never changes once stored, only its seen flag: when the caller keeps
   * something made of every message of a chunk (`kept` answers it by id), the chunk is read as
   * ids and seen flags only and comes with what was kept; otherwise it is read whole.
   */
  async listInChunks<T>(
    user: UserRecord,
    address: string,
    chunkSize: number,
    kept: (id: string) => T | undefined,
  ): Promise<{ mailbox: MailboxRecord; chunks: AsyncGenerator<ListChunk<T>> }> {
    const mailbox = await this.#mailboxes.requireOwned(user, address);
    const store = this.#ctx.store;
    async function* chunks(): AsyncGenerator<ListChunk<T>> {
      let after: MessageListPosition | undefined;
      do {
        const states = await store.listMessageStatesChunk(mailbox.id, chunkSize, after);
        const known: { state: MessageState; value: T }[] = [];
        for (const state of states.items) {
          const value = kept(state.id);
          if (value === undefined) break;
          known.push({ state, value });
        }
        if (known.length === states.items.length) {
          if (known.length) yield { known };
          after = states.next;
        } else {
          // Read whole, on its own: it may differ from the states if mail came or went between.
          const chunk = await store.listMessagesChunk(mailbox.id, chunkSize, after);
          if (chunk.items.length) yield { messages: chunk.items };
          after = chunk.next;
        }
      } while (after);
    }
    return { mailbox, chunks: chunks() };
  }

  /** The message, if it is in a live mailbox of the user; anything else is "not found". */
  async requireOwned(user: UserRecord, id: string): Promise<MessageRecord> {
    const message = messageIdPattern.test(id) ? await this.#ctx.store.getMessage(id) : undefined;
    const mailbox = message && (await this.#ctx.store.getMailbox(message.mailboxId));
    if (!message || !mailbox || mailbox.userId !== user.id || !this.#mailboxes.isLive(mailbox)) {
      throw notFound('Message was not found.');
    }
    return message;
  }

  /** Reading a message marks it seen, whichever dialect reads it. */
  async read(user: UserRecord, id: string): Promise<MessageRecord> {
    return this.markRead(await this.requireOwned(user, id));
  }

  async delete(user: UserRecord, id: string): Promise<void> {
    await this.remove(await this.requireOwned(user, id));
  }

  /** Marks the message seen (reading it, in any dialect or page). */
  async markRead<M extends Pick<MessageRecord, 'id' | 'seen'>>(message: M): Promise<M> {
    if (!message.seen) await this.#ctx.store.markSeen(message.id);
    return { ...message, seen: true };
  }

  async remove(message: MessageRecord): Promise<void> {
    const { deleted, blobKeys } = await this.#ctx.store.deleteMessage(message.id);
    await deleteBlobs(this.#ctx, blobKeys);
    if (!deleted) throw notFound('Message was not found.');
  }

  /**
   * A page of the messages of the user's live mailbox `mailboxUuid`, newest first (received,
   * then uuid, descending), `limit` after `after`.
   */
  async pageOfMailbox(
    user: UserRecord,
    mailboxUuid: string,
    limit: number,
    after?: PageCursor,
  ): Promise<KeysetPage<MessageHead>> {
    const mailbox = await this.#mailboxes.requireOwnedByUuid(user, mailboxUuid);
    const page = await this.#ctx.store.listMessageHeadsPage(mailbox.id, limit + 1, after);
    return keysetPage(page, limit, (m) => ({ at: m.receivedAt, uuid: m.uuid }));
  }

  /** A page of the mailbox's messages, newest first; the caller has checked access. */
  async pageOf(
    mailbox: MailboxRecord,
    limit: number,
    after?: PageCursor,
  ): Promise<KeysetPage<MessageRecord>> {
    const page = await this.#ctx.store.listMessagesPage(mailbox.id, limit + 1, after);
    return keysetPage(page, limit, (m) => ({ at: m.receivedAt, uuid: m.uuid }));
  }

  /** Message `messageUuid` of `mailbox`; the caller has checked access to the mailbox. */
  async requireInMailbox(mailbox: MailboxRecord, messageUuid: string): Promise<MessageRecord> {
    const message = await this.#ctx.store.getMessageByUuid(messageUuid.toLowerCase());
    if (!message || message.mailboxId !== mailbox.id) throw notFound(`Message ${messageUuid} was not found.`);
    return message;
  }

  /**
   * Message `messageUuid` of `mailbox` without its raw HTML (for the web UI's reader, which shows
   * the HTML from its stored document); the caller has checked access to the mailbox.
   */
  async viewInMailbox(mailbox: MailboxRecord, messageUuid: string): Promise<MessageWithoutHtml> {
    const message = await this.#ctx.store.getMessageWithoutHtmlByUuid(messageUuid.toLowerCase());
    if (!message || message.mailboxId !== mailbox.id) throw notFound(`Message ${messageUuid} was not found.`);
    return message;
  }

  /** Message `messageUuid` of the user's live mailbox `mailboxUuid`; anything else is "not found". */
  async requireOwnedByUuid(
    user: UserRecord,
    mailboxUuid: string,
    messageUuid: string,
  ): Promise<MessageRecord> {
    return this.requireInMailbox(await this.#mailboxes.requireOwnedByUuid(user, mailboxUuid), messageUuid);
  }

  /**
   * Message `messageUuid` of the user's live mailbox `mailboxUuid` without its bodies (for big
   * mail, read from stored JSON: see MessageBodies.jsonFieldsOf), marked seen.
   */
  async readHeadByUuid(user: UserRecord, mailboxUuid: string, messageUuid: string): Promise<MessageHead> {
    const head = await this.requireOwnedHeadByUuid(user, mailboxUuid, messageUuid);
    if (!head.seen) await this.#ctx.store.markSeen(head.id);
    return { ...head, seen: true };
  }

  /** Message `messageUuid` of the user's live mailbox `mailboxUuid` without its bodies, unchanged. */
  async requireOwnedHeadByUuid(
    user: UserRecord,
    mailboxUuid: string,
    messageUuid: string,
  ): Promise<MessageHead> {
    const mailbox = await this.#mailboxes.requireOwnedByUuid(user, mailboxUuid);
    const head = await this.#ctx.store.getMessageHeadByUuid(messageUuid.toLowerCase());
    if (!head || head.mailboxId !== mailbox.id) throw notFound(`Message ${messageUuid} was not found.`);
    return head;
  }

  async readByUuid(user: UserRecord, mailboxUuid: string, messageUuid: string): Promise<MessageRecord> {
    return this.markRead(await this.requireOwnedByUuid(user, mailboxUuid, messageUuid));
  }

  async deleteByUuid(user: UserRecord, mailboxUuid: string, messageUuid: string): Promise<void> {
    await this.remove(await this.requireOwnedByUuid(user, mailboxUuid, messageUuid));
  }

  async openAttachment(user: UserRecord, id: string, name: string): Promise<OpenAttachment> {
    return this.openAttachmentOf(await this.requireOwned(user, id), name);
  }

  async openAttachmentOf(message: MessageRecord, name: string): Promise<OpenAttachment> {
    const attachment = message.content.attachments.find((a) => a.name === name);
    if (!attachment) throw notFound(`The message has no attachment named "${name}".`);
    const start = attachment.blobOffset;
    const stream = await openBlobRange(this.#ctx, message.content.blobKey, start, start + attachment.size);
    return { attachment, stream };
  }

  /** The message as received (the `.eml`). */
  openRaw(message: MessageRecord): Promise<Readable> {
    return openBlobRange(this.#ctx, message.content.blobKey, 0, message.content.size);
  }
}
