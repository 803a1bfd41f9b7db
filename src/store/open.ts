// Opens the configured backend: embedded SQLite with message files on disk, or PostgreSQL
// holding everything (message bytes too) plus the event transport that lets several processes
// act as one service. Migrations run on open, in both.
import path from 'node:path';
import { DiskBlobStore } from '../blobs/disk.ts';
import type { BlobStore } from '../blobs/types.ts';
import { type Config, printableConfig } from '../config/settings.ts';
import type { EventTransport } from '../domain/event-relay.ts';
import { preparePrivateDataDir } from '../fs/private-files.ts';
import { PostgresNotifyTransport } from './postgres/notify.ts';
import { PostgresStore } from './postgres/store.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './types.ts';

export interface Backend {
  kind: 'sqlite' | 'postgres';
  store: Store;
  blobs: BlobStore;
  /** Present when other processes may share the data: their events arrive through it. */
  transport?: EventTransport;
}

/** The configured database cannot be opened (unreachable, refused, missing). */
export class DatabaseUnavailable extends Error {}

async function openPostgres(config: Config & { databaseUrl: string }): Promise<PostgresStore> {
  try {
    return await PostgresStore.open(config.databaseUrl, { schema: config.databaseSchema });
  } catch (err) {
    const where = printableConfig(config).databaseUrl;
    throw new DatabaseUnavailable(
      `cannot open the PostgreSQL database at ${where}: ${(err as Error).message}`,
    );
  }
}

export async function openBackend(config: Config): Promise<Backend> {
  if (config.databaseUrl) {
    const store = await openPostgres({ ...config, databaseUrl: config.databaseUrl });
    return {
      kind: 'postgres',
      store,
      blobs: store.blobStore(),
      transport: new PostgresNotifyTransport(
        store.sql,
        config.databaseSchema === 'public' ? '' : config.databaseSchema,
      ),
    };
  }
  // Everything in it is private to the server's user: made so, and tightened if it was not.
  preparePrivateDataDir(config.dataDir);
  return {
    kind: 'sqlite',
    store: new SqliteStore(path.join(config.dataDir, 'burnbox.db'), { sync: config.syncWrites }),
    blobs: new DiskBlobStore(path.join(config.dataDir, 'blobs'), { sync: config.syncWrites }),
  };
}
