// Messages: listing and paging, lookups, seen flags and deletion.
import type {
  MessageChunk,
  MessageHead,
  MessageListPosition,
  MessageRecord,
  MessageState,
  MessageWithoutHtml,
  Page,
  PageCursor,
  Released,
} from '../types.ts';
import type { SqliteConnection } from './connection.ts';
import { deleteOrphanMails } from './mailboxes.ts';
import {
  type MessageHeadRow,
  type MessageRow,
  type MessageWithoutHtmlRow,
  toMessage,
  toMessageHead,
  toMessageWithoutHtml,
} from './rows.ts';

const messageColumns = `m.public_id, m.uuid, m.mailbox_id, m.recipient, m.received_at, m.seen,
  ml.subject, ml.from_name, ml.from_email, ml.text_body, ml.html_body, ml.size, ml.blob_key, ml.attachments,
  ml.over_tls, ml.tls_protocol, ml.tls_cipher`;

/** The message columns but its raw HTML, and whether it has any (octet_length reads no content). */
const withoutHtmlColumns = `m.public_id, m.uuid, m.mailbox_id, m.recipient, m.received_at, m.seen,
  ml.subject, ml.from_name, ml.from_email, ml.text_body, octet_length(ml.html_body) > 0 AS has_html,
  ml.size, ml.blob_key, ml.attachments, ml.over_tls, ml.tls_protocol, ml.tls_cipher`;

/** The message columns but its bodies: a head is read without loading them. */
const headColumns = `m.public_id, m.uuid, m.mailbox_id, m.recipient, m.received_at, m.seen,
  ml.subject, ml.from_name, ml.from_email`;

export class SqliteMessages {
  readonly #db: SqliteConnection;

  constructor(db: SqliteConnection) {
    this.#db = db;
  }

  async listMessagesPage(
    mailboxId: number,
    limit: number,
    cursor?: PageCursor,
  ): Promise<Page<MessageRecord>> {
    return this.#messagesPage(messageColumns, toMessage, mailboxId, limit, cursor);
  }

  async listMessageHeadsPage(
    mailboxId: number,
    limit: number,
    cursor?: PageCursor,
  ): Promise<Page<MessageHead>> {
    return this.#messagesPage(headColumns, toMessageHead, mailboxId, limit, cursor);
  }

  #messagesPage<Row, T>(
    columns: string,
    toItem: (row: Row) => T,
    mailboxId: number,
    limit: number,
    cursor?: PageCursor,
  ): Page<T> {
    const items = this.#db
      .all<Row>(
        `SELECT ${columns} FROM messages m JOIN mails ml ON ml.id = m.mail_id
       WHERE m.mailbox_id = ?
       AND (? IS NULL OR m.received_at < ? OR (m.received_at = ? AND m.uuid < ?))
       ORDER BY m.received_at DESC, m.uuid DESC LIMIT ?`,
        mailboxId,
        cursor?.at ?? null,
        cursor?.at ?? null,
        cursor?.at ?? null,
        cursor?.uuid ?? null,
        limit,
      )
      .map(toItem);
    const total =
      this.#db.get<{ n: number }>('SELECT count(*) AS n FROM messages WHERE mailbox_id = ?', mailboxId)?.n ??
      0;
    return { items, total };
  }

  async countMessagesOfMailboxes(mailboxIds: number[]): Promise<Map<number, number>> {
    const counts = new Map<number, number>(mailboxIds.map((id) => [id, 0]));
    if (mailboxIds.length === 0) return counts;
    const rows = this.#db.all<{ mailbox_id: number; n: number }>(
      `SELECT mailbox_id, count(*) AS n FROM messages
       WHERE mailbox_id IN (SELECT value FROM json_each(?)) GROUP BY mailbox_id`,
      JSON.stringify(mailboxIds),
    );
    for (const row of rows) counts.set(row.mailbox_id, row.n);
    return counts;
  }

  async getMessageByUuid(uuid: string): Promise<MessageRecord | undefined> {
    const row = this.#db.get<MessageRow>(
      `SELECT ${messageColumns} FROM messages m JOIN mails ml ON ml.id = m.mail_id WHERE m.uuid = ?`,
      uuid,
    );
    return row && toMessage(row);
  }

  async listMessages(mailboxId: number): Promise<MessageRecord[]> {
    return this.#db
      .all<MessageRow>(
        `SELECT ${messageColumns} FROM messages m JOIN mails ml ON ml.id = m.mail_id
       WHERE m.mailbox_id = ? ORDER BY m.received_at DESC, m.id DESC`,
        mailboxId,
      )
      .map(toMessage);
  }

  async listMessagesChunk(
    mailboxId: number,
    limit: number,
    after?: MessageListPosition,
  ): Promise<MessageChunk> {
    const from = `SELECT ${messageColumns}, m.id AS seq FROM messages m JOIN mails ml ON ml.id = m.mail_id
       WHERE m.mailbox_id = ?`;
    const order = 'ORDER BY m.received_at DESC, m.id DESC LIMIT ?';
    const rows = after
      ? this.#db.all<MessageRow & { seq: number }>(
          `${from} AND (m.received_at, m.id) < (?, ?) ${order}`,
          mailboxId,
          after.at,
          after.seq,
          limit,
        )
      : this.#db.all<MessageRow & { seq: number }>(`${from} ${order}`, mailboxId, limit);
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    return { items: rows.map(toMessage), next: last && { at: last.received_at, seq: last.seq } };
  }

  async listMessageStatesChunk(
    mailboxId: number,
    limit: number,
    after?: MessageListPosition,
  ): Promise<{ items: MessageState[]; next?: MessageListPosition }> {
    type Row = { public_id: string; seen: number; received_at: number; seq: number };
    const from = 'SELECT public_id, seen, received_at, id AS seq FROM messages m WHERE mailbox_id = ?';
    const order = 'ORDER BY m.received_at DESC, m.id DESC LIMIT ?';
    const rows = after
      ? this.#db.all<Row>(
          `${from} AND (m.received_at, m.id) < (?, ?) ${order}`,
          mailboxId,
          after.at,
          after.seq,
          limit,
        )
      : this.#db.all<Row>(`${from} ${order}`, mailboxId, limit);
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    return {
      items: rows.map((r) => ({ id: r.public_id, seen: r.seen === 1 })),
      next: last && { at: last.received_at, seq: last.seq },
    };
  }

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    const row = this.#db.get<MessageRow>(
      `SELECT ${messageColumns} FROM messages m JOIN mails ml ON ml.id = m.mail_id WHERE m.public_id = ?`,
      id,
    );
    return row && toMessage(row);
  }

  async getMessageWithoutHtmlByUuid(uuid: string): Promise<MessageWithoutHtml | undefined> {
    const row = this.#db.get<MessageWithoutHtmlRow>(
      `SELECT ${withoutHtmlColumns} FROM messages m JOIN mails ml ON ml.id = m.mail_id WHERE m.uuid = ?`,
      uuid,
    );
    return row && toMessageWithoutHtml(row);
  }

  async getMessageHeadByUuid(uuid: string): Promise<MessageHead | undefined> {
    const row = this.#db.get<MessageHeadRow>(
      `SELECT ${headColumns} FROM messages m JOIN mails ml ON ml.id = m.mail_id WHERE m.uuid = ?`,
      uuid,
    );
    return row && toMessageHead(row);
  }

  async markSeen(id: string): Promise<boolean> {
    return this.#db.run('UPDATE messages SET seen = 1 WHERE public_id = ? AND seen = 0', id).changes > 0;
  }

  async listMessageHeadsAfter(
    mailboxId: number,
    options: { after?: PageCursor; unseenOnly: boolean; limit: number },
  ): Promise<MessageHead[]> {
    const { after, unseenOnly, limit } = options;
    return this.#db
      .all<MessageHeadRow>(
        `SELECT ${headColumns} FROM messages m JOIN mails ml ON ml.id = m.mail_id
       WHERE m.mailbox_id = ? AND (? = 0 OR m.seen = 0)
       AND (? IS NULL OR m.received_at > ? OR (m.received_at = ? AND m.uuid > ?))
       ORDER BY m.received_at, m.uuid LIMIT ?`,
        mailboxId,
        unseenOnly ? 1 : 0,
        after?.at ?? null,
        after?.at ?? null,
        after?.at ?? null,
        after?.uuid ?? null,
        limit,
      )
      .map(toMessageHead);
  }

  async deleteMessage(id: string): Promise<Released & { deleted: boolean }> {
    return this.#db
      .transaction(() => {
        const row = this.#db.get<{ mail_id: number }>(
          'DELETE FROM messages WHERE public_id = ? RETURNING mail_id',
          id,
        );
        if (!row) return { deleted: false, blobKeys: [] };
        return { deleted: true, blobKeys: deleteOrphanMails(this.#db, [row.mail_id]) };
      })
      .immediate();
  }
}
