// Receiving mail: which recipients we accept, and storing a message for all of them.
// Knows nothing of SMTP: the SMTP adapter turns these answers into reply codes.
import { createReadStream } from 'node:fs';
import { AttachmentsInFile, AttachmentsInMemory, type StagedAttachments } from '../mail/attachment-sinks.ts';
import { parseMail } from '../mail/parse.ts';
import type {
  AttachmentRecord,
  CustomDomainRecord,
  DeliveredMessage,
  MailboxRecord,
  TlsUse,
} from '../store/types.ts';
import { parseAddress } from './addresses.ts';
import type { ServiceContext } from './context.ts';
import type { CustomDomainService } from './custom-domains.ts';
import type { ExtractionService } from './extraction.ts';
import { newMessageId, newSecret, newUuid } from './ids.ts';
import { isLiveAt } from './mailboxes.ts';
import type { MessageBodies } from './message-bodies.ts';
import { isOperatorLocalPart, type OperatorMailboxService } from './operator-mailboxes.ts';
import type { SenderAuthService } from './sender-auth.ts';
import { newMessageEvent, newMessagePayloadJson } from './webhooks.ts';

export type RecipientVerdict =
  | {
      accepted: true;
      mailbox: MailboxRecord;
      /** The address as sent, kept as the copy's recipient: `name+tag@domain` for `name@domain`. */
      recipient: string;
    }
  | { accepted: false; reason: 'no_such_mailbox' | 'foreign_domain' | 'bad_address' };

/**
 * A large message written to a file while it was received. The file belongs to the caller, who
 * removes it once `deliver` has settled; `deliver` only reads it (and uses `<file>.parts`, next
 * to it, for the decoded attachments, which it removes itself).
 */
export interface SpooledMessage {
  file: string;
  size: number;
}

/** Where a message came from: the SMTP client's address and HELO name (for checking its sender). */
export interface Connection {
  clientIp: string;
  helo: string;
}

/** The raw bytes of a received message: in memory, or spooled to a file. */
export type RawMessage = Buffer | SpooledMessage;

/** A mailbox a delivery is for, and the address it was sent to when that is not the mailbox's own. */
export type DeliveryTarget = MailboxRecord & { recipient?: string };

/**
 * Plus addressing: `name+anything@domain` is delivered to `name@domain`. The tag may hold what
 * RFC 5322 allows in an unquoted local part, except that the part before it must be a valid name.
 */
const taggedLocalPart = /^([^+]+)\+([a-z0-9!#$%&'*+/=?^_`{|}~.-]*)$/;

/** Reading buffer of a spooled message being copied to the blob store. */
const spoolReadBytes = 1024 * 1024;

export class IngestService {
  readonly #ctx: ServiceContext;
  readonly #bodies: MessageBodies;
  readonly #operators: OperatorMailboxService;
  readonly #extraction: ExtractionService;
  readonly #customDomains: CustomDomainService;
  readonly #senderAuth: SenderAuthService;
  constructor(
    ctx: ServiceContext,
    bodies: MessageBodies,
    operators: OperatorMailboxService,
    extraction: ExtractionService,
    customDomains: CustomDomainService,
    senderAuth: SenderAuthService,
  ) {
    this.#ctx = ctx;
    this.#bodies = bodies;
    this.#operators = operators;
    this.#extraction = extraction;
    this.#customDomains = customDomains;
    this.#senderAuth = senderAuth;
  }

  /**
   * Whether mail to `domain` is ours: an operator's domain, or a user's verified custom domain
   * (then its claim, for the catch-all). Read from the store on every RCPT, never cached, so a
   * domain verified or removed by any process takes or refuses mail at once.
   */
  async #hosting(domain: string): Promise<{ hosted: boolean; custom?: CustomDomainRecord }> {
    if (await this.#ctx.store.getDomain(domain)) return { hosted: true };
    const custom = await this.#customDomains.hosting(domain);
    return custom ? { hosted: true, custom } : { hosted: false };
  }

  async checkRecipient(rawAddress: string): Promise<RecipientVerdict> {
    // RFC 5321 §4.1.1.3: the domainless postmaster is accepted too.
    if (rawAddress.toLowerCase() === 'postmaster') {
      const home = await this.#operators.defaultDomain();
      if (!home) return { accepted: false, reason: 'no_such_mailbox' };
      const mailbox = await this.#operators.mailboxFor('postmaster', home);
      return { accepted: true, mailbox, recipient: mailbox.address };
    }
    const at = rawAddress.lastIndexOf('@');
    const tagged = taggedLocalPart.exec(rawAddress.slice(0, Math.max(at, 0)).toLowerCase());
    if (tagged && at > 0) {
      const verdict = await this.#checkUntagged(`${tagged[1]}@${rawAddress.slice(at + 1)}`);
      if (!verdict.accepted) return verdict;
      // The domain as sent (a catch-all mailbox may live on another domain).
      const domain = verdict.recipient.slice(verdict.recipient.lastIndexOf('@') + 1);
      const recipient = `${tagged[1]}+${tagged[2]}@${domain}`;
      return recipient.length <= 320 ? { ...verdict, recipient } : { accepted: false, reason: 'bad_address' };
    }
    return this.#checkUntagged(rawAddress);
  }

  async #checkUntagged(rawAddress: string): Promise<RecipientVerdict> {
    let local: string;
    let address: string;
    let domain: string;
    try {
      ({ local, address, domain } = parseAddress(rawAddress));
    } catch {
      // A syntactically odd local part on one of our domains is still "no such mailbox".
      const at = rawAddress.lastIndexOf('@');
      domain = rawAddress.slice(at + 1).toLowerCase();
      if (at > 0 && (await this.#hosting(domain)).hosted)
        return { accepted: false, reason: 'no_such_mailbox' };
      return { accepted: false, reason: 'bad_address' };
    }
    // A domain no longer hosted takes no mail, even for mailboxes still on it; nor does a custom
    // domain before it is verified.
    const { hosted, custom } = await this.#hosting(domain);
    if (!hosted) return { accepted: false, reason: 'foreign_domain' };
    const mailbox = await this.#ctx.store.getMailboxByAddress(address);
    if (mailbox && isLiveAt(mailbox, this.#ctx.now())) {
      return { accepted: true, mailbox, recipient: mailbox.address };
    }
    // postmaster@ and abuse@ of every hosted domain take mail, for the operator to read.
    if (isOperatorLocalPart(local)) {
      const operatorMailbox = await this.#operators.mailboxFor(local, domain);
      return { accepted: true, mailbox: operatorMailbox, recipient: operatorMailbox.address };
    }
    // A custom domain's catch-all takes mail for every other address on it.
    const catchAll = custom && (await this.#customDomains.catchAllOf(custom));
    if (catchAll) return { accepted: true, mailbox: catchAll, recipient: address };
    return { accepted: false, reason: 'no_such_mailbox' };
  }

  /**
   * Parses `raw` once and stores it for every recipient mailbox. Resolves only when the
   * message bytes and rows are durable; rejects if they could not be stored. Once `signal`
   * is aborted (the sender was told to retry) nothing more is stored; only a commit already
   * under way can still land. `tls` is the TLS the sender used (null: plain text), kept with it.
   * With a `connection`, the sender is checked right after the commit (never before it: see
   * sender-auth.ts).
   */
  async deliver(
    raw: RawMessage,
    recipients: DeliveryTarget[],
    envelopeFrom = '',
    signal?: AbortSignal,
    tls: TlsUse | null = null,
    connection?: Connection,
  ): Promise<DeliveredMessage[]> {
    const staged: StagedAttachments = Buffer.isBuffer(raw)
      ? new AttachmentsInMemory()
      : new AttachmentsInFile(`${raw.file}.parts`);
    this.#senderAuth.ingestStarted();
    try {
      return await this.#deliver(raw, staged, recipients, envelopeFrom, signal, tls, connection);
    } finally {
      this.#senderAuth.ingestEnded();
      await staged.discard();
    }
  }

  async #deliver(
    raw: RawMessage,
    staged: StagedAttachments,
    recipients: DeliveryTarget[],
    envelopeFrom: string,
    signal: AbortSignal | undefined,
    tls: TlsUse | null,
    connection: Connection | undefined,
  ): Promise<DeliveredMessage[]> {
    const parsed = await parseMail(Buffer.isBuffer(raw) ? raw : { file: raw.file }, envelopeFrom, staged);
    signal?.throwIfAborted();
    const rawSize = Buffer.isBuffer(raw) ? raw.length : raw.size;
    const blobKey = newSecret();
    const attachments: AttachmentRecord[] = [];
    let offset = rawSize;
    for (const a of parsed.attachments) {
      attachments.push({
        name: a.name,
        contentType: a.contentType,
        size: a.size,
        blobOffset: offset,
        contentId: a.contentId,
        inline: a.inline,
      });
      offset += a.size;
    }
    // The blob: the raw message, then each attachment's decoded bytes (a failed parse left none
    // to keep). A spooled message is copied from its file, never held whole.
    const blobChunks = async function* () {
      if (Buffer.isBuffer(raw)) yield raw;
      else yield* createReadStream(raw.file, { highWaterMark: spoolReadBytes });
      if (attachments.length > 0) yield* staged.chunks();
    };
    // Small messages travel with their rows (one commit, one fsync for a whole batch of
    // deliveries); large ones go to the blob store first.
    const inlineBlob =
      offset <= this.#ctx.inlineMessageBytes ? await collect(blobChunks(), offset) : undefined;
    const dropBlob = async () => {
      if (!inlineBlob) await this.#ctx.blobs.delete([blobKey]).catch(() => {});
    };
    // The text and document made from the HTML are stored with the message (for small mail with
    // a text part: on its first view), so that reading it never makes them again. Made in the
    // worker pool, bounded: a failure gives empty text.
    // Codes and links are read once, now (big mail's in the pool meanwhile), and kept with the
    // mail shared by every copy.
    const [derived, extraction] = await Promise.all([
      this.#bodies.deriveAtIngest({ text: parsed.text, html: parsed.html, attachments }),
      this.#extraction.atIngest({ subject: parsed.subject, text: parsed.text, html: parsed.html }),
      inlineBlob ? undefined : this.#ctx.blobs.put(blobKey, blobChunks()),
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
      size: rawSize,
      blobKey,
      attachments,
      tls,
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
        recipient: m.recipient ?? m.address,
        id: newMessageId(),
        uuid,
        webhook: { deliveryId: newUuid(), event: newMessageEvent, payload },
      };
    });
    const arrival = connection && { ...connection, envelopeFrom };
    let stored: DeliveredMessage[];
    try {
      stored = await this.#ctx.store.insertDelivery({
        inlineBlob,
        receivedAt,
        content,
        derived,
        extraction,
        senderAuth: this.#senderAuth.arrivalOf(arrival, parsed.fromEmail),
        recipients: copies,
      });
    } catch (err) {
      await dropBlob();
      throw err;
    }
    if (stored.length === 0) await dropBlob();
    else if (arrival) {
      this.#senderAuth.afterStore(
        stored.map((m) => m.id),
        { blobKey, size: rawSize, arrival, raw: Buffer.isBuffer(raw) ? raw : undefined },
      );
    }
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

async function collect(chunks: AsyncIterable<Buffer>, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts, size);
}
