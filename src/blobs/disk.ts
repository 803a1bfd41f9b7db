// Blob store on the local file system: data/blobs/ab/cd/<key>. Writes go to a temporary file
// that is fsynced and then renamed, so a blob is either complete or absent.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { BlobStore } from './types.ts';

const keyPattern = /^[A-Za-z0-9_-]{16,128}$/;

export class DiskBlobStore implements BlobStore {
  readonly #root: string;
  readonly #sync: boolean;
  readonly #madeDirs = new Set<string>();

  constructor(root: string, options: { sync: boolean }) {
    this.#root = root;
    this.#sync = options.sync;
  }

  #pathOf(key: string): string {
    // Keys are ours, but check anyway: nothing outside the pattern can become a path.
    if (!keyPattern.test(key)) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
    return path.join(this.#root, key.slice(0, 2), key.slice(2, 4), key);
  }

  async put(key: string, chunks: Buffer[]): Promise<void> {
    const file = this.#pathOf(key);
    const dir = path.dirname(file);
    if (!this.#madeDirs.has(dir)) {
      await fs.mkdir(dir, { recursive: true });
      this.#madeDirs.add(dir);
    }
    const temp = `${file}.tmp`;
    const handle = await fs.open(temp, 'w');
    try {
      // writeFile on a handle writes everything from the current position, looping on short writes.
      for (const chunk of chunks) await handle.writeFile(chunk);
      if (this.#sync) await handle.datasync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  }

  read(key: string, range?: { start: number; end: number }): Readable {
    const file = this.#pathOf(key);
    if (range && range.end <= range.start) return Readable.from([]);
    return createReadStream(file, range ? { start: range.start, end: range.end - 1 } : {});
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => fs.rm(this.#pathOf(key), { force: true })));
  }
}
