// API-key authentication and the monthly quota, shared by both dialects (one quota per user,
// whichever dialect a request speaks). The request is counted before it runs and taken back in
// onSend unless the response is 2xx, so the headers always show the count including this
// request if it succeeded.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { unauthenticated } from '../domain/errors.ts';
import type { QuotaReservation, QuotaState } from '../domain/quota.ts';
import { formatIsoWithOffset } from '../domain/time.ts';
import type { Services } from '../services.ts';
import type { UserRecord } from '../store/types.ts';

declare module 'fastify' {
  interface FastifyRequest {
    user: UserRecord | null;
    quota: QuotaReservation | null;
  }
}

/** The key of `Authorization: Bearer <key>`. */
export function bearerKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/**
 * The key of `X-API-Key: <key>`, else of `Authorization: Bearer <key>`. Both dialects read it
 * so: they share keys, and a client of either may send the key the other dialect's way.
 */
export function apiKeyHeaderOrBearer(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  const key = (Array.isArray(header) ? header[0] : header)?.trim();
  return key || bearerKey(request);
}

function setQuotaHeaders(reply: FastifyReply, quota: QuotaState, timeZone: string): void {
  reply.header('X-RateLimit-Limit', String(quota.limit));
  reply.header('X-RateLimit-Used', String(quota.used));
  reply.header('X-RateLimit-Remaining', String(quota.remaining));
  reply.header('X-RateLimit-Reset', formatIsoWithOffset(quota.resetsAt, timeZone));
}

export class QuotaSpent extends Error {
  readonly retryAfterSeconds: number;
  constructor(resetsAt: number, now: number) {
    super('The monthly request quota of your plan is used up; it resets at the start of next month.');
    this.retryAfterSeconds = Math.max(1, Math.ceil((resetsAt - now) / 1000));
  }
}

/** The 401 sentence when no key was sent: it names both headers a key is accepted in. */
export const missingKeyMessage =
  'An API key is required: send it as "Authorization: Bearer <key>" or as "X-API-Key: <key>".';

/** Registers authentication and quota hooks on every route of `app` (an encapsulated plugin). */
export function useKeyAuthAndQuota(app: FastifyInstance, services: Services) {
  const timeZone = services.config.timeZone;
  app.decorateRequest('user', null);
  app.decorateRequest('quota', null);

  app.addHook('onRequest', async (request) => {
    const key = apiKeyHeaderOrBearer(request);
    if (!key) throw unauthenticated(missingKeyMessage);
    const { user, reservation } = await services.keyAdmission.admit(key);
    request.user = user;
    if (!reservation.allowed) throw new QuotaSpent(reservation.resetsAt, services.context.now());
    request.quota = reservation;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const user = request.user;
    if (!user) return payload;
    let state: QuotaState | null = request.quota;
    if (state === null) {
      state = await services.quota.current(user); // refused before counting (429)
    } else if (reply.statusCode < 200 || reply.statusCode >= 300) {
      state = await services.quota.release(user, request.quota as QuotaReservation);
    }
    setQuotaHeaders(reply, state, timeZone);
    return payload;
  });
}
