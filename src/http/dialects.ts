// Which API dialect a request speaks, from its URL alone. The dialects share one path,
// `DELETE /api/emails/{x}`: a UUID there is a key-dialect mailbox id, anything else a user-dialect
// address. The router tells them apart with the `dialect` route constraint below, so each
// dialect's plugin keeps its own route, hooks and error handler.
import type { IncomingMessage } from 'node:http';

export type Dialect = 'user' | 'key';

const uuid = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const keyMailboxPath = new RegExp(`^/api/emails/${uuid}(?:/|$)`);
/** Paths only the key dialect has (any method): its own prefixes, generate, and mailbox ids. */
const keyOnlyPath = new RegExp(`^/api/(?:email|webhook)(?:/|$)|^/api/emails/(?:generate|${uuid})(?:/|$)`);

const pathOf = (url: string) => url.split(/[?#]/, 1)[0] ?? '';

/** The dialect of `/api/emails/{x}…`: a UUID for x is the key dialect's, an address the user's. */
export function dialectOfEmailsPath(url: string): Dialect {
  return keyMailboxPath.test(pathOf(url)) ? 'key' : 'user';
}

/** The dialect whose error shape an unknown route under /api answers in. */
export function dialectOfUnknownPath(url: string): Dialect {
  return keyOnlyPath.test(pathOf(url)) ? 'key' : 'user';
}

/** find-my-way constraint strategy: a route with `constraints: { dialect }` matches only it. */
export const dialectConstraint = {
  name: 'dialect',
  storage() {
    const handlers = new Map<string, unknown>();
    return {
      get: (value: string) => (handlers.get(value) ?? null) as never,
      set: (value: string, handler: unknown) => {
        handlers.set(value, handler);
      },
    };
  },
  deriveConstraint: (req: IncomingMessage) => dialectOfEmailsPath(req.url ?? ''),
  validate(value: unknown) {
    if (value !== 'user' && value !== 'key') throw new Error('The dialect constraint is "user" or "key".');
  },
};
