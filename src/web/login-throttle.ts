// Every check of a password a person types (logging in, and the current password when changing
// it) is throttled alike, so that neither is a way to guess passwords quickly or to keep the
// thread pool busy with scrypt. The counters live in the store: shared by every process.
import type { FastifyRequest } from 'fastify';
import type { Services } from '../services.ts';
import { WebError } from './errors.ts';

const fifteenMinutesMs = 15 * 60_000;

/**
 * Counts one password check of `email` from this client; throws a 429 WebError once the client
 * made `BURNBOX_LOGIN_ATTEMPT_LIMIT` checks of this email (or five times that over all emails)
 * in the current 15 minutes.
 */
export async function throttlePasswordCheck(
  services: Services,
  request: FastifyRequest,
  email: string,
): Promise<void> {
  const limit = services.config.web.loginAttemptsPer15Min;
  const buckets: [string, string, number][] = [
    ['login', `${request.ip}|${email}`, limit],
    ['login-address', request.ip, limit * 5],
  ];
  for (const [bucket, subject, max] of buckets) {
    const result = await services.rateLimits.hit(bucket, subject, max, fifteenMinutesMs);
    if (!result.allowed) {
      throw new WebError(
        429,
        request.web.t.t('auth.throttled', { minutes: Math.ceil(result.retryAfterSeconds / 60) }),
      );
    }
  }
}
