// How a failed web request is told to the reader: the domain's own sentence in English, and
// a translated sentence for its kind in other languages (domain messages are English only).
import { DomainError } from '../domain/errors.ts';
import { viewOfError } from '../http/errors.ts';
import type { MessageKey, Translator } from './i18n/translator.ts';

/** A refusal the web layer makes itself (CSRF, rate limits), already in the reader's words. */
export class WebError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const keyOfKind: Record<DomainError['kind'], MessageKey> = {
  unauthenticated: 'error.unauthenticated',
  forbidden: 'error.forbidden',
  not_found: 'error.notFound',
  conflict: 'error.conflict',
  invalid: 'error.invalid',
  quota_exceeded: 'error.quota',
};

export function webErrorView(
  t: Translator,
  err: unknown,
): { status: number; text: string; internal: boolean } {
  if (err instanceof WebError) return { status: err.status, text: err.message, internal: false };
  const view = viewOfError(err, 422);
  if (view.internal) return { status: view.status, text: t.t('error.internal'), internal: true };
  if (err instanceof DomainError && t.lang !== 'en') {
    return { status: view.status, text: t.t(keyOfKind[err.kind]), internal: false };
  }
  if (view.status === 404 && !(err instanceof DomainError)) {
    return { status: 404, text: t.t('error.notFound'), internal: false };
  }
  return { status: view.status, text: view.message, internal: false };
}
