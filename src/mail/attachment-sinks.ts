// Where parsing puts the decoded bytes of attachments until they are stored: in memory for a
// small message, in a file next to the spooled raw message for a large one (so a 20 MB
// attachment is never held whole). Either way `chunks()` gives them back in order.
import { createReadStream } from 'node:fs';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { privateFileMode } from '../fs/private-files.ts';
import type { AttachmentSink } from './parse.ts';

export interface StagedAttachments extends AttachmentSink {
  /** The bytes written, in order. Call once writing is over. */
  chunks(): AsyncIterable<Buffer> | Iterable<Buffer>;
  /** Frees what the bytes took (closes and removes the file). Safe to call more than once. */
  discard(): Promise<void>;
}

export class AttachmentsInMemory implements StagedAttachments {
  readonly #chunks: Buffer[] = [];

  write(chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  chunks(): Buffer[] {
    return this.#chunks;
  }

  async discard(): Promise<void> {
    this.#chunks.length = 0;
  }
}

/** Bytes gathered before a write: a few large writes rather than one per decoded line. */
const writeBatchBytes = 256 * 1024;

export class AttachmentsInFile implements StagedAttachments {
  readonly #path: string;
  #handle: FileHandle | undefined;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #written = 0;

  /** `path` must not exist; it is created (readable by this user only) on the first write. */
  constructor(path: string) {
    this.#path = path;
  }

  async write(chunk: Buffer): Promise<void> {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes >= writeBatchBytes) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#pendingBytes === 0) return;
    const batch = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#handle ??= await open(this.#path, 'wx', privateFileMode);
    await this.#handle.writeFile(batch);
    this.#written += batch.length;
  }

  async *chunks(): AsyncGenerator<Buffer> {
    await this.#flush();
    await this.#handle?.close();
    this.#handle = undefined;
    if (this.#written === 0) return;
    yield* createReadStream(this.#path, { highWaterMark: 1024 * 1024 });
  }

  async discard(): Promise<void> {
    this.#pending = [];
    this.#pendingBytes = 0;
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => {});
    await rm(this.#path, { force: true });
  }
}
