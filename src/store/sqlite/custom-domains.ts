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
import type { SqliteConnection } from './connection.ts';
import { releaseMailboxRow } from './mailboxes.ts';
import { type MailboxRow, toMailbox } from './rows.ts';

export class SqliteCustomDomains {
  readonly #db: SqliteConnection;

  constructor(db: SqliteConnection) {
    this.#db = db;
  }

  async addCustomDomain(claim: NewCustomDomain, maxPerUser: number): Promise<CustomDomainAddResult> {
    return this.#db
      .transaction((): CustomDomainAddResult => {
        if (this.#db.get('SELECT 1 FROM domains WHERE name = ?', claim.name))
          return { ok: false, reason: 'hosted' };
        const verified = this.#db.get<CustomDomainRow>(
          "SELECT * FROM custom_domains WHERE name = ? AND status = 'verified'",
          claim.name,
        );
        if (verified && verified.user_id !== claim.userId) return { ok: false, reason: 'taken' };
        if (
          this.#db.get(
            'SELECT 1 FROM custom_domains WHERE name = ? AND user_id = ?',
            claim.name,
            claim.userId,
          )
        )
          return { ok: false, reason: 'exists' };
        const held = this.#db.get<{ n: number }>(
          'SELECT count(*) AS n FROM custom_domains WHERE user_id = ?',
          claim.userId,
        )?.n as number;
        if (held >= maxPerUser) return { ok: false, reason: 'limit_reached' };
        const verifiedAt = claim.status === 'verified' ? claim.createdAt : null;
        if (verifiedAt !== null) this.#failOtherClaims(claim.name, claim.userId, claim.createdAt);
        this.#db.run(
          `INSERT INTO custom_domains (name, user_id, token, status, created_at, verified_at, next_check_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          claim.name,
          claim.userId,
          claim.token,
          claim.status,
          claim.createdAt,
          verifiedAt,
          claim.nextCheckAt,
        );
        return { ok: true, record: this.#customDomain(claim.name, claim.userId) as CustomDomainRecord };
      })
      .immediate();
  }

  /** Every other claim on the name that is still pending fails: the name has its owner. */
  #failOtherClaims(name: string, winner: number, at: number): void {
    this.#db.run(
      `UPDATE custom_domains SET status = 'failed', last_problem = ?, checked_at = ?
       WHERE name = ? AND user_id <> ? AND status = 'pending'`,
      lostToAnotherClaim,
      at,
      name,
      winner,
    );
  }

  #customDomain(name: string, userId: number): CustomDomainRecord | undefined {
    const row = this.#db.get<CustomDomainRow>(
      'SELECT * FROM custom_domains WHERE name = ? AND user_id = ?',
      name,
      userId,
    );
    return row && toCustomDomain(row);
  }

  async getCustomDomain(name: string, userId: number): Promise<CustomDomainRecord | undefined> {
    return this.#customDomain(name, userId);
  }

  async getVerifiedCustomDomain(name: string): Promise<CustomDomainRecord | undefined> {
    const row = this.#db.get<CustomDomainRow>(
      "SELECT * FROM custom_domains WHERE name = ? AND status = 'verified'",
      name,
    );
    return row && toCustomDomain(row);
  }

  async listCustomDomainsOfUser(userId: number): Promise<CustomDomainRecord[]> {
    return this.#db
      .all<CustomDomainRow>('SELECT * FROM custom_domains WHERE user_id = ? ORDER BY name', userId)
      .map(toCustomDomain);
  }

  async listCustomDomains(): Promise<CustomDomainRecord[]> {
    return this.#db
      .all<CustomDomainRow>('SELECT * FROM custom_domains ORDER BY name, user_id')
      .map(toCustomDomain);
  }

  async settleCustomDomainCheck(
    name: string,
    userId: number,
    outcome: CustomDomainCheckOutcome,
  ): Promise<CustomDomainRecord | undefined> {
    return this.#db
      .transaction(() => {
        const current = this.#customDomain(name, userId);
        if (!current) return undefined;
        if (outcome.kind === 'verified') {
          if (current.status === 'verified') {
            this.#db.run(
              'UPDATE custom_domains SET checked_at = ?, last_problem = NULL WHERE name = ? AND user_id = ?',
              outcome.at,
              name,
              userId,
            );
            return this.#customDomain(name, userId);
          }
          const otherOwner = this.#db.get(
            "SELECT 1 FROM custom_domains WHERE name = ? AND status = 'verified' AND user_id <> ?",
            name,
            userId,
          );
          const hosted = this.#db.get('SELECT 1 FROM domains WHERE name = ?', name);
          if (otherOwner || hosted) {
            this.#db.run(
              `UPDATE custom_domains SET status = 'failed', checked_at = ?, last_problem = ?
               WHERE name = ? AND user_id = ?`,
              outcome.at,
              hosted ? 'The domain is hosted by this server already.' : lostToAnotherClaim,
              name,
              userId,
            );
            return this.#customDomain(name, userId);
          }
          this.#failOtherClaims(name, userId, outcome.at);
          this.#db.run(
            `UPDATE custom_domains SET status = 'verified', checked_at = ?, verified_at = ?, last_problem = NULL
             WHERE name = ? AND user_id = ?`,
            outcome.at,
            outcome.at,
            name,
            userId,
          );
        } else {
          this.#db.run(
            `UPDATE custom_domains SET status = ?, checked_at = ?, last_problem = ?, next_check_at = ?
             WHERE name = ? AND user_id = ?`,
            // A verified domain stays verified: a later look only records what it found.
            current.status === 'verified' ? 'verified' : outcome.kind,
            outcome.at,
            outcome.problem,
            outcome.kind === 'pending' ? outcome.nextCheckAt : current.nextCheckAt,
            name,
            userId,
          );
        }
        return this.#customDomain(name, userId);
      })
      .immediate();
  }

  async takeDueCustomDomainChecks(
    now: number,
    leaseUntil: number,
    limit: number,
  ): Promise<CustomDomainRecord[]> {
    return this.#db
      .transaction(() => {
        const rows = this.#db.all<CustomDomainRow>(
          `UPDATE custom_domains SET next_check_at = ?
           WHERE rowid IN (SELECT rowid FROM custom_domains WHERE status = 'pending' AND next_check_at <= ?
             ORDER BY next_check_at LIMIT ?)
           RETURNING *`,
          leaseUntil,
          now,
          limit,
        );
        return rows.map(toCustomDomain);
      })
      .immediate();
  }

  async setCustomDomainCatchAll(name: string, userId: number, address: string | null): Promise<boolean> {
    return (
      this.#db.run(
        'UPDATE custom_domains SET catch_all = ? WHERE name = ? AND user_id = ?',
        address,
        name,
        userId,
      ).changes > 0
    );
  }

  async removeCustomDomain(
    name: string,
    userId: number | undefined,
  ): Promise<Released & { removed: boolean; mailboxes: MailboxRecord[] }> {
    return this.#db
      .transaction(() => {
        const removed = this.#db.all<CustomDomainRow>(
          'DELETE FROM custom_domains WHERE name = ? AND (? IS NULL OR user_id = ?) RETURNING *',
          name,
          userId ?? null,
          userId ?? null,
        );
        // Mailboxes exist on a custom domain only while it is verified: a pending claim going
        // leaves alone the mailboxes of the account that owns the name.
        if (!removed.some((r) => r.status === 'verified')) {
          return { removed: removed.length > 0, blobKeys: [], mailboxes: [] };
        }
        const rows = this.#db.all<MailboxRow>('SELECT * FROM mailboxes WHERE domain = ?', name);
        const blobKeys = rows.flatMap((row) => releaseMailboxRow(this.#db, row, 0, 0));
        this.#db.run('DELETE FROM released_addresses WHERE address LIKE ?', `%@${name}`);
        return { removed: true, blobKeys, mailboxes: rows.map(toMailbox) };
      })
      .immediate();
  }
}
