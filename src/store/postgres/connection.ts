// The connection every part of the PostgreSQL store shares: a postgres.js pool whose int8
// values arrive as numbers.
import postgres from 'postgres';

/** A postgres.js connection (pool) whose int8 values arrive as numbers. */
export type PostgresSql = postgres.Sql<{ bigint: number }>;
export type Tx = postgres.TransactionSql<{ bigint: number }>;
/** The pool or a transaction. */
export type Queryable = postgres.ISql<{ bigint: number }>;

export interface PostgresStoreOptions {
  /** Schema for every table (created when missing): the connection's search_path. */
  schema?: string;
  /** Connections in the pool (default 10). */
  max?: number;
}

/** Connects with the options the store relies on; `open` migrates it too. */
export function connectPostgres(url: string, options: PostgresStoreOptions = {}): PostgresSql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    ...(options.schema ? { connection: { search_path: quoteIdentifier(options.schema) } } : {}),
    types: {
      // Ids, times and counts: all far below 2^53.
      bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
    },
  });
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
