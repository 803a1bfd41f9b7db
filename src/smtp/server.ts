// The SMTP listener: the MX for our domains. It answers RCPT from the recipient rules of the
// ingest service, reads DATA within the size limit (large messages into a spool file, all of
// them within the bytes-in-flight budget), and replies 250 only after the message is durably
// stored (451 otherwise, so the sender retries). Session limits keep one client from holding
// every connection.
import type { AddressInfo } from 'node:net';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerDataStream,
  type SMTPServerSession,
} from 'smtp-server';
import type { Config } from '../config/settings.ts';
import type { Logger } from '../domain/context.ts';
import type { DeliveryTarget, IngestService, RecipientVerdict } from '../domain/ingest.ts';
import { ByteBudget } from './byte-budget.ts';
import { readIncoming } from './incoming-message.ts';
import { replies, type SmtpReply } from './replies.ts';
import { SessionLimits } from './session-limits.ts';
import { Spool } from './spool.ts';

export type SmtpOptions = Config['smtp'];

export class SmtpListener {
  readonly #server: SMTPServer;
  readonly #ingest: IngestService;
  readonly #options: SmtpOptions;
  readonly #log: Logger;
  /** The mailbox each accepted RCPT resolved to, and its address as sent (keyed by smtp-server's address object). */
  readonly #targetOf = new WeakMap<SMTPServerAddress, DeliveryTarget>();
  readonly #spool: Spool;
  readonly #budget: ByteBudget;
  readonly #limits: SessionLimits;
  #closing = false;

  constructor(ingest: IngestService, options: SmtpOptions, log: Logger) {
    this.#ingest = ingest;
    this.#options = options;
    this.#log = log;
    this.#spool = new Spool(options.spoolDir);
    this.#budget = new ByteBudget(options.maxBytesInFlight);
    this.#limits = new SessionLimits(options, () => this.#server);
    this.#server = new SMTPServer({
      name: options.hostname,
      // smtp-server says "ESMTP" itself: "220 <hostname> ESMTP Burnbox".
      banner: 'Burnbox',
      size: options.maxMessageBytes,
      maxClients: options.maxClients,
      maxRecipients: options.maxRecipients,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      hideSTARTTLS: true,
      hideENHANCEDSTATUSCODES: true,
      disableReverseLookup: true,
      logger: false,
      onConnect: (session, callback) => {
        callback(this.#closing ? replies.shuttingDown() : this.#limits.connected(session));
      },
      onClose: (session) => this.#limits.closed(session),
      onMailFrom: (address, session, callback) => {
        callback(this.#limits.transactionStarts(session) ?? this.#checkDeclaredSize(address));
      },
      onRcptTo: (address, _session, callback) => {
        this.#checkRecipient(address).then(
          () => callback(),
          (err: Error) => callback(err),
        );
      },
      onData: (stream, session, callback) => {
        this.#receive(stream, session).then(
          () => {
            callback(null, replies.stored);
            this.#limits.stored(session);
          },
          (err: Error) => {
            callback(err);
            this.#limits.stored(session);
          },
        );
      },
    });
  }

  async #checkRecipient(address: SMTPServerAddress): Promise<void> {
    if (this.#closing) throw replies.shuttingDown();
    let verdict: RecipientVerdict;
    try {
      verdict = await this.#ingest.checkRecipient(address.address);
    } catch (err) {
      // The store failing (or an operator mailbox that could not be made) is no reason to
      // refuse the recipient for good.
      this.#log.error({ err }, 'checking a recipient failed');
      throw replies.recipientCheckFailed();
    }
    if (verdict.accepted) {
      this.#targetOf.set(address, { ...verdict.mailbox, recipient: verdict.recipient });
      return;
    }
    if (verdict.reason === 'foreign_domain') throw replies.relayDenied(address.address);
    if (verdict.reason === 'bad_address') throw replies.badAddress(address.address);
    throw replies.noSuchMailbox(address.address);
  }

  /** A sender that declares its size (SIZE=) is told at once when that does not fit now. */
  #checkDeclaredSize(address: SMTPServerAddress): SmtpReply | undefined {
    const declared = address.args ? Number(address.args.SIZE ?? 0) : 0;
    return declared > 0 && !this.#budget.fits(declared) ? replies.busyForSize() : undefined;
  }

  async #receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const read = await readIncoming(stream, {
      spool: this.#spool,
      spoolBytes: this.#options.spoolBytes,
      budget: this.#budget,
    });
    if (read.outcome === 'too_big') throw replies.tooBig(this.#options.maxMessageBytes);
    if (read.outcome === 'over_budget') throw replies.busy();
    const { message } = read;
    this.#limits.storing(session);
    // One copy per mailbox and address: name+a@ and name+b@ each get theirs in mailbox name@.
    const mailboxes = new Map<string, DeliveryTarget>();
    for (const rcpt of session.envelope.rcptTo) {
      const target = this.#targetOf.get(rcpt);
      if (target) mailboxes.set(`${target.id} ${target.recipient}`, target);
    }
    const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    // On timeout the sender is told to retry, so the late delivery is abandoned (not a duplicate).
    const abandon = new AbortController();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        abandon.abort(replies.storeTimeout());
        reject(replies.storeTimeout());
      }, this.#options.storeTimeoutMs);
    });
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; SPF wants a.b.c.d.
    const clientIp = session.remoteAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
    const connection = { clientIp, helo: session.hostNameAppearsAs ?? '' };
    const delivery = this.#ingest.deliver(
      message.raw,
      [...mailboxes.values()],
      from,
      abandon.signal,
      connection,
    );
    // The bytes stay counted, and the spool file stays, until the delivery has settled, even
    // one abandoned after a timeout (it may still be reading the file).
    const released = delivery.then(
      () => message.release(),
      () => message.release(),
    );
    try {
      await Promise.race([delivery, timeout]);
    } catch (err) {
      if ((err as SmtpReply).responseCode) throw err;
      this.#log.error({ err, session: session.id }, 'storing a received message failed');
      throw replies.storeFailed();
    } finally {
      clearTimeout(timer);
      // Answered once the spool file is gone, unless the sender is being told about a timeout.
      if (!timedOut) await released;
    }
  }

  async listen(): Promise<number> {
    await this.#spool.prepare();
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
    this.#limits.clear();
  }
}
