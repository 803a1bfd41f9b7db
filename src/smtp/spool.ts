// Spool files: where a large message goes while it is received, so that memory holds only a
// small window of it. They live in the data directory (readable by this user only) and are
// temporary: each is removed once its delivery has settled, and those of a process that died
// are removed when the next one starts. File names start with the process id, so processes
// sharing a data directory never remove each other's files while they run.
import { type FileHandle, mkdir, open, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { newSecret } from '../domain/ids.ts';
import { privateDirMode, privateFileMode } from '../fs/private-files.ts';

export class Spool {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Creates the directory and removes the files left by processes no longer running. */
  async prepare(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: privateDirMode });
    for (const name of await readdir(this.#dir)) {
      const pid = Number(/^(\d+)-/.exec(name)?.[1]);
      // Our own id on a file at start is a previous process's (after a restart in a container).
      if (pid === process.pid || !isRunning(pid)) await rm(path.join(this.#dir, name), { force: true });
    }
  }

  /** A new, empty spool file. */
  async create(): Promise<SpoolFile> {
    const file = path.join(this.#dir, `${process.pid}-${newSecret()}`);
    let handle: FileHandle;
    try {
      handle = await open(file, 'wx', privateFileMode);
    } catch (err) {
      // Removed under us (or never prepared): make it again once.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(this.#dir, { recursive: true, mode: privateDirMode });
      handle = await open(file, 'wx', privateFileMode);
    }
    return new SpoolFile(file, handle);
  }
}

export class SpoolFile {
  readonly path: string;
  #handle: FileHandle | undefined;
  size = 0;

  constructor(file: string, handle: FileHandle) {
    this.path = file;
    this.#handle = handle;
  }

  async write(chunk: Buffer): Promise<void> {
    if (!this.#handle) throw new Error('spool file already closed');
    // writeFile on a handle writes everything from the current position, looping on short writes.
    await this.#handle.writeFile(chunk);
    this.size += chunk.length;
  }

  /** Done writing (the bytes need not be durable: a crash loses only an unanswered message). */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  /** Closes and deletes the file; never fails (a leftover is removed at the next start). */
  async remove(): Promise<void> {
    await this.close().catch(() => {});
    await rm(this.path, { force: true }).catch(() => {});
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
