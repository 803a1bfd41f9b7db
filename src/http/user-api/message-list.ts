// The body of `GET /api/messages`: the mailbox's messages written out a chunk at a time as they
// are read from the store, so a mailbox of 10,000 messages is sent without holding them all, or
// their whole JSON, in memory at once. A list that fits in one chunk (the usual case) is sent as
// one string with its length, without the cost of a stream.
import type { Readable } from 'node:stream';
import type { MailboxRecord, MessageRecord } from '../../store/types.ts';
import { pacedBody } from '../paced-body.ts';
import { type PresentContext, presentMessage } from './presenters.ts';

/** Messages read from the store, and written out, at a time. */
export const listChunkSize = 100;

export async function messageListBody(
  present: PresentContext,
  mailbox: MailboxRecord,
  chunks: AsyncGenerator<MessageRecord[]>,
): Promise<string | Readable> {
  const head = `{"status":true,"mailbox":${JSON.stringify(mailbox.address)},"messages":[`;
  const tail = ']}';
  const items = (messages: MessageRecord[]) =>
    messages.map((m) => JSON.stringify(presentMessage(present, m))).join(',');
  const first = await chunks.next();
  if (first.done) return head + tail;
  if (first.value.length < listChunkSize) {
    await chunks.return(undefined);
    return head + items(first.value) + tail;
  }
  async function* pieces(): AsyncGenerator<Buffer> {
    yield Buffer.from(head + items(first.value as MessageRecord[]));
    for await (const messages of chunks) yield Buffer.from(`,${items(messages)}`);
    yield Buffer.from(tail);
  }
  return pacedBody(pieces());
}
