// Requests held open (waits, streams) end when their client goes away, or when the server stops.
import type { FastifyReply } from 'fastify';

export interface HeldRequest {
  /** Aborted when the client disconnects before the answer, or the server is closing. */
  signal: AbortSignal;
  /** Why it was aborted; undefined while it holds. */
  readonly reason: 'client_gone' | 'closing' | undefined;
  /** Stops listening (call once the answer is under way). */
  release(): void;
}

export function holdRequest(reply: FastifyReply, closing: AbortSignal): HeldRequest {
  const controller = new AbortController();
  let reason: HeldRequest['reason'];
  const abort = (why: 'client_gone' | 'closing') => {
    reason ??= why;
    controller.abort();
  };
  const res = reply.raw;
  const onClose = () => {
    if (!res.writableFinished) abort('client_gone');
  };
  const onClosing = () => {
    // Answered now, on a connection not to be reused: a closing server would otherwise wait
    // out its keep-alive time once the answer is sent.
    if (!res.headersSent) reply.header('Connection', 'close');
    abort('closing');
  };
  res.on('close', onClose);
  closing.addEventListener('abort', onClosing);
  // A client that left while the request was being checked has closed already.
  if (!res.socket || res.socket.destroyed) abort('client_gone');
  if (closing.aborted) onClosing();
  return {
    signal: controller.signal,
    get reason() {
      return reason;
    },
    release() {
      res.off('close', onClose);
      closing.removeEventListener('abort', onClosing);
    },
  };
}
