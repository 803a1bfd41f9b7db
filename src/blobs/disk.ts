// Blob store on the local file system: data/blobs/<first two key characters>/<key> (4,096
// directories, so a directory is created rarely and none grows huge). Writes go to a temporary file
// that is fsynced and then renamed, so a blob is either complete or absent. Files are created
// 0600 and directories 0700: they hold received mail.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { privateDirMode, privateFileMode } from '../fs/private-files.ts';
import type { BlobSource, BlobStore } from './types.ts';

const keyPattern = /^[A-Za-z0-9_-]{16,128}$/;

export class DiskBlobStore implements BlobStore {
  readonly #root: string;
  readonly #sync: boolean;

  constructor(root: string, options: { sync: boolean }) {
    this.#root = root;
    this.#sync = options.sync;
  }

  #pathOf(key: string): string {
    // Keys are ours, but check anyway: nothing outside the pattern can become a path.
    if (!keyPattern.test(key)) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
    return path.join(this.#root, key.slice(0, 2), key);
  }

  async put(key: string, chunks: BlobSource): Promise<void> {
    const file = this.#pathOf(key);
    const temp = `${file}.tmp`;
    const handle = await this.#create(temp);
    try {
      try {
        // writeFile on a handle writes everything from the current position, looping on short writes.
        for await (const chunk of chunks) await handle.writeFile(chunk);
        if (this.#sync) await handle.datasync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, file);
    } catch (err) {
      // Nothing refers to a partial temporary file: do not leave it behind.
      await fs.rm(temp, { force: true }).catch(() => {});
      throw err;
    }
    // The renamed file's name is only durable once its directory is synced.
    if (this.#sync) await syncDirectory(path.dirname(file));
  }

  /**
   * Opens `file` for writing, making its directories when they are missing. Which directories
   * exist is not remembered: one may be removed under us (and then every write to it would fail).
   */
  async #create(file: string): Promise<fs.FileHandle> {
    try {
      return await fs.open(file, 'w', privateFileMode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const dir = path.dirname(file);
    const firstMade = await fs.mkdir(dir, { recursive: true, mode: privateDirMode });
    if (this.#sync && firstMade) {
      // Each new directory's entry lives in its parent: sync those parents too.
      for (let made = dir; ; made = path.dirname(made)) {
        await syncDirectory(path.dirname(made));
        if (made === firstMade) break;
      }
    }
    return fs.open(file, 'w', privateFileMode);
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

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
