// The SPF, DKIM, DMARC and ARC verdicts of each stored mail.
import {
  type PendingSenderAuthRow,
  type SenderAuthRow,
  senderAuthColumns,
  toPendingSenderAuth,
  toSenderAuth,
} from '../sender-auth-rows.ts';
import type { PendingSenderAuth, SenderAuthRecord, SenderAuthVerdict } from '../types.ts';
import type { PostgresSql } from './connection.ts';
import { toDbText } from './rows.ts';

export class PostgresSenderAuth {
  readonly #sql: PostgresSql;

  constructor(sql: PostgresSql) {
    this.#sql = sql;
  }

  async getSenderAuth(id: string): Promise<SenderAuthRecord | undefined> {
    const sql = this.#sql;
    const [row] = await sql<SenderAuthRow[]>`
      SELECT ${sql.unsafe(senderAuthColumns)} FROM messages m JOIN mail_auth a ON a.mail_id = m.mail_id
      WHERE m.public_id = ${id}`;
    return row && toSenderAuth(row);
  }

  async saveSenderAuth(id: string, v: SenderAuthVerdict): Promise<void> {
    await this.#sql`
      UPDATE mail_auth SET spf = ${v.spf}, dkim = ${v.dkim}, dmarc = ${v.dmarc}, arc = ${v.arc},
        from_domain = COALESCE(NULLIF(${toDbText(v.fromDomain)}, ''), from_domain)
      WHERE spf IS NULL AND mail_id = (SELECT mail_id FROM messages WHERE public_id = ${id})`;
  }

  async listPendingSenderAuth(limit: number): Promise<PendingSenderAuth[]> {
    const rows = await this.#sql<PendingSenderAuthRow[]>`
      SELECT (SELECT public_id FROM messages WHERE mail_id = a.mail_id LIMIT 1) AS id,
        ml.blob_key, ml.size, a.client_ip, a.helo, a.envelope_from
      FROM mail_auth a JOIN mails ml ON ml.id = a.mail_id
      WHERE a.spf IS NULL AND EXISTS (SELECT 1 FROM messages WHERE mail_id = a.mail_id)
      ORDER BY a.mail_id LIMIT ${limit}`;
    return rows.map(toPendingSenderAuth);
  }
}
