// How a browser is recognised as the guest who owns a mailbox. The cookie is not the
// mailbox's `email_token`: that token is the share link anyone may be given, and it opens the
// mailbox read-only. The cookie instead holds the mailbox's uuid sealed (AES-GCM) with a
// server secret of its own, so it can be neither read nor made from a share link. The secret
// lives in the store, so every process reads the cookies every other one set.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { newSecret } from '../domain/ids.ts';
import type { Services } from '../services.ts';
import type { MailboxRecord } from '../store/types.ts';
import { cookieNames } from './context.ts';
import { cookieOptions } from './plugin.ts';
import { Sealer } from './sealed.ts';

const dayMs = 86_400_000;
/** A permanent guest mailbox is remembered this long (the cookie is renewed on each change). */
const permanentMs = 365 * dayMs;

export class GuestCookie {
  readonly #services: Services;
  readonly #sealer: Sealer;

  private constructor(services: Services, sealer: Sealer) {
    this.#services = services;
    this.#sealer = sealer;
  }

  static async open(services: Services): Promise<GuestCookie> {
    return new GuestCookie(
      services,
      new Sealer(await services.store.getOrCreateSecret('guest-cookie', newSecret)),
    );
  }

  /**
   * The uuid of the guest mailbox this browser owns, or undefined. A cookie of the old kind
   * (the share token itself) opens nothing: such a guest simply gets a new mailbox.
   */
  mailboxUuid(request: FastifyRequest): string | undefined {
    const value = this.#sealer.open(request.cookies[cookieNames.guest], this.#services.context.now());
    return value?.startsWith('guest:') ? value.slice('guest:'.length) : undefined;
  }

  /** Remembers `mailbox` as this browser's own, for as long as it lives (and a day more). */
  set(reply: FastifyReply, mailbox: MailboxRecord): void {
    const now = this.#services.context.now();
    const lifetimeMs = mailbox.expiresAt === null ? permanentMs : mailbox.expiresAt - now;
    const maxAgeSeconds = Math.max(60, Math.ceil(lifetimeMs / 1000) + 86400);
    const sealed = this.#sealer.seal(`guest:${mailbox.uuid}`, now + maxAgeSeconds * 1000);
    reply.setCookie(cookieNames.guest, sealed, cookieOptions(this.#services, maxAgeSeconds));
  }

  clear(reply: FastifyReply): void {
    reply.clearCookie(cookieNames.guest, { path: '/' });
  }
}
