// Webhooks: each user's configuration, the outbox of events to send and the log of attempts.
import type { OutboxItem, OutboxLease, OutboxOutcome, WebhookAttempt, WebhookConfig } from '../types.ts';
import type { SqliteConnection } from './connection.ts';
import {
  type AttemptRow,
  type OutboxRow,
  toAttempt,
  toOutboxItem,
  toWebhook,
  type WebhookRow,
} from './rows.ts';

/** How many recent attempts the delivery log keeps per user. */
const attemptLogLength = 200;

export class SqliteWebhooks {
  readonly #db: SqliteConnection;

  constructor(db: SqliteConnection) {
    this.#db = db;
  }

  async getWebhook(userId: number): Promise<WebhookConfig | undefined> {
    const row = this.#db.get<WebhookRow>('SELECT * FROM webhooks WHERE user_id = ?', userId);
    return row && toWebhook(row);
  }

  async setWebhook(
    userId: number,
    change: { url: string; enabled: boolean },
    now: number,
    newSecret: () => string,
  ): Promise<WebhookConfig> {
    const row = this.#db.get<WebhookRow>(
      `INSERT INTO webhooks (user_id, url, enabled, secret, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET url = excluded.url, enabled = excluded.enabled, updated_at = excluded.updated_at
       RETURNING *`,
      userId,
      change.url,
      Number(change.enabled),
      newSecret(),
      now,
    ) as WebhookRow;
    return toWebhook(row);
  }

  async rotateWebhookSecret(userId: number, secret: string, now: number): Promise<WebhookConfig> {
    const row = this.#db.get<WebhookRow>(
      `INSERT INTO webhooks (user_id, url, enabled, secret, updated_at) VALUES (?, '', 0, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at
       RETURNING *`,
      userId,
      secret,
      now,
    ) as WebhookRow;
    return toWebhook(row);
  }

  async enqueueWebhook(
    userId: number,
    item: { deliveryId: string; event: string; payload: string },
    now: number,
  ): Promise<void> {
    this.#db.run(
      `INSERT INTO webhook_outbox (delivery_id, user_id, event, payload, created_at, next_attempt_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      item.deliveryId,
      userId,
      item.event,
      item.payload,
      now,
      now,
    );
  }

  async claimDueWebhooks(
    now: number,
    leaseMs: number,
    limit: number,
    skipUserIds: number[],
  ): Promise<OutboxItem[]> {
    // Group-committed: a claim shares its fsync with the deliveries and results of the same turn.
    return this.#db.groupCommit(() => {
      const ids = this.#db.all<{ id: number }>(
        `SELECT id FROM webhook_outbox WHERE next_attempt_at <= ? AND locked_until <= ?
           AND user_id NOT IN (SELECT value FROM json_each(?))
           ORDER BY next_attempt_at, id LIMIT ?`,
        now,
        now,
        JSON.stringify(skipUserIds),
        limit,
      );
      const lease = this.#db.statement(
        `UPDATE webhook_outbox SET locked_until = ?, attempts = attempts + 1 WHERE id = ?
           RETURNING id, delivery_id, user_id, event, payload, attempts, created_at, locked_until`,
      );
      return ids.map(({ id }) => toOutboxItem(lease.get(now + leaseMs, id) as OutboxRow));
    });
  }

  async finishWebhookAttempt(
    lease: OutboxLease,
    attempt: Omit<WebhookAttempt, 'deliveryId' | 'event' | 'attempt' | 'outcome'>,
    outcome: OutboxOutcome,
  ): Promise<void> {
    // Group-committed like deliveries: under load, many attempts finish in one event-loop turn.
    await this.#db.groupCommit(() => {
      const { id } = lease;
      const item = this.#db.get<OutboxRow>(
        'SELECT * FROM webhook_outbox WHERE id = ? AND locked_until = ?',
        id,
        lease.leaseUntil,
      );
      if (!item) return; // settled already, or the lease was lost to a later claim
      this.#db.run(
        `INSERT INTO webhook_attempts
           (user_id, delivery_id, event, attempt, attempted_at, url, status_code, error, duration_ms, outcome)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        item.user_id,
        item.delivery_id,
        item.event,
        item.attempts,
        attempt.attemptedAt,
        attempt.url,
        attempt.statusCode,
        attempt.error,
        Math.round(attempt.durationMs),
        outcome.kind,
      );
      this.#db.run(
        `DELETE FROM webhook_attempts WHERE user_id = ? AND id <=
           (SELECT id FROM webhook_attempts WHERE user_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
        item.user_id,
        item.user_id,
        attemptLogLength,
      );
      if (outcome.kind === 'retry') {
        this.#db.run(
          'UPDATE webhook_outbox SET next_attempt_at = ?, locked_until = 0 WHERE id = ?',
          outcome.nextAttemptAt,
          id,
        );
      } else {
        this.#db.run('DELETE FROM webhook_outbox WHERE id = ?', id);
      }
    });
  }

  async releaseWebhookLeases(leases: OutboxLease[]): Promise<void> {
    const release = this.#db.statement(
      'UPDATE webhook_outbox SET locked_until = 0, attempts = max(attempts - 1, 0) WHERE id = ? AND locked_until = ?',
    );
    this.#db.transaction(() => {
      for (const lease of leases) release.run(lease.id, lease.leaseUntil);
    })();
  }

  async nextWebhookDueAt(): Promise<number | undefined> {
    return (
      this.#db.get<{ at: number | null }>(
        'SELECT min(max(next_attempt_at, locked_until)) AS at FROM webhook_outbox',
      )?.at ?? undefined
    );
  }

  async listWebhookAttempts(userId: number, limit: number): Promise<WebhookAttempt[]> {
    return this.#db
      .all<AttemptRow>(
        'SELECT * FROM webhook_attempts WHERE user_id = ? ORDER BY id DESC LIMIT ?',
        userId,
        limit,
      )
      .map(toAttempt);
  }

  async countPendingWebhooks(): Promise<number> {
    return this.#db.get<{ n: number }>('SELECT count(*) AS n FROM webhook_outbox')?.n ?? 0;
  }
}
