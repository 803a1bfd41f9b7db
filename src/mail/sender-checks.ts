// Checks who sent a message with mailauth: SPF (the connecting IP and HELO name against the
// envelope sender's domain), DKIM signatures, DMARC (the From domain aligned with a passing SPF
// or DKIM, and its published policy) and the ARC chain. Each comes out as one result word, as
// mailauth and RFC 8601 name them: pass, fail, softfail, neutral, none, temperror, permerror…
import type { Readable } from 'node:stream';
import { authenticate, type DNSResolver } from 'mailauth';
import type { ArrivalRecord, SenderAuthVerdict } from '../store/types.ts';

export type { DNSResolver };

/** Every check failed to run (the message could not be read, say): try-again-later for each. */
export function temporaryFailure(fromDomain: string): SenderAuthVerdict {
  return { spf: 'temperror', dkim: 'temperror', dmarc: 'temperror', arc: 'temperror', fromDomain };
}

export async function checkSender(
  raw: Buffer | Readable,
  arrival: ArrivalRecord,
  options: { resolver: DNSResolver; mta: string },
): Promise<SenderAuthVerdict> {
  const result = await authenticate(raw, {
    ip: arrival.clientIp,
    helo: arrival.helo || undefined,
    sender: arrival.envelopeFrom,
    mta: options.mta,
    resolver: options.resolver,
    // BIMI is about logos, not about who sent the mail.
    disableBimi: true,
  });
  const signatures = result.dkim?.results ?? [];
  return {
    spf: result.spf ? normalised(result.spf.status.result) : 'none',
    dkim: dkimSummary(signatures.map((s) => normalised(s.status.result))),
    dmarc: result.dmarc ? normalised(result.dmarc.status.result) : 'none',
    arc: result.arc ? normalised(result.arc.status.result) : 'none',
    fromDomain: domainOf(result.dkim?.headerFrom?.[0] ?? ''),
  };
}

/** mailauth spells temperror `temperr` in places. */
function normalised(result: string): string {
  return result === 'temperr' ? 'temperror' : result;
}

/**
 * One word for all the DKIM signatures: `pass` when one verifies (DMARC says whether it is the
 * From domain's), `none` when there is none, else the most telling failure.
 */
function dkimSummary(results: string[]): string {
  if (results.length === 0) return 'none';
  if (results.includes('pass')) return 'pass';
  for (const word of ['fail', 'temperror', 'permerror', 'policy', 'neutral']) {
    if (results.includes(word)) return word;
  }
  return results[0] as string;
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return (at >= 0 ? address.slice(at + 1) : address).trim().toLowerCase();
}
