// Endpoints for the operator's machinery, not for users: liveness and readiness probes for load
// balancers and orchestrators, and the Prometheus metrics (only with BURNBOX_METRICS_TOKEN, and
// only to requests bearing it). They are outside /api, need no API key and count in no quota.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../services.ts';

/** A readiness check slower than this counts as "the database does not answer". */
const readinessTimeoutMs = 5000;

/** Paths probed or scraped every few seconds: their successful requests are not logged at info. */
export const probePaths = new Set(['/healthz', '/readyz', '/metrics']);

/** Compares the presented token with the configured one in time independent of where they differ. */
function bearerMatches(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer +(\S+)\s*$/i.exec(header);
  if (!match) return false;
  // Digests first: equal lengths, so neither the length nor the content of the token leaks.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(match[1] as string), digest(token));
}

async function readiness(services: Services): Promise<{ ready: boolean; reason?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer in time')), readinessTimeoutMs);
  });
  try {
    const pending = await Promise.race([services.store.pendingMigrations(), timeout]);
    if (pending.length > 0) return { ready: false, reason: `migrations not applied: ${pending.join(', ')}` };
    return { ready: true };
  } catch (err) {
    return { ready: false, reason: `the database does not answer: ${(err as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

export async function operatorRoutes(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;
  // The process is up and its event loop turns: nothing else is asked.
  app.get('/healthz', async (_request, reply) =>
    reply.header('Cache-Control', 'no-store').send({ status: 'ok' }),
  );
  // Ready to serve: the database answers and its schema is this version's.
  app.get('/readyz', async (request, reply) => {
    const { ready, reason } = await readiness(services);
    reply.header('Cache-Control', 'no-store');
    if (ready) return reply.send({ status: 'ok' });
    request.log.warn({ reason }, 'not ready');
    return reply.code(503).send({ status: 'unavailable', reason });
  });

  const token = services.config.metricsToken;
  if (!token) return; // no route: /metrics is a 404 like any unknown path
  const metrics = services.metrics.withProcessMetrics();
  app.get('/metrics', async (request, reply) => {
    if (!bearerMatches(request, token)) {
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer realm="metrics"')
        .send({ message: 'Send the metrics token as "Authorization: Bearer <token>".' });
    }
    const { contentType, body } = await metrics.scrape();
    return reply.header('Cache-Control', 'no-store').type(contentType).send(body);
  });
}
