// Domains users bring, their verification and catch-all address.
import { type CustomDomainRow, lostToAnotherClaim, toCustomDomain } from '../custom-domain-rows.ts';
import type {
  CustomDomainAddResult,
  CustomDomainCheckOutcome,
  CustomDomainRecord,
  MailboxRecord,
  NewCustomDomain,
  Released,
} from '../types.ts';
import type { PostgresSql, Tx } from './connection.ts';
import { releaseMailboxRows } from './mailboxes.ts';
import { type MailboxRow, toMailbox } from './rows.ts';

export class PostgresCustomDomains {
  readonly #sql: PostgresSql;

  constructor(sql: PostgresSql) {
    this.#sql = sql;
  }

  // Every change to the claims on one name takes a transaction-scoped advisory lock on the name
  // first, so two accounts verifying (or an operator attaching) at once are decided one after
  // the other; the unique index on verified names is the backstop.

  async #lockName(tx: Tx, name: string): Promise<void> {
    await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`custom-domain:${name}`}, 0))`;
  }

  async addCustomDomain(claim: NewCustomDomain, maxPerUser: number): Promise<CustomDomainAddResult> {
    return this.#sql.begin(async (tx): Promise<CustomDomainAddResult> => {
      await this.#lockName(tx, claim.name);
      if ((await tx`SELECT 1 FROM domains WHERE name = ${claim.name}`).length > 0)
        return { ok: false, reason: 'hosted' };
      const [verified] = await tx<CustomDomainRow[]>`
        SELECT * FROM custom_domains WHERE name = ${claim.name} AND status = 'verified'`;
      if (verified && verified.user_id !== claim.userId) return { ok: false, reason: 'taken' };
      const mine =
        await tx`SELECT 1 FROM custom_domains WHERE name = ${claim.name} AND user_id = ${claim.userId}`;
      if (mine.length > 0) return { ok: false, reason: 'exists' };
      // Claims of one user take turns on the user's row, so two at once cannot pass the cap.
      await tx`SELECT 1 FROM users WHERE id = ${claim.userId} FOR NO KEY UPDATE`;
      const [held] = await tx<{ n: number }[]>`
        SELECT count(*) AS n FROM custom_domains WHERE user_id = ${claim.userId}`;
      if ((held?.n ?? 0) >= maxPerUser) return { ok: false, reason: 'limit_reached' };
      const verifiedAt = claim.status === 'verified' ? claim.createdAt : null;
      if (verifiedAt !== null) await this.#failOtherClaims(tx, claim.name, claim.userId, claim.createdAt);
      const [row] = await tx<CustomDomainRow[]>`
        INSERT INTO custom_domains (name, user_id, token, status, created_at, verified_at, next_check_at)
        VALUES (${claim.name}, ${claim.userId}, ${claim.token}, ${claim.status}, ${claim.createdAt},
          ${verifiedAt}, ${claim.nextCheckAt})
        RETURNING *`;
      return { ok: true, record: toCustomDomain(row as CustomDomainRow) };
    });
  }

  /** Every other claim on the name that is still pending fails: the name has its owner. */
  async #failOtherClaims(tx: Tx, name: string, winner: number, at: number): Promise<void> {
    await tx`
      UPDATE custom_domains SET status = 'failed', last_problem = ${lostToAnotherClaim}, checked_at = ${at}
      WHERE name = ${name} AND user_id <> ${winner} AND status = 'pending'`;
  }

  async getCustomDomain(name: string, userId: number): Promise<CustomDomainRecord | undefined> {
    const [row] = await this.#sql<CustomDomainRow[]>`
      SELECT * FROM custom_domains WHERE name = ${name} AND user_id = ${userId}`;
    return row && toCustomDomain(row);
  }

  async getVerifiedCustomDomain(name: string): Promise<CustomDomainRecord | undefined> {
    const [row] = await this.#sql<CustomDomainRow[]>`
      SELECT * FROM custom_domains WHERE name = ${name} AND status = 'verified'`;
    return row && toCustomDomain(row);
  }

  async listCustomDomainsOfUser(userId: number): Promise<CustomDomainRecord[]> {
    const rows = await this.#sql<CustomDomainRow[]>`
      SELECT * FROM custom_domains WHERE user_id = ${userId} ORDER BY name`;
    return rows.map(toCustomDomain);
  }

  async listCustomDomains(): Promise<CustomDomainRecord[]> {
    const rows = await this.#sql<CustomDomainRow[]>`SELECT * FROM custom_domains ORDER BY name, user_id`;
    return rows.map(toCustomDomain);
  }

  async settleCustomDomainCheck(
    name: string,
    userId: number,
    outcome: CustomDomainCheckOutcome,
  ): Promise<CustomDomainRecord | undefined> {
    return this.#sql.begin(async (tx) => {
      await this.#lockName(tx, name);
      const [current] = await tx<CustomDomainRow[]>`
        SELECT * FROM custom_domains WHERE name = ${name} AND user_id = ${userId}`;
      if (!current) return undefined;
      let row: CustomDomainRow | undefined;
      if (outcome.kind === 'verified') {
        if (current.status === 'verified') {
          [row] = await tx<CustomDomainRow[]>`
            UPDATE custom_domains SET checked_at = ${outcome.at}, last_problem = NULL
            WHERE name = ${name} AND user_id = ${userId} RETURNING *`;
          return row && toCustomDomain(row);
        }
        const otherOwner = await tx`
          SELECT 1 FROM custom_domains WHERE name = ${name} AND status = 'verified' AND user_id <> ${userId}`;
        const hosted = (await tx`SELECT 1 FROM domains WHERE name = ${name}`).length > 0;
        if (otherOwner.length > 0 || hosted) {
          const problem = hosted ? 'The domain is hosted by this server already.' : lostToAnotherClaim;
          [row] = await tx<CustomDomainRow[]>`
            UPDATE custom_domains SET status = 'failed', checked_at = ${outcome.at}, last_problem = ${problem}
            WHERE name = ${name} AND user_id = ${userId} RETURNING *`;
          return row && toCustomDomain(row);
        }
        await this.#failOtherClaims(tx, name, userId, outcome.at);
        [row] = await tx<CustomDomainRow[]>`
          UPDATE custom_domains SET status = 'verified', checked_at = ${outcome.at}, verified_at = ${outcome.at},
            last_problem = NULL
          WHERE name = ${name} AND user_id = ${userId} RETURNING *`;
        return row && toCustomDomain(row);
      }
      // A verified domain stays verified: a later look only records what it found.
      const status = current.status === 'verified' ? 'verified' : outcome.kind;
      const next = outcome.kind === 'pending' ? outcome.nextCheckAt : current.next_check_at;
      [row] = await tx<CustomDomainRow[]>`
        UPDATE custom_domains SET status = ${status}, checked_at = ${outcome.at}, last_problem = ${outcome.problem},
          next_check_at = ${next}
        WHERE name = ${name} AND user_id = ${userId} RETURNING *`;
      return row && toCustomDomain(row);
    });
  }

  async takeDueCustomDomainChecks(
    now: number,
    leaseUntil: number,
    limit: number,
  ): Promise<CustomDomainRecord[]> {
    // Claims another process is taking are left to it.
    const rows = await this.#sql<CustomDomainRow[]>`
      UPDATE custom_domains SET next_check_at = ${leaseUntil}
      WHERE (name, user_id) IN (
        SELECT name, user_id FROM custom_domains WHERE status = 'pending' AND next_check_at <= ${now}
        ORDER BY next_check_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING *`;
    return rows.map(toCustomDomain);
  }

  async setCustomDomainCatchAll(name: string, userId: number, address: string | null): Promise<boolean> {
    const result = await this.#sql`
      UPDATE custom_domains SET catch_all = ${address} WHERE name = ${name} AND user_id = ${userId}`;
    return result.count > 0;
  }

  async removeCustomDomain(
    name: string,
    userId: number | undefined,
  ): Promise<Released & { removed: boolean; mailboxes: MailboxRecord[] }> {
    return this.#sql.begin(async (tx) => {
      await this.#lockName(tx, name);
      const removed = await tx<CustomDomainRow[]>`
        DELETE FROM custom_domains WHERE name = ${name} AND (${userId ?? null}::bigint IS NULL OR user_id = ${userId ?? null}::bigint)
        RETURNING *`;
      // Mailboxes exist on a custom domain only while it is verified: a pending claim going
      // leaves alone the mailboxes of the account that owns the name.
      if (!removed.some((r) => r.status === 'verified')) {
        return { removed: removed.length > 0, blobKeys: [], mailboxes: [] };
      }
      // Locked in id order, as claims and deliveries lock them.
      const rows = await tx<
        MailboxRow[]
      >`SELECT * FROM mailboxes WHERE domain = ${name} ORDER BY id FOR UPDATE`;
      const blobKeys = await releaseMailboxRows(
        tx,
        rows.map((row) => ({ row, releasedAt: 0 })),
        0,
      );
      await tx`DELETE FROM released_addresses WHERE address LIKE ${`%@${name}`}`;
      return { removed: true, blobKeys, mailboxes: rows.map(toMailbox) };
    });
  }
}
