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
  /**
   * Starts following (catch-up included) and returns the function that stops it; `left` aborts
   * when the stream ends during the catch-up.
   */
  follow(follower: Follower, left: AbortSignal): Promise<() => void>;
  /** The event of one message: its id in the dialect and its JSON object. */
  present(message: MessageRecord): Promise<{ id: string; json: string }>;
}

/** A 429 in the answering dialect's shape (the route's error handler writes it). */
class TooManyStreams extends Error {
  readonly statusCode = 429;
  constructor(limit: number) {
    super(`This key already holds ${limit} open streams (BURNBOX_LIVE_STREAMS_PER_CLIENT); close one first.`);
  }
}

/** Open streams, so that closing the server ends them instead of waiting for them. */
export class MessageStreams {
  readonly #open = new Set<() => void>();
  /** Open streams per owner (the key's user): each holds a listener, a timer and a buffer. */
  readonly #perOwner = new Map<number, number>();
  readonly #perOwnerLimit: number;

  constructor(perOwnerLimit: number) {
    this.#perOwnerLimit = perOwnerLimit;
  }

  get size(): number {
    return this.#open.size;
  }

  /**
   * Follows, then sends the stream as the reply (counted as one 2xx request); a 429 when `owner`
   * holds as many streams as allowed.
   */
  async open(reply: FastifyReply, owner: number, options: MessageStreamOptions): Promise<FastifyReply> {
    const held = this.#perOwner.get(owner) ?? 0;
    if (held >= this.#perOwnerLimit) throw new TooManyStreams(this.#perOwnerLimit);
    this.#perOwner.set(owner, held + 1);
    const body = new PassThrough();
    const left = new AbortController();
    let stop: (() => void) | undefined;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      left.abort();
      stop?.();
      const still = (this.#perOwner.get(owner) ?? 1) - 1;
      if (still > 0) this.#perOwner.set(owner, still);
      else this.#perOwner.delete(owner);
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
      stop = await options.follow(
        {
          message: async (message) => {
            if (ended) return;
            const { id, json } = await options.present(message);
            write(`id: ${id}\nevent: message\ndata: ${json}\n\n`);
          },
          gone: () => {
            write('event: gone\ndata: {}\n\n');
            end();
          },
        },
        left.signal,
      );
      // Ended during the catch-up (the client left, or the mailbox went): stop what was started.
      if (ended) stop();
    } catch (err) {
      end();
      throw err;
    }
    // The replay (if any) is written: from here on, each message as it is stored.
    write(': live\n\n');
    if (ended || !reply.raw.socket || reply.raw.socket.destroyed) end();
    // Its connection is never reused: once the stream ends (the server closing, the mailbox
    // gone) the socket closes with it, instead of lingering as an idle keep-alive connection
    // that a closing server would wait out.
    return reply
      .header('Cache-Control', 'no-store')
      .header('Connection', 'close')
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
export function heldRequests(
  app: FastifyInstance,
  streamsPerOwner: number,
): { closing: AbortSignal; streams: MessageStreams } {
  const closing = new AbortController();
  const streams = new MessageStreams(streamsPerOwner);
  app.addHook('preClose', async () => {
    closing.abort();
    streams.closeAll();
  });
  return { closing: closing.signal, streams };
}
