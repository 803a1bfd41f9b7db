// Where a received message's bytes live: small ones inline in the store (written with the
// delivery's rows), large ones in the blob store. Readers go through here and need not care.
import { Readable } from 'node:stream';
import type { ServiceContext } from './context.ts';

/** Streams bytes [start, end) of the blob `key`. */
export async function openBlobRange(
  ctx: ServiceContext,
  key: string,
  start: number,
  end: number,
): Promise<Readable> {
  const inline = await ctx.store.readInlineBlob(key, start, end);
  if (inline) return Readable.from([inline]);
  return ctx.blobs.read(key, { start, end });
}
