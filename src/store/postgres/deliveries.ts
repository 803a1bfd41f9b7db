// The delivery insert. Deliveries are group-committed, as in SQLite: those that arrive while the
// previous group is being written go together in the next transaction (one commit, one WAL
// flush), one group at a time, so deliveries land in the order they were made.
import { randomInt } from 'node:crypto';
import { toExtractionColumns } from '../extraction-json.ts';
import { hourOf } from '../hours.ts';
import type { DeliveredMessage, DerivedBodies, NewDelivery } from '../types.ts';
import type { PostgresSql, Queryable } from './connection.ts';
import { chunksInsert } from './message-bodies.ts';
import { toDbText } from './rows.ts';

/** Most deliveries written in one transaction. */
const maxDeliveriesPerCommit = 200;

interface PendingDelivery {
  delivery: NewDelivery;
  resolve: (stored: DeliveredMessage[]) => void;
  reject: (err: unknown) => void;
}

/** A pending delivery with its webhook events made. */
interface PreparedDelivery extends PendingDelivery {
  events: { id: string; deliveryId: string; event: string; payload: string }[];
  mailboxIds: number[];
}

/** Stands in for a delivery stored without derived bodies (its chunk insert selects no mail). */
const noDerived: DerivedBodies = { htmlText: '', htmlDocument: Buffer.alloc(0), remoteImages: 0 };

export class PostgresDeliveries {
  readonly #sql: PostgresSql;
  /**
   * This process's row in each hour's received-mail counters: processes committing deliveries
   * at the same time add to rows of their own instead of queueing on one (summed on reading).
   */
  readonly #receivedSlot = randomInt(0, 64);
  #pendingDeliveries: PendingDelivery[] = [];
  /** The loop writing pending deliveries, while there are any. */
  #deliveryWriter: Promise<void> | undefined;

  constructor(sql: PostgresSql) {
    this.#sql = sql;
  }

  /** Settles once no delivery is waiting for its group commit. */
  async flush(): Promise<void> {
    while (this.#deliveryWriter) await this.#deliveryWriter;
  }

  insertDelivery(d: NewDelivery): Promise<DeliveredMessage[]> {
    if (d.recipients.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#pendingDeliveries.push({ delivery: d, resolve, reject });
      this.#deliveryWriter ??= this.#writeDeliveries();
    });
  }

  async #writeDeliveries(): Promise<void> {
    // Deliveries made in this event-loop turn join the first group.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.#pendingDeliveries.length > 0) {
        await this.#commitDeliveries(this.#pendingDeliveries.splice(0, maxDeliveriesPerCommit));
      }
    } finally {
      this.#deliveryWriter = undefined;
    }
  }

  /** Writes a group of deliveries and settles each; never throws. */
  async #commitDeliveries(group: PendingDelivery[]): Promise<void> {
    let prepared: PreparedDelivery[];
    try {
      prepared = await this.#prepareDeliveries(group);
    } catch (err) {
      for (const p of group) p.reject(err);
      return;
    }
    if (prepared.length === 0) return;
    if (prepared.length > 1) {
      try {
        const results = await this.#sql.begin((tx) => {
          // Every mailbox of the group locked first, in id order (as claims lock them).
          const ids = [...new Set(prepared.flatMap((p) => p.mailboxIds))];
          const lock = tx`SELECT 1 FROM mailboxes WHERE id = ANY(${ids}::bigint[]) ORDER BY id FOR KEY SHARE`;
          lock.execute();
          // Pipelined: sent at once, run in order.
          return Promise.all([lock, ...prepared.map((p) => this.#deliveryStatement(tx, p))]);
        });
        prepared.forEach((p, i) => {
          p.resolve(results[i + 1] as DeliveredMessage[]);
        });
        return;
      } catch {
        // One of them failed (a duplicate message id, say), so none was kept: each again on
        // its own, so that only the failing one fails.
      }
    }
    for (const p of prepared) {
      try {
        p.resolve(await this.#deliveryStatement(this.#sql, p));
      } catch (err) {
        p.reject(err);
      }
    }
  }

  /**
   * Makes the webhook payloads, only for copies whose owner has a webhook on (one look for the
   * whole group; the insert checks the webhooks again). A delivery whose payload fails is
   * rejected alone.
   */
  async #prepareDeliveries(group: PendingDelivery[]): Promise<PreparedDelivery[]> {
    const lazy = group.flatMap((p) =>
      p.delivery.recipients
        .filter((r) => r.webhook && typeof r.webhook.payload !== 'string')
        .map((r) => r.mailboxId),
    );
    let hooked = new Set<number>();
    if (lazy.length > 0) {
      const rows = await this.#sql<{ id: number }[]>`
        SELECT m.id FROM mailboxes m JOIN webhooks w ON w.user_id = m.user_id
        WHERE m.id = ANY(${[...new Set(lazy)]}::bigint[]) AND w.enabled AND w.url <> ''`;
      hooked = new Set(rows.map((r) => r.id));
    }
    return group.flatMap((p) => {
      try {
        const events = p.delivery.recipients.flatMap((r) => {
          if (!r.webhook) return [];
          const { deliveryId, event, payload } = r.webhook;
          if (typeof payload === 'string') return [{ id: r.id, deliveryId, event, payload }];
          return hooked.has(r.mailboxId) ? [{ id: r.id, deliveryId, event, payload: payload() }] : [];
        });
        return [{ ...p, events, mailboxIds: [...new Set(p.delivery.recipients.map((r) => r.mailboxId))] }];
      } catch (err) {
        p.reject(err);
        return [];
      }
    });
  }

  /**
   * One delivery in one statement (atomic on its own). Its mailboxes are locked against
   * deletion (KEY SHARE, in id order) before the copies go in: a mailbox released meanwhile is
   * skipped, and a release waits for the delivery to land.
   */
  #deliveryStatement(sql: Queryable, p: PreparedDelivery): Promise<DeliveredMessage[]> {
    const d = p.delivery;
    const c = d.content;
    const { events } = p;
    const extraction = d.extraction && toExtractionColumns(d.extraction);
    const auth = d.senderAuth;
    const query = sql<{ kind: 'copy' | 'event'; id: string }[]>`
      WITH live AS MATERIALIZED (
          SELECT id, user_id FROM mailboxes WHERE id = ANY(${p.mailboxIds}::bigint[]) ORDER BY id FOR KEY SHARE
        ),
        mail AS (
          INSERT INTO mails (subject, from_name, from_email, text_body, html_body, size, blob_key, attachments,
            over_tls, tls_protocol, tls_cipher, codes, links)
          SELECT ${toDbText(c.subject)}, ${toDbText(c.fromName)}, ${toDbText(c.fromEmail)}, ${toDbText(c.text)},
            ${toDbText(c.html)}, ${c.size}, ${c.blobKey}, ${JSON.stringify(c.attachments)},
            ${c.tls === undefined ? null : c.tls !== null}::boolean, ${c.tls ? toDbText(c.tls.protocol) : null}::text,
            ${c.tls ? toDbText(c.tls.cipher) : null}::text, ${extraction?.codes ?? null}::text, ${extraction?.links ?? null}::text
          WHERE EXISTS (SELECT 1 FROM live)
          RETURNING id
        ),
        derived AS (
          INSERT INTO mail_derived (mail_id, remote_images, html_text)
          SELECT mail.id, ${d.derived?.remoteImages ?? 0}::integer, ${toDbText(d.derived?.htmlText ?? '')}::text
          FROM mail WHERE ${d.derived !== undefined}::boolean
          RETURNING mail_id AS id
        ),
        chunks AS (
          ${chunksInsert(sql, sql`SELECT id FROM derived`, d.derived ?? noDerived)}
        ),
        arrival AS (
          INSERT INTO mail_auth (mail_id, client_ip, helo, envelope_from, from_domain)
          SELECT mail.id, ${toDbText(auth?.clientIp ?? '')}::text, ${toDbText(auth?.helo ?? '')}::text,
            ${toDbText(auth?.envelopeFrom ?? '')}::text, ${toDbText(auth?.fromDomain ?? '')}::text
          FROM mail WHERE ${auth !== undefined}::boolean
        ),
        copies AS (
          INSERT INTO messages (public_id, uuid, mailbox_id, mail_id, recipient, received_at)
          SELECT r.public_id, r.uuid, r.mailbox_id, mail.id, r.recipient, ${d.receivedAt}
          FROM unnest(${d.recipients.map((r) => r.id)}::text[], ${d.recipients.map((r) => r.uuid)}::text[],
              ${d.recipients.map((r) => r.mailboxId)}::bigint[], ${d.recipients.map((r) => r.recipient)}::text[])
            WITH ORDINALITY AS r(public_id, uuid, mailbox_id, recipient, n)
          JOIN live ON live.id = r.mailbox_id
          CROSS JOIN mail
          ORDER BY r.n
          RETURNING public_id, mailbox_id
        ),
        events AS (
          INSERT INTO webhook_outbox (delivery_id, user_id, event, payload, created_at, next_attempt_at)
          SELECT e.delivery_id, w.user_id, e.event, e.payload, ${d.receivedAt}, ${d.receivedAt}
          FROM unnest(${events.map((e) => e.id)}::text[], ${events.map((e) => e.deliveryId)}::text[],
              ${events.map((e) => e.event)}::text[], ${events.map((e) => toDbText(e.payload))}::text[])
            AS e(public_id, delivery_id, event, payload)
          JOIN copies ON copies.public_id = e.public_id
          JOIN live ON live.id = copies.mailbox_id
          JOIN webhooks w ON w.user_id = live.user_id AND w.enabled AND w.url <> ''
          RETURNING delivery_id
        ),
        inline AS (
          INSERT INTO inline_blobs (key, data)
          SELECT b.key, b.data FROM (VALUES (${c.blobKey}, ${d.inlineBlob ?? null}::bytea)) AS b(key, data), mail
          WHERE b.data IS NOT NULL
        ),
        counted AS (
          INSERT INTO received_per_hour (hour_start, slot, count)
          SELECT ${hourOf(d.receivedAt)}, ${this.#receivedSlot}, count(*) FROM copies HAVING count(*) > 0
          ON CONFLICT (hour_start, slot) DO UPDATE SET count = received_per_hour.count + excluded.count
        )
      SELECT 'copy' AS kind, public_id AS id FROM copies
      UNION ALL SELECT 'event', delivery_id FROM events`;
    return query.then((rows) => {
      const stored = new Set(rows.filter((r) => r.kind === 'copy').map((r) => r.id));
      const queued = new Set(rows.filter((r) => r.kind === 'event').map((r) => r.id));
      return d.recipients
        .filter((r) => stored.has(r.id))
        .map((r) => ({
          webhookQueued: r.webhook !== undefined && queued.has(r.webhook.deliveryId),
          id: r.id,
          uuid: r.uuid,
          mailboxId: r.mailboxId,
          recipient: r.recipient,
          receivedAt: d.receivedAt,
          seen: false,
          content: c,
        }));
    });
  }
}
