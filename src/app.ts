// A running Burnbox: services plus the SMTP and HTTP listeners, the expiry sweeper and the
// webhook delivery job.
import type { FastifyInstance } from 'fastify';
import { localPublicUrl } from './config/public-url.ts';
import type { Config } from './config/settings.ts';
import { buildHttpApp } from './http/server.ts';
import { WebhookDelivery } from './jobs/webhook-delivery.ts';
import { listenError } from './listen-error.ts';
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
  // Its own copy: the public URL may be settled below, once the HTTP port is bound.
  const services = await createServices({ ...config }, options);
  const http = await buildHttpApp(services, { logLevel: config.logLevel });
  const log = options.log ?? http.log;
  const smtp = new SmtpListener(services.ingest, config.smtp, log);
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
      finishPayload: (event, payload) => services.senderAuth.finishWebhookPayload(event, payload),
    },
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
