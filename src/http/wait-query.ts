// The query of the wait endpoints (both dialects): how long to hold, and which message is wanted.
import type { WaitOptions } from '../domain/waiting.ts';

export const defaultWaitSeconds = 30;
export const maxWaitSeconds = 60;

/** Query properties both dialects' wait endpoints take (each adds its own `after`). */
export const waitFilterProperties = {
  timeout: {
    type: 'number',
    minimum: 0,
    maximum: maxWaitSeconds,
    default: defaultWaitSeconds,
    description: `Seconds to hold when nothing matches yet (default ${defaultWaitSeconds}, at most ${maxWaitSeconds})`,
  },
  from: {
    type: 'string',
    maxLength: 320,
    description: "Substring of the sender's address or name (any case)",
  },
  subject: { type: 'string', maxLength: 998, description: 'Substring of the subject (any case)' },
  to: {
    type: 'string',
    maxLength: 320,
    description: 'Substring of the address the message was sent to, +tag included (any case)',
  },
} as const;

export interface WaitQuery {
  timeout: number;
  from?: string;
  subject?: string;
  to?: string;
  after?: string;
}

export function waitOptionsOf(
  query: WaitQuery,
  after: WaitOptions['after'],
  signal: AbortSignal,
): WaitOptions {
  return {
    filter: { from: query.from, subject: query.subject, to: query.to },
    after,
    timeoutMs: query.timeout * 1000,
    signal,
  };
}

export const timeoutMessage = (seconds: number) => `No matching message arrived within ${seconds} seconds.`;
export const closingMessage = 'The server is shutting down; wait again.';
