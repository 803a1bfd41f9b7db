// Applies the versioned SQL files in ./migrations in order, each in its own transaction.
// BEGIN IMMEDIATE takes the write lock first, so a CLI command and a running server starting
// at the same moment cannot both apply the same migration.
import { readdirSync, readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

const migrationsDir = new URL('./migrations/', import.meta.url);

function migrationFiles(): string[] {
  return readdirSync(migrationsDir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();
}

/** The migrations (file names) this version has that the database has not applied. */
export function pendingMigrations(db: Database): string[] {
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  return migrationFiles().filter((f) => !applied.has(Number.parseInt(f, 10)));
}

export function migrate(db: Database): number {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
  );
  const files = migrationFiles();
  let applied = 0;
  for (const file of files) {
    const version = Number.parseInt(file, 10);
    db.exec('BEGIN IMMEDIATE');
    try {
      const done = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(version);
      if (!done) {
        db.exec(readFileSync(new URL(file, migrationsDir), 'utf8'));
        db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
          version,
          Date.now(),
        );
        applied++;
      }
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
  return applied;
}
