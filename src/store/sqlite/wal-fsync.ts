// Makes a WAL database's commits durable with an fsync of its -wal file on libuv's thread pool,
// instead of SQLite's own fsync inside COMMIT (synchronous=FULL), which holds the event loop for
// the whole flush. What SQLite's FULL mode guarantees holds the same way: a commit's frames are
// on disk before anyone is told it is done. Frames of later commits never overwrite earlier ones
// before a checkpoint has copied them into the database file and fsynced it (SQLite does that
// itself at synchronous=NORMAL), so one fsync covers every commit written before it began.
import { type FileHandle, open } from 'node:fs/promises';

export class WalFsync {
  readonly #walFile: string;
  #handle: Promise<FileHandle> | undefined;

  /** `databaseFile`: the database's path; its WAL is `<path>-wal`. */
  constructor(databaseFile: string) {
    this.#walFile = `${databaseFile}-wal`;
  }

  /** Resolves once everything written to the WAL before this call is on disk. */
  async sync(): Promise<void> {
    // The -wal file lives as long as the connection that writes it is open (SQLite removes it
    // only when the last connection closes), so one descriptor serves every commit.
    this.#handle ??= open(this.#walFile, 'r');
    try {
      await (await this.#handle).sync();
    } catch (err) {
      this.#handle = undefined;
      throw err;
    }
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await (await handle?.catch(() => undefined))?.close();
  }
}
