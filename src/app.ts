// A running Burnbox: services plus the SMTP and HTTP listeners, the expiry sweeper and the
// webhook delivery job.
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/settings.ts';
import { buildHttpApp } from './http/server.ts';
import { WebhookDelivery } from './jobs/webhook-delivery.ts';
import { createServices, type ServiceOptions, type Services } from './services.ts';
import { SmtpListener } from './smtp/server.ts';

export interface RunningBurnbox {
  services: Services;
  http: FastifyInstance;
  smtpPort: number;
  httpPort: number;
  /** Sends queued webhook events; tests call `runDue()` after moving the clock. */
  webhookDelivery: WebhookDelivery;
  close(): Promise<void>;
}

export async function startBurnbox(config: Config, options: ServiceOptions = {}): Promise<RunningBurnbox> {
  const services = await createServices(config, options);
  const http = await buildHttpApp(services, { logLevel: config.logLevel });
  const log = options.log ?? http.log;
  const smtp = new SmtpListener(services.ingest, config.smtp, log);
  const smtpPort = await smtp.listen();
  await http.listen({ host: config.http.host, port: config.http.port });
  const address = http.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : config.http.port;
  services.expiry.start(config.sweep.intervalMs);
  const webhookDelivery = new WebhookDelivery(
    { ctx: { ...services.context, log }, webhooks: services.webhooks },
    config.webhooks,
  );
  webhookDelivery.start();
  return {
    services,
    http,
    smtpPort,
    httpPort,
    webhookDelivery,
    async close() {
      await smtp.close();
      await http.close();
      // Requests in flight are aborted and their events given back, due at once.
      await webhookDelivery.stop();
      await services.close();
    },
  };
}
