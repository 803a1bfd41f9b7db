// The composition root of the domain: config → store and blob store → services.
// No module-level state: tests and commands build as many of these as they like.
import type { Config } from './config/settings.ts';
import { AccountService } from './domain/accounts.ts';
import type { Logger, ServiceContext } from './domain/context.ts';
import { CustomDomainService } from './domain/custom-domains.ts';
import { DomainService } from './domain/domains.ts';
import { EventRelay } from './domain/event-relay.ts';
import { EventBus } from './domain/events.ts';
import { ExpiryService } from './domain/expiry.ts';
import { ExtractionService } from './domain/extraction.ts';
import { FollowService } from './domain/following.ts';
import { newSecret } from './domain/ids.ts';
import { IngestService } from './domain/ingest.ts';
import { KeyAdmission } from './domain/key-admission.ts';
import { MailboxFeed } from './domain/mailbox-feed.ts';
import { MailboxService } from './domain/mailboxes.ts';
import { MessageBodies } from './domain/message-bodies.ts';
import { MessageService } from './domain/messages.ts';
import { OperatorMailboxService } from './domain/operator-mailboxes.ts';
import { QuotaService } from './domain/quota.ts';
import { RateLimiter } from './domain/rate-limits.ts';
import { type SenderAuthOptions, SenderAuthService } from './domain/sender-auth.ts';
import { SessionService } from './domain/sessions.ts';
import { StatsService } from './domain/stats.ts';
import { WaitService } from './domain/waiting.ts';
import { WebhookService } from './domain/webhooks.ts';
import { HtmlWorkPool } from './mail/html-work.ts';
import { BurnboxMetrics } from './metrics/metrics.ts';
import { boundedResolver, type DnsResolver as SenderDnsResolver } from './net/dns-lookups.ts';
import { type DnsResolver, systemDnsResolver } from './net/dns-records.ts';
import { type ResolveHost, systemResolveHost, webhookTargetRefusal } from './net/target-check.ts';
import { openBackend } from './store/open.ts';
import type { Store } from './store/types.ts';

export interface Services {
  config: Config;
  context: ServiceContext;
  store: Store;
  events: EventBus;
  accounts: AccountService;
  domains: DomainService;
  /** Users' own domains: linking, DNS verification, removal. */
  customDomains: CustomDomainService;
  mailboxes: MailboxService;
  messages: MessageService;
  /** Verification codes and action links of received messages. */
  extraction: ExtractionService;
  /** The text and document made from messages' HTML (once, in the worker pool). */
  bodies: MessageBodies;
  /** The worker threads that make them. */
  htmlWork: HtmlWorkPool;
  quota: QuotaService;
  /** An API request's user, and the request counted against its quota. */
  keyAdmission: KeyAdmission;
  ingest: IngestService;
  /** postmaster@ and abuse@ of the hosted domains, read by the operator. */
  operatorMailboxes: OperatorMailboxService;
  expiry: ExpiryService;
  webhooks: WebhookService;
  /** Web UI login sessions. */
  sessions: SessionService;
  /** Fixed-window rate limits (guest mailboxes, failed logins). */
  rateLimits: RateLimiter;
  /** Figures for the admin overview. */
  stats: StatsService;
  /** SPF, DKIM, DMARC and ARC of received mail, checked right after it is stored. */
  senderAuth: SenderAuthService;
  /** Holding a request until a matching message is stored (the wait endpoints). */
  waiting: WaitService;
  /** A mailbox's messages after a given one, then each new one (the API streams). */
  following: FollowService;
  /** The waits and streams listening to mailboxes now. */
  mailboxFeed: MailboxFeed;
  /** The operator's metrics (served at /metrics when BURNBOX_METRICS_TOKEN is set). */
  metrics: BurnboxMetrics;
  close(): Promise<void>;
}

/** Where saved webhook URLs may point: anywhere with BURNBOX_WEBHOOK_ALLOW_PRIVATE, else the policy. */
function webhookTargetCheck(config: Config, resolve: ResolveHost = systemResolveHost) {
  if (config.webhooks.allowPrivate) return undefined;
  return (url: string) => webhookTargetRefusal(url, resolve, config.webhooks.timeoutMs);
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export interface ServiceOptions {
  log?: Logger;
  now?: () => number;
  /**
   * Resolves webhook hosts when a URL is saved and again for each connection made to send
   * (tests give a stub: no network). Default: the system's resolver.
   */
  resolveHost?: ResolveHost;
  /** Looks up custom domains' MX and TXT records (tests give a stub: no network). */
  dnsResolver?: DnsResolver;
  /** Answers the DNS lookups of the sender checks (tests give their own: no network). */
  senderDns?: SenderDnsResolver;
  /** Told each sender-check verdict as it is saved (besides the metrics). */
  onSenderVerdict?: SenderAuthOptions['onVerdict'];
}

export async function createServices(config: Config, options: ServiceOptions = {}): Promise<Services> {
  const log = options.log ?? silentLogger;
  const backend = await openBackend(config);
  const { store } = backend;
  const events = new EventBus((err) => log.error({ err }, 'event listener failed'));
  // With a shared database, events of the other processes are published here too.
  const relay =
    backend.transport &&
    new EventRelay(events, store, backend.transport, (err) => log.error({ err }, 'event relay failed'));
  await relay?.start();
  const context: ServiceContext = {
    store,
    blobs: backend.blobs,
    events,
    plans: config.plans,
    timeZone: config.timeZone,
    quarantineMs: config.quarantineMs,
    inlineMessageBytes: config.inlineMessageBytes,
    now: options.now ?? Date.now,
    log,
    metrics: new BurnboxMetrics(),
  };
  const domains = new DomainService(context);
  const customDomains = new CustomDomainService(
    context,
    { mailHost: config.smtp.hostname, ...config.customDomains },
    options.dnsResolver ?? systemDnsResolver(config.customDomains.dnsTimeoutMs, config.senderAuth.dnsServers),
  );
  const mailboxes = new MailboxService(
    context,
    domains,
    await store.getOrCreateSecret('mailbox-token', newSecret),
  );
  const expiry = new ExpiryService(context, config.sweep.batchSize);
  const htmlWork = new HtmlWorkPool(config.html);
  const bodies = new MessageBodies(context, htmlWork);
  const operatorMailboxes = new OperatorMailboxService(context, config.smtp.hostname);
  const feed = new MailboxFeed(events);
  const extraction = new ExtractionService(context, htmlWork);
  const waiting = new WaitService(context, feed);
  const { metrics } = context;
  metrics.source('outboxBacklog', () => store.countPendingWebhooks());
  metrics.source('waitsHeld', () => waiting.held);
  // Every other listener of the feed is an API stream.
  metrics.source('streamsHeld', () => feed.size - waiting.held);
  const accounts = new AccountService(context);
  const quota = new QuotaService(context);
  const senderAuth = new SenderAuthService(context, {
    enabled: config.senderAuth.enabled,
    // Tests' fixed answers are asked on this thread; real lookups are made by the checks' worker.
    resolver: options.senderDns
      ? boundedResolver(config.senderAuth.dnsTimeoutMs, options.senderDns)
      : { timeoutMs: config.senderAuth.dnsTimeoutMs, servers: config.senderAuth.dnsServers },
    mta: config.smtp.hostname,
    // Long enough for a check of usual DNS; an answer past it says `pending`.
    answerWaitMs: Math.min(config.senderAuth.dnsTimeoutMs, 1000),
    onVerdict: (verdict) => {
      for (const check of ['spf', 'dkim', 'dmarc', 'arc'] as const) {
        metrics.senderAuthResults.inc({ check, result: verdict[check] });
      }
      options.onSenderVerdict?.(verdict);
    },
  });
  return {
    config,
    context,
    store,
    events,
    accounts,
    domains,
    customDomains,
    mailboxes,
    messages: new MessageService(context, mailboxes),
    extraction,
    bodies,
    htmlWork,
    quota,
    keyAdmission: new KeyAdmission(accounts, quota),
    ingest: new IngestService(context, bodies, operatorMailboxes, extraction, customDomains, senderAuth),
    senderAuth,
    operatorMailboxes,
    expiry,
    webhooks: new WebhookService(context, webhookTargetCheck(config, options.resolveHost)),
    sessions: new SessionService(context, config.web.sessionTtlMs),
    rateLimits: new RateLimiter(context),
    stats: new StatsService(context),
    waiting,
    following: new FollowService(context, feed),
    mailboxFeed: feed,
    metrics,
    async close() {
      await relay?.stop();
      await expiry.stop();
      // Verdicts being saved land; checks not done stay pending for the next start.
      await senderAuth.close();
      await htmlWork.close();
      await store.close();
    },
  };
}
