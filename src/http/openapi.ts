// One OpenAPI document of both dialects, generated from the routes' own JSON schemas (so it
// cannot drift from what the server validates and returns), served at /openapi.json.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { operationSummaries } from './operation-summaries.ts';

/** `publicUrl` is read per request: with an HTTP port of 0 it is settled only once bound. */
export async function registerOpenApi(app: FastifyInstance, publicUrl: () => string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Burnbox API',
        version: '1',
        description:
          'Two dialects over the same data: the user API (Authorization: Bearer, {"status": …} bodies) and the ' +
          'key API (X-API-Key, cursor pages, webhooks). One key and one monthly quota per user.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
    // Only the API is documented: the web pages are for people, not clients.
    transform: ({ schema, url, route }) => {
      if (url !== '/api' && !url.startsWith('/api/')) return { schema: { ...schema, hide: true }, url };
      const method = Array.isArray(route.method) ? route.method[0] : route.method;
      return { schema: { ...operationSummaries[`${method} ${url}`], ...schema }, url };
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => ({
    ...app.swagger(),
    servers: [{ url: publicUrl() }],
  }));
}
