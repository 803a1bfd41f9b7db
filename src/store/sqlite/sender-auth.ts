// The SPF, DKIM, DMARC and ARC verdicts of each stored mail.
import {
  type PendingSenderAuthRow,
  type SenderAuthRow,
  senderAuthColumns,
  toPendingSenderAuth,
  toSenderAuth,
} from '../sender-auth-rows.ts';
import type { PendingSenderAuth, SenderAuthRecord, SenderAuthVerdict } from '../types.ts';
import type { SqliteConnection } from './connection.ts';

export class SqliteSenderAuth {
  readonly #db: SqliteConnection;

  constructor(db: SqliteConnection) {
    this.#db = db;
  }

  async getSenderAuth(id: string): Promise<SenderAuthRecord | undefined> {
    const row = this.#db.get<SenderAuthRow>(
      `SELECT ${senderAuthColumns} FROM messages m JOIN mail_auth a ON a.mail_id = m.mail_id
       WHERE m.public_id = ?`,
      id,
    );
    return row && toSenderAuth(row);
  }

  async saveSenderAuth(id: string, v: SenderAuthVerdict): Promise<void> {
    // Saved as mail arrives: committed with the deliveries of the same moment (one fsync).
    return this.#db.groupCommit(() => {
      this.#db.run(
        `UPDATE mail_auth SET spf = ?, dkim = ?, dmarc = ?, arc = ?,
           from_domain = COALESCE(NULLIF(?, ''), from_domain)
         WHERE spf IS NULL AND mail_id = (SELECT mail_id FROM messages WHERE public_id = ?)`,
        v.spf,
        v.dkim,
        v.dmarc,
        v.arc,
        v.fromDomain,
        id,
      );
    });
  }

  async listPendingSenderAuth(limit: number): Promise<PendingSenderAuth[]> {
    return this.#db
      .all<PendingSenderAuthRow>(
        `SELECT (SELECT public_id FROM messages WHERE mail_id = a.mail_id LIMIT 1) AS id,
         ml.blob_key, ml.size, a.client_ip, a.helo, a.envelope_from
       FROM mail_auth a JOIN mails ml ON ml.id = a.mail_id
       WHERE a.spf IS NULL AND EXISTS (SELECT 1 FROM messages WHERE mail_id = a.mail_id)
       ORDER BY a.mail_id LIMIT ?`,
        limit,
      )
      .map(toPendingSenderAuth);
  }
}
