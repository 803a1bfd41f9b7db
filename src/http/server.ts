// The HTTP listener: builds the fastify app with its dialects. Routes stay thin: validate,
// call a service, present the result.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import { sendNotFoundPage, wantsPage } from '../web/not-found.ts';
import { webUi } from '../web/plugin.ts';
import { dialectConstraint, dialectOfUnknownPath } from './dialects.ts';
import { schemaErrorMessage } from './errors.ts';
import { keyApi, keyErrorBody } from './key-api/plugin.ts';
import { jsonTypeKeyword } from './key-api/schemas.ts';
import { refuseNulCharacters } from './nul-guard.ts';
import { registerOpenApi } from './openapi.ts';
import { operatorRoutes } from './operator.ts';
import { QuietStaticLogController } from './request-log.ts';
import { userApi, userErrorBody } from './user-api/plugin.ts';

export interface HttpOptions {
  logLevel: string;
}

export async function buildHttpApp(services: Services, options: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logLevel === 'silent' ? false : { level: options.logLevel },
    logController: new QuietStaticLogController(),
    schemaErrorFormatter: schemaErrorMessage,
    bodyLimit: 1024 * 1024,
    trustProxy: services.config.http.trustProxy,
    // Path parameters hold whole addresses (up to 318 characters) and attachment names (up to
    // 200, plus a " (2)" suffix); the default of 100 would answer 414 for valid ones.
    // The `dialect` constraint tells the dialects apart on the one path they share.
    routerOptions: { maxParamLength: 512, constraints: { dialect: dialectConstraint } },
    ajv: { onCreate: (ajv) => ajv.addKeyword(jsonTypeKeyword) },
  });
  // Clients of the seeds send POST requests without a body but sometimes with a JSON
  // content type; an empty body is simply "no input".
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (!text) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      const err = new Error('The request body is not valid JSON.') as Error & { statusCode: number };
      err.statusCode = 400;
      done(err, undefined);
    }
  });
  // Counted by route pattern (`/api/messages/:id`), never the raw URL: the label values stay few.
  const { httpRequests } = services.metrics;
  app.addHook('onResponse', async (request, reply) => {
    httpRequests.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    });
  });
  refuseNulCharacters(app);
  await registerOpenApi(app, () => services.config.publicUrl);
  await app.register(userApi, { services });
  await app.register(keyApi, { services });
  await app.register(webUi, { services });
  await app.register(operatorRoutes, { services });
  // Unknown routes under /api answer in a dialect's error shape: its clients read `status` and
  // `message` (user dialect) or `error` (key dialect) from every error, even of a mistyped path.
  // Paths only the key dialect has (/api/email/…, /api/webhook…, /api/emails/<uuid>…) get its
  // shape; the rest of /api the user dialect's.
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const message = `There is no ${request.method} ${path} endpoint.`;
    if (dialectOfUnknownPath(path) === 'key') return reply.code(404).send(keyErrorBody(message));
    if (path === '/api' || path.startsWith('/api/')) return reply.code(404).send(userErrorBody(message));
    if (wantsPage(request)) return sendNotFoundPage(request, reply, services);
    return reply.code(404).send({ message, error: 'Not Found', statusCode: 404 });
  });
  return app;
}
