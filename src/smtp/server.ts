// The SMTP listener: the MX for our domains. It answers RCPT from the recipient rules of the
// ingest service, reads DATA within the size limit (large messages into a spool file, all of
// them within the bytes-in-flight budget), and replies 250 only after the message is durably
// stored (451 otherwise, so the sender retries). Session limits keep one client from holding
// every connection. With a certificate it offers STARTTLS; every transaction is logged in one
// line and counted in the metrics.
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
import type { BurnboxMetrics } from '../metrics/metrics.ts';
import { isOutOfSpace } from '../store/out-of-space.ts';
import { ByteBudget } from './byte-budget.ts';
import { readIncoming } from './incoming-message.ts';
import { replies, SmtpReply } from './replies.ts';
import { SessionLimits } from './session-limits.ts';
import { Spool } from './spool.ts';
import {
  type TlsCredentials,
  TlsFileWatcher,
  type TlsWatchOptions,
  tlsMinVersion,
} from './tls-credentials.ts';
import { TransactionLog, tlsOfSession } from './transaction-log.ts';

export type SmtpOptions = Config['smtp'];

export interface SmtpExtras {
  metrics: BurnboxMetrics;
  /** Read (and checked) from the files of `options.tls` at start: STARTTLS is offered with them. */
  tls?: TlsCredentials;
  /** How often the TLS files are looked at for a renewal (tests look often). */
  tlsWatch?: TlsWatchOptions;
}

/** The reply an error stands for, when it is one of ours. */
const replyOf = (err: unknown): SmtpReply | undefined => (err instanceof SmtpReply ? err : undefined);

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
  readonly #metrics: BurnboxMetrics;
  readonly #transactions: TransactionLog;
  readonly #tlsWatcher: TlsFileWatcher | undefined;
  #closing = false;

  constructor(ingest: IngestService, options: SmtpOptions, log: Logger, extras: SmtpExtras) {
    this.#ingest = ingest;
    this.#options = options;
    this.#log = log;
    this.#metrics = extras.metrics;
    this.#transactions = new TransactionLog(log);
    this.#spool = new Spool(options.spoolDir);
    this.#budget = new ByteBudget(options.maxBytesInFlight);
    this.#limits = new SessionLimits(options, () => this.#server);
    const { tls } = extras;
    // A renewed certificate is used by the next STARTTLS; sessions already upgraded keep theirs.
    this.#tlsWatcher =
      tls && options.tls
        ? new TlsFileWatcher(
            options.tls,
            (c) => this.#server.updateSecureContext({ key: c.key, cert: c.cert }),
            log,
            extras.tlsWatch,
          )
        : undefined;
    this.#server = new SMTPServer({
      name: options.hostname,
      // smtp-server says "ESMTP" itself: "220 <hostname> ESMTP Burnbox".
      banner: 'Burnbox',
      size: options.maxMessageBytes,
      maxClients: options.maxClients,
      maxRecipients: options.maxRecipients,
      authOptional: true,
      // Without a certificate there is no STARTTLS at all (smtp-server's built-in one is a
      // placeholder for localhost that no sender should be offered).
      disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
      hideSTARTTLS: !tls,
      ...(tls ? { key: tls.key, cert: tls.cert, minVersion: tlsMinVersion } : {}),
      hideENHANCEDSTATUSCODES: true,
      disableReverseLookup: true,
      logger: false,
      onConnect: (session, callback) => {
        callback(this.#refused(this.#closing ? replies.shuttingDown() : this.#limits.connected(session)));
      },
      onClose: (session) => {
        this.#transactions.closed(session);
        this.#limits.closed(session);
      },
      onMailFrom: (address, session, callback) => {
        const refusal = this.#limits.transactionStarts(session) ?? this.#checkDeclaredSize(address);
        this.#transactions.mailFrom(session, address.address, refusal);
        callback(this.#refused(refusal));
      },
      onRcptTo: (address, session, callback) => {
        this.#checkRecipient(address).then(
          () => {
            this.#transactions.recipient(session, address.address, undefined);
            callback();
          },
          (err: Error) => {
            this.#transactions.recipient(session, address.address, replyOf(err));
            callback(this.#refused(err));
          },
        );
      },
      onData: (stream, session, callback) => {
        const timing = { storeMs: null as number | null };
        this.#receive(stream, session, timing).then(
          () => {
            this.#metrics.messagesReceived.inc();
            this.#transactions.data(session, {
              size: stream.byteLength,
              storeMs: timing.storeMs,
              reply: 'stored',
            });
            callback(null, replies.stored);
            this.#limits.stored(session);
          },
          (err: Error) => {
            this.#transactions.data(session, {
              size: stream.byteLength,
              storeMs: timing.storeMs,
              reply: replyOf(err) ?? 'aborted',
            });
            callback(this.#refused(err));
            this.#limits.stored(session);
          },
        );
      },
    });
    this.#metrics.source('smtpSessionsOpen', () => this.#server.connections.size);
  }

  /** Counts a refusal of ours in the metrics; passes the error (or nothing) on unchanged. */
  #refused<E extends Error | undefined>(err: E): E {
    const reply = replyOf(err);
    if (reply) this.#metrics.smtpRefused(reply.reason);
    return err;
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

  async #receive(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    timing: { storeMs: number | null },
  ): Promise<void> {
    const read = await readIncoming(stream, {
      spool: this.#spool,
      spoolBytes: this.#options.spoolBytes,
      budget: this.#budget,
    });
    if (read.outcome === 'too_big') throw replies.tooBig(this.#options.maxMessageBytes);
    if (read.outcome === 'over_budget') throw replies.busy();
    if (read.outcome === 'spool_failed') throw this.#storeFailure(read.error, session);
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
    const started = performance.now();
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; SPF wants a.b.c.d.
    const clientIp = session.remoteAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
    const connection = { clientIp, helo: session.hostNameAppearsAs ?? '' };
    const delivery = this.#ingest.deliver(
      message.raw,
      [...mailboxes.values()],
      from,
      abandon.signal,
      tlsOfSession(session),
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
      throw this.#storeFailure(err, session);
    } finally {
      const storeMs = performance.now() - started;
      timing.storeMs = Math.round(storeMs);
      this.#metrics.storeDuration.observe(storeMs / 1000);
      clearTimeout(timer);
      // Answered once the spool file is gone, unless the sender is being told about a timeout.
      if (!timedOut) await released;
    }
  }

  /** The reply to a message that could not be stored (logged): 452 when out of space, else 451. */
  #storeFailure(err: unknown, session: SMTPServerSession): SmtpReply {
    if (isOutOfSpace(err)) {
      this.#log.warn({ err, session: session.id }, 'no space left to store a received message');
      return replies.storageFull();
    }
    this.#log.error({ err, session: session.id }, 'storing a received message failed');
    return replies.storeFailed();
  }

  async listen(): Promise<number> {
    await this.#spool.prepare();
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', reject);
        // Logged only from here on: a failed listen is the caller's to report, in one line.
        this.#server.on('error', (err) => this.#log.warn({ err }, 'smtp connection error'));
        this.#tlsWatcher?.start();
        resolve();
      });
    });
    return (this.#server.server.address() as AddressInfo).port;
  }

  /** Reads the TLS files now (SIGHUP); false when there are none or they fail their checks. */
  reloadTls(): boolean {
    return this.#tlsWatcher?.reload() ?? false;
  }

  /** Stops accepting connections and waits for transactions in progress to finish. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#tlsWatcher?.stop();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#limits.clear();
  }
}
