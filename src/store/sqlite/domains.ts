// The hosted domains: the ones this server receives mail for.
import type { DomainType } from '../../config/plans.ts';
import type { DomainRecord } from '../types.ts';
import type { SqliteConnection } from './connection.ts';
import { type DomainRow, toDomain } from './rows.ts';

export class SqliteDomains {
  readonly #db: SqliteConnection;

  constructor(db: SqliteConnection) {
    this.#db = db;
  }

  async upsertDomain(name: string, type: DomainType, now: number): Promise<DomainRecord> {
    this.#db.run(
      'INSERT INTO domains (name, type, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET type = excluded.type',
      name,
      type,
      now,
    );
    return toDomain(this.#db.get<DomainRow>('SELECT * FROM domains WHERE name = ?', name) as DomainRow);
  }

  async removeDomain(name: string): Promise<boolean> {
    return this.#db.run('DELETE FROM domains WHERE name = ?', name).changes > 0;
  }

  async listDomains(): Promise<DomainRecord[]> {
    return this.#db.all<DomainRow>('SELECT * FROM domains ORDER BY name').map(toDomain);
  }

  async getDomain(name: string): Promise<DomainRecord | undefined> {
    const row = this.#db.get<DomainRow>('SELECT * FROM domains WHERE name = ?', name);
    return row && toDomain(row);
  }
}
