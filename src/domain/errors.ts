// Domain errors: what went wrong in the terms of the domain. Each adapter (HTTP dialect,
// SMTP session) maps the `kind` to its own reply in one place.

export type DomainErrorKind =
  | 'unauthenticated' // no or unknown credentials
  | 'forbidden' // the plan or account does not allow it
  | 'not_found' // does not exist, or belongs to someone else
  | 'conflict' // already taken
  | 'invalid' // input fails validation
  | 'quota_exceeded'; // monthly request quota spent

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  /**
   * The input the error is about, when it is one value the caller gave (`domain`): an adapter
   * may answer differently for a missing thing named in the input than for one in its path.
   */
  readonly input: string | undefined;
  constructor(kind: DomainErrorKind, message: string, input?: string) {
    super(message);
    this.kind = kind;
    this.input = input;
    this.name = 'DomainError';
  }
}

export const unauthenticated = (message: string) => new DomainError('unauthenticated', message);
export const forbidden = (message: string) => new DomainError('forbidden', message);
export const notFound = (message: string, input?: string) => new DomainError('not_found', message, input);
export const conflict = (message: string) => new DomainError('conflict', message);
export const invalid = (message: string) => new DomainError('invalid', message);
