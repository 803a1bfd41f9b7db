// The HTTP listener: builds the fastify app with its dialects. Routes stay thin: validate,
// call a service, present the result.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import { schemaErrorMessage } from './errors.ts';
import { userApi } from './user-api/plugin.ts';

export interface HttpOptions {
  logLevel: string;
}

export async function buildHttpApp(services: Services, options: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logLevel === 'silent' ? false : { level: options.logLevel },
    schemaErrorFormatter: schemaErrorMessage,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
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
  await app.register(userApi, { services });
  return app;
}
