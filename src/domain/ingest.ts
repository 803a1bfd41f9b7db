// Receiving mail: which recipients we accept, and storing a message for all of them.
// Knows nothing of SMTP: the SMTP adapter turns these answers into reply codes.
import { parseMail } from '../mail/parse.ts';
import type { AttachmentRecord, DeliveredMessage, MailboxRecord } from '../store/types.ts';
import { parseAddress } from './addresses.ts';
import type { ServiceContext } from './context.ts';
import { newMessageId, newSecret, newUuid } from './ids.ts';
import type { MessageBodies } from './message-bodies.ts';
import { newMessageEvent, newMessagePayloadJson } from './webhooks.ts';

export type RecipientVerdict =
  | { accepted: true; mailbox: MailboxRecord }
  | { accepted: false; reason: 'no_such_mailbox' | 'foreign_domain' | 'bad_address' };

export class IngestService {
  readonly #ctx: ServiceContext;
  readonly #bodies: MessageBodies;
  constructor(ctx: ServiceContext, bodies: MessageBodies) {
    this.#ctx = ctx;
    this.#bodies = bodies;
  }

  async checkRecipient(rawAddress: string): Promise<RecipientVerdict> {
    let address: string;
    let domain: string;
    try {
      ({ address, domain } = parseAddress(rawAddress));
    } catch {
      // A syntactically odd local part on one of our domains is still "no such mailbox".
      const at = rawAddress.lastIndexOf('@');
      domain = rawAddress.slice(at + 1).toLowerCase();
      if (at > 0 && (await this.#ctx.store.getDomain(domain)))
        return { accepted: false, reason: 'no_such_mailbox' };
      return { accepted: false, reason: 'bad_address' };
    }
    // A domain no longer hosted takes no mail, even for mailboxes still on it.
    if (!(await this.#ctx.store.getDomain(domain))) return { accepted: false, reason: 'foreign_domain' };
    const mailbox = await this.#ctx.store.getMailboxByAddress(address);
    if (mailbox && (mailbox.expiresAt === null || mailbox.expiresAt > this.#ctx.now())) {
      return { accepted: true, mailbox };
    }
    return { accepted: false, reason: 'no_such_mailbox' };
  }

  /**
   * Parses `raw` once and stores it for every recipient mailbox. Resolves only when the
   * message bytes and rows are durable; rejects if they could not be stored. Once `signal`
   * is aborted (the sender was told to retry) nothing more is stored; only a commit already
   * under way can still land.
   */
  async deliver(
    raw: Buffer,
    recipients: MailboxRecord[],
    envelopeFrom = '',
    signal?: AbortSignal,
  ): Promise<DeliveredMessage[]> {
    const parsed = await parseMail(raw, envelopeFrom);
    signal?.throwIfAborted();
    const blobKey = newSecret();
    const attachments: AttachmentRecord[] = [];
    let offset = raw.length;
    for (const a of parsed.attachments) {
      attachments.push({
        name: a.name,
        contentType: a.contentType,
        size: a.content.length,
        blobOffset: offset,
        contentId: a.contentId,
        inline: a.inline,
      });
      offset += a.content.length;
    }
    const chunks = [raw, ...parsed.attachments.map((a) => a.content)];
    // Small messages travel with their rows (one commit, one fsync for a whole batch of
    // deliveries); large ones go to the blob store first.
    const inlineBlob = offset <= this.#ctx.inlineMessageBytes ? Buffer.concat(chunks, offset) : undefined;
    const dropBlob = async () => {
      if (!inlineBlob) await this.#ctx.blobs.delete([blobKey]).catch(() => {});
    };
    // The text and document made from the HTML are stored with the message (for small mail with
    // a text part: on its first view), so that reading it never makes them again. Made in the
    // worker pool, bounded: a failure gives empty text.
    const [derived] = await Promise.all([
      this.#bodies.deriveAtIngest({ text: parsed.text, html: parsed.html, attachments }),
      inlineBlob ? undefined : this.#ctx.blobs.put(blobKey, chunks),
    ]);
    if (signal?.aborted) {
      await dropBlob();
      signal.throwIfAborted();
    }
    const receivedAt = this.#ctx.now();
    const content = {
      subject: parsed.subject,
      fromName: parsed.fromName,
      fromEmail: parsed.fromEmail,
      text: parsed.text,
      html: parsed.html,
      size: raw.length,
      blobKey,
      attachments,
    };
    // Each copy's webhook event is queued in the same commit (if its owner has a webhook).
    const copies = recipients.map((m) => {
      const uuid = newUuid();
      // Built only if the owner has a webhook: most mail is never pushed.
      const payload = () =>
        newMessagePayloadJson(
          m,
          { uuid, receivedAt, content },
          content.text || (derived?.htmlText ?? ''),
          derived?.json,
        );
      return {
        mailboxId: m.id,
        recipient: m.address,
        id: newMessageId(),
        uuid,
        webhook: { deliveryId: newUuid(), event: newMessageEvent, payload },
      };
    });
    let stored: DeliveredMessage[];
    try {
      stored = await this.#ctx.store.insertDelivery({
        inlineBlob,
        receivedAt,
        content,
        derived,
        recipients: copies,
      });
    } catch (err) {
      await dropBlob();
      throw err;
    }
    if (stored.length === 0) await dropBlob();
    for (const message of stored) {
      const mailbox = recipients.find((m) => m.id === message.mailboxId) as MailboxRecord;
      this.#ctx.events.publish('message.received', {
        mailbox,
        message,
        webhookQueued: message.webhookQueued,
      });
    }
    return stored;
  }
}
