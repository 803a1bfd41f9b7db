// The API streams of a mailbox's messages (Server-Sent Events), shared by both dialects: one
// `message` event per message (`id:` its id in the dialect, `data:` the wait answer's object),
// a comment as heartbeat, and `gone` when the mailbox goes away. Resuming from a message
// (Last-Event-ID) is the follow service's catch-up; this module only writes and closes.
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Follower } from '../domain/following.ts';
import type { MessageRecord } from '../store/types.ts';

export const heartbeatMs = 15_000;
/** A client that reads slower than mail arrives is cut off past this much unsent text; it resumes. */
const maxBufferedBytes = 8 * 1024 * 1024;

export interface MessageStreamOptions {
  /** Starts following (catch-up included) and returns the function that stops it. */
  follow(follower: Follower): Promise<() => void>;
  /** The event of one message: its id in the dialect and its JSON object. */
  present(message: MessageRecord): Promise<{ id: string; json: string }>;
}

/** Open streams, so that closing the server ends them instead of waiting for them. */
export class MessageStreams {
  readonly #open = new Set<() => void>();

  get size(): number {
    return this.#open.size;
  }

  /** Follows, then sends the stream as the reply (counted as one 2xx request). */
  async open(reply: FastifyReply, options: MessageStreamOptions): Promise<FastifyReply> {
    const body = new PassThrough();
    let stop: (() => void) | undefined;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      stop?.();
      clearInterval(heartbeat);
      this.#open.delete(end);
      body.end();
    };
    const write = (text: string) => {
      if (ended) return;
      if (body.writableLength > maxBufferedBytes) return end();
      body.write(text);
    };
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
    heartbeat.unref();
    reply.raw.on('close', end);
    this.#open.add(end);
    try {
      stop = await options.follow({
        message: async (message) => {
          if (ended) return;
          const { id, json } = await options.present(message);
          write(`id: ${id}\nevent: message\ndata: ${json}\n\n`);
        },
        gone: () => {
          write('event: gone\ndata: {}\n\n');
          end();
        },
      });
    } catch (err) {
      end();
      throw err;
    }
    // The replay (if any) is written: from here on, each message as it is stored.
    write(': live\n\n');
    if (ended || !reply.raw.socket || reply.raw.socket.destroyed) end();
    return reply
      .header('Cache-Control', 'no-store')
      .header('X-Accel-Buffering', 'no')
      .header('X-Content-Type-Options', 'nosniff')
      .type('text/event-stream; charset=utf-8')
      .send(body);
  }

  closeAll(): void {
    for (const end of [...this.#open]) end();
  }
}

/**
 * What a dialect's held routes (waits and streams) share: a signal that aborts held waits and
 * the open streams, both ended when the server starts to close (in `preClose`, before its
 * listener waits for requests in progress, which held ones would never finish).
 */
export function heldRequests(app: FastifyInstance): { closing: AbortSignal; streams: MessageStreams } {
  const closing = new AbortController();
  const streams = new MessageStreams();
  app.addHook('preClose', async () => {
    closing.abort();
    streams.closeAll();
  });
  return { closing: closing.signal, streams };
}
