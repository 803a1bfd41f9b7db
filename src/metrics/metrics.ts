// What an operator can count: the Prometheus metrics of one running Burnbox, in a registry of
// its own (tests start many servers in one process). Hot paths only bump a counter or observe a
// histogram (a few nanoseconds); what is a state (sessions open, outbox backlog, waits held) is
// read when /metrics is scraped, so it costs nothing in between.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How a sender-authentication check came out (mailauth's result words). */
export type SenderAuthCheck = 'spf' | 'dkim' | 'dmarc' | 'arc';

/** States read at scrape time, each from the part of the program that knows it. */
export interface GaugeSources {
  /** SMTP connections open now. */
  smtpSessionsOpen(): number;
  /** Webhook events queued and not yet delivered or given up (a store query). */
  outboxBacklog(): Promise<number>;
  /** Wait requests held open now. */
  waitsHeld(): number;
  /** API streams held open now. */
  streamsHeld(): number;
}

export class BurnboxMetrics {
  readonly registry = new Registry();
  #sources: Partial<GaugeSources> = {};
  #processMetrics = false;

  /** Messages answered 250 over SMTP (one per transaction, however many recipients). */
  readonly messagesReceived = new Counter({
    name: 'burnbox_messages_received_total',
    help: 'Messages received and stored over SMTP (one per transaction)',
    registers: [this.registry],
  });

  /** SMTP refusals (4xx and 5xx replies Burnbox chose), by reason (see src/smtp/replies.ts). */
  readonly smtpRefusals = new Counter({
    name: 'burnbox_smtp_refusals_total',
    help: 'SMTP commands refused, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** From the end of DATA to the message being durably stored (or failing to be). */
  readonly storeDuration = new Histogram({
    name: 'burnbox_store_duration_seconds',
    help: 'Time from the end of DATA until the message is stored (parse, files, commit)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  /** Webhook attempts, by what became of the delivery: delivered, retry (later) or failed (given up). */
  readonly webhookDeliveries = new Counter({
    name: 'burnbox_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome (delivered, retry, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** HTTP responses, by route pattern (never the raw URL: bounded label values) and status. */
  readonly httpRequests = new Counter({
    name: 'burnbox_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  /** API requests refused because the monthly quota of the user's plan was used up. */
  readonly quotaRefusals = new Counter({
    name: 'burnbox_quota_refusals_total',
    help: 'API requests refused for an exhausted monthly quota, by plan',
    labelNames: ['plan'] as const,
    registers: [this.registry],
  });

  /**
   * Sender authentication of received mail: one increment per check and message, e.g.
   * `senderAuthResults.inc({ check: 'dmarc', result: 'pass' })`. Results are mailauth's words
   * (pass, fail, softfail, neutral, none, temperror, permerror, policy).
   */
  readonly senderAuthResults = new Counter<'check' | 'result'>({
    name: 'burnbox_sender_auth_results_total',
    help: 'Sender authentication results of received mail, by check (spf, dkim, dmarc, arc) and result',
    labelNames: ['check', 'result'] as const,
    registers: [this.registry],
  });

  constructor() {
    const sources = () => this.#sources;
    new Gauge({
      name: 'burnbox_smtp_sessions_open',
      help: 'SMTP connections open now',
      registers: [this.registry],
      collect() {
        this.set(sources().smtpSessionsOpen?.() ?? 0);
      },
    });
    new Gauge({
      name: 'burnbox_webhook_outbox_backlog',
      help: 'Webhook events waiting to be delivered (queued or being retried)',
      registers: [this.registry],
      async collect() {
        this.set((await sources().outboxBacklog?.()) ?? 0);
      },
    });
    new Gauge({
      name: 'burnbox_held_requests',
      help: 'Requests held open now: waits for a message, and API streams',
      labelNames: ['kind'] as const,
      registers: [this.registry],
      collect() {
        this.set({ kind: 'wait' }, sources().waitsHeld?.() ?? 0);
        this.set({ kind: 'stream' }, sources().streamsHeld?.() ?? 0);
      },
    });
  }

  /** Tells where a state is read from at scrape time. */
  source<K extends keyof GaugeSources>(name: K, read: GaugeSources[K]): void {
    this.#sources[name] = read;
  }

  /** Counts the refusal of an SMTP command; `reason` is one of the reply reasons. */
  smtpRefused(reason: string): void {
    this.smtpRefusals.inc({ reason });
  }

  /** Adds the process metrics (CPU, memory, event loop lag, GC); once, and only where /metrics is served. */
  withProcessMetrics(): this {
    if (!this.#processMetrics) collectDefaultMetrics({ register: this.registry });
    this.#processMetrics = true;
    return this;
  }

  /** The Prometheus text exposition of every metric. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
