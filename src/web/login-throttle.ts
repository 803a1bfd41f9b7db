// Every check of a password a person types (logging in, and the current password when changing
// it) is throttled alike, so that neither is a way to guess passwords quickly or to keep the
// thread pool busy with scrypt. The counters live in the store: shared by every process.
import type { FastifyRequest } from 'fastify';
import type { Services } from '../services.ts';
import { WebError } from './errors.ts';

const fifteenMinutesMs = 15 * 60_000;

/**
 * Counts one attempt of `subject` in `bucket`; throws a 429 WebError, in the reader's language,
 * once it made `limit` in the current window.
 */
export async function throttle(
  services: Services,
  request: FastifyRequest,
  bucket: string,
  subject: string,
  limit: number,
  windowMs: number,
): Promise<void> {
  const result = await services.rateLimits.hit(bucket, subject, limit, windowMs);
  if (!result.allowed) {
    throw new WebError(
      429,
      request.web.t.t('auth.throttled', { minutes: Math.ceil(result.retryAfterSeconds / 60) }),
    );
  }
}

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
  await throttle(services, request, 'login', `${request.ip}|${email}`, limit, fifteenMinutesMs);
  await throttle(services, request, 'login-address', request.ip, limit * 5, fifteenMinutesMs);
}
