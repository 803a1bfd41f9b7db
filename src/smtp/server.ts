// The SMTP listener: the MX for our domains. It answers RCPT from the recipient rules of the
// ingest service, reads DATA within the size limit, and replies 250 only after the message
// is durably stored (451 otherwise, so the sender retries).
import type { AddressInfo } from 'node:net';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerDataStream,
  type SMTPServerSession,
} from 'smtp-server';
import type { Config } from '../config/settings.ts';
import type { Logger } from '../domain/context.ts';
import type { IngestService } from '../domain/ingest.ts';
import type { MailboxRecord } from '../store/types.ts';
import { replies, type SmtpReply } from './replies.ts';

export type SmtpOptions = Config['smtp'];

export class SmtpListener {
  readonly #server: SMTPServer;
  readonly #ingest: IngestService;
  readonly #options: SmtpOptions;
  readonly #log: Logger;
  /** The mailbox each accepted RCPT resolved to (keyed by smtp-server's address object). */
  readonly #mailboxOf = new WeakMap<SMTPServerAddress, MailboxRecord>();
  #closing = false;

  constructor(ingest: IngestService, options: SmtpOptions, log: Logger) {
    this.#ingest = ingest;
    this.#options = options;
    this.#log = log;
    this.#server = new SMTPServer({
      name: options.hostname,
      banner: 'Burnbox ESMTP',
      size: options.maxMessageBytes,
      maxClients: options.maxClients,
      maxRecipients: options.maxRecipients,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      hideSTARTTLS: true,
      hideENHANCEDSTATUSCODES: true,
      disableReverseLookup: true,
      logger: false,
      onRcptTo: (address, _session, callback) => {
        this.#checkRecipient(address).then(
          () => callback(),
          (err: Error) => callback(err),
        );
      },
      onData: (stream, session, callback) => {
        this.#receive(stream, session).then(
          () => callback(null, replies.stored),
          (err: Error) => callback(err),
        );
      },
    });
  }

  async #checkRecipient(address: SMTPServerAddress): Promise<void> {
    if (this.#closing) throw replies.shuttingDown();
    const verdict = await this.#ingest.checkRecipient(address.address);
    if (verdict.accepted) {
      this.#mailboxOf.set(address, verdict.mailbox);
      return;
    }
    if (verdict.reason === 'foreign_domain') throw replies.relayDenied(address.address);
    if (verdict.reason === 'bad_address') throw replies.badAddress(address.address);
    throw replies.noSuchMailbox(address.address);
  }

  async #receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    // Past the limit the rest is only drained, not kept: the reply is 552 anyway, and keeping it
    // would let one client fill our memory with an endless DATA.
    for await (const chunk of stream) if (!stream.sizeExceeded) chunks.push(chunk as Buffer);
    if (stream.sizeExceeded) throw replies.tooBig(this.#options.maxMessageBytes);
    const mailboxes = new Map<number, MailboxRecord>();
    for (const rcpt of session.envelope.rcptTo) {
      const mailbox = this.#mailboxOf.get(rcpt);
      if (mailbox) mailboxes.set(mailbox.id, mailbox);
    }
    const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const raw = Buffer.concat(chunks);
    let timer: NodeJS.Timeout | undefined;
    // On timeout the sender is told to retry, so the late delivery is abandoned (not a duplicate).
    const abandon = new AbortController();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abandon.abort(replies.storeTimeout());
        reject(replies.storeTimeout());
      }, this.#options.storeTimeoutMs);
    });
    try {
      await Promise.race([this.#ingest.deliver(raw, [...mailboxes.values()], from, abandon.signal), timeout]);
    } catch (err) {
      if ((err as SmtpReply).responseCode) throw err;
      this.#log.error({ err, session: session.id }, 'storing a received message failed');
      throw replies.storeFailed();
    } finally {
      clearTimeout(timer);
    }
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', reject);
        // Logged only from here on: a failed listen is the caller's to report, in one line.
        this.#server.on('error', (err) => this.#log.warn({ err }, 'smtp connection error'));
        resolve();
      });
    });
    return (this.#server.server.address() as AddressInfo).port;
  }

  /** Stops accepting connections and waits for transactions in progress to finish. */
  async close(): Promise<void> {
    this.#closing = true;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
