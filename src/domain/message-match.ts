// Which messages a wait or a stream is after: the same rules for a message found in the store and
// for one that has just arrived, so that the two paths never disagree.
import type { MessageHead, PageCursor } from '../store/types.ts';

/** Case-insensitive substrings; an empty or absent one matches everything. */
export interface MessageFilter {
  /** Of the sender's address or display name. */
  from?: string;
  subject?: string;
  /** Of the address the message was sent to (with its +tag, see plus addressing). */
  to?: string;
}

/** What a match needs of a message: its head (no bodies). */
export type Matchable = Pick<MessageHead, 'uuid' | 'receivedAt' | 'recipient' | 'seen'> & {
  content: Pick<MessageHead['content'], 'subject' | 'fromName' | 'fromEmail'>;
};

const contains = (haystack: string, needle: string | undefined) =>
  !needle || haystack.toLowerCase().includes(needle.toLowerCase());

export function matchesFilter(filter: MessageFilter, m: Matchable): boolean {
  const c = m.content;
  return (
    (contains(c.fromEmail, filter.from) || contains(c.fromName, filter.from)) &&
    contains(c.subject, filter.subject) &&
    contains(m.recipient, filter.to)
  );
}

/** The position of a message in a mailbox's order (received time, then uuid). */
export const positionOf = (m: Pick<MessageHead, 'uuid' | 'receivedAt'>): PageCursor => ({
  at: m.receivedAt,
  uuid: m.uuid,
});

/** Whether `m` comes strictly after `position` in a mailbox's order. */
export function isAfter(
  position: PageCursor | undefined,
  m: Pick<MessageHead, 'uuid' | 'receivedAt'>,
): boolean {
  if (!position) return true;
  return m.receivedAt > position.at || (m.receivedAt === position.at && m.uuid > position.uuid);
}
