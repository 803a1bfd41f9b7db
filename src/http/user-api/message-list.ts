// The body of `GET /api/messages`: the mailbox's messages written out a chunk at a time as they
// are read from the store, so a mailbox of 10,000 messages is sent without holding them all, or
// their whole JSON, in memory at once. A list that fits in one chunk (the usual case) is sent as
// one string with its length, without the cost of a stream.
import type { Readable } from 'node:stream';
import type { ListChunk } from '../../domain/messages.ts';
import type { MailboxRecord } from '../../store/types.ts';
import { pacedBody } from '../paced-body.ts';
import { PresentedMessages } from './presented-messages.ts';

/** Messages read from the store, and written out, at a time. */
export const listChunkSize = 100;

export async function messageListBody(
  presented: PresentedMessages,
  mailbox: MailboxRecord,
  chunks: AsyncGenerator<ListChunk<string>>,
): Promise<string | Readable> {
  const head = `{"status":true,"mailbox":${JSON.stringify(mailbox.address)},"messages":[`;
  const tail = ']}';
  const items = (chunk: ListChunk<string>) =>
    'messages' in chunk
      ? chunk.messages.map((m) => presented.json(m)).join(',')
      : chunk.known.map((k) => PresentedMessages.withSeen(k.value, k.state.seen)).join(',');
  const first = await chunks.next();
  if (first.done) return head + tail;
  const size = 'messages' in first.value ? first.value.messages.length : first.value.known.length;
  if (size < listChunkSize) {
    await chunks.return(undefined);
    return head + items(first.value) + tail;
  }
  async function* pieces(): AsyncGenerator<Buffer> {
    yield Buffer.from(head + items(first.value as ListChunk<string>));
    for await (const chunk of chunks) yield Buffer.from(`,${items(chunk)}`);
    yield Buffer.from(tail);
  }
  return pacedBody(pieces());
}
