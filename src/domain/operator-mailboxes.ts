// Mailboxes of the operator: postmaster@ (RFC 5321 §4.5.1: every domain must take mail for it)
// and abuse@ (RFC 2142, customary) on each hosted domain. Nobody may claim these names (see
// addresses.ts); the first mail to one creates it, owned by nobody and never expiring, and the
// admin pages list them so the operator can read them.
import type { MailboxRecord } from '../store/types.ts';
import type { ServiceContext } from './context.ts';
import { newUuid } from './ids.ts';
import { isLiveAt } from './mailboxes.ts';

export const operatorLocalParts: readonly string[] = ['postmaster', 'abuse'];

export function isOperatorLocalPart(localPart: string): boolean {
  return operatorLocalParts.includes(localPart);
}

export class OperatorMailboxService {
  readonly #ctx: ServiceContext;
  /** The name the SMTP server greets with: a bare `postmaster` goes to its domain if hosted. */
  readonly #hostname: string;

  constructor(ctx: ServiceContext, hostname: string) {
    this.#ctx = ctx;
    this.#hostname = hostname.toLowerCase();
  }

  /**
   * The mailbox of `localPart` (a role name) on the hosted `domain`, made on first use. A live
   * mailbox already there (made before the name was reserved) keeps its mail.
   */
  async mailboxFor(localPart: string, domain: string): Promise<MailboxRecord> {
    const address = `${localPart}@${domain}`;
    const existing = await this.#ctx.store.getMailboxByAddress(address);
    if (existing && this.#isLive(existing)) return existing;
    const now = this.#ctx.now();
    const claimed = await this.#ctx.store.claimMailbox({
      mailbox: { uuid: newUuid(), localPart, domain, userId: null, createdAt: now, expiresAt: null },
      now,
      quarantineMs: this.#ctx.quarantineMs,
    });
    if (claimed.ok) return claimed.mailbox;
    // Made meanwhile by another delivery (or process): that one is it.
    const made = await this.#ctx.store.getMailboxByAddress(address);
    if (made && this.#isLive(made)) return made;
    throw new Error(`could not make the operator mailbox ${address}: ${claimed.reason}`);
  }

  /** The domain a domainless `RCPT TO:<postmaster>` means: our host name's, else the first hosted. */
  async defaultDomain(): Promise<string | undefined> {
    if (await this.#ctx.store.getDomain(this.#hostname)) return this.#hostname;
    const domains = await this.#ctx.store.listDomains();
    return domains.map((d) => d.name).sort()[0];
  }

  /** The operator mailboxes that exist (those that have had mail), by address. */
  async list(): Promise<MailboxRecord[]> {
    const domains = await this.#ctx.store.listDomains();
    const found: MailboxRecord[] = [];
    for (const { name } of domains) {
      for (const localPart of operatorLocalParts) {
        const mailbox = await this.#ctx.store.getMailboxByAddress(`${localPart}@${name}`);
        if (mailbox && mailbox.userId === null && this.#isLive(mailbox)) found.push(mailbox);
      }
    }
    return found.sort((a, b) => a.address.localeCompare(b.address));
  }

  #isLive(mailbox: MailboxRecord): boolean {
    return isLiveAt(mailbox, this.#ctx.now());
  }
}
