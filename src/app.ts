// A running Burnbox: services plus the SMTP and HTTP listeners, the expiry sweeper and the
// webhook delivery job.
import type { FastifyInstance } from 'fastify';
import { localPublicUrl } from './config/public-url.ts';
import type { Config } from './config/settings.ts';
import { buildHttpApp } from './http/server.ts';
import { CustomDomainChecks } from './jobs/custom-domain-checks.ts';
import { WebhookDelivery } from './jobs/webhook-delivery.ts';
import { listenError } from './listen-error.ts';
import { createServices, type ServiceOptions, type Services } from './services.ts';
import { SmtpListener } from './smtp/server.ts';
import { readTlsCredentials, type TlsWatchOptions } from './smtp/tls-credentials.ts';

export interface RunningBurnbox {
  services: Services;
  http: FastifyInstance;
  smtpPort: number;
  httpPort: number;
  /** Sends queued webhook events; tests call `runDue()` after moving the clock. */
  webhookDelivery: WebhookDelivery;
  /** Looks up pending custom domains; tests call `runDue()` after moving the clock. */
  customDomainChecks: CustomDomainChecks;
  /** Reads the TLS certificate and key again now (SIGHUP); false when there are none or they are bad. */
  reloadTls(): boolean;
  close(): Promise<void>;
}

export interface StartOptions extends ServiceOptions {
  /** How often the TLS files are looked at for a renewal (tests look often). */
  tlsWatch?: TlsWatchOptions;
}

export async function startBurnbox(config: Config, options: StartOptions = {}): Promise<RunningBurnbox> {
  // Before anything is opened: a certificate that cannot be used stops the start in one line.
  const tls = config.smtp.tls && readTlsCredentials(config.smtp.tls);
  // Its own copy: the public URL may be settled below, once the HTTP port is bound.
  const services = await createServices({ ...config }, options);
  const http = await buildHttpApp(services, { logLevel: config.logLevel });
  const log = options.log ?? http.log;
  const smtp = new SmtpListener(services.ingest, config.smtp, log, {
    metrics: services.metrics,
    tls,
    tlsWatch: options.tlsWatch,
  });
  let smtpPort: number;
  let httpPort: number;
  try {
    smtpPort = await smtp.listen().catch((err) => {
      throw listenError(err, {
        name: 'SMTP',
        ...config.smtp,
        hostSetting: 'BURNBOX_SMTP_HOST',
        portSetting: 'BURNBOX_SMTP_PORT',
      });
    });
    await http.listen({ host: config.http.host, port: config.http.port }).catch((err) => {
      throw listenError(err, {
        name: 'HTTP',
        ...config.http,
        hostSetting: 'BURNBOX_HTTP_HOST',
        portSetting: 'BURNBOX_HTTP_PORT',
      });
    });
    const address = http.server.address();
    httpPort = typeof address === 'object' && address ? address.port : config.http.port;
  } catch (err) {
    // Whatever did open is closed again, so a failed start ends the process instead of hanging.
    await smtp.close();
    await http.close();
    await services.close();
    throw err;
  }
  // Links follow the port actually bound (it differs from the setting only when that is 0).
  if (config.publicUrlFollowsHttpPort) services.config.publicUrl = localPublicUrl(httpPort);
  services.expiry.start(config.sweep.intervalMs);
  // Messages whose sender checks a previous run left pending are checked now.
  services.senderAuth.start();
  const webhookDelivery = new WebhookDelivery(
    {
      ctx: { ...services.context, log },
      webhooks: services.webhooks,
      resolveHost: options.resolveHost,
      finishPayload: (event, payload) => services.senderAuth.finishWebhookPayload(event, payload),
    },
    config.webhooks,
  );
  webhookDelivery.start();
  const customDomainChecks = new CustomDomainChecks(
    services.customDomains,
    config.customDomains.checkIntervalMs,
    log,
  );
  customDomainChecks.start();
  return {
    services,
    http,
    smtpPort,
    httpPort,
    webhookDelivery,
    customDomainChecks,
    reloadTls: () => smtp.reloadTls(),
    async close() {
      await smtp.close();
      await http.close();
      await customDomainChecks.stop();
      // Requests in flight are aborted and their events given back, due at once.
      await webhookDelivery.stop();
      await services.close();
    },
  };
}
