// A small pool of worker threads that do the costly work on received HTML (sanitising it into
// the document the web UI shows, making plain text of it, reading a mail's codes and links) off
// the event loop, so that one big or
// deeply nested message never holds up other requests or SMTP sessions. Each piece of work is
// bounded: the HTML is cut at a size cap, and work still running after the time budget is
// stopped (its worker terminated and replaced), giving an empty result instead of a failure.
import { Worker } from 'node:worker_threads';
import type { Extraction, ExtractionInput } from './extract/types.ts';
import type { HtmlTask, HtmlTaskResult } from './html-worker.ts';

export interface HtmlWorkLimits {
  /** Worker threads, so at most this many pieces of work at once; the rest wait their turn. */
  workers: number;
  /** HTML beyond this many bytes (UTF-8) is left out of the document and the text. */
  maxBytes: number;
  /** Work running longer than this is stopped; the result is empty. */
  budgetMs: number;
}

/** A message's sanitised HTML document, as UTF-8 bytes, and how many remote images it shows. */
export interface HtmlDocument {
  document: Buffer;
  remoteImages: number;
}

/** What became of the pool's work so far (tests and the benchmark read it). */
export interface HtmlWorkCounts {
  /** Pieces of work finished by a worker. */
  done: number;
  /** Results made from HTML cut at the size cap. */
  truncated: number;
  /** Work stopped at the time budget. */
  overBudget: number;
  /** Work that failed in the worker (an exception, the worker dying). */
  failed: number;
}

type TaskInput = HtmlTask extends infer T ? (T extends HtmlTask ? Omit<T, 'id' | 'maxBytes'> : never) : never;

interface Job {
  task: HtmlTask;
  /** Characters of input: the queue serves small work first (see #next). */
  size: number;
  queuedAt: number;
  settle(result: HtmlTaskResult | undefined): void;
}

/** Characters of input of a task, for the queue's order. */
function taskSize(task: TaskInput): number {
  switch (task.kind) {
    case 'json':
      return task.strings.reduce((sum, s) => sum + s.length, 0);
    case 'extract':
      return task.subject.length + task.text.length + task.html.length;
    default:
      return task.html.length;
  }
}

const workerUrl = new URL('./html-worker.ts', import.meta.url);

/** An empty document: what a reader is shown when the HTML could not be made safe in time. */
export const emptyDocument: HtmlDocument = {
  document: Buffer.from('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>'),
  remoteImages: 0,
};

export class HtmlWorkPool {
  readonly #limits: HtmlWorkLimits;
  readonly #idle: Worker[] = [];
  readonly #running = new Map<Worker, { job: Job; timer: NodeJS.Timeout }>();
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;
  readonly counts: HtmlWorkCounts = { done: 0, truncated: 0, overBudget: 0, failed: 0 };

  constructor(limits: HtmlWorkLimits) {
    this.#limits = limits;
  }

  /** Plain text of `html`; empty if it could not be made within the budget. */
  async plainText(html: string): Promise<string> {
    const result = await this.#submit({ kind: 'text', html });
    return result?.kind === 'text' ? result.text : '';
  }

  /**
   * The sanitised document of `html`, cid: references resolved through `inlineParts` (Content-ID
   * without <> → URL); the empty document if it could not be made within the budget.
   */
  async document(html: string, inlineParts: Record<string, string>): Promise<HtmlDocument> {
    const result = await this.#submit({ kind: 'document', html, inlineParts });
    if (result?.kind !== 'document') return emptyDocument;
    const bytes = result.document;
    return {
      document: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      remoteImages: result.remoteImages,
    };
  }

  /**
   * Each string as a JSON string literal (quotes included), UTF-8; undefined if they could not be
   * made within the budget.
   */
  async jsonLiterals(strings: string[]): Promise<Buffer[] | undefined> {
    const result = await this.#submit({ kind: 'json', strings });
    if (result?.kind !== 'json') return undefined;
    return result.literals.map((l) => Buffer.from(l.buffer, l.byteOffset, l.byteLength));
  }

  /**
   * The verification codes and action links of a mail (text and HTML each cut at the size cap);
   * undefined if they could not be read within the budget.
   */
  async extract(input: ExtractionInput): Promise<Extraction | undefined> {
    const result = await this.#submit({
      kind: 'extract',
      subject: input.subject,
      text: input.text,
      html: input.html,
    });
    return result?.kind === 'extract' ? result.extraction : undefined;
  }

  /** Stops every worker; work still waiting or running settles with the empty result. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.settle(undefined);
    const workers = [...this.#idle.splice(0), ...this.#running.keys()];
    for (const [, { job, timer }] of this.#running) {
      clearTimeout(timer);
      job.settle(undefined);
    }
    this.#running.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  /**
   * The job to run next: the smallest, so that an ordinary mail's work never waits behind a
   * queue of megabyte-sized HTML from one sender (each of which may take seconds); but a job
   * that has waited a whole time budget goes first, so big work is never starved.
   */
  #next(): Job {
    let pick = 0;
    const overdue = Date.now() - this.#limits.budgetMs;
    for (let i = 0; i < this.#queue.length; i++) {
      const job = this.#queue[i] as Job;
      if (job.queuedAt <= overdue) {
        pick = i;
        break;
      }
      if (job.size < (this.#queue[pick] as Job).size) pick = i;
    }
    return this.#queue.splice(pick, 1)[0] as Job;
  }

  #submit(input: TaskInput): Promise<HtmlTaskResult | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const task = { ...input, id: this.#nextId++, maxBytes: this.#limits.maxBytes } as HtmlTask;
      this.#queue.push({ task, size: taskSize(input), queuedAt: Date.now(), settle: resolve });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#queue.length > 0 && !this.#closed) {
      const worker = this.#idle.pop() ?? (this.#size() < this.#limits.workers ? this.#spawn() : undefined);
      if (!worker) return;
      const job = this.#next();
      const timer = setTimeout(() => this.#overBudget(worker), this.#limits.budgetMs);
      this.#running.set(worker, { job, timer });
      worker.ref();
      worker.postMessage(job.task);
    }
  }

  #size(): number {
    return this.#idle.length + this.#running.size;
  }

  #spawn(): Worker {
    const worker = new Worker(workerUrl);
    worker.on('message', (result: HtmlTaskResult) => {
      const running = this.#finish(worker);
      if (!running) return;
      if (result.kind === 'error') this.counts.failed++;
      else {
        this.counts.done++;
        if (result.truncated) this.counts.truncated++;
      }
      running.job.settle(result.kind === 'error' ? undefined : result);
      // An idle worker does not keep the process alive.
      worker.unref();
      this.#idle.push(worker);
      this.#pump();
    });
    // A worker that dies (out of memory, a crash) takes only its current piece of work with it.
    const died = () => {
      const idleAt = this.#idle.indexOf(worker);
      if (idleAt !== -1) this.#idle.splice(idleAt, 1);
      const running = this.#finish(worker);
      if (running) {
        this.counts.failed++;
        running.job.settle(undefined);
      }
      this.#pump();
    };
    worker.on('error', died);
    worker.on('exit', died);
    return worker;
  }

  #finish(worker: Worker): { job: Job } | undefined {
    const running = this.#running.get(worker);
    if (!running) return undefined;
    clearTimeout(running.timer);
    this.#running.delete(worker);
    return running;
  }

  #overBudget(worker: Worker): void {
    const running = this.#finish(worker);
    if (!running) return;
    this.counts.overBudget++;
    running.job.settle(undefined);
    worker.removeAllListeners('message');
    void worker.terminate();
    this.#pump();
  }
}
