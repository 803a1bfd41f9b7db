// Limits that keep one client from holding the SMTP service: connections per client address,
// the length of a session, and transactions per session. Each refusal is a 421 and a closed
// connection (the client may come back), chosen in replies.ts.
import ipaddr from 'ipaddr.js';
import type { SMTPServer, SMTPServerSession } from 'smtp-server';
import { replies, type SmtpReply } from './replies.ts';

export interface SessionLimitOptions {
  maxClientsPerAddress: number;
  maxSessionMs: number;
  maxMessagesPerSession: number;
}

interface SessionState {
  client: string;
  timer: NodeJS.Timeout;
  transactions: number;
  /** A message is being stored: its reply comes first, the session ends after it. */
  storing: boolean;
  expired: boolean;
}

/**
 * The client a connection counts against: its IPv4 address, or the /64 of its IPv6 address
 * (one host usually holds a whole /64, so single IPv6 addresses would be no limit at all).
 */
export function clientOf(remoteAddress: string): string {
  if (!ipaddr.isValid(remoteAddress)) return remoteAddress;
  let ip = ipaddr.parse(remoteAddress);
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    if (!v6.isIPv4MappedAddress()) return `${v6.toNormalizedString().split(':').slice(0, 4).join(':')}::/64`;
    ip = v6.toIPv4Address();
  }
  return ip.toString();
}

export class SessionLimits {
  readonly #options: SessionLimitOptions;
  readonly #server: () => SMTPServer;
  readonly #perClient = new Map<string, number>();
  readonly #sessions = new Map<string, SessionState>();

  /** `server` gives the server whose connections these are (to close one whose time is up). */
  constructor(options: SessionLimitOptions, server: () => SMTPServer) {
    this.#options = options;
    this.#server = server;
  }

  /** A new connection: the reply refusing it, or undefined (it is then counted). */
  connected(session: SMTPServerSession): SmtpReply | undefined {
    const client = clientOf(session.remoteAddress);
    const count = this.#perClient.get(client) ?? 0;
    if (count >= this.#options.maxClientsPerAddress) return replies.tooManyConnections();
    this.#perClient.set(client, count + 1);
    const state: SessionState = {
      client,
      transactions: 0,
      storing: false,
      expired: false,
      timer: setTimeout(() => this.#expire(session), this.#options.maxSessionMs),
    };
    // The session must not keep the process alive at shutdown.
    state.timer.unref();
    this.#sessions.set(session.id, state);
    return undefined;
  }

  /** The connection closed (whatever the reason; also for connections refused above). */
  closed(session: SMTPServerSession): void {
    const state = this.#sessions.get(session.id);
    if (!state) return;
    this.#sessions.delete(session.id);
    clearTimeout(state.timer);
    const left = (this.#perClient.get(state.client) ?? 1) - 1;
    if (left > 0) this.#perClient.set(state.client, left);
    else this.#perClient.delete(state.client);
  }

  /** MAIL FROM: the reply refusing a transaction past the cap (or a session out of time). */
  transactionStarts(session: SMTPServerSession): SmtpReply | undefined {
    const state = this.#sessions.get(session.id);
    if (!state) return undefined;
    if (state.expired) return replies.sessionTooLong();
    if (state.transactions >= this.#options.maxMessagesPerSession) return replies.tooManyMessages();
    state.transactions++;
    return undefined;
  }

  /** The message is in and being stored: a session running out of time waits for its reply. */
  storing(session: SMTPServerSession): void {
    const state = this.#sessions.get(session.id);
    if (state) state.storing = true;
  }

  /** The reply to a stored (or refused) message has been given. */
  stored(session: SMTPServerSession): void {
    const state = this.#sessions.get(session.id);
    if (!state) return;
    state.storing = false;
    // After the reply now being written, not before it.
    if (state.expired) setImmediate(() => this.#end(session, replies.sessionTooLong()));
  }

  #expire(session: SMTPServerSession): void {
    const state = this.#sessions.get(session.id);
    if (!state) return;
    state.expired = true;
    if (!state.storing) this.#end(session, replies.sessionTooLong());
  }

  /** Says `reply` (a 421) on the session's connection, which smtp-server then closes. */
  #end(session: SMTPServerSession, reply: SmtpReply): void {
    for (const connection of this.#server().connections) {
      if (connection.session === session) connection.send(reply.responseCode, reply.message);
    }
  }

  /** Stops the timers (the server is closing). */
  clear(): void {
    for (const state of this.#sessions.values()) clearTimeout(state.timer);
  }
}
