// One log line per SMTP transaction (MAIL FROM to the reply after DATA, or to whatever ended it:
// RSET, the next MAIL FROM, QUIT or a dropped connection), at `info`: who sent (client address,
// HELO name, envelope sender), each recipient with what became of it, the size, the TLS in use
// and how long storing took. An operator asking "why did this mail not arrive" greps for it.
import type { SMTPServerSession } from 'smtp-server';
import type { Logger } from '../domain/context.ts';
import type { SmtpReply } from './replies.ts';

/** What was said to one recipient: `accepted` (no DATA followed), `250 stored`, or `<code> <reason>`. */
interface RecipientLine {
  to: string;
  verdict: string;
}

interface Transaction {
  from: string;
  recipients: RecipientLine[];
  /** Bytes of DATA received (also when refused as too big); null when no DATA came. */
  size: number | null;
  /** Milliseconds from the end of DATA to the reply; null when nothing was stored. */
  storeMs: number | null;
  /** What ended it: `250 stored`, `<code> <reason>`, `aborted` (DATA not read), or `ended` (no DATA). */
  result: string;
}

export const verdictOf = (reply: SmtpReply): string => `${reply.responseCode} ${reply.reason}`;

/** The TLS protocol and cipher of a session, or null for plain text. */
export function tlsOfSession(session: SMTPServerSession): { protocol: string; cipher: string } | null {
  const tls = session.secure ? session.tlsOptions : false;
  if (!tls) return null;
  return { protocol: tls.version, cipher: tls.standardName || tls.name };
}

export class TransactionLog {
  readonly #log: Logger;
  readonly #open = new Map<string, { session: SMTPServerSession; transaction: Transaction }>();

  constructor(log: Logger) {
    this.#log = log;
  }

  /** MAIL FROM: a new transaction (the one before, if still open, ended without DATA). */
  mailFrom(session: SMTPServerSession, from: string, refusal: SmtpReply | undefined): void {
    this.closed(session);
    const transaction: Transaction = { from, recipients: [], size: null, storeMs: null, result: 'ended' };
    if (refusal) {
      transaction.result = verdictOf(refusal);
      this.#write(session, transaction);
      return;
    }
    this.#open.set(session.id, { session, transaction });
  }

  recipient(session: SMTPServerSession, to: string, refusal: SmtpReply | undefined): void {
    const open = this.#open.get(session.id);
    open?.transaction.recipients.push({ to, verdict: refusal ? verdictOf(refusal) : 'accepted' });
  }

  /**
   * The end of DATA: the reply (`stored`, one of ours, or `aborted` when the message could not
   * be read, e.g. the client left) is every accepted recipient's verdict, and ends the transaction.
   */
  data(
    session: SMTPServerSession,
    outcome: { size: number; storeMs: number | null; reply: 'stored' | 'aborted' | SmtpReply },
  ): void {
    const open = this.#open.get(session.id);
    if (!open) return;
    this.#open.delete(session.id);
    const { transaction } = open;
    transaction.size = outcome.size;
    transaction.storeMs = outcome.storeMs;
    const { reply } = outcome;
    transaction.result =
      reply === 'stored' ? '250 stored' : reply === 'aborted' ? 'aborted' : verdictOf(reply);
    for (const r of transaction.recipients) if (r.verdict === 'accepted') r.verdict = transaction.result;
    this.#write(session, transaction);
  }

  /** The session ended (or a new transaction began): a transaction still open is written as it stands. */
  closed(session: SMTPServerSession): void {
    const open = this.#open.get(session.id);
    if (!open) return;
    this.#open.delete(session.id);
    this.#write(session, open.transaction);
  }

  #write(session: SMTPServerSession, t: Transaction): void {
    const tls = tlsOfSession(session);
    this.#log.info(
      {
        session: session.id,
        client: session.remoteAddress,
        helo: session.hostNameAppearsAs || null,
        from: t.from,
        recipients: t.recipients,
        size: t.size,
        tls: tls?.protocol ?? null,
        cipher: tls?.cipher ?? null,
        storeMs: t.storeMs,
        result: t.result,
      },
      'smtp transaction',
    );
  }
}
