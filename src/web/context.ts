// What every web request knows about its reader: language, signed-in user and CSRF token.
// Resolved once per request by the web plugin (the guest mailbox: see guest-cookie.ts).
import type { UserRecord } from '../store/types.ts';
import type { Translator } from './i18n/translator.ts';

export interface WebContext {
  t: Translator;
  /** Double-submit token: the value of the CSRF cookie, echoed by every state-changing request. */
  csrf: string;
  user: UserRecord | undefined;
  sessionToken: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    web: WebContext;
  }
}

export const cookieNames = {
  session: 'bb_session',
  csrf: 'bb_csrf',
  guest: 'bb_mailbox',
  lang: 'bb_lang',
} as const;
