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
import type { PostgresSql } from './connection.ts';
import { deleteOrphanMails } from './mailboxes.ts';
import {
  headColumns,
  type MessageHeadRow,
  type MessageRow,
  type MessageWithoutHtmlRow,
  messageColumns,
  toMessage,
  toMessageHead,
  toMessageWithoutHtml,
  withoutHtmlColumns,
} from './rows.ts';

export class PostgresMessages {
  readonly #sql: PostgresSql;

  constructor(sql: PostgresSql) {
    this.#sql = sql;
  }

  // Key dialect pages, one round trip each: the total joined with the page (a row of nulls
  // when it is empty).

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

  async #messagesPage<Row extends { public_id: string | null }, T>(
    columns: string,
    toItem: (row: Row) => T,
    mailboxId: number,
    limit: number,
    cursor?: PageCursor,
  ): Promise<Page<T>> {
    const sql = this.#sql;
    const rows = await sql<(Row & { total: number })[]>`
      SELECT t.total, p.* FROM (SELECT count(*) AS total FROM messages WHERE mailbox_id = ${mailboxId}) t
      LEFT JOIN LATERAL (
        SELECT ${sql.unsafe(columns)} FROM messages m JOIN mails ml ON ml.id = m.mail_id
        WHERE m.mailbox_id = ${mailboxId}
        ${cursor ? sql`AND (m.received_at, m.uuid) < (${cursor.at}::bigint, ${cursor.uuid}::text)` : sql``}
        ORDER BY m.received_at DESC, m.uuid DESC LIMIT ${limit}
      ) p ON true`;
    return { items: rows.filter((r) => r.public_id !== null).map(toItem), total: rows[0]?.total ?? 0 };
  }

  async countMessagesOfMailboxes(mailboxIds: number[]): Promise<Map<number, number>> {
    const counts = new Map<number, number>(mailboxIds.map((id) => [id, 0]));
    if (mailboxIds.length === 0) return counts;
    const rows = await this.#sql<{ mailbox_id: number; n: number }[]>`
      SELECT mailbox_id, count(*) AS n FROM messages WHERE mailbox_id = ANY(${mailboxIds}::bigint[])
      GROUP BY mailbox_id`;
    for (const row of rows) counts.set(row.mailbox_id, row.n);
    return counts;
  }

  async getMessageByUuid(uuid: string): Promise<MessageRecord | undefined> {
    const sql = this.#sql;
    const [row] = await sql<MessageRow[]>`
      SELECT ${sql.unsafe(messageColumns)} FROM messages m JOIN mails ml ON ml.id = m.mail_id WHERE m.uuid = ${uuid}`;
    return row && toMessage(row);
  }

  async listMessages(mailboxId: number): Promise<MessageRecord[]> {
    const sql = this.#sql;
    const rows = await sql<MessageRow[]>`
      SELECT ${sql.unsafe(messageColumns)} FROM messages m JOIN mails ml ON ml.id = m.mail_id
      WHERE m.mailbox_id = ${mailboxId} ORDER BY m.received_at DESC, m.id DESC`;
    return rows.map(toMessage);
  }

  async listMessagesChunk(
    mailboxId: number,
    limit: number,
    after?: MessageListPosition,
  ): Promise<MessageChunk> {
    const sql = this.#sql;
    const rows = await sql<(MessageRow & { seq: string })[]>`
      SELECT ${sql.unsafe(messageColumns)}, m.id AS seq FROM messages m JOIN mails ml ON ml.id = m.mail_id
      WHERE m.mailbox_id = ${mailboxId}
      ${after ? sql`AND (m.received_at, m.id) < (${after.at}, ${after.seq})` : sql``}
      ORDER BY m.received_at DESC, m.id DESC LIMIT ${limit}`;
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    return {
      items: rows.map(toMessage),
      next: last && { at: Number(last.received_at), seq: Number(last.seq) },
    };
  }

  async listMessageStatesChunk(
    mailboxId: number,
    limit: number,
    after?: MessageListPosition,
  ): Promise<{ items: MessageState[]; next?: MessageListPosition }> {
    const sql = this.#sql;
    const rows = await sql<{ public_id: string; seen: boolean; received_at: number; seq: string }[]>`
      SELECT m.public_id, m.seen, m.received_at, m.id AS seq FROM messages m
      WHERE m.mailbox_id = ${mailboxId}
      ${after ? sql`AND (m.received_at, m.id) < (${after.at}, ${after.seq})` : sql``}
      ORDER BY m.received_at DESC, m.id DESC LIMIT ${limit}`;
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    return {
      items: rows.map((r) => ({ id: r.public_id, seen: r.seen })),
      next: last && { at: Number(last.received_at), seq: Number(last.seq) },
    };
  }

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    const sql = this.#sql;
    const [row] = await sql<MessageRow[]>`
      SELECT ${sql.unsafe(messageColumns)} FROM messages m JOIN mails ml ON ml.id = m.mail_id
      WHERE m.public_id = ${id}`;
    return row && toMessage(row);
  }

  async getMessageWithoutHtmlByUuid(uuid: string): Promise<MessageWithoutHtml | undefined> {
    const sql = this.#sql;
    const [row] = await sql<MessageWithoutHtmlRow[]>`
      SELECT ${sql.unsafe(withoutHtmlColumns)} FROM messages m JOIN mails ml ON ml.id = m.mail_id
      WHERE m.uuid = ${uuid}`;
    return row && toMessageWithoutHtml(row);
  }

  async getMessageHeadByUuid(uuid: string): Promise<MessageHead | undefined> {
    const sql = this.#sql;
    const [row] = await sql<MessageHeadRow[]>`
      SELECT ${sql.unsafe(headColumns)} FROM messages m JOIN mails ml ON ml.id = m.mail_id WHERE m.uuid = ${uuid}`;
    return row && toMessageHead(row);
  }

  async markSeen(id: string): Promise<boolean> {
    const result = await this.#sql`UPDATE messages SET seen = true WHERE public_id = ${id} AND NOT seen`;
    return result.count > 0;
  }

  async listMessageHeadsAfter(
    mailboxId: number,
    options: { after?: PageCursor; unseenOnly: boolean; limit: number },
  ): Promise<MessageHead[]> {
    const sql = this.#sql;
    const { after, unseenOnly, limit } = options;
    const rows = await sql<MessageHeadRow[]>`
      SELECT ${sql.unsafe(headColumns)} FROM messages m JOIN mails ml ON ml.id = m.mail_id
      WHERE m.mailbox_id = ${mailboxId} ${unseenOnly ? sql`AND NOT m.seen` : sql``}
      ${after ? sql`AND (m.received_at, m.uuid) > (${after.at}, ${after.uuid})` : sql``}
      ORDER BY m.received_at, m.uuid LIMIT ${limit}`;
    return rows.map(toMessageHead);
  }

  async deleteMessage(id: string): Promise<Released & { deleted: boolean }> {
    return this.#sql.begin(async (tx) => {
      const mails = await tx<{ id: number }[]>`
        WITH gone AS (DELETE FROM messages WHERE public_id = ${id} RETURNING mail_id)
        SELECT id FROM mails WHERE id IN (SELECT mail_id FROM gone) FOR UPDATE`;
      if (mails.length === 0) return { deleted: false, blobKeys: [] };
      return {
        deleted: true,
        blobKeys: await deleteOrphanMails(
          tx,
          mails.map((m) => m.id),
        ),
      };
    });
  }
}
