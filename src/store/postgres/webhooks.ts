// Webhooks: each user's configuration, the outbox of events to send and the log of attempts.
import type { OutboxItem, OutboxLease, OutboxOutcome, WebhookAttempt, WebhookConfig } from '../types.ts';
import type { PostgresSql } from './connection.ts';
import {
  type AttemptRow,
  type OutboxRow,
  toAttempt,
  toDbText,
  toOutboxItem,
  toWebhook,
  type WebhookRow,
} from './rows.ts';

/** How many recent attempts the delivery log keeps per user. */
const attemptLogLength = 200;

export class PostgresWebhooks {
  readonly #sql: PostgresSql;

  constructor(sql: PostgresSql) {
    this.#sql = sql;
  }

  async getWebhook(userId: number): Promise<WebhookConfig | undefined> {
    const [row] = await this.#sql<WebhookRow[]>`SELECT * FROM webhooks WHERE user_id = ${userId}`;
    return row && toWebhook(row);
  }

  async setWebhook(
    userId: number,
    change: { url: string; enabled: boolean },
    now: number,
    newSecret: () => string,
  ): Promise<WebhookConfig> {
    const [row] = await this.#sql<WebhookRow[]>`
      INSERT INTO webhooks (user_id, url, enabled, secret, updated_at)
      VALUES (${userId}, ${change.url}, ${change.enabled}, ${newSecret()}, ${now})
      ON CONFLICT (user_id) DO UPDATE
        SET url = excluded.url, enabled = excluded.enabled, updated_at = excluded.updated_at
      RETURNING *`;
    return toWebhook(row as WebhookRow);
  }

  async rotateWebhookSecret(userId: number, secret: string, now: number): Promise<WebhookConfig> {
    const [row] = await this.#sql<WebhookRow[]>`
      INSERT INTO webhooks (user_id, url, enabled, secret, updated_at) VALUES (${userId}, '', false, ${secret}, ${now})
      ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at
      RETURNING *`;
    return toWebhook(row as WebhookRow);
  }

  async enqueueWebhook(
    userId: number,
    item: { deliveryId: string; event: string; payload: string },
    now: number,
  ): Promise<void> {
    await this.#sql`
      INSERT INTO webhook_outbox (delivery_id, user_id, event, payload, created_at, next_attempt_at)
      VALUES (${item.deliveryId}, ${userId}, ${item.event}, ${toDbText(item.payload)}, ${now}, ${now})`;
  }

  async claimDueWebhooks(
    now: number,
    leaseMs: number,
    limit: number,
    skipUserIds: number[],
  ): Promise<OutboxItem[]> {
    // Items another worker is claiming right now are skipped, not waited for.
    const rows = await this.#sql<(OutboxRow & { next_attempt_at: number })[]>`
      WITH due AS MATERIALIZED (
        SELECT id FROM webhook_outbox
        WHERE next_attempt_at <= ${now} AND locked_until <= ${now} AND user_id <> ALL(${skipUserIds}::bigint[])
        ORDER BY next_attempt_at, id LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      UPDATE webhook_outbox o SET locked_until = ${now + leaseMs}, attempts = o.attempts + 1
      FROM due WHERE o.id = due.id
      RETURNING o.id, o.delivery_id, o.user_id, o.event, o.payload, o.attempts, o.created_at, o.locked_until,
        o.next_attempt_at`;
    return rows
      .sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.id - b.id)
      .map((r) => toOutboxItem(r));
  }

  async finishWebhookAttempt(
    lease: OutboxLease,
    attempt: Omit<WebhookAttempt, 'deliveryId' | 'event' | 'attempt' | 'outcome'>,
    outcome: OutboxOutcome,
  ): Promise<void> {
    const retry = outcome.kind === 'retry';
    // One statement. The item is found only under this lease (a later claim changed it), and
    // the log keeps the newest attemptLogLength - 1 older rows besides this one.
    await this.#sql`
      WITH item AS MATERIALIZED (
          SELECT id, user_id, delivery_id, event, attempts FROM webhook_outbox
          WHERE id = ${lease.id} AND locked_until = ${lease.leaseUntil} FOR UPDATE
        ),
        logged AS (
          INSERT INTO webhook_attempts
            (user_id, delivery_id, event, attempt, attempted_at, url, status_code, error, duration_ms, outcome)
          SELECT user_id, delivery_id, event, attempts, ${attempt.attemptedAt}, ${attempt.url},
            ${attempt.statusCode}::int, ${attempt.error === null ? null : toDbText(attempt.error)}::text,
            ${Math.round(attempt.durationMs)}, ${outcome.kind}
          FROM item
        ),
        trimmed AS (
          DELETE FROM webhook_attempts a USING item
          WHERE a.user_id = item.user_id AND a.id <= (
            SELECT b.id FROM webhook_attempts b WHERE b.user_id = item.user_id
            ORDER BY b.id DESC OFFSET ${attemptLogLength - 1} LIMIT 1
          )
        ),
        rescheduled AS (
          UPDATE webhook_outbox o SET next_attempt_at = ${retry ? outcome.nextAttemptAt : null}::bigint, locked_until = 0
          FROM item WHERE o.id = item.id AND ${retry}::boolean
        )
      DELETE FROM webhook_outbox o USING item WHERE o.id = item.id AND NOT ${retry}::boolean`;
  }

  async releaseWebhookLeases(leases: OutboxLease[]): Promise<void> {
    if (leases.length === 0) return;
    await this.#sql`
      UPDATE webhook_outbox o SET locked_until = 0, attempts = greatest(o.attempts - 1, 0)
      FROM unnest(${leases.map((l) => l.id)}::bigint[], ${leases.map((l) => l.leaseUntil)}::bigint[]) AS l(id, lease)
      WHERE o.id = l.id AND o.locked_until = l.lease`;
  }

  async nextWebhookDueAt(): Promise<number | undefined> {
    const [row] = await this.#sql<{ at: number | null }[]>`
      SELECT min(greatest(next_attempt_at, locked_until)) AS at FROM webhook_outbox`;
    return row?.at ?? undefined;
  }

  async listWebhookAttempts(userId: number, limit: number): Promise<WebhookAttempt[]> {
    const rows = await this.#sql<AttemptRow[]>`
      SELECT * FROM webhook_attempts WHERE user_id = ${userId} ORDER BY id DESC LIMIT ${limit}`;
    return rows.map(toAttempt);
  }

  async countPendingWebhooks(): Promise<number> {
    const [row] = await this.#sql<{ n: number }[]>`SELECT count(*) AS n FROM webhook_outbox`;
    return row?.n ?? 0;
  }
}
