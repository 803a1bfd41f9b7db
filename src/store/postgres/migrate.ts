// Applies the versioned SQL files in ./migrations that are not applied yet, in order, in one
// transaction holding a transaction-scoped advisory lock: several processes starting at once
// on one database wait for each other, and the later ones find nothing left to do. Applied
// versions (file names without .sql) are recorded in schema_migrations.
import { readdir, readFile } from 'node:fs/promises';
import type { Sql } from 'postgres';

const migrationsDir = new URL('./migrations/', import.meta.url);

/** The advisory lock taken while migrating: 'burnbox' in ASCII, one key for the whole database. */
const lockKey = "x'6275726e626f78'::bigint";

export interface MigrateOptions {
  /** Created first (under the lock) when missing: the schema the connection's search_path names. */
  schema?: string;
}

async function migrationFiles(): Promise<string[]> {
  return (await readdir(migrationsDir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
}

/** The migrations (versions: file names without .sql) this version has that the database has not applied. */
export async function pendingPostgresMigrations(sql: Sql): Promise<string[]> {
  const applied = new Set(
    (await sql<{ version: string }[]>`SELECT version FROM schema_migrations`).map((r) => r.version),
  );
  return (await migrationFiles()).map((f) => f.replace(/\.sql$/, '')).filter((v) => !applied.has(v));
}

/** Applies the pending migrations; returns the versions this call applied (none when up to date). */
export async function migratePostgres(
  sql: Sql,
  options: MigrateOptions = {},
): Promise<{ applied: string[] }> {
  const files = await migrationFiles();
  const scripts = await Promise.all(files.map((f) => readFile(new URL(f, migrationsDir), 'utf8')));
  return sql.begin(async (tx) => {
    await tx.unsafe(`SELECT pg_advisory_xact_lock(${lockKey})`);
    // Looked up first: CREATE SCHEMA needs a privilege on the database even when it exists.
    if (
      options.schema &&
      (await tx`SELECT 1 FROM pg_namespace WHERE nspname = ${options.schema}`).length === 0
    ) {
      await tx`CREATE SCHEMA ${tx(options.schema)}`;
    }
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      applied_at bigint NOT NULL
    )`;
    const done = new Set(
      (await tx<{ version: string }[]>`SELECT version FROM schema_migrations`).map((r) => r.version),
    );
    const applied: string[] = [];
    for (const [i, file] of files.entries()) {
      const version = file.replace(/\.sql$/, '');
      if (done.has(version)) continue;
      await tx.unsafe(scripts[i] as string);
      await tx`INSERT INTO schema_migrations (version, applied_at) VALUES (${version}, ${Date.now()})`;
      applied.push(version);
    }
    return { applied };
  });
}
