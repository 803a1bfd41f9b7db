// Mailboxes: claims, lookups, extension and release (with the quarantine of released addresses).
import postgres from 'postgres';
import type { ClaimRequest, ClaimResult, MailboxRecord, Page, PageCursor, Released } from '../types.ts';
import type { PostgresSql, Tx } from './connection.ts';
import { type MailboxRow, toMailbox } from './rows.ts';

const live = (m: MailboxRow, now: number) => m.expires_at === null || m.expires_at > now;

/** A mailbox being released, and the time its quarantine counts from. */
interface Release {
  row: MailboxRow;
  releasedAt: number;
}

export class PostgresMailboxes {
  readonly #sql: PostgresSql;

  constructor(sql: PostgresSql) {
    this.#sql = sql;
  }

  async claimMailbox(request: ClaimRequest): Promise<ClaimResult> {
    try {
      return await this.#sql.begin((tx) => this.#claimMailbox(tx, request));
    } catch (err) {
      // Another process inserted the address between our look and our insert.
      if (isUniqueViolation(err, 'mailboxes_address_key')) return { ok: false, reason: 'taken' };
      throw err;
    }
  }

  /** Decides first, writes after: a refused claim changes nothing. */
  async #claimMailbox(tx: Tx, request: ClaimRequest): Promise<ClaimResult> {
    const { mailbox, now, quarantineMs } = request;
    const address = `${mailbox.localPart}@${mailbox.domain}`;
    // The mailbox on the address and the one replaced, locked in id order (as deliveries lock).
    const rows = await tx<MailboxRow[]>`
      SELECT * FROM mailboxes WHERE address = ${address} OR id = ${request.replacesMailboxId ?? null}::bigint
      ORDER BY id FOR UPDATE`;
    const existing = rows.find((r) => r.address === address);
    if (existing && live(existing, now)) return { ok: false, reason: 'taken' };

    // Releasing an expired mailbox on the address quarantines it for its owner from its expiry,
    // replacing any older hold; otherwise the hold is what is stored (read after the row locks,
    // so a release committed meanwhile is seen).
    const held =
      existing && quarantineMs > 0
        ? { user_id: existing.user_id, until: (existing.expires_at as number) + quarantineMs }
        : (
            await tx<{ user_id: number | null; until: number }[]>`
              SELECT user_id, until FROM released_addresses WHERE address = ${address}`
          )[0];
    if (held && held.until > now && (held.user_id === null || held.user_id !== mailbox.userId)) {
      return { ok: false, reason: 'quarantined' };
    }

    let old: MailboxRow | undefined;
    if (request.replacesMailboxId !== undefined) {
      old = rows.find(
        (r) => r.id === request.replacesMailboxId && r.user_id === mailbox.userId && live(r, now),
      );
      if (!old) return { ok: false, reason: 'replaced_missing' };
    }

    if (request.maxLiveMailboxes !== undefined && mailbox.userId !== null) {
      // Claims of one user under a cap take turns on the user's row; the count is a later
      // statement, so it sees every mailbox the previous holder committed.
      await tx`SELECT 1 FROM users WHERE id = ${mailbox.userId} FOR NO KEY UPDATE`;
      const [count] = await tx<{ n: number }[]>`
        SELECT count(*) AS n FROM mailboxes
        WHERE user_id = ${mailbox.userId} AND (expires_at IS NULL OR expires_at > ${now})`;
      // The replaced mailbox is released by this claim: it does not count.
      if ((count?.n ?? 0) - (old ? 1 : 0) >= request.maxLiveMailboxes) {
        return { ok: false, reason: 'limit_reached' };
      }
    }

    const releases: Release[] = [];
    if (existing) releases.push({ row: existing, releasedAt: existing.expires_at as number });
    if (old) releases.push({ row: old, releasedAt: now });
    const releasedBlobKeys = await releaseMailboxRows(tx, releases, quarantineMs);
    const [created] = await tx<{ id: number }[]>`
      WITH freed AS (DELETE FROM released_addresses WHERE address = ${address})
      INSERT INTO mailboxes (uuid, address, local_part, domain, user_id, created_at, expires_at)
      VALUES (${mailbox.uuid}, ${address}, ${mailbox.localPart}, ${mailbox.domain}, ${mailbox.userId},
        ${mailbox.createdAt}, ${mailbox.expiresAt})
      RETURNING id`;
    return {
      ok: true,
      mailbox: { ...mailbox, id: (created as { id: number }).id, address },
      releasedBlobKeys,
    };
  }

  async getMailbox(id: number): Promise<MailboxRecord | undefined> {
    const [row] = await this.#sql<MailboxRow[]>`SELECT * FROM mailboxes WHERE id = ${id}`;
    return row && toMailbox(row);
  }

  async getMailboxByUuid(uuid: string): Promise<MailboxRecord | undefined> {
    const [row] = await this.#sql<MailboxRow[]>`SELECT * FROM mailboxes WHERE uuid = ${uuid}`;
    return row && toMailbox(row);
  }

  async getMailboxByAddress(address: string): Promise<MailboxRecord | undefined> {
    const [row] = await this.#sql<MailboxRow[]>`SELECT * FROM mailboxes WHERE address = ${address}`;
    return row && toMailbox(row);
  }

  async listMailboxesOfUser(userId: number, now: number): Promise<MailboxRecord[]> {
    const rows = await this.#sql<MailboxRow[]>`
      SELECT * FROM mailboxes WHERE user_id = ${userId} AND (expires_at IS NULL OR expires_at > ${now})
      ORDER BY created_at DESC, id DESC`;
    return rows.map(toMailbox);
  }

  async extendMailbox(id: number, expiresAt: number): Promise<boolean> {
    return (await this.#sql`UPDATE mailboxes SET expires_at = ${expiresAt} WHERE id = ${id}`).count > 0;
  }

  async releaseMailbox(
    id: number,
    now: number,
    quarantineMs: number,
  ): Promise<Released & { released: boolean }> {
    return this.#sql.begin(async (tx) => {
      // Waits for deliveries in flight to the mailbox, so their messages are released too.
      const [row] = await tx<MailboxRow[]>`SELECT * FROM mailboxes WHERE id = ${id} FOR UPDATE`;
      if (!row) return { released: false, blobKeys: [] };
      return {
        released: true,
        blobKeys: await releaseMailboxRows(tx, [{ row, releasedAt: now }], quarantineMs),
      };
    });
  }

  async releaseExpiredMailboxes(
    now: number,
    limit: number,
    quarantineMs: number,
  ): Promise<Released & { count: number; mailboxes: MailboxRecord[] }> {
    return this.#sql.begin(async (tx) => {
      // Rows another sweeper (or a claim, a release, a delivery) holds are left for later.
      const rows = await tx<MailboxRow[]>`
        SELECT * FROM mailboxes WHERE expires_at IS NOT NULL AND expires_at <= ${now}
        ORDER BY expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
      const releases = rows.map((row) => ({ row, releasedAt: row.expires_at as number }));
      const blobKeys = await releaseMailboxRows(tx, releases, quarantineMs);
      return { count: rows.length, blobKeys, mailboxes: rows.map(toMailbox) };
    });
  }

  // --- key dialect pages ---
  // One round trip each: the total joined with the page (a row of nulls when it is empty).

  async listMailboxesPage(
    userId: number,
    now: number,
    limit: number,
    cursor?: PageCursor,
  ): Promise<Page<MailboxRecord>> {
    const sql = this.#sql;
    const rows = await sql<(MailboxRow & { total: number })[]>`
      SELECT t.total, p.* FROM (
        SELECT count(*) AS total FROM mailboxes
        WHERE user_id = ${userId} AND (expires_at IS NULL OR expires_at > ${now})
      ) t
      LEFT JOIN LATERAL (
        SELECT * FROM mailboxes
        WHERE user_id = ${userId} AND (expires_at IS NULL OR expires_at > ${now})
        ${cursor ? sql`AND (created_at, uuid) < (${cursor.at}::bigint, ${cursor.uuid}::text)` : sql``}
        ORDER BY created_at DESC, uuid DESC LIMIT ${limit}
      ) p ON true`;
    return { items: rows.filter((r) => r.id !== null).map(toMailbox), total: rows[0]?.total ?? 0 };
  }
}

/**
 * Deletes locked mailboxes with their messages and quarantines their addresses for their
 * owners; returns the blob keys no message refers to any more.
 */
export async function releaseMailboxRows(
  tx: Tx,
  releases: Release[],
  quarantineMs: number,
): Promise<string[]> {
  if (releases.length === 0) return [];
  const ids = releases.map((r) => r.row.id);
  const held = quarantineMs > 0 ? releases : [];
  // Deleting the messages first, then locking their mails (see deleteOrphanMails).
  const mails = await tx<{ id: number }[]>`
    WITH gone AS (DELETE FROM messages WHERE mailbox_id = ANY(${ids}::bigint[]) RETURNING mail_id),
      boxes AS (DELETE FROM mailboxes WHERE id = ANY(${ids}::bigint[])),
      holds AS (
        INSERT INTO released_addresses (address, user_id, until)
        SELECT * FROM unnest(${held.map((r) => r.row.address)}::text[],
          ${held.map((r) => r.row.user_id)}::bigint[],
          ${held.map((r) => r.releasedAt + quarantineMs)}::bigint[])
        ON CONFLICT (address) DO UPDATE SET user_id = excluded.user_id, until = excluded.until
      )
    SELECT id FROM mails WHERE id IN (SELECT mail_id FROM gone) ORDER BY id FOR UPDATE`;
  return deleteOrphanMails(
    tx,
    mails.map((m) => m.id),
  );
}

/**
 * Deletes the given mails, locked by the caller after it deleted its messages, if no message
 * refers to them any more, with their inline bytes; returns the blob keys of those kept in
 * the blob store. This check is a statement after the lock, so it sees the deletions of
 * whoever held the lock before: the last deleter of a shared mail always sees it orphaned.
 */
export async function deleteOrphanMails(tx: Tx, mailIds: number[]): Promise<string[]> {
  if (mailIds.length === 0) return [];
  const rows = await tx<{ blob_key: string }[]>`
    WITH gone AS (
        DELETE FROM mails WHERE id = ANY(${mailIds}::bigint[])
          AND NOT EXISTS (SELECT 1 FROM messages WHERE mail_id = mails.id)
        RETURNING blob_key
      ),
      inline AS (DELETE FROM inline_blobs WHERE key IN (SELECT blob_key FROM gone) RETURNING key)
    SELECT blob_key FROM gone WHERE blob_key NOT IN (SELECT key FROM inline)`;
  return rows.map((r) => r.blob_key);
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  return err instanceof postgres.PostgresError && err.code === '23505' && err.constraint_name === constraint;
}
