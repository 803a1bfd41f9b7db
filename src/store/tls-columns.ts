// The TLS of a mail as both stores keep it (over_tls, tls_protocol, tls_cipher) and back.
import type { MailContent } from './types.ts';

/** `{ tls }` for MailContent: left out when not recorded (over_tls NULL), so old mail reads as before. */
export function tlsOf(
  overTls: number | boolean | null,
  protocol: string | null,
  cipher: string | null,
): Pick<MailContent, 'tls'> {
  if (overTls === null) return {};
  return { tls: overTls ? { protocol: protocol ?? '', cipher: cipher ?? '' } : null };
}
