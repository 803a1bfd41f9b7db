// PostgreSQL for tests: the server in BURNBOX_TEST_DATABASE_URL (default: a local one with
// trust authentication), each test on a fresh schema of its own that is dropped afterwards.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { PostgresStore } from '../../src/store/postgres/store.ts';

export function postgresUrl(): string {
  return process.env.BURNBOX_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
}

/**
 * Why PostgreSQL tests cannot run here, or undefined when they can. In CI an unreachable
 * server is a failure, elsewhere the tests are skipped with this reason.
 */
export async function postgresUnavailable(): Promise<string | undefined> {
  const url = postgresUrl();
  const sql = postgres(url, { max: 1, connect_timeout: 2, idle_timeout: 1, onnotice: () => {} });
  let error: unknown;
  try {
    await Promise.race([
      sql`SELECT 1`,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref()),
    ]);
  } catch (err) {
    error = err;
  } finally {
    await sql.end({ timeout: 0 }).catch(() => {});
  }
  if (error === undefined) return undefined;
  const shown = redact(url);
  const reason = `no PostgreSQL at ${shown} (${(error as Error).message ?? error}): start it or set BURNBOX_TEST_DATABASE_URL`;
  if (process.env.CI) throw new Error(`PostgreSQL tests must run in CI, but there is ${reason}.`);
  return reason;
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** A schema name no other test uses. */
export function freshSchemaName(prefix = 'bb_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Drops a schema with everything in it, on a connection of its own. */
export async function dropSchema(schema: string): Promise<void> {
  const sql = postgres(postgresUrl(), { max: 1, onnotice: () => {} });
  try {
    await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** A PostgresStore on a new schema; cleanup closes it and drops the schema. */
export async function freshSchemaStore(
  options: { max?: number } = {},
): Promise<{ store: PostgresStore; schema: string; cleanup(): Promise<void> }> {
  const schema = freshSchemaName();
  const store = await PostgresStore.open(postgresUrl(), { schema, max: options.max ?? 4 });
  return {
    store,
    schema,
    async cleanup() {
      try {
        await store.sql`DROP SCHEMA IF EXISTS ${store.sql(schema)} CASCADE`;
      } finally {
        await store.close();
      }
    },
  };
}
