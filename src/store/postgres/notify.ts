// The event transport between processes on one PostgreSQL: LISTEN/NOTIFY on one channel.
// postgres.js keeps a dedicated listening connection and re-listens after reconnecting.
import type { Sql } from 'postgres';
import type { EventTransport, RelayBatch } from '../../domain/event-relay.ts';

const channel = 'burnbox_events';

export class PostgresNotifyTransport implements EventTransport {
  readonly #sql: Sql;
  readonly #channel: string;
  #unlisten: (() => Promise<void>) | undefined;

  /** `scope` separates installations sharing one database (e.g. one per schema). */
  constructor(sql: Sql, scope = '') {
    this.#sql = sql;
    this.#channel = scope ? `${channel}_${scope}`.slice(0, 63) : channel;
  }

  async send(batch: RelayBatch): Promise<void> {
    await this.#sql.notify(this.#channel, JSON.stringify(batch));
  }

  async listen(onBatch: (batch: RelayBatch) => void): Promise<void> {
    const { unlisten } = await this.#sql.listen(this.#channel, (payload) => {
      onBatch(JSON.parse(payload) as RelayBatch);
    });
    this.#unlisten = unlisten;
  }

  async close(): Promise<void> {
    await this.#unlisten?.();
  }
}
