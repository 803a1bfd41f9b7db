// Copies an embedded installation (SQLite database + message files) into PostgreSQL, so that
// a user who outgrows one machine keeps everything: users and keys, mailboxes, messages with
// their bytes, webhooks and their queue, sessions. Both schemas have the same tables and
// columns; values are converted by the PostgreSQL column's type. The target must be empty.
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SerializableParameter, Sql } from 'postgres';
import { DiskBlobStore } from '../blobs/disk.ts';
import type { BlobStore } from '../blobs/types.ts';
import { toDbText } from './postgres/rows.ts';

/** Tables in an order that respects foreign keys. */
export const copiedTables = [
  'secrets',
  'domains',
  'users',
  'custom_domains',
  'api_keys',
  'request_counts',
  'mailboxes',
  'released_addresses',
  'mails',
  'mail_auth',
  'mail_derived',
  'mail_chunks',
  'messages',
  'received_per_hour',
  'inline_blobs',
  'webhooks',
  'webhook_outbox',
  'webhook_attempts',
  'sessions',
  'rate_limits',
] as const;

const batchRows = 500;

export interface CopyProgress {
  /** Called once with the amount of work, then with each step done. */
  start(total: number): void;
  advance(by: number): void;
}

export interface CopySource {
  dataDir: string;
}

type Row = Record<string, unknown>;

function convert(value: unknown, pgType: string): unknown {
  if (value === null || value === undefined) return null;
  if (pgType === 'boolean') return Boolean(value);
  if (pgType === 'bytea' && typeof value === 'string') return Buffer.from(value, 'utf8');
  if (pgType === 'text' && typeof value === 'string') return toDbText(value);
  return value;
}

async function columnTypes(sql: Sql, table: string): Promise<Map<string, string>> {
  const rows = await sql<{ column_name: string; data_type: string }[]>`
    SELECT column_name, data_type FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = ${table}`;
  return new Map(rows.map((r) => [r.column_name, r.data_type]));
}

/**
 * Copies every table, then the message files the SQLite installation kept on disk (blobs
 * larger than its inline limit) into `targetBlobs`. Refuses a target that already has users or
 * messages, so it cannot mix two installations.
 */
export async function copySqliteToPostgres(
  source: CopySource,
  sql: Sql,
  targetBlobs: BlobStore,
  progress: CopyProgress,
): Promise<{ rows: number; blobs: number }> {
  const db = new Database(path.join(source.dataDir, 'burnbox.db'), { readonly: true, fileMustExist: true });
  try {
    const [existing] = await sql<{ n: number }[]>`
      SELECT (SELECT count(*) FROM users)::int + (SELECT count(*) FROM mails)::int AS n`;
    if ((existing?.n ?? 0) > 0)
      throw new Error('The PostgreSQL database already holds data; copy into an empty one.');
    const sourceTables = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
        (t) => t.name,
      ),
    );
    const tables = copiedTables.filter((t) => sourceTables.has(t));
    const counts = tables.map((t) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n);
    const diskKeys = db
      .prepare('SELECT blob_key AS key FROM mails WHERE blob_key NOT IN (SELECT key FROM inline_blobs)')
      .all() as { key: string }[];
    progress.start(counts.reduce((sum, n) => sum + n, 0) + diskKeys.length);

    let rows = 0;
    await sql.begin(async (tx) => {
      for (const table of tables) {
        const types = await columnTypes(tx as unknown as Sql, table);
        const insert = async (batch: Row[]) => {
          const columns = Object.keys(batch[0] as Row).filter((c) => types.has(c));
          const converted = batch.map(
            (row) =>
              Object.fromEntries(columns.map((c) => [c, convert(row[c], types.get(c) as string)])) as Record<
                string,
                SerializableParameter
              >,
          );
          await tx`INSERT INTO ${tx(table)} ${tx(converted, columns)}`;
          rows += batch.length;
          progress.advance(batch.length);
        };
        // One pass over the table (iterate: never the whole table in memory), in batches.
        let batch: Row[] = [];
        for (const row of db.prepare(`SELECT * FROM ${table}`).iterate() as Iterable<Row>) {
          batch.push(row);
          if (batch.length === batchRows) {
            await insert(batch);
            batch = [];
          }
        }
        if (batch.length > 0) await insert(batch);
        // Identity columns continue after the copied ids.
        if (types.has('id')) {
          await tx.unsafe(
            `SELECT setval(pg_get_serial_sequence('${table}', 'id'), GREATEST((SELECT max(id) FROM ${table}), 1))
             WHERE pg_get_serial_sequence('${table}', 'id') IS NOT NULL`,
          );
        }
      }
    });

    const disk = new DiskBlobStore(path.join(source.dataDir, 'blobs'), { sync: false });
    let blobs = 0;
    for (const { key } of diskKeys) {
      const chunks: Buffer[] = [];
      for await (const chunk of disk.read(key)) chunks.push(chunk as Buffer);
      await targetBlobs.put(key, chunks);
      blobs++;
      progress.advance(1);
    }
    return { rows, blobs };
  } finally {
    db.close();
  }
}
