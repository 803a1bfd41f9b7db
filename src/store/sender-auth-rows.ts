// The rows of mail_auth as both backends read them (the same columns in SQLite and PostgreSQL).
import type { PendingSenderAuth, SenderAuthRecord } from './types.ts';

export interface SenderAuthRow {
  from_domain: string;
  spf: string | null;
  dkim: string | null;
  dmarc: string | null;
  arc: string | null;
}

/** The columns a SenderAuthRow is read from, for a query joining mail_auth as `a`. */
export const senderAuthColumns = 'a.from_domain, a.spf, a.dkim, a.dmarc, a.arc';

/** NULL verdicts: the checks are not done yet. */
export function toSenderAuth(row: SenderAuthRow): SenderAuthRecord {
  if (row.spf === null) return { pending: true, fromDomain: row.from_domain };
  return {
    pending: false,
    spf: row.spf,
    dkim: row.dkim ?? 'none',
    dmarc: row.dmarc ?? 'none',
    arc: row.arc ?? 'none',
    fromDomain: row.from_domain,
  };
}

export interface PendingSenderAuthRow {
  id: string;
  blob_key: string;
  size: number | string;
  client_ip: string;
  helo: string;
  envelope_from: string;
}

export function toPendingSenderAuth(row: PendingSenderAuthRow): PendingSenderAuth {
  return {
    id: row.id,
    blobKey: row.blob_key,
    size: Number(row.size),
    clientIp: row.client_ip,
    helo: row.helo,
    envelopeFrom: row.envelope_from,
  };
}
