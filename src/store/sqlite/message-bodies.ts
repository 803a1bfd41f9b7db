// What is kept beside a message: inline raw bytes, bodies derived from its HTML (in chunks), codes and links read from it.
import type { Extraction } from '../../mail/extract/types.ts';
import {
  type ExtractionColumns,
  fromExtractionColumns,
  toExtractionColumns,
  type UnreadExtractionColumns,
} from '../extraction-json.ts';
import type { ChunkedPart, DerivedBodies } from '../types.ts';
import type { SqliteConnection } from './connection.ts';

/** Stored documents and JSON fields are cut in chunks of this size, each read on its own. */
const chunkBytes = 256 * 1024;

export class SqliteMessageBodies {
  readonly #db: SqliteConnection;

  constructor(db: SqliteConnection) {
    this.#db = db;
  }

  async readInlineBlob(key: string, start: number, end: number): Promise<Buffer | undefined> {
    const row = this.#db.get<{ data: Buffer }>(
      'SELECT substr(data, ?, ?) AS data FROM inline_blobs WHERE key = ?',
      start + 1,
      Math.max(end - start, 0),
      key,
    );
    return row?.data;
  }

  async readChunk(uuid: string, part: ChunkedPart, seq: number): Promise<Buffer | undefined> {
    return this.#db.get<{ data: Buffer }>(
      `SELECT c.data FROM messages m JOIN mail_chunks c ON c.mail_id = m.mail_id
       WHERE m.uuid = ? AND c.part = ? AND c.seq = ?`,
      uuid,
      part,
      seq,
    )?.data;
  }

  async getHtmlText(uuid: string): Promise<string | undefined> {
    return this.#db.get<{ html_text: string }>(
      'SELECT d.html_text FROM messages m JOIN mail_derived d ON d.mail_id = m.mail_id WHERE m.uuid = ?',
      uuid,
    )?.html_text;
  }

  async getDocumentInfo(uuid: string): Promise<{ mailboxId: number; remoteImages: number } | undefined> {
    const row = this.#db.get<{ mailbox_id: number; remote_images: number }>(
      `SELECT m.mailbox_id, d.remote_images FROM messages m JOIN mail_derived d ON d.mail_id = m.mail_id
       WHERE m.uuid = ?`,
      uuid,
    );
    return row && { mailboxId: row.mailbox_id, remoteImages: row.remote_images };
  }

  async saveDerivedBodies(uuid: string, derived: DerivedBodies): Promise<void> {
    this.#db.transaction(() => {
      const row = this.#db.get<{ mail_id: number }>('SELECT mail_id FROM messages WHERE uuid = ?', uuid);
      if (row) insertDerived(this.#db, row.mail_id, derived);
    })();
  }

  async getExtraction(id: string): Promise<Extraction | undefined> {
    const row = this.#db.get<ExtractionColumns | UnreadExtractionColumns>(
      `SELECT ml.codes, ml.links FROM messages m JOIN mails ml ON ml.id = m.mail_id
       WHERE m.public_id = ?`,
      id,
    );
    return row && fromExtractionColumns(row);
  }

  async saveExtraction(id: string, extraction: Extraction): Promise<void> {
    const { codes, links } = toExtractionColumns(extraction);
    // Committed with the deliveries of the same moment (one fsync). The first reading stays.
    return this.#db.groupCommit(() => {
      this.#db.run(
        `UPDATE mails SET codes = ?, links = ?
         WHERE id = (SELECT mail_id FROM messages WHERE public_id = ?) AND codes IS NULL`,
        codes,
        links,
        id,
      );
    });
  }
}

export function insertDerived(db: SqliteConnection, mailId: number, derived: DerivedBodies): void {
  const inserted = db.run(
    `INSERT INTO mail_derived (mail_id, remote_images, html_text) VALUES (?, ?, ?)
     ON CONFLICT (mail_id) DO NOTHING`,
    mailId,
    derived.remoteImages,
    derived.htmlText,
  ).changes;
  if (!inserted) return;
  const insertChunk = db.statement('INSERT INTO mail_chunks (mail_id, part, seq, data) VALUES (?, ?, ?, ?)');
  const parts: [ChunkedPart, Buffer][] = [['document', derived.htmlDocument]];
  if (derived.json) parts.push(['content', derived.json.content], ['html', derived.json.html]);
  for (const [part, bytes] of parts) {
    // At least one chunk, even for an empty document: its presence says it was made.
    for (let seq = 0; seq === 0 || seq * chunkBytes < bytes.length; seq++) {
      insertChunk.run(mailId, part, seq, bytes.subarray(seq * chunkBytes, (seq + 1) * chunkBytes));
    }
  }
}
