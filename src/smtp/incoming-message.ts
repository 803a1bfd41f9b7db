// Reads the DATA of one transaction: in memory while it is small, into a spool file once it
// grows past the spool threshold, and counted against the bytes-in-flight budget as it
// arrives. Past the size limit or the budget the rest is only drained, not kept: the reply is
// an error anyway, and keeping it would let one client fill our memory or disk.
import type { SMTPServerDataStream } from 'smtp-server';
import type { RawMessage } from '../domain/ingest.ts';
import type { ByteBudget } from './byte-budget.ts';
import type { Spool, SpoolFile } from './spool.ts';

export interface IncomingMessage {
  raw: RawMessage;
  /** Gives the bytes back to the budget and removes the spool file: call once delivery settled. */
  release(): Promise<void>;
}

export type ReadResult =
  | { outcome: 'received'; message: IncomingMessage }
  | { outcome: 'too_big' }
  | { outcome: 'over_budget' }
  /** The spool file could not be written (a full disk): the rest was drained, not kept. */
  | { outcome: 'spool_failed'; error: unknown };

export async function readIncoming(
  stream: SMTPServerDataStream,
  options: { spool: Spool; spoolBytes: number; budget: ByteBudget },
): Promise<ReadResult> {
  const { spool, spoolBytes, budget } = options;
  let taken = 0;
  let chunks: Buffer[] = [];
  let buffered = 0;
  let file: SpoolFile | undefined;
  let overBudget = false;
  let spoolError: unknown;
  const release = async () => {
    budget.give(taken);
    taken = 0;
    chunks = [];
    const spooled = file;
    file = undefined;
    await spooled?.remove();
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (stream.sizeExceeded || overBudget || spoolError) continue;
      if (!budget.tryTake(chunk.length)) {
        overBudget = true;
        await release();
        continue;
      }
      taken += chunk.length;
      try {
        if (file) {
          await file.write(chunk);
          continue;
        }
        chunks.push(chunk);
        buffered += chunk.length;
        if (buffered > spoolBytes) {
          file = await spool.create();
          for (const held of chunks) await file.write(held);
          chunks = [];
        }
      } catch (err) {
        // Keep reading to the end of DATA, so that the sender hears a reply and stays in sync.
        spoolError = err;
        await release();
      }
    }
    if (stream.sizeExceeded) {
      await release();
      return { outcome: 'too_big' };
    }
    if (overBudget) return { outcome: 'over_budget' };
    if (spoolError) return { outcome: 'spool_failed', error: spoolError };
    if (!file) return { outcome: 'received', message: { raw: Buffer.concat(chunks, buffered), release } };
    await file.close();
    return { outcome: 'received', message: { raw: { file: file.path, size: file.size }, release } };
  } catch (err) {
    // The client went away mid-message.
    await release();
    throw err;
  }
}
