// The key dialect's page cursor: base64 of `{"timestamp": <ms>, "id": "<uuid>"}` naming the last
// item of the previous page (as the seed's example shows). The next page holds the items strictly
// after it in (time, uuid) descending order, so pages stay consistent while items come and go.
import { invalid } from '../../domain/errors.ts';
import type { PageCursor } from '../../store/types.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Standard or URL-safe base64, padding optional.
const base64Pattern = /^[A-Za-z0-9+/_-]+={0,2}$/;

export function encodeCursor(position: PageCursor): string {
  return Buffer.from(JSON.stringify({ timestamp: position.at, id: position.uuid })).toString('base64');
}

const malformed = () =>
  invalid('The cursor is not valid: pass the nextCursor of the previous page unchanged, or no cursor.');

/** The position a cursor names; `invalid` when it is not one of ours. */
export function decodeCursor(raw: string): PageCursor {
  if (!base64Pattern.test(raw)) throw malformed();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    throw malformed();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed();
  const { timestamp, id } = value as Record<string, unknown>;
  // Times are whole milliseconds: a fraction, a negative or a number past 2^53 names no
  // position, and PostgreSQL's bigint would refuse it (a 500) where SQLite compares it.
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) throw malformed();
  if (typeof id !== 'string' || !uuidPattern.test(id)) throw malformed();
  return { at: timestamp, uuid: id.toLowerCase() };
}

/** The position to start after: none for an absent or empty `cursor` (the first page). */
export function positionOf(cursor: string | undefined): PageCursor | undefined {
  return cursor ? decodeCursor(cursor) : undefined;
}
