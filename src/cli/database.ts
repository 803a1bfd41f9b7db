// Database commands: apply migrations, and copy an embedded installation into PostgreSQL.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PostgresBlobStore } from '../blobs/postgres.ts';
import type { Config } from '../config/settings.ts';
import { copySqliteToPostgres } from '../store/copy-sqlite-to-postgres.ts';
import { openBackend } from '../store/open.ts';
import type { PostgresStore } from '../store/postgres/store.ts';
import { ProgressBar } from './progress.ts';

export class CommandError extends Error {}

/** Opens the configured database, which applies any pending migration, and closes it. */
export async function migrateCommand(config: Config, out: (line: string) => void): Promise<void> {
  const backend = await openBackend(config);
  await backend.store.close();
  out(
    backend.kind === 'postgres'
      ? `PostgreSQL schema "${config.databaseSchema}" is up to date.`
      : `SQLite database in ${config.dataDir} is up to date.`,
  );
}

/** Copies the SQLite installation in `sourceDir` into the configured (empty) PostgreSQL. */
export async function importSqliteCommand(
  config: Config,
  sourceDir: string,
  out: (line: string) => void,
): Promise<void> {
  if (!config.databaseUrl) {
    throw new CommandError('Set BURNBOX_DATABASE_URL (or --database-url) to the PostgreSQL to copy into.');
  }
  const dataDir = path.resolve(sourceDir);
  if (!existsSync(path.join(dataDir, 'burnbox.db'))) {
    throw new CommandError(
      `There is no Burnbox database in ${dataDir} (expected ${path.join(dataDir, 'burnbox.db')}).`,
    );
  }
  const backend = await openBackend(config);
  const store = backend.store as PostgresStore;
  try {
    let bar: ProgressBar | undefined;
    const result = await copySqliteToPostgres({ dataDir }, store.sql, new PostgresBlobStore(store.sql), {
      start: (total) => {
        bar = new ProgressBar('copying', total);
      },
      advance: (by) => bar?.advance(by),
    });
    bar?.finish();
    out(`Copied ${result.rows} rows and ${result.blobs} message files from ${dataDir} into PostgreSQL.`);
  } finally {
    await store.close();
  }
}
