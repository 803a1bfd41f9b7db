// The delivery insert: one mail, a message per recipient whose mailbox still exists, the
// webhook events of those copies, and the hour's received count, all in the group commit.
import { toExtractionColumns } from '../extraction-json.ts';
import { hourOf } from '../hours.ts';
import type { DeliveredMessage, NewDelivery } from '../types.ts';
import type { SqliteConnection } from './connection.ts';
import { insertDerived } from './message-bodies.ts';

export class SqliteDeliveries {
  readonly #db: SqliteConnection;

  constructor(db: SqliteConnection) {
    this.#db = db;
  }

  insertDelivery(delivery: NewDelivery): Promise<DeliveredMessage[]> {
    return this.#db.groupCommit(() => this.#insertDelivery(delivery));
  }

  #insertDelivery(d: NewDelivery): DeliveredMessage[] {
    const c = d.content;
    const extraction = d.extraction && toExtractionColumns(d.extraction);
    const mailId = Number(
      this.#db.run(
        `INSERT INTO mails (subject, from_name, from_email, text_body, html_body, size, blob_key, attachments,
           over_tls, tls_protocol, tls_cipher, codes, links)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        c.subject,
        c.fromName,
        c.fromEmail,
        c.text,
        c.html,
        c.size,
        c.blobKey,
        JSON.stringify(c.attachments),
        c.tls === undefined ? null : c.tls ? 1 : 0,
        c.tls?.protocol ?? null,
        c.tls?.cipher ?? null,
        extraction?.codes ?? null,
        extraction?.links ?? null,
      ).lastInsertRowid,
    );
    if (d.derived) insertDerived(this.#db, mailId, d.derived);
    if (d.senderAuth) {
      const a = d.senderAuth;
      this.#db
        .statement(
          'INSERT INTO mail_auth (mail_id, client_ip, helo, envelope_from, from_domain) VALUES (?, ?, ?, ?, ?)',
        )
        .run(mailId, a.clientIp, a.helo, a.envelopeFrom, a.fromDomain);
    }
    const insertMessage = this.#db.statement(
      `INSERT INTO messages (public_id, uuid, mailbox_id, mail_id, recipient, received_at)
       SELECT ?, ?, id, ?, ?, ? FROM mailboxes WHERE id = ?`,
    );
    const webhookOwner = this.#db.statement(
      `SELECT w.user_id FROM mailboxes m JOIN webhooks w ON w.user_id = m.user_id
       WHERE m.id = ? AND w.enabled = 1 AND w.url <> ''`,
    );
    const enqueueWebhook = this.#db.statement(
      `INSERT INTO webhook_outbox (delivery_id, user_id, event, payload, created_at, next_attempt_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const stored: DeliveredMessage[] = [];
    for (const r of d.recipients) {
      if (insertMessage.run(r.id, r.uuid, mailId, r.recipient, d.receivedAt, r.mailboxId).changes) {
        let webhookQueued = false;
        const owner = r.webhook && (webhookOwner.get(r.mailboxId) as { user_id: number } | undefined);
        if (r.webhook && owner) {
          const { deliveryId, event, payload } = r.webhook;
          const body = typeof payload === 'string' ? payload : payload();
          enqueueWebhook.run(deliveryId, owner.user_id, event, body, d.receivedAt, d.receivedAt);
          webhookQueued = true;
        }
        stored.push({
          webhookQueued,
          id: r.id,
          uuid: r.uuid,
          mailboxId: r.mailboxId,
          recipient: r.recipient,
          receivedAt: d.receivedAt,
          seen: false,
          content: c,
        });
      }
    }
    if (stored.length === 0) {
      this.#db.run('DELETE FROM mails WHERE id = ?', mailId);
      return stored;
    }
    if (d.inlineBlob) {
      this.#db.run('INSERT INTO inline_blobs (key, data) VALUES (?, ?)', c.blobKey, d.inlineBlob);
    }
    this.#db.run(
      `INSERT INTO received_per_hour (hour_start, slot, count) VALUES (?, 0, ?)
       ON CONFLICT (hour_start, slot) DO UPDATE SET count = count + excluded.count`,
      hourOf(d.receivedAt),
      stored.length,
    );
    return stored;
  }
}
