// Blob store in PostgreSQL (tables blobs and blob_chunks, see the store's migrations), so
// processes on several machines share message bytes with nothing but the database. A blob is
// a header row (size, chunk size) and fixed-size chunks written in one transaction: it is
// either complete or absent. Reads stream a few chunks per query, only those overlapping the
// range asked for, trimmed by the server: a large blob is never in memory at once.
import { Readable } from 'node:stream';
import type { Sql } from 'postgres';
import type { BlobSource, BlobStore } from './types.ts';

/** Chunk size of new blobs. */
export const blobChunkBytes = 256 * 1024;
/** Chunks fetched per query while reading. */
const chunksPerFetch = 4;
/** Chunk inserts in flight at once while writing (pipelined on the transaction's connection). */
const insertsInFlight = 4;

/** The error a read of a missing blob fails with, like the disk store's (code ENOENT). */
function missingBlob(key: string): Error {
  return Object.assign(new Error(`ENOENT: no blob ${JSON.stringify(key)}`), { code: 'ENOENT' });
}

export class PostgresBlobStore implements BlobStore {
  readonly #sql: Sql;
  readonly #chunkBytes: number;

  /** `sql` is a connection to a database migrated by PostgresStore (which owns and closes it). */
  constructor(sql: Sql, options: { chunkBytes?: number } = {}) {
    this.#sql = sql;
    this.#chunkBytes = options.chunkBytes ?? blobChunkBytes;
  }

  async put(key: string, chunks: BlobSource): Promise<void> {
    const chunkBytes = this.#chunkBytes;
    await this.#sql.begin(async (tx) => {
      // A blob written again under its key is replaced whole. Its size is known once the source
      // is read (it may be a stream); nobody sees the row before the commit.
      await tx`DELETE FROM blobs WHERE key = ${key}`;
      await tx`INSERT INTO blobs (key, size, chunk_size) VALUES (${key}, 0, ${chunkBytes})`;
      let inFlight: Promise<unknown>[] = [];
      let seq = 0;
      let size = 0;
      for await (const piece of pieces(chunks, chunkBytes)) {
        size += piece.length;
        const insert =
          tx`INSERT INTO blob_chunks (key, seq, data) VALUES (${key}, ${seq++}, ${piece})`.execute();
        // Observed now, awaited below: a failure while the source is being read must not be an
        // unhandled rejection.
        insert.catch(() => {});
        inFlight.push(insert);
        if (inFlight.length === insertsInFlight) {
          await Promise.all(inFlight);
          inFlight = [];
        }
      }
      await Promise.all(inFlight);
      await tx`UPDATE blobs SET size = ${size} WHERE key = ${key}`;
    });
  }

  read(key: string, range?: { start: number; end: number }): Readable {
    if (range && range.end <= range.start) return Readable.from([]);
    return Readable.from(this.#chunks(key, range), { objectMode: false });
  }

  async *#chunks(key: string, range?: { start: number; end: number }): AsyncGenerator<Buffer> {
    const sql = this.#sql;
    const [blob] = await sql<{ size: number | string; chunk_size: number }[]>`
      SELECT size, chunk_size FROM blobs WHERE key = ${key}`;
    if (!blob) throw missingBlob(key);
    const size = Number(blob.size);
    const chunkBytes = blob.chunk_size;
    // Like a file read: a range reaching past the end stops at the end.
    const start = Math.min(Math.max(range?.start ?? 0, 0), size);
    const end = Math.min(range?.end ?? size, size);
    if (end <= start) return;
    const last = Math.floor((end - 1) / chunkBytes);
    for (let first = Math.floor(start / chunkBytes); first <= last; first += chunksPerFetch) {
      const upTo = Math.min(first + chunksPerFetch - 1, last);
      // Each chunk cut to [start, end) by the server: from = max(start - offset, 0), to =
      // min(end - offset, chunk size), offset being the chunk's place in the blob.
      const rows = await sql<{ seq: number; data: Buffer }[]>`
        SELECT seq, substring(data
          FROM (greatest(${start}::bigint - seq::bigint * ${chunkBytes}, 0) + 1)::int
          FOR (least(${end}::bigint - seq::bigint * ${chunkBytes}, ${chunkBytes})
            - greatest(${start}::bigint - seq::bigint * ${chunkBytes}, 0))::int) AS data
        FROM blob_chunks WHERE key = ${key} AND seq BETWEEN ${first} AND ${upTo} ORDER BY seq`;
      if (rows.length !== upTo - first + 1) throw missingBlob(key); // deleted while being read
      for (const row of rows) yield row.data;
    }
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#sql`DELETE FROM blobs WHERE key = ANY(${keys}::text[])`;
  }
}

/** The concatenation of `chunks` cut into pieces of `size` bytes (the last may be shorter). */
async function* pieces(chunks: BlobSource, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let filled = 0;
  for await (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(size - filled, chunk.length - offset);
      parts.push(chunk.subarray(offset, offset + take));
      filled += take;
      offset += take;
      if (filled === size) {
        yield parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
        parts = [];
        filled = 0;
      }
    }
  }
  if (filled > 0) yield Buffer.concat(parts, filled);
}
