// No name, id, address or other value Burnbox keeps holds a NUL character, and PostgreSQL's
// text type cannot even be asked about one: a NUL reaching a query failed the request with a
// 500. So NULs are refused at the edge, for every route at once: a `%00` in the path or query,
// or a NUL in any string of a parsed body (JSON or form), is a 400, written by the matched
// route's own error handler, so each dialect and the web pages answer in their own shape.
import type { FastifyInstance } from 'fastify';

class NulCharacterError extends Error {
  readonly statusCode = 400;
}

/** A NUL is percent-encoded in a URL (a raw one never gets past the HTTP parser). */
const encodedNul = /%00/i;

function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (typeof value !== 'object' || value === null || depth > 32) return false;
  if (Array.isArray(value)) return value.some((item) => holdsNul(item, depth + 1));
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNul(item, depth + 1));
}

/** Registers the guard on `app`; register it before the routes' plugins so they inherit it. */
export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    // Unknown paths go on to the not-found answer, which looks nothing up.
    if (request.routeOptions.url === undefined) return;
    if (encodedNul.test(request.url)) {
      throw new NulCharacterError(
        'The request address holds a NUL character (%00), which no name or id contains.',
      );
    }
  });
  app.addHook('preValidation', async (request) => {
    if (holdsNul(request.body)) {
      throw new NulCharacterError('The request body holds a NUL character, which no value may contain.');
    }
  });
}
