// The site's icon: a small SVG envelope in the brand's blue, linked from every page and also
// answered at /favicon.ico, the address browsers and other clients ask for by themselves, so
// that no page load ends in a 404.
import type { FastifyInstance } from 'fastify';

export const faviconPath = '/favicon.svg';

const icon = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
    '<rect width="32" height="32" rx="7" fill="#0b5cad"/>' +
    '<rect x="6" y="9" width="20" height="14" rx="2" fill="#fff"/>' +
    '<path d="M7 10.5l9 7 9-7" fill="none" stroke="#0b5cad" stroke-width="2" stroke-linejoin="round"/>' +
    '</svg>',
);

export async function faviconRoutes(app: FastifyInstance): Promise<void> {
  for (const path of [faviconPath, '/favicon.ico']) {
    app.get(path, async (_request, reply) =>
      reply.header('Cache-Control', 'public, max-age=86400').type('image/svg+xml').send(icon),
    );
  }
}
