// Which HTTP requests are logged at `info`: all but the successful ones for static files
// (scripts, stylesheet, icon) and for the probes and metrics scrapes, which come every few
// seconds and would drown the log. Their failures are still logged.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LogController } from 'fastify';
import { probePaths } from './operator.ts';

const staticPaths = new Set(['/favicon.ico', '/favicon.svg']);

/** A request for a static file or a probe (by its path, without the query). */
export function isQuietPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return path.startsWith('/assets/') || staticPaths.has(path) || probePaths.has(path);
}

export class QuietStaticLogController extends LogController {
  override incomingRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    metadata?: Record<string, unknown>,
  ): void {
    // Whether it succeeds is not known yet: a quiet path is logged once, when it did not.
    if (isQuietPath(request.url)) return;
    super.incomingRequest(request, reply, metadata);
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    metadata?: Record<string, unknown>,
  ): void {
    if (!error && reply.statusCode < 400 && isQuietPath(request.url)) return;
    super.requestCompleted(error, request, reply, metadata);
  }
}
