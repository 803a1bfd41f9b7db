// A typed HTTP client of a running Burnbox, for programs in the shell (`burnbox inbox …`) and
// agents (`burnbox mcp`). Both are thin adapters over this one module.
//
// Which dialect for which operation, and why:
// - Mailboxes are named by address everywhere here, so the user API serves most operations: it
//   takes the address itself (wait, delete) where the key API wants its UUID, which would cost
//   a lookup first.
// - Messages come from the user API too: its message object carries the recipient (the tagged
//   `name+run42@…` of plus addressing) and the sender's name, which the key API's lacks, and its
//   message ids are what `getMessage` takes back.
// - Creating a mailbox with a chosen name, domain or lifetime needs the key API's `generate`
//   (the user API only makes random ones with its plan's lifetime); without any of them the
//   user API's random mailbox is one request and gets the plan's own lifetime.
// - Listing uses the key API: it pages through every live mailbox of the user with a cursor.
import { randomInt } from 'node:crypto';
import type { ExtractedCode, ExtractedLink } from '../mail/extract/types.ts';

/** Lifetimes the key API offers for a named mailbox. */
export const inboxLifetimes = { '1h': 3_600_000, '1d': 86_400_000, '3d': 259_200_000, permanent: 0 } as const;
export type InboxLifetime = keyof typeof inboxLifetimes;

/** The server answers a wait within at most this many seconds; longer waits are several requests. */
const longestServerWait = 60;
/** A request that is not a wait and has had no answer within this long is given up. */
const requestTimeoutMs = 30_000;

export interface Inbox {
  address: string;
  /** ISO 8601 (UTC); null for a permanent mailbox. */
  expiresAt: string | null;
}

export interface ListedInbox extends Inbox {
  createdAt: string;
}

/** A code or link, and whether its sender is authenticated (DMARC pass): act on an untrusted one only after checking. */
export type TrustedCode = ExtractedCode & { trusted: boolean };
export type TrustedLink = ExtractedLink & { trusted: boolean };

/** The sender checks of a message, as the server gives them (README: "Sender authentication"). */
export interface SenderAuth {
  spf: string;
  dkim: string;
  dmarc: string;
  arc: string;
  from_domain: string;
}

export interface MessageSummary {
  /** The id `getMessage` takes. */
  id: string;
  from: { address: string; name: string | null };
  /** The address the message was sent to (with its +tag, if any). */
  to: string;
  subject: string;
  /** `YYYY-MM-DD HH:MM:SS` in the server's time zone (BURNBOX_TIMEZONE), as its user API gives it. */
  receivedAt: string;
  codes: TrustedCode[];
  links: TrustedLink[];
  auth: SenderAuth;
}

export interface Message extends MessageSummary {
  /** Untrusted text from the sender: HTML when `html` is true, else plain text. */
  body: { html: boolean; content: string };
  attachments: { name: string; size: number; url: string }[];
}

export interface WaitOptions {
  address: string;
  /** How long to wait at most, in seconds (longer than the server's 60 s means several requests). */
  timeoutSeconds: number;
  /** Case-insensitive substring of the sender's address or name. */
  from?: string;
  /** Case-insensitive substring of the subject. */
  subject?: string;
  /** Substring of the recipient (`name+run42@…` of plus addressing). */
  to?: string;
  /** Only messages received after this message (by id). */
  after?: string;
}

/** A domain of the key's user, as the user API's /api/custom-domains shows it. */
export interface CustomDomain {
  domain: string;
  status: 'pending' | 'verified' | 'failed';
  created_at: string;
  checked_at: string | null;
  verified_at: string | null;
  checks_until: string | null;
  problem: string | null;
  catch_all: string | null;
  records: { type: 'MX' | 'TXT'; name: string; value: string; priority?: number }[];
}

/** What went wrong, in the server's own sentence where it gave one, with the HTTP status (0: none). */
export class ClientError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'ClientError';
    this.status = status;
  }
  /** A wait that ended without a matching message. */
  get timedOut(): boolean {
    return this.status === 408;
  }
}

/** The user API's message object (wait answers add `codes` and `links`). */
interface UserApiMessage {
  id: string;
  subject: string;
  from: string;
  from_email: string;
  to: string;
  receivedAt: string;
  html: boolean;
  content: string;
  attachments: { name: string; size: number; url: string }[];
  codes?: TrustedCode[];
  links?: TrustedLink[];
  auth?: SenderAuth;
}

export interface ClientOptions {
  /** The server's origin (`http://127.0.0.1:8080`); a trailing `/api` is tolerated. */
  url: string;
  apiKey: string;
  /** For tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export class BurnboxClient {
  readonly #base: string;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;

  constructor(options: ClientOptions) {
    this.#base = options.url.replace(/\/+$/, '').replace(/\/api$/, '');
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? fetch;
  }

  /** A new mailbox: random on the plan's default terms, or as named (see the top of this file). */
  async createInbox(
    options: { name?: string; domain?: string; lifetime?: InboxLifetime } = {},
  ): Promise<Inbox> {
    const { name, domain, lifetime } = options;
    if (name === undefined && domain === undefined && lifetime === undefined) {
      const created = await this.#request<{ data: { email: string; expire_at: string | null } }>(
        'POST',
        '/api/emails',
      );
      return { address: created.data.email, expiresAt: isoOrNull(created.data.expire_at) };
    }
    if (lifetime !== undefined && !(lifetime in inboxLifetimes))
      throw new ClientError(
        `lifetime must be one of ${Object.keys(inboxLifetimes).join(', ')} (not "${lifetime}")`,
        0,
      );
    const generated = await this.#request<{ id: string; email: string }>('POST', '/api/emails/generate', {
      name: name ?? randomLocalPart(),
      domain: domain ?? (await this.#firstDomain()),
      expiryTime: inboxLifetimes[lifetime ?? '1h'],
    });
    // `generate` answers only id and address; the expiry is on the listed mailbox (newest first).
    const page = await this.#request<{ emails: KeyApiMailbox[] }>('GET', '/api/emails');
    const listed = page.emails.find((m) => m.id === generated.id);
    return { address: generated.email, expiresAt: listed ? keyExpiry(listed.expiresAt) : null };
  }

  /** Every live mailbox of the key's user, newest first. */
  async listInboxes(): Promise<ListedInbox[]> {
    const inboxes: ListedInbox[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
      const page: { emails: KeyApiMailbox[]; nextCursor: string | null } = await this.#request(
        'GET',
        `/api/emails${query}`,
      );
      for (const m of page.emails)
        inboxes.push({ address: m.address, createdAt: m.createdAt, expiresAt: keyExpiry(m.expiresAt) });
      cursor = page.nextCursor;
    } while (cursor);
    return inboxes;
  }

  /**
   * The oldest unseen message of the mailbox that matches (marked seen), waiting for one to
   * arrive; a ClientError with `timedOut` when none did within the time.
   */
  async waitForMessage(options: WaitOptions): Promise<Message> {
    if (!(options.timeoutSeconds > 0))
      throw new ClientError('the timeout must be a positive number of seconds', 0);
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    for (;;) {
      const seconds = Math.min(longestServerWait, Math.max(1, Math.ceil((deadline - Date.now()) / 1000)));
      const query = new URLSearchParams({ email: options.address, timeout: String(seconds) });
      for (const name of ['from', 'subject', 'to', 'after'] as const) {
        const value = options[name];
        if (value !== undefined && value !== '') query.set(name, value);
      }
      try {
        const answer = await this.#request<{ data: UserApiMessage }>(
          'GET',
          `/api/messages/wait?${query}`,
          undefined,
          // The server answers 408 after `seconds`; the margin covers the way there and back.
          seconds * 1000 + requestTimeoutMs,
        );
        return messageOf(answer.data);
      } catch (err) {
        // The server's longest wait is over but ours is not, or the process holding it is
        // shutting down (503; another may answer, or it again once restarted): ask again.
        const again = err instanceof ClientError && (err.timedOut || err.status === 503);
        if (again && deadline - Date.now() >= 1000) continue;
        if (err instanceof ClientError && err.timedOut)
          throw new ClientError(
            `no message${describeFilters(options)} arrived at ${options.address} within ${options.timeoutSeconds} s`,
            408,
          );
        throw err;
      }
    }
  }

  /** One message by id, with its codes and links (reading it marks it seen). */
  async getMessage(id: string): Promise<Message> {
    const path = `/api/messages/${encodeURIComponent(id)}`;
    const [read, extracted] = await Promise.all([
      this.#request<{ data: UserApiMessage }>('GET', path),
      this.#request<{ data: { codes: TrustedCode[]; links: TrustedLink[]; auth?: SenderAuth } }>(
        'GET',
        `${path}/extract`,
      ),
    ]);
    const { codes, links, auth } = extracted.data;
    return messageOf({ ...read.data, codes, links, auth });
  }

  /** Deletes an owned mailbox and its messages. */
  async deleteInbox(address: string): Promise<void> {
    await this.#request('DELETE', `/api/emails/${encodeURIComponent(address)}`);
  }

  /** Links a domain of the user's own (pending until its DNS records are found). */
  async addCustomDomain(domain: string): Promise<CustomDomain> {
    return (await this.#request<{ data: CustomDomain }>('POST', '/api/custom-domains', { domain })).data;
  }

  /** The user's domains. */
  async listCustomDomains(): Promise<CustomDomain[]> {
    return (await this.#request<{ data: { domains: CustomDomain[] } }>('GET', '/api/custom-domains')).data
      .domains;
  }

  /** Looks the domain's DNS records up now; the domain as it stands after. */
  async verifyCustomDomain(domain: string): Promise<CustomDomain> {
    const path = `/api/custom-domains/${encodeURIComponent(domain)}/verify`;
    return (await this.#request<{ data: CustomDomain }>('POST', path)).data;
  }

  /** Sends mail for unknown addresses of the domain to `address` (null: refuses it again). */
  async setCatchAll(domain: string, address: string | null): Promise<CustomDomain> {
    const path = `/api/custom-domains/${encodeURIComponent(domain)}/catch-all`;
    const answer =
      address === null
        ? await this.#request<{ data: CustomDomain }>('DELETE', path)
        : await this.#request<{ data: CustomDomain }>('PUT', path, { email: address });
    return answer.data;
  }

  /** Unlinks the domain; its mailboxes and messages are deleted. */
  async removeCustomDomain(domain: string): Promise<void> {
    await this.#request('DELETE', `/api/custom-domains/${encodeURIComponent(domain)}`);
  }

  async #firstDomain(): Promise<string> {
    const { domains } = await this.#request<{ domains: string[] }>('GET', '/api/email/domains');
    const first = domains[0];
    if (!first) throw new ClientError('the server has no domain this key may create mailboxes on', 0);
    return first;
  }

  async #request<T>(method: string, path: string, body?: unknown, timeoutMs = requestTimeoutMs): Promise<T> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#base}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${this.#apiKey}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      throw new ClientError(`cannot reach Burnbox at ${this.#base}: ${cause}`, 0);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) throw new ClientError(errorSentence(response.status, parsed), response.status);
    if (parsed === undefined)
      throw new ClientError(
        `Burnbox at ${this.#base} answered ${method} ${path} with no JSON`,
        response.status,
      );
    return parsed as T;
  }
}

interface KeyApiMailbox {
  id: string;
  address: string;
  createdAt: string;
  expiresAt: string;
}

/** The key API's expiry of a permanent mailbox (a date far away) is null here. */
function keyExpiry(expiresAt: string): string | null {
  return expiresAt.startsWith('9999-') ? null : expiresAt;
}

function isoOrNull(date: string | null): string | null {
  return date === null ? null : new Date(date).toISOString();
}

/** The sentence of either dialect's error body (`{"message"}` or `{"error"}`), else the status. */
function errorSentence(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const { message, error } = body as { message?: unknown; error?: unknown };
    if (typeof message === 'string' && message) return message;
    if (typeof error === 'string' && error) return error;
  }
  return `the server answered HTTP ${status}`;
}

function messageOf(m: UserApiMessage): Message {
  return {
    id: m.id,
    from: { address: m.from_email, name: m.from && m.from !== m.from_email ? m.from : null },
    to: m.to,
    subject: m.subject,
    receivedAt: m.receivedAt,
    // A server without sender checks vouches for nothing.
    codes: (m.codes ?? []).map((c) => ({ ...c, trusted: c.trusted === true })),
    links: (m.links ?? []).map((l) => ({ ...l, trusted: l.trusted === true })),
    auth: m.auth ?? { spf: 'none', dkim: 'none', dmarc: 'none', arc: 'none', from_domain: '' },
    body: { html: m.html, content: m.content },
    attachments: m.attachments.map((a) => ({ name: a.name, size: a.size, url: a.url })),
  };
}

function describeFilters(o: WaitOptions): string {
  const parts = [
    o.from && `from "${o.from}"`,
    o.subject && `with subject "${o.subject}"`,
    o.to && `to "${o.to}"`,
  ].filter(Boolean);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

/** A local part for a mailbox whose domain or lifetime was chosen but not its name. */
function randomLocalPart(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const alphabet = `${letters}0123456789`;
  let name = letters[randomInt(letters.length)] as string;
  for (let i = 0; i < 11; i++) name += alphabet[randomInt(alphabet.length)];
  return name;
}
