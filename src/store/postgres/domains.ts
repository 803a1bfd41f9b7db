// The hosted domains: the ones this server receives mail for.
import type { DomainType } from '../../config/plans.ts';
import type { DomainRecord } from '../types.ts';
import type { PostgresSql } from './connection.ts';
import { type DomainRow, toDomain } from './rows.ts';

export class PostgresDomains {
  readonly #sql: PostgresSql;

  constructor(sql: PostgresSql) {
    this.#sql = sql;
  }

  async upsertDomain(name: string, type: DomainType, now: number): Promise<DomainRecord> {
    const [row] = await this.#sql<DomainRow[]>`
      INSERT INTO domains (name, type, created_at) VALUES (${name}, ${type}, ${now})
      ON CONFLICT (name) DO UPDATE SET type = excluded.type RETURNING *`;
    return toDomain(row as DomainRow);
  }

  async removeDomain(name: string): Promise<boolean> {
    return (await this.#sql`DELETE FROM domains WHERE name = ${name}`).count > 0;
  }

  async listDomains(): Promise<DomainRecord[]> {
    return (await this.#sql<DomainRow[]>`SELECT * FROM domains ORDER BY name`).map(toDomain);
  }

  async getDomain(name: string): Promise<DomainRecord | undefined> {
    const [row] = await this.#sql<DomainRow[]>`SELECT * FROM domains WHERE name = ${name}`;
    return row && toDomain(row);
  }
}
