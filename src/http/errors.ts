// HTTP status of each domain error kind, shared by every dialect (each writes its own body).
import type { FastifyError } from 'fastify';
import { DomainError, type DomainErrorKind } from '../domain/errors.ts';

export const statusOfKind: Record<DomainErrorKind, number> = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid: 422,
  quota_exceeded: 429,
};

export interface HttpErrorView {
  status: number;
  message: string;
  /** True for failures that are ours (5xx): logged, and never shown in detail. */
  internal: boolean;
}

/** Sentences for the framework's own client errors, whose default texts are terse. */
const frameworkMessages: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'The request body must be JSON, sent with Content-Type: application/json.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large.',
};

const asSentence = (message: string) => (/[.!?]$/.test(message) ? message : `${message}.`);

/** Turns anything thrown by a route into a status and a sentence a client can show. */
export function viewOfError(
  err: unknown,
  invalidStatus: number,
  overrides: Partial<Record<DomainErrorKind, number>> = {},
): HttpErrorView {
  if (err instanceof DomainError) {
    const status = overrides[err.kind] ?? (err.kind === 'invalid' ? invalidStatus : statusOfKind[err.kind]);
    return { status, message: err.message, internal: false };
  }
  const e = err as FastifyError;
  if (e.validation) return { status: invalidStatus, message: asSentence(e.message), internal: false };
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    const message = (e.code && frameworkMessages[e.code]) || asSentence(e.message);
    return { status: e.statusCode, message, internal: false };
  }
  return { status: 500, message: 'Internal server error.', internal: true };
}

/** Clear sentences for JSON-schema validation failures: "email is required." */
export function schemaErrorMessage(
  errors: { instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }[],
  dataVar: string,
): Error {
  const first = errors[0];
  if (!first) return new Error('The request is invalid.');
  const where = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (first.keyword === 'required') return new Error(`${String(first.params.missingProperty)} is required.`);
  if (first.keyword === 'enum') {
    const allowed = (first.params.allowedValues as unknown[]).join(', ');
    return new Error(`${where || dataVar} must be one of: ${allowed}.`);
  }
  return new Error(`${where || dataVar} ${first.message ?? 'is invalid'}.`);
}
