// What is kept beside a message: inline raw bytes, bodies derived from its HTML (in chunks), codes and links read from it.
import type postgres from 'postgres';
import type { Extraction } from '../../mail/extract/types.ts';
import {
  type ExtractionColumns,
  fromExtractionColumns,
  toExtractionColumns,
  type UnreadExtractionColumns,
} from '../extraction-json.ts';
import type { ChunkedPart, DerivedBodies } from '../types.ts';
import type { PostgresSql, Queryable } from './connection.ts';
import { fromDbText, toDbText } from './rows.ts';

/** Stored documents and JSON fields are cut in chunks of this size, each read on its own. */
const chunkBytes = 256 * 1024;

/**
 * An INSERT of the chunks of `derived` (its document, and its JSON fields if any) for the mail
 * whose id `mailIds` selects (none when it selects nothing): each cut into chunkBytes pieces by
 * the database, at least one chunk each.
 */
export function chunksInsert(
  sql: Queryable,
  mailIds: postgres.PendingQuery<postgres.Row[]>,
  derived: DerivedBodies,
) {
  return sql`
    INSERT INTO mail_chunks (mail_id, part, seq, data)
    SELECT mail.id, p.part, g.seq, substring(p.data FROM g.seq * ${chunkBytes} + 1 FOR ${chunkBytes})
    FROM (${mailIds}) AS mail,
      (VALUES ('document', ${derived.htmlDocument}::bytea, true),
        ('content', ${derived.json?.content ?? Buffer.alloc(0)}::bytea, ${derived.json !== undefined}::boolean),
        ('html', ${derived.json?.html ?? Buffer.alloc(0)}::bytea, ${derived.json !== undefined}::boolean))
        AS p(part, data, wanted),
      generate_series(0, greatest(length(p.data) - 1, 0) / ${chunkBytes}) AS g(seq)
    WHERE p.wanted`;
}

export class PostgresMessageBodies {
  readonly #sql: PostgresSql;

  constructor(sql: PostgresSql) {
    this.#sql = sql;
  }

  async readInlineBlob(key: string, start: number, end: number): Promise<Buffer | undefined> {
    const [row] = await this.#sql<{ data: Buffer }[]>`
      SELECT substring(data FROM least(${start}::bigint + 1, 2147483647)::int
        FOR least(${Math.max(end - start, 0)}::bigint, 2147483647)::int) AS data
      FROM inline_blobs WHERE key = ${key}`;
    return row?.data;
  }

  async getHtmlText(uuid: string): Promise<string | undefined> {
    const [row] = await this.#sql<{ html_text: string }[]>`
      SELECT d.html_text FROM messages m JOIN mail_derived d ON d.mail_id = m.mail_id WHERE m.uuid = ${uuid}`;
    return row && fromDbText(row.html_text);
  }

  async getDocumentInfo(uuid: string): Promise<{ mailboxId: number; remoteImages: number } | undefined> {
    const [row] = await this.#sql<{ mailbox_id: number; remote_images: number }[]>`
      SELECT m.mailbox_id, d.remote_images FROM messages m JOIN mail_derived d ON d.mail_id = m.mail_id
      WHERE m.uuid = ${uuid}`;
    return row && { mailboxId: Number(row.mailbox_id), remoteImages: row.remote_images };
  }

  async saveDerivedBodies(uuid: string, derived: DerivedBodies): Promise<void> {
    const sql = this.#sql;
    await sql`
      WITH saved AS (
          INSERT INTO mail_derived (mail_id, remote_images, html_text)
          SELECT mail_id, ${derived.remoteImages}, ${toDbText(derived.htmlText)}
          FROM messages WHERE uuid = ${uuid}
          ON CONFLICT (mail_id) DO NOTHING
          RETURNING mail_id AS id
        )
      ${chunksInsert(sql, sql`SELECT id FROM saved`, derived)}`;
  }

  async getExtraction(id: string): Promise<Extraction | undefined> {
    const [row] = await this.#sql<(ExtractionColumns | UnreadExtractionColumns)[]>`
      SELECT ml.codes, ml.links FROM messages m JOIN mails ml ON ml.id = m.mail_id
      WHERE m.public_id = ${id}`;
    return row && fromExtractionColumns(row);
  }

  async saveExtraction(id: string, extraction: Extraction): Promise<void> {
    const { codes, links } = toExtractionColumns(extraction);
    // The first reading stays.
    await this.#sql`
      UPDATE mails SET codes = ${codes}, links = ${links}
      WHERE id = (SELECT mail_id FROM messages WHERE public_id = ${id}) AND codes IS NULL`;
  }

  async readChunk(uuid: string, part: ChunkedPart, seq: number): Promise<Buffer | undefined> {
    const [row] = await this.#sql<{ data: Buffer }[]>`
      SELECT c.data FROM messages m JOIN mail_chunks c ON c.mail_id = m.mail_id
      WHERE m.uuid = ${uuid} AND c.part = ${part} AND c.seq = ${seq}`;
    return row?.data;
  }
}
