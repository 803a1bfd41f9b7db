// What the message reader says of who sent a message: a verified sender (its From domain passed
// DMARC), one being checked, or one that could not be verified, with the checks' results.
import type { AuthView } from '../../domain/sender-auth.ts';

export interface SenderView {
  state: 'verified' | 'pending' | 'unverified';
  /** The From header's domain ('' when it has none). */
  domain: string;
  /** The results, as `DMARC fail, SPF softfail, DKIM none, ARC none`. */
  detail: string;
}

export function senderView(auth: AuthView): SenderView {
  const detail = `DMARC ${auth.dmarc}, SPF ${auth.spf}, DKIM ${auth.dkim}, ARC ${auth.arc}`;
  const state = auth.dmarc === 'pass' ? 'verified' : auth.dmarc === 'pending' ? 'pending' : 'unverified';
  return { state, domain: auth.from_domain, detail };
}
