// Mailboxes: claims, lookups, extension and release (with the quarantine of released addresses).
import type { ClaimRequest, ClaimResult, MailboxRecord, Page, PageCursor, Released } from '../types.ts';
import type { SqliteConnection } from './connection.ts';
import { type MailboxRow, toMailbox } from './rows.ts';

/** Thrown inside the claim transaction to roll it back; turned into a refusal result. */
class ClaimRefused extends Error {
  readonly reason: 'quarantined' | 'replaced_missing' | 'limit_reached';
  constructor(reason: 'quarantined' | 'replaced_missing' | 'limit_reached') {
    super(reason);
    this.reason = reason;
  }
}

export class SqliteMailboxes {
  readonly #db: SqliteConnection;

  constructor(db: SqliteConnection) {
    this.#db = db;
  }

  async claimMailbox(request: ClaimRequest): Promise<ClaimResult> {
    try {
      return this.#claimMailbox(request);
    } catch (err) {
      // A refusal rolls back everything the claim did (e.g. releasing an expired mailbox,
      // whose blob keys a refusal cannot report): a refused claim changes nothing.
      if (err instanceof ClaimRefused) return { ok: false, reason: err.reason };
      throw err;
    }
  }

  #claimMailbox(request: ClaimRequest): ClaimResult {
    return this.#db
      .transaction((): ClaimResult => {
        const { mailbox, now, quarantineMs } = request;
        const address = `${mailbox.localPart}@${mailbox.domain}`;
        const releasedBlobKeys: string[] = [];
        const existing = this.#db.get<MailboxRow>('SELECT * FROM mailboxes WHERE address = ?', address);
        if (existing) {
          if (existing.expires_at === null || existing.expires_at > now)
            return { ok: false, reason: 'taken' };
          releasedBlobKeys.push(...releaseMailboxRow(this.#db, existing, existing.expires_at, quarantineMs));
        }
        const held = this.#db.get<{ user_id: number | null }>(
          'SELECT user_id FROM released_addresses WHERE address = ? AND until > ?',
          address,
          now,
        );
        if (held && (held.user_id === null || held.user_id !== mailbox.userId)) {
          throw new ClaimRefused('quarantined');
        }
        if (request.replacesMailboxId !== undefined) {
          const old = this.#db.get<MailboxRow>(
            'SELECT * FROM mailboxes WHERE id = ? AND user_id IS ? AND (expires_at IS NULL OR expires_at > ?)',
            request.replacesMailboxId,
            mailbox.userId,
            now,
          );
          if (!old) throw new ClaimRefused('replaced_missing');
          releasedBlobKeys.push(...releaseMailboxRow(this.#db, old, now, quarantineMs));
        }
        if (request.maxLiveMailboxes !== undefined && mailbox.userId !== null) {
          const live = this.#db.get<{ n: number }>(
            'SELECT count(*) AS n FROM mailboxes WHERE user_id = ? AND (expires_at IS NULL OR expires_at > ?)',
            mailbox.userId,
            now,
          )?.n as number;
          if (live >= request.maxLiveMailboxes) throw new ClaimRefused('limit_reached');
        }
        this.#db.run('DELETE FROM released_addresses WHERE address = ?', address);
        const result = this.#db.run(
          `INSERT INTO mailboxes (uuid, address, local_part, domain, user_id, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
          mailbox.uuid,
          address,
          mailbox.localPart,
          mailbox.domain,
          mailbox.userId,
          mailbox.createdAt,
          mailbox.expiresAt,
        );
        return {
          ok: true,
          mailbox: { ...mailbox, id: Number(result.lastInsertRowid), address },
          releasedBlobKeys,
        };
      })
      .immediate();
  }

  async getMailbox(id: number): Promise<MailboxRecord | undefined> {
    const row = this.#db.get<MailboxRow>('SELECT * FROM mailboxes WHERE id = ?', id);
    return row && toMailbox(row);
  }

  async getMailboxByUuid(uuid: string): Promise<MailboxRecord | undefined> {
    const row = this.#db.get<MailboxRow>('SELECT * FROM mailboxes WHERE uuid = ?', uuid);
    return row && toMailbox(row);
  }

  async getMailboxByAddress(address: string): Promise<MailboxRecord | undefined> {
    const row = this.#db.get<MailboxRow>('SELECT * FROM mailboxes WHERE address = ?', address);
    return row && toMailbox(row);
  }

  async listMailboxesOfUser(userId: number, now: number): Promise<MailboxRecord[]> {
    return this.#db
      .all<MailboxRow>(
        `SELECT * FROM mailboxes WHERE user_id = ? AND (expires_at IS NULL OR expires_at > ?)
       ORDER BY created_at DESC, id DESC`,
        userId,
        now,
      )
      .map(toMailbox);
  }

  extendMailbox(id: number, expiresAt: number): Promise<boolean> {
    return this.#db.groupCommit(
      () => this.#db.run('UPDATE mailboxes SET expires_at = ? WHERE id = ?', expiresAt, id).changes > 0,
    );
  }

  async releaseMailbox(
    id: number,
    now: number,
    quarantineMs: number,
  ): Promise<Released & { released: boolean }> {
    return this.#db
      .transaction(() => {
        const row = this.#db.get<MailboxRow>('SELECT * FROM mailboxes WHERE id = ?', id);
        if (!row) return { released: false, blobKeys: [] };
        return { released: true, blobKeys: releaseMailboxRow(this.#db, row, now, quarantineMs) };
      })
      .immediate();
  }

  async releaseExpiredMailboxes(
    now: number,
    limit: number,
    quarantineMs: number,
  ): Promise<Released & { count: number; mailboxes: MailboxRecord[] }> {
    return this.#db
      .transaction(() => {
        const rows = this.#db.all<MailboxRow>(
          'SELECT * FROM mailboxes WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?',
          now,
          limit,
        );
        const blobKeys = rows.flatMap((row) =>
          releaseMailboxRow(this.#db, row, row.expires_at as number, quarantineMs),
        );
        return { count: rows.length, blobKeys, mailboxes: rows.map(toMailbox) };
      })
      .immediate();
  }

  // --- key dialect pages ---

  async listMailboxesPage(
    userId: number,
    now: number,
    limit: number,
    cursor?: PageCursor,
  ): Promise<Page<MailboxRecord>> {
    const live = 'user_id = ? AND (expires_at IS NULL OR expires_at > ?)';
    const items = this.#db
      .all<MailboxRow>(
        `SELECT * FROM mailboxes WHERE ${live}
       AND (? IS NULL OR created_at < ? OR (created_at = ? AND uuid < ?))
       ORDER BY created_at DESC, uuid DESC LIMIT ?`,
        userId,
        now,
        cursor?.at ?? null,
        cursor?.at ?? null,
        cursor?.at ?? null,
        cursor?.uuid ?? null,
        limit,
      )
      .map(toMailbox);
    const total =
      this.#db.get<{ n: number }>(`SELECT count(*) AS n FROM mailboxes WHERE ${live}`, userId, now)?.n ?? 0;
    return { items, total };
  }
}

/** Deletes a mailbox with its messages, quarantines the address; returns orphaned blob keys. */
export function releaseMailboxRow(
  db: SqliteConnection,
  mailbox: MailboxRow,
  releasedAt: number,
  quarantineMs: number,
): string[] {
  const mailIds = db
    .all<{ mail_id: number }>('SELECT DISTINCT mail_id FROM messages WHERE mailbox_id = ?', mailbox.id)
    .map((r) => r.mail_id);
  db.run('DELETE FROM messages WHERE mailbox_id = ?', mailbox.id);
  db.run('DELETE FROM mailboxes WHERE id = ?', mailbox.id);
  if (quarantineMs > 0) {
    db.run(
      `INSERT INTO released_addresses (address, user_id, until) VALUES (?, ?, ?)
       ON CONFLICT (address) DO UPDATE SET user_id = excluded.user_id, until = excluded.until`,
      mailbox.address,
      mailbox.user_id,
      releasedAt + quarantineMs,
    );
  }
  return deleteOrphanMails(db, mailIds);
}

/**
 * Deletes the given mails if no message refers to them any more, with their inline bytes;
 * returns the blob keys of those kept in the blob store, for the caller to delete.
 */
export function deleteOrphanMails(db: SqliteConnection, mailIds: number[]): string[] {
  const keys: string[] = [];
  const statement = db.statement(
    'DELETE FROM mails WHERE id = ? AND NOT EXISTS (SELECT 1 FROM messages WHERE mail_id = ?) RETURNING blob_key',
  );
  const deleteInline = db.statement('DELETE FROM inline_blobs WHERE key = ?');
  for (const id of mailIds) {
    const row = statement.get(id, id) as { blob_key: string } | undefined;
    if (row && deleteInline.run(row.blob_key).changes === 0) keys.push(row.blob_key);
  }
  return keys;
}
