// Checkpoints a WAL database from a worker thread instead of inside a commit. SQLite's automatic
// checkpoint runs in the COMMIT that crosses 1,000 pages of log: it copies ~4 MB into the
// database file and fsyncs both files, on the event loop, every few hundred messages under
// ingest. Here the connection that writes has wal_autocheckpoint=0 and, after its group commits,
// asks this thread (its own connection) for a PASSIVE checkpoint: at most one at a time, at most
// one every `minIntervalMs`, so that pages written over and over are copied once per round.
import { Worker } from 'node:worker_threads';
import type { CheckpointWorkerData } from './checkpoint-worker.ts';

const workerUrl = new URL('./checkpoint-worker.ts', import.meta.url);

/** Log pages (4 KiB) past which the checkpoint waits for a moment without writers to restart it. */
const restartPages = 16_384;

/** Checkpoints start at most this often. */
const minIntervalMs = 100;

/** Even without group commits (other writes), the log is checkpointed this often. */
const idleIntervalMs = 5_000;

export class Checkpointer {
  readonly #file: string;
  readonly #onStopped: () => void;
  /** Started on the first request: a short-lived command that commits no group never starts it. */
  #worker: Worker | undefined;
  #exited: Promise<void> = Promise.resolve();
  #running = false;
  /** A request came while a checkpoint ran: one more is due after it. */
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #lastStart = 0;
  #closed = false;
  readonly #idle: NodeJS.Timeout;

  /** `onStopped`: the thread died; the caller goes back to checkpointing in its commits. */
  constructor(file: string, onStopped: () => void) {
    this.#file = file;
    this.#onStopped = onStopped;
    this.#idle = setInterval(() => this.request(), idleIntervalMs).unref();
  }

  /** Asks for a checkpoint of everything committed so far. */
  request(): void {
    if (this.#closed || this.#timer) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    const wait = this.#lastStart + minIntervalMs - Date.now();
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.request();
      }, wait).unref();
      return;
    }
    this.#running = true;
    this.#again = false;
    this.#lastStart = Date.now();
    const worker = this.#started();
    // Busy, it keeps the process alive until it is done; idle, it does not.
    worker.ref();
    worker.postMessage('checkpoint');
  }

  #started(): Worker {
    if (this.#worker) return this.#worker;
    const workerData: CheckpointWorkerData = { file: this.#file, restartPages };
    const worker = new Worker(workerUrl, { workerData });
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', () => {
      this.#running = false;
      worker.unref();
      if (this.#again) this.request();
    });
    // A failed checkpoint leaves the pages in the log, durable all the same, and the next request
    // tries again; a thread that died hands checkpointing back to the commits.
    worker.on('error', (err) => {
      this.#stop();
      this.#onStopped();
      process.emitWarning(`SQLite checkpoint thread stopped: ${err.message}`);
    });
    this.#worker = worker;
    return worker;
  }

  #stop(): void {
    this.#closed = true;
    clearInterval(this.#idle);
    clearTimeout(this.#timer);
  }

  /** Lets a checkpoint under way finish, then closes the thread's connection. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#stop();
      this.#worker?.postMessage('close');
    }
    await this.#exited;
  }
}
